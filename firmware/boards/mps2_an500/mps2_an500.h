/*
 * Arm MPS2 with the AN500 FPGA image (Cortex-M7), as QEMU models it
 * (qemu-system-arm -M mps2-an500): 25 MHz system clock, CMSDK APB UART0 at
 * 0x40004000 with its RX interrupt on IRQ 0 and TX on IRQ 1.
 */
#ifndef ALLHW_MPS2_AN500_H
#define ALLHW_MPS2_AN500_H

#include "cortex_m7.h"

#define MPS2_SYSCLK_HZ 25000000u
#define MPS2_IRQ_COUNT 32u

/* CMSDK APB UART */
#define UART0_BASE 0x40004000u
#define UART_DATA REG32(UART0_BASE + 0x00u)
#define UART_STATE REG32(UART0_BASE + 0x04u)
#define UART_CTRL REG32(UART0_BASE + 0x08u)
#define UART_INTSTATUS REG32(UART0_BASE + 0x0Cu) /* write 1 to clear */
#define UART_BAUDDIV REG32(UART0_BASE + 0x10u)

#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_STATE_TXOVR (1u << 2)
#define UART_STATE_RXOVR (1u << 3)

#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_TXINTEN (1u << 2)
#define UART_CTRL_RXINTEN (1u << 3)

#define UART_INT_TX (1u << 0)
#define UART_INT_RX (1u << 1)

#define UART0_RX_IRQ 0u
#define UART0_TX_IRQ 1u

/* Semihosting */
#define SEMIHOST_SYS_EXIT_EXTENDED 0x20u
#define SEMIHOST_ADP_STOPPED_APPLICATION_EXIT 0x20026u

#endif
