#include "mlf_protocol.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "model_io.h"
#include "text_out.h"
#include "tvm/runtime/c_runtime_api.h"
#include "values.h"

static void write_str(const char *s)
{
    board_write(s, strlen(s));
}

static void write_u32(uint32_t v)
{
    char text[10];
    board_write(text, put_u32(text, v));
}

void mlf_banner(void)
{
    write_str("allhw-ci MLF AOT runtime (");
    write_str(board_name);
    write_str(", model ");
    write_str(model_name);
    write_str(")\n");
}

static uint32_t total_input_values(void)
{
    uint32_t total = 0;
    for (uint32_t k = 0; k < model_input_count; k++) {
        total += model_inputs[k].count;
    }
    return total;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Fields separated by ',' in text[0..len); a line of blanks has none. */
static uint32_t count_fields(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && is_blank(text[i])) {
        i++;
    }
    if (i == len) {
        return 0;
    }
    uint32_t fields = 1;
    for (; i < len; i++) {
        fields += text[i] == ',';
    }
    return fields;
}

static void error_count(uint32_t expected, uint32_t got)
{
    write_str("Error: expected ");
    write_u32(expected);
    write_str(" values, got ");
    write_u32(got);
    write_str("\n");
}

static void error_value(uint32_t input, uint32_t value, value_status_t status)
{
    const model_tensor_t *t = &model_inputs[input];
    write_str("Error: input ");
    write_u32(input + 1u);
    write_str(" (");
    write_str(t->name);
    write_str(") value ");
    write_u32(value + 1u);
    if (status == VALUE_OUT_OF_RANGE) {
        write_str(" out of range for ");
        write_str(dtype_name(t->dtype));
    } else {
        write_str(t->dtype == MODEL_FLOAT32 ? " is not a number" : " is not an integer");
    }
    write_str("\n");
}

/* Parse every value into the input tensors; 0 (after one Error line) on the first bad one. */
static int parse_inputs(const char *text, size_t len)
{
    size_t pos = 0;
    for (uint32_t k = 0; k < model_input_count; k++) {
        const model_tensor_t *t = &model_inputs[k];
        for (uint32_t j = 0; j < t->count; j++) {
            size_t end = pos;
            while (end < len && text[end] != ',') {
                end++;
            }
            size_t start = pos;
            size_t stop = end;
            while (start < stop && is_blank(text[start])) {
                start++;
            }
            while (stop > start && is_blank(text[stop - 1])) {
                stop--;
            }
            value_status_t status = value_parse(t->dtype, text + start, stop - start, t->data, j);
            if (status != VALUE_OK) {
                error_value(k, j, status);
                return 0;
            }
            pos = end + 1;
        }
    }
    return 1;
}

static void write_result(uint32_t us)
{
    char text[VALUE_TEXT_MAX];
    write_str("#result:");
    for (uint32_t k = 0; k < model_output_count; k++) {
        const model_tensor_t *t = &model_outputs[k];
        for (uint32_t j = 0; j < t->count; j++) {
            if (k != 0 || j != 0) {
                board_write(",", 1);
            }
            board_write(text, value_format(t->dtype, t->data, j, text));
        }
    }
    board_write(":", 1);
    write_u32(us);
    board_write("\n", 1);
}

static void run_model(void)
{
    TVMAPISetLastError("");
    uint32_t start = board_cycles();
    int32_t rc = model_run();
    uint32_t us = (board_cycles() - start) / board_cycles_per_us();
    if (rc != 0) {
        char code[12];
        write_str("Error: model run failed with code ");
        board_write(code, put_i32(code, rc));
        const char *reason = TVMGetLastError();
        if (reason[0] != '\0') {
            write_str(": ");
            write_str(reason);
        }
        write_str("\n");
        return;
    }
    write_result(us);
}

void proto_input(const char *values, size_t len)
{
    uint32_t expected = total_input_values();
    uint32_t got = count_fields(values, len);
    if (got != expected) {
        error_count(expected, got);
        return;
    }
    if (parse_inputs(values, len)) {
        run_model();
    }
}
