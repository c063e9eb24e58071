/*
 * The synth model's side of the line protocol (firmware/protocol/line_protocol.h),
 * which is microTVM's AOT demo firmware's, without its defects:
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

#include "line_protocol.h"

#define SYNTH_INPUT_COUNT 784
#define SYNTH_OUTPUT_COUNT 10

/* "#input:" + 784 x "-128," (last without comma) + '\r' must fit. */
_Static_assert(LINE_BUFFER_SIZE >= 7 + SYNTH_INPUT_COUNT * 5 - 1 + 1,
               "LINE_BUFFER_SIZE too small for a full #input line");

/* Print the boot banner: "allhw-ci synth AOT runtime (<board>)". */
void proto_banner(void);

#endif
