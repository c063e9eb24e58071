/*
 * What the USART1 receive interrupt does with one reading of USART1_ISR and
 * (when RXNE was set) USART1_RDR, apart from the registers, so that the host
 * test (examples/synth/host/test_rx.c) runs this very code.
 */
#ifndef ALLHW_USART_RX_H
#define ALLHW_USART_RX_H

#include <stdint.h>

#include "rx_ring.h"
#include "stm32f746.h"

/*
 * Feed the ring: a byte received with a framing, noise or parity error is
 * dropped and counted as lost (stored, it could silently change a digit of
 * an #input line; lost, the line is dropped and reported); an overrun means
 * the bytes after the one in RDR were lost. Returns the ICR bits to write:
 * only the error flags this reading saw, so that one arriving since (an
 * overrun after the read) stays set and raises the interrupt again.
 */
static inline uint32_t usart_rx_take(uint32_t isr, uint8_t data)
{
    if (isr & (USART_ISR_PE | USART_ISR_FE | USART_ISR_NE)) {
        rx_ring_isr_lost();
    } else if (isr & USART_ISR_RXNE) {
        rx_ring_isr_byte(data);
    }
    if (isr & USART_ISR_ORE) {
        rx_ring_isr_lost();
    }
    return isr & USART_ISR_RX_ERRORS;
}

#endif
