/*
 * One tensor element <-> its text on the UART, by the tensor's dtype.
 * Integers are decimal (an optional sign, digits); float32 as float_text.h.
 */
#ifndef ALLHW_VALUES_H
#define ALLHW_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "float_text.h"
#include "model_io.h"

/* Longest text of one element of any dtype ("-2147483648", float_text.h's). */
#define VALUE_TEXT_MAX FLOAT_TEXT_MAX

typedef enum { VALUE_OK, VALUE_MALFORMED, VALUE_OUT_OF_RANGE } value_status_t;

/* "int8", "uint8", "int16", "int32", "float32". */
const char *dtype_name(model_dtype_t dtype);

/* Bytes per element. */
size_t dtype_size(model_dtype_t dtype);

/*
 * Parse text[0..len) (the whole of it, no spaces) as one element of dtype
 * into element `index` of data. Nothing is written unless VALUE_OK.
 */
value_status_t value_parse(model_dtype_t dtype, const char *text, size_t len, void *data, uint32_t index);

/* Write element `index` of data as text; returns its length (< VALUE_TEXT_MAX, no NUL). */
size_t value_format(model_dtype_t dtype, const void *data, uint32_t index, char *out);

#endif
