/*
 * The line protocol every firmware here speaks on the UART (the pipeline's
 * src/results/parse.ts reads the board's side):
 *
 *   host -> board  "#input:<values>"   one inference on these values
 *   board -> host  "#result:<outputs>:<us>" or one "Error: <reason>" line
 *   host -> board  "#exit"             main returns 0
 *
 * Lines end in '\n' (a '\r' before it is ignored); other lines are ignored.
 * This part assembles lines from the receive ring and dispatches them; the
 * application parses the values and answers (proto_input).
 */
#ifndef ALLHW_LINE_PROTOCOL_H
#define ALLHW_LINE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "rx_ring.h"

#ifndef LINE_BUFFER_SIZE
#define LINE_BUFFER_SIZE 4096
#endif

typedef enum { PROTO_CONTINUE = 0, PROTO_EXIT = 1 } proto_status_t;

/* Provided by the application: the values of one "#input:" line (after the tag, no '\r'). */
void proto_input(const char *values, size_t len);

/*
 * The main loop: drain the RX ring into the line assembler, idling while it
 * is empty. Returns 0 (main's return code) on "#exit".
 */
int proto_run(void);

/*
 * Feed one receive event (a byte, or RX_LOST where bytes were dropped) to
 * the line assembler. Complete lines go to proto_handle_line; a line longer
 * than LINE_BUFFER_SIZE gets "Error: line too long" and is dropped; RX_LOST
 * gets "Error: rx overflow" and drops the partial line.
 */
proto_status_t proto_feed(rx_event_t event, uint8_t byte);

/* Handle one received line (without its '\n'; a trailing '\r' is ignored). */
proto_status_t proto_handle_line(const char *line, size_t len);

/* Write a whole line: text plus '\n'. */
void proto_write_line(const char *text);

#endif
