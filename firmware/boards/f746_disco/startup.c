/*
 * f746_disco startup: the vector table starts the flash, at 0x08000000 (the
 * flash on the AXIM interface). At reset the Cortex-M7 reads the initial SP
 * and the reset vector at the boot address: with the BOOT0 pin low that is
 * the option byte BOOT_ADD0 (address bits 29:14; ST's default 0x0080, i.e.
 * 0x00200000, the same flash seen through the ITCM interface), so it finds
 * this table there. The reset handler loads SP from the table itself, points
 * VTOR at 0x08000000, enables the FPU and the caches; fault handlers.
 */
#include <stdint.h>

#include "board.h"
#include "board_common.h"
#include "cortex_m7.h"
#include "startup_common.h"
#include "stm32f746.h"

void USART1_IRQHandler(void);

#define D Default_Handler

__attribute__((section(".isr_vector"), used))
const vector_t vector_table[16 + STM32F746_IRQ_COUNT] = {
    CORE_VECTORS,
    /* peripheral interrupts 0..97: only USART1 (37) is used */
    /* IRQ  0 */ D, D, D, D, D, D, D, D,
    /* IRQ  8 */ D, D, D, D, D, D, D, D,
    /* IRQ 16 */ D, D, D, D, D, D, D, D,
    /* IRQ 24 */ D, D, D, D, D, D, D, D,
    /* IRQ 32 */ D, D, D, D, D, USART1_IRQHandler, D, D,
    /* IRQ 40 */ D, D, D, D, D, D, D, D,
    /* IRQ 48 */ D, D, D, D, D, D, D, D,
    /* IRQ 56 */ D, D, D, D, D, D, D, D,
    /* IRQ 64 */ D, D, D, D, D, D, D, D,
    /* IRQ 72 */ D, D, D, D, D, D, D, D,
    /* IRQ 80 */ D, D, D, D, D, D, D, D,
    /* IRQ 88 */ D, D, D, D, D, D, D, D,
    /* IRQ 96 */ D, D,
};
#undef D

/* Invalidate, then enable, the Cortex-M7 instruction and data caches. */
static void caches_enable(void)
{
    SCB_ICIALLU = 0;
    cm_dsb();
    cm_isb();
    SCB_CCR |= SCB_CCR_IC;
    cm_dsb();
    cm_isb();

    SCB_CSSELR = 0; /* level 1 data cache */
    cm_dsb();
    uint32_t ccsidr = SCB_CCSIDR;
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    uint32_t line_shift = (ccsidr & 0x7u) + 4u;
    uint32_t way_shift = ways > 1u ? (uint32_t)__builtin_clz(ways - 1u) : 0u;
    for (uint32_t set = 0; set < sets; set++) {
        for (uint32_t way = 0; way < ways; way++) {
            SCB_DCISW = (way << way_shift) | (set << line_shift);
        }
    }
    cm_dsb();
    SCB_CCR |= SCB_CCR_DC;
    cm_dsb();
    cm_isb();
}

void Reset_Continue(void) __attribute__((noreturn, used));

/*
 * The core loads SP from the table on a reset, but not on a warm start (a
 * debugger's load-and-jump, a bootloader's jump to the reset vector), which
 * arrives on its caller's stack, perhaps the process stack: so, before any
 * C code runs, select the main stack (CONTROL = 0) and load it from the
 * table's first entry. Naked: no prologue may touch the old stack.
 */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm volatile(
        "movw r0, #:lower16:vector_table\n"
        "movt r0, #:upper16:vector_table\n"
        "ldr  r1, [r0]\n"
        "movs r2, #0\n"
        "msr  control, r2\n"
        "isb\n"
        "msr  msp, r1\n"
        "b    Reset_Continue\n");
}

void Reset_Continue(void)
{
    cm_fpu_enable(); /* before anything that may use FP registers */
    SCB_VTOR = (uint32_t)(uintptr_t)vector_table;
    startup_init_memory();
    caches_enable();
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
