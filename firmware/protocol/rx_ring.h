/*
 * Receive ring buffer, filled by the UART RX interrupt, drained by the main loop.
 *
 * When the ring is full the interrupt drops bytes up to and including the next
 * '\n' and records where in the stream the loss happened; the main loop gets an
 * RX_LOST event at that point, so it can drop the partial line it was building.
 */
#ifndef ALLHW_RX_RING_H
#define ALLHW_RX_RING_H

#include <stdint.h>

#ifndef RX_BUFFER_SIZE
#define RX_BUFFER_SIZE 8192
#endif

#ifndef RX_LOSS_QUEUE_SIZE
#define RX_LOSS_QUEUE_SIZE 8
#endif

_Static_assert(RX_BUFFER_SIZE >= 16, "RX_BUFFER_SIZE too small");
_Static_assert(RX_LOSS_QUEUE_SIZE >= 1, "RX_LOSS_QUEUE_SIZE too small");

typedef enum {
    RX_NONE = 0, /* nothing waiting */
    RX_BYTE = 1, /* one byte returned */
    RX_LOST = 2  /* bytes were lost here: drop the partial line */
} rx_event_t;

/* Interrupt side. */
void rx_ring_isr_byte(uint8_t byte);
void rx_ring_isr_lost(void); /* the UART itself lost a byte (hardware overrun) */

/* Main-loop side. */
rx_event_t rx_ring_next(uint8_t *byte);
int rx_ring_empty(void);

#endif
