/*
 * The MLF model's side of the line protocol (firmware/protocol/line_protocol.h):
 *
 *   "#input:v1,v2,..."  the values of all inputs, concatenated in declaration
 *                       order (model_inputs[0] first), each in its tensor's
 *                       dtype; spaces or tabs around a value are allowed
 *   -> "#result:o1,...,oN:t"  all outputs concatenated in declaration order
 *                       (integers in decimal, float32 as "%.9g"), t = the
 *                       inference time in microseconds
 *   or one "Error: ..." line and no result:
 *       "Error: expected N values, got M"
 *       "Error: input K (name) value J is not an integer"      (int dtypes)
 *       "Error: input K (name) value J is not a number"        (float32)
 *       "Error: input K (name) value J out of range for int8"  (or the dtype)
 *       "Error: model run failed with code C[: reason]"
 *   (K counts inputs from 1, J the values of that input from 1).
 */
#ifndef ALLHW_MLF_PROTOCOL_H
#define ALLHW_MLF_PROTOCOL_H

#include "line_protocol.h"

/* "allhw-ci MLF AOT runtime (<board>, model <name>)" */
void mlf_banner(void);

#endif
