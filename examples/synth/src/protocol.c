#include "protocol.h"

#include <stdint.h>
#include <string.h>

#include "board.h"
#include "text_out.h"
#include "tvmgen_default.h"

static int8_t input_tensor[SYNTH_INPUT_COUNT];
static int32_t output_tensor[SYNTH_OUTPUT_COUNT];

/* Longest result: "#result:" + 10 x "-2147483648," + ":" + "4294967295" + "\n" */
static char out_line[8 + SYNTH_OUTPUT_COUNT * 12 + 1 + 10 + 2];

void proto_banner(void)
{
    board_write("allhw-ci synth AOT runtime (", 28);
    board_write(board_name, strlen(board_name));
    board_write(")\n", 2);
}

static void error_at(const char *what, size_t index)
{
    /* "Error: <what> at value <index>" (index counts from 1) */
    char msg[80];
    size_t n = put_str(msg, "Error: ");
    n += put_str(msg + n, what);
    n += put_str(msg + n, " at value ");
    n += put_u32(msg + n, (uint32_t)index + 1u);
    msg[n++] = '\n';
    board_write(msg, n);
}

static void error_count(size_t got)
{
    char msg[80];
    size_t n = put_str(msg, "Error: expected 784 input values, got ");
    n += put_u32(msg + n, (uint32_t)got);
    msg[n++] = '\n';
    board_write(msg, n);
}

/*
 * Parse "v1,v2,...": each value an optional '-' then 1..4 decimal digits,
 * in [-128, 127]. Returns 1 and fills input_tensor on success, else prints
 * one error line and returns 0. input_tensor is only written when the whole
 * line is valid.
 */
static int parse_values(const char *p, size_t len)
{
    static int8_t parsed[SYNTH_INPUT_COUNT];
    size_t count = 0;
    size_t i = 0;

    if (len == 0) {
        error_count(0);
        return 0;
    }
    for (;;) {
        int negative = 0;
        int32_t value = 0;
        size_t digits = 0;

        if (i < len && p[i] == '-') {
            negative = 1;
            i++;
        }
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            if (value < 1000) {
                value = value * 10 + (p[i] - '0');
            }
            digits++;
            i++;
        }
        if (digits == 0 || (i < len && p[i] != ',')) {
            error_at("bad number", count);
            return 0;
        }
        if (negative) {
            value = -value;
        }
        if (value < -128 || value > 127) {
            error_at("value out of int8 range", count);
            return 0;
        }
        if (count < SYNTH_INPUT_COUNT) {
            parsed[count] = (int8_t)value;
        }
        count++;
        if (i == len) {
            break;
        }
        i++; /* the comma; a trailing comma makes an empty (bad) number */
    }
    if (count != SYNTH_INPUT_COUNT) {
        error_count(count);
        return 0;
    }
    memcpy(input_tensor, parsed, sizeof input_tensor);
    return 1;
}

static void run_inference(void)
{
    struct tvmgen_default_inputs inputs = {.input = input_tensor};
    struct tvmgen_default_outputs outputs = {.output = output_tensor};

    uint32_t start = board_cycles();
    int32_t rc = tvmgen_default_run(&inputs, &outputs);
    uint32_t cycles = board_cycles() - start;
    uint32_t us = cycles / board_cycles_per_us();

    if (rc != 0) {
        char msg[48];
        size_t n = put_str(msg, "Error: tvmgen_default_run returned ");
        n += put_i32(msg + n, rc);
        msg[n++] = '\n';
        board_write(msg, n);
        return;
    }

    size_t n = put_str(out_line, "#result:");
    for (size_t k = 0; k < SYNTH_OUTPUT_COUNT; k++) {
        if (k != 0) {
            out_line[n++] = ',';
        }
        n += put_i32(out_line + n, output_tensor[k]);
    }
    out_line[n++] = ':';
    n += put_u32(out_line + n, us);
    out_line[n++] = '\n';
    board_write(out_line, n);
}

void proto_input(const char *values, size_t len)
{
    if (parse_values(values, len)) {
        run_inference();
    }
}
