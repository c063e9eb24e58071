/*
 * Firmware main loop: drain the RX ring into the protocol's line assembler.
 * main returns 0 on "#exit"; the startup code passes that to board_exit.
 */
#include <stdint.h>

#include "board.h"
#include "protocol.h"
#include "rx_ring.h"

int main(void)
{
    board_init();
    proto_banner();

    for (;;) {
        uint8_t byte = 0;
        rx_event_t event = rx_ring_next(&byte);
        if (event == RX_NONE) {
            board_idle();
        } else if (proto_feed(event, byte) == PROTO_EXIT) {
            return 0;
        }
    }
}
