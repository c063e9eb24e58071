/*
 * The UART protocol of the microTVM AOT demo firmware, without its defects:
 *
 *   host -> board  "#input:v1,...,v784"    (int8 decimals, no '+', no exponent)
 *   board -> host  "#result:o1,...,o10:t"  (int32 outputs, t = inference time in us)
 *   host -> board  "#exit"                 (main returns 0)
 *
 * Other lines are ignored. A malformed #input line gets one "Error: ..." line
 * and no result.
 */
#ifndef SYNTH_PROTOCOL_H
#define SYNTH_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "rx_ring.h"

#ifndef LINE_BUFFER_SIZE
#define LINE_BUFFER_SIZE 4096
#endif

#define SYNTH_INPUT_COUNT 784
#define SYNTH_OUTPUT_COUNT 10

/* "#input:" + 784 x "-128," (last without comma) + '\r' must fit. */
_Static_assert(LINE_BUFFER_SIZE >= 7 + SYNTH_INPUT_COUNT * 5 - 1 + 1,
               "LINE_BUFFER_SIZE too small for a full #input line");

typedef enum { PROTO_CONTINUE = 0, PROTO_EXIT = 1 } proto_status_t;

/* Print the boot banner: "allhw-ci synth AOT runtime (<board>)". */
void proto_banner(void);

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
