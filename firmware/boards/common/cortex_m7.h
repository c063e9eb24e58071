/*
 * The few Cortex-M7 core registers (ARMv7-M architecture) the board layers
 * use: SCB, NVIC, SysTick, DWT, FPU access and the semihosting call.
 * Addresses are from the ARMv7-M Architecture Reference Manual.
 */
#ifndef ALLHW_CORTEX_M7_H
#define ALLHW_CORTEX_M7_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

/* System control block */
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_CCR_DC (1u << 16)
#define SCB_CCR_IC (1u << 17)
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_CCSIDR REG32(0xE000ED80u)
#define SCB_CSSELR REG32(0xE000ED84u)
#define SCB_ICIALLU REG32(0xE000EF50u)
#define SCB_DCISW REG32(0xE000EF60u)

/* NVIC: set-enable registers and byte-wide priorities */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG32(0xE000E180u + 4u * (n))
#define NVIC_ICPR(n) REG32(0xE000E280u + 4u * (n))
#define NVIC_IPR(irq) REG8(0xE000E400u + (irq))

/* SysTick */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

/* Debug: DEMCR.TRCENA gates the DWT; the M7 DWT has a lock access register */
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u)
#define DWT_CTRL_CYCCNTENA (1u << 0)

static inline void cm_dsb(void) { __asm volatile("dsb 0xf" ::: "memory"); }
static inline void cm_isb(void) { __asm volatile("isb 0xf" ::: "memory"); }
static inline void cm_irq_disable(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void cm_irq_enable(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void cm_wfi(void) { __asm volatile("wfi" ::: "memory"); }

static inline void cm_nvic_enable(unsigned irq, uint8_t priority)
{
    NVIC_IPR(irq) = priority;
    NVIC_ICPR(irq / 32u) = 1u << (irq % 32u);
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

/* Grant full access to CP10/CP11 (the FPU). Must run before any FP instruction. */
static inline void cm_fpu_enable(void)
{
    SCB_CPACR |= (0xFu << 20);
    cm_dsb();
    cm_isb();
}

/* Arm semihosting call (M profile: BKPT 0xAB, operation in r0, argument in r1). */
static inline uint32_t cm_semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#endif
