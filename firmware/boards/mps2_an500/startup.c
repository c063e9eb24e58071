/*
 * mps2_an500 startup: vector table at 0x00000000 (where the Cortex-M7 of
 * this board reads it after reset), reset handler, fault handlers.
 */
#include <stdint.h>

#include "board.h"
#include "board_common.h"
#include "cortex_m7.h"
#include "mps2_an500.h"
#include "startup_common.h"

void UART0RX_Handler(void);

__attribute__((section(".isr_vector"), used))
const vector_t vector_table[16 + MPS2_IRQ_COUNT] = {
    CORE_VECTORS,
    [16 + 0] = UART0RX_Handler, /* UART0 RX */
    [16 + 1] = Default_Handler, /* UART0 TX */
    [16 + 2] = Default_Handler, [16 + 3] = Default_Handler, [16 + 4] = Default_Handler,
    [16 + 5] = Default_Handler, [16 + 6] = Default_Handler, [16 + 7] = Default_Handler,
    [16 + 8] = Default_Handler, [16 + 9] = Default_Handler, [16 + 10] = Default_Handler,
    [16 + 11] = Default_Handler, [16 + 12] = Default_Handler, [16 + 13] = Default_Handler,
    [16 + 14] = Default_Handler, [16 + 15] = Default_Handler, [16 + 16] = Default_Handler,
    [16 + 17] = Default_Handler, [16 + 18] = Default_Handler, [16 + 19] = Default_Handler,
    [16 + 20] = Default_Handler, [16 + 21] = Default_Handler, [16 + 22] = Default_Handler,
    [16 + 23] = Default_Handler, [16 + 24] = Default_Handler, [16 + 25] = Default_Handler,
    [16 + 26] = Default_Handler, [16 + 27] = Default_Handler, [16 + 28] = Default_Handler,
    [16 + 29] = Default_Handler, [16 + 30] = Default_Handler, [16 + 31] = Default_Handler,
};

void Reset_Handler(void)
{
    cm_fpu_enable(); /* before anything that may use FP registers */
    SCB_VTOR = (uint32_t)(uintptr_t)vector_table;
    startup_init_memory();
    board_exit(main());
}

void HardFault_Handler(void)
{
    board_panic("hard fault");
}

void Default_Handler(void)
{
    board_panic("unexpected interrupt");
}
