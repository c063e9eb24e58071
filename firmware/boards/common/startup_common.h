/*
 * Pieces shared by the boards' startup code: the linker-script symbols, the
 * Cortex-M core's part of the vector table, and the C runtime set-up (.data
 * copy, .bss clear). Included only by a board's startup.c, which defines
 * Reset_Handler, HardFault_Handler and Default_Handler.
 */
#ifndef ALLHW_STARTUP_COMMON_H
#define ALLHW_STARTUP_COMMON_H

#include <stdint.h>

extern uint32_t _sidata[]; /* load address of .data (in flash) */
extern uint32_t _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];
extern uint32_t _estack[];

typedef void (*vector_t)(void);

int main(void);

void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);

/* The other core exceptions: Default_Handler unless the board defines one (e.g. SysTick). */
#define CORE_HANDLER __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) CORE_HANDLER;
void MemManage_Handler(void) CORE_HANDLER;
void BusFault_Handler(void) CORE_HANDLER;
void UsageFault_Handler(void) CORE_HANDLER;
void SVC_Handler(void) CORE_HANDLER;
void DebugMon_Handler(void) CORE_HANDLER;
void PendSV_Handler(void) CORE_HANDLER;
void SysTick_Handler(void) CORE_HANDLER;

/* Entries 0-15 of the vector table: initial stack pointer and core exceptions. */
#define CORE_VECTORS                          \
    [0] = (vector_t)(uintptr_t)_estack,       \
    [1] = Reset_Handler,                      \
    [2] = NMI_Handler,                        \
    [3] = HardFault_Handler,                  \
    [4] = MemManage_Handler,                  \
    [5] = BusFault_Handler,                   \
    [6] = UsageFault_Handler,                 \
    [11] = SVC_Handler,                       \
    [12] = DebugMon_Handler,                  \
    [14] = PendSV_Handler,                    \
    [15] = SysTick_Handler

static inline __attribute__((always_inline)) void startup_init_memory(void)
{
    const volatile uint32_t *src = _sidata;
    volatile uint32_t *dst = _sdata;
    while (dst < _edata) {
        *dst++ = *src++;
    }
    for (dst = _sbss; dst < _ebss; dst++) {
        *dst = 0;
    }
}

#endif
