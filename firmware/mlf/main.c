/*
 * The generic MLF firmware: the board, the banner, then the line protocol
 * (mlf_protocol.h) until "#exit", when main returns 0 and the startup code
 * passes that to board_exit.
 */
#include "board.h"
#include "mlf_protocol.h"

int main(void)
{
    board_init();
    mlf_banner();
    return proto_run();
}
