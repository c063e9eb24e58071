#include "rx_ring.h"

#include <stdint.h>

#define BARRIER() __asm volatile("" ::: "memory")

static uint8_t ring[RX_BUFFER_SIZE];

/* Producer (interrupt) state. head_count counts every byte ever stored. */
static volatile uint32_t head_count;
static uint32_t head_index;
static uint8_t skipping;       /* dropping bytes up to the next '\n' */
static uint8_t loss_recorded;  /* the current loss is in the queue */
static uint32_t loss_position; /* stream position (head_count) of the current loss */

/* Consumer (main loop) state. */
static volatile uint32_t tail_count;
static uint32_t tail_index;

/* Stream positions where bytes were lost: written by the ISR, read by main. */
static volatile uint32_t loss_queue[RX_LOSS_QUEUE_SIZE];
static volatile uint32_t loss_head; /* entries ever pushed */
static volatile uint32_t loss_tail; /* entries ever popped */

static int loss_queue_push(uint32_t position)
{
    uint32_t head = loss_head;
    if (head != loss_tail && loss_queue[(head - 1u) % RX_LOSS_QUEUE_SIZE] == position) {
        return 1; /* nothing was stored since the last loss: same event */
    }
    if (head - loss_tail >= RX_LOSS_QUEUE_SIZE) {
        return 0; /* queue full: keep dropping until it has room */
    }
    loss_queue[head % RX_LOSS_QUEUE_SIZE] = position;
    BARRIER();
    loss_head = head + 1u;
    return 1;
}

static void start_loss(void)
{
    if (!skipping) {
        skipping = 1;
        loss_position = head_count;
        loss_recorded = (uint8_t)loss_queue_push(loss_position);
    }
}

void rx_ring_isr_lost(void)
{
    start_loss();
}

void rx_ring_isr_byte(uint8_t byte)
{
    if (!skipping && head_count - tail_count >= RX_BUFFER_SIZE) {
        start_loss();
    }
    if (skipping) {
        if (!loss_recorded) {
            loss_recorded = (uint8_t)loss_queue_push(loss_position);
        }
        if (byte == '\n' && loss_recorded) {
            skipping = 0; /* the broken line ended here; the next one is whole */
        }
        return;
    }
    ring[head_index] = byte;
    head_index = head_index + 1u == RX_BUFFER_SIZE ? 0u : head_index + 1u;
    BARRIER();
    head_count = head_count + 1u;
}

rx_event_t rx_ring_next(uint8_t *byte)
{
    uint32_t tail = tail_count;
    if (loss_tail != loss_head && loss_queue[loss_tail % RX_LOSS_QUEUE_SIZE] == tail) {
        loss_tail = loss_tail + 1u;
        return RX_LOST;
    }
    if (tail == head_count) {
        return RX_NONE;
    }
    BARRIER();
    *byte = ring[tail_index];
    tail_index = tail_index + 1u == RX_BUFFER_SIZE ? 0u : tail_index + 1u;
    BARRIER();
    tail_count = tail + 1u;
    return RX_BYTE;
}

int rx_ring_empty(void)
{
    return tail_count == head_count && loss_tail == loss_head;
}
