/*
 * What the application needs from a board layer (firmware/boards/<board>/).
 * Host builds (examples/synth/host, firmware/mlf/host) implement the same
 * interface on stdio.
 */
#ifndef ALLHW_BOARD_H
#define ALLHW_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Board name as printed in the banner, e.g. "mps2_an500". */
extern const char board_name[];

/* Clocks, UART (RX interrupt on, feeding rx_ring), timer. */
void board_init(void);

/* Blocking write of len bytes to the UART. */
void board_write(const char *data, size_t len);

/* Free-running 32-bit cycle counter and its rate. */
uint32_t board_cycles(void);
uint32_t board_cycles_per_us(void);

/* Sleep until an interrupt if no received byte is waiting. */
void board_idle(void);

/* End the program with an exit code (what main returned). */
void board_exit(int code) __attribute__((noreturn));

#endif
