#include "values.h"

#include <string.h>

#include "text_out.h"

const char *dtype_name(model_dtype_t dtype)
{
    switch (dtype) {
    case MODEL_INT8: return "int8";
    case MODEL_UINT8: return "uint8";
    case MODEL_INT16: return "int16";
    case MODEL_INT32: return "int32";
    case MODEL_FLOAT32: return "float32";
    }
    return "?";
}

size_t dtype_size(model_dtype_t dtype)
{
    switch (dtype) {
    case MODEL_INT8:
    case MODEL_UINT8: return 1;
    case MODEL_INT16: return 2;
    case MODEL_INT32:
    case MODEL_FLOAT32: return 4;
    }
    return 1;
}

/* [+-]digits -> value; digits beyond what any dtype holds only keep it out of range. */
static value_status_t parse_integer(const char *text, size_t len, int64_t *value)
{
    size_t i = 0;
    int negative = 0;
    if (i < len && (text[i] == '+' || text[i] == '-')) {
        negative = text[i] == '-';
        i++;
    }
    if (i == len) {
        return VALUE_MALFORMED;
    }
    int64_t magnitude = 0;
    for (; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return VALUE_MALFORMED;
        }
        if (magnitude <= 0xFFFFFFFFll) {
            magnitude = magnitude * 10 + (text[i] - '0');
        }
    }
    *value = negative ? -magnitude : magnitude;
    return VALUE_OK;
}

static int fits(model_dtype_t dtype, int64_t v)
{
    switch (dtype) {
    case MODEL_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case MODEL_UINT8: return v >= 0 && v <= UINT8_MAX;
    case MODEL_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case MODEL_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    case MODEL_FLOAT32: return 0;
    }
    return 0;
}

value_status_t value_parse(model_dtype_t dtype, const char *text, size_t len, void *data, uint32_t index)
{
    uint8_t *at = (uint8_t *)data + (size_t)index * dtype_size(dtype);
    if (dtype == MODEL_FLOAT32) {
        float f;
        float_text_status_t status = float_from_text(text, len, &f);
        if (status != FLOAT_TEXT_OK) {
            return status == FLOAT_TEXT_MALFORMED ? VALUE_MALFORMED : VALUE_OUT_OF_RANGE;
        }
        memcpy(at, &f, sizeof f);
        return VALUE_OK;
    }
    int64_t v = 0;
    value_status_t status = parse_integer(text, len, &v);
    if (status != VALUE_OK) {
        return status;
    }
    if (!fits(dtype, v)) {
        return VALUE_OUT_OF_RANGE;
    }
    int8_t i8 = (int8_t)v;
    uint8_t u8 = (uint8_t)v;
    int16_t i16 = (int16_t)v;
    int32_t i32 = (int32_t)v;
    const void *src = dtype == MODEL_INT8 ? (const void *)&i8
                      : dtype == MODEL_UINT8 ? (const void *)&u8
                      : dtype == MODEL_INT16 ? (const void *)&i16
                                             : (const void *)&i32;
    memcpy(at, src, dtype_size(dtype));
    return VALUE_OK;
}

size_t value_format(model_dtype_t dtype, const void *data, uint32_t index, char *out)
{
    const uint8_t *at = (const uint8_t *)data + (size_t)index * dtype_size(dtype);
    switch (dtype) {
    case MODEL_INT8: {
        int8_t v;
        memcpy(&v, at, sizeof v);
        return put_i32(out, v);
    }
    case MODEL_UINT8: return put_u32(out, *at);
    case MODEL_INT16: {
        int16_t v;
        memcpy(&v, at, sizeof v);
        return put_i32(out, v);
    }
    case MODEL_INT32: {
        int32_t v;
        memcpy(&v, at, sizeof v);
        return put_i32(out, v);
    }
    case MODEL_FLOAT32: {
        float v;
        memcpy(&v, at, sizeof v);
        return float_to_text(v, out);
    }
    }
    return 0;
}
