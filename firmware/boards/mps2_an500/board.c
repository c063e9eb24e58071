/*
 * mps2_an500 board layer: CMSDK UART0 (RX by interrupt into the ring),
 * SysTick as the cycle counter (QEMU models no DWT cycle counter), exit
 * through semihosting so QEMU ends with main's return code.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "board_common.h"
#include "cortex_m7.h"
#include "mps2_an500.h"
#include "rx_ring.h"

void SysTick_Handler(void);
void UART0RX_Handler(void);

const char board_name[] = "mps2_an500";

#define SYSTICK_PERIOD (1u << 24) /* the full 24-bit range */

static volatile uint32_t systick_wraps;
static volatile int exiting;

void SysTick_Handler(void)
{
    systick_wraps = systick_wraps + 1u;
}

static void uart_take(void)
{
    uint32_t state = UART_STATE;
    if (state & UART_STATE_RXOVR) {
        UART_STATE = UART_STATE_RXOVR; /* write 1 to clear */
        rx_ring_isr_lost();
    }
    if (state & UART_STATE_RXFULL) {
        rx_ring_isr_byte((uint8_t)UART_DATA);
    }
}

void UART0RX_Handler(void)
{
    UART_INTSTATUS = UART_INT_RX; /* clear first: a byte arriving after the read re-raises it */
    while (UART_STATE & (UART_STATE_RXFULL | UART_STATE_RXOVR)) {
        uart_take();
    }
}

void board_init(void)
{
    /* SysTick on the 25 MHz processor clock, counting down over 2^24 */
    SYST_CSR = 0;
    SYST_RVR = SYSTICK_PERIOD - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;

    /* UART0: 115200 baud (QEMU does not pace it), TX + RX, RX interrupt */
    UART_CTRL = 0;
    UART_BAUDDIV = MPS2_SYSCLK_HZ / 115200u;
    UART_INTSTATUS = 0xFu;
    UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;

    /*
     * QEMU quirk: enabling RX does not make QEMU look at its input again, so
     * input sent before this point could sit unread. Reading DATA once makes
     * it look; the byte read is real input when RX-full was set.
     */
    uint32_t state = UART_STATE;
    uint8_t first = (uint8_t)UART_DATA;
    if (state & UART_STATE_RXFULL) {
        rx_ring_isr_byte(first);
    }
    UART_INTSTATUS = UART_INT_RX;
    /* A byte that arrived since is taken by the interrupt, raised again below. */
    if (UART_STATE & UART_STATE_RXFULL) {
        uart_take();
    }
    cm_nvic_enable(UART0_RX_IRQ, 0x40);
    cm_irq_enable();
}

void board_write(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE & UART_STATE_TXFULL) {
        }
        UART_DATA = (uint8_t)data[i];
    }
}

uint32_t board_cycles(void)
{
    /* 32-bit count of 25 MHz cycles: wraps of the 24-bit SysTick + its position */
    uint32_t wraps, value;
    cm_irq_disable();
    wraps = systick_wraps;
    value = SYST_CVR;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
        /* wrapped, handler not run yet: value was read before or after the wrap */
        value = SYST_CVR;
        wraps++;
    }
    cm_irq_enable();
    return wraps * SYSTICK_PERIOD + (SYSTICK_PERIOD - 1u - value);
}

uint32_t board_cycles_per_us(void)
{
    return MPS2_SYSCLK_HZ / 1000000u;
}

void board_exit(int code)
{
    /* SYS_EXIT_EXTENDED: QEMU exits with code (needs -semihosting-config enable=on) */
    static uint32_t block[2];
    exiting = 1;
    block[0] = SEMIHOST_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    cm_semihost(SEMIHOST_SYS_EXIT_EXTENDED, block);
    for (;;) {
        cm_wfi();
    }
}

void board_panic(const char *what)
{
    cm_irq_disable();
    if (exiting) {
        for (;;) { /* the exit call itself faulted: semihosting is off */
        }
    }
    board_write_error(what);
    board_exit(3);
}
