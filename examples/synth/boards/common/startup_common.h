/*
 * Pieces shared by the boards' startup code: the linker-script symbols and
 * the C runtime set-up (.data copy, .bss clear).
 */
#ifndef SYNTH_STARTUP_COMMON_H
#define SYNTH_STARTUP_COMMON_H

#include <stdint.h>

extern uint32_t _sidata[]; /* load address of .data (in flash) */
extern uint32_t _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];
extern uint32_t _estack[];

typedef void (*vector_t)(void);

int main(void);

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
