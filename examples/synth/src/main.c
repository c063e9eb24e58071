/*
 * Firmware entry: the board, the banner, then the line protocol's main loop
 * (firmware/protocol). main returns 0 on "#exit"; the startup code passes
 * that to board_exit.
 */
#include "board.h"
#include "protocol.h"

int main(void)
{
    board_init();
    proto_banner();
    return proto_run();
}
