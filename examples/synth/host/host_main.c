/*
 * Host build of the synth model and protocol: reads lines on stdin, writes
 * the firmware's answers on stdout (inference time always 0). It produces
 * the golden outputs (scripts/make_golden.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "board.h"
#include "protocol.h"

const char board_name[] = "host";

void board_init(void) {}

void board_write(const char *data, size_t len)
{
    fwrite(data, 1, len, stdout);
}

uint32_t board_cycles(void) { return 0; }
uint32_t board_cycles_per_us(void) { return 1; }
void board_idle(void) {}

void board_exit(int code)
{
    fflush(stdout);
    exit(code);
}

int main(void)
{
    int c;
    board_init();
    proto_banner();
    while ((c = getchar()) != EOF) {
        if (proto_feed(RX_BYTE, (uint8_t)c) == PROTO_EXIT) {
            board_exit(0);
        }
    }
    /* a last line without '\n' still counts */
    if (proto_feed(RX_BYTE, '\n') == PROTO_EXIT) {
        board_exit(0);
    }
    board_exit(0);
}
