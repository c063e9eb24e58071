/*
 * Shared by the board layers (common/board_common.c): what a fault handler
 * reports, and board_panic, which each board defines (interrupts off,
 * board_write_error, board_exit(3)).
 */
#ifndef ALLHW_BOARD_COMMON_H
#define ALLHW_BOARD_COMMON_H

/* Write "Error: <what>\n" with board_write (interrupts may be off). */
void board_write_error(const char *what);

void board_panic(const char *what) __attribute__((noreturn));

#endif
