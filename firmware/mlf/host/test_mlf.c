/*
 * Host test of the generic MLF firmware (see Makefile): value parsing per
 * dtype, float32 text against the C library (glibc's "%.9g" and strtof are
 * the reference), the protocol with a fake model of five inputs and three
 * outputs, and the workspace allocator. Prints "ok" and exits 0, or lists
 * the failures and exits 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "float_text.h"
#include "line_protocol.h"
#include "mlf_protocol.h"
#include "model_io.h"
#include "tvm/runtime/c_backend_api.h"
#include "values.h"

/* ---- the fake board: output into a buffer, a clock that advances 1000 cycles per read ---- */

static char out[1 << 16];
static size_t out_len;
static uint32_t clock_cycles;

const char board_name[] = "host";
void board_init(void) {}
void board_write(const char *data, size_t len)
{
    if (out_len + len >= sizeof out) {
        fprintf(stderr, "output buffer full\n");
        exit(2);
    }
    memcpy(out + out_len, data, len);
    out_len += len;
    out[out_len] = '\0';
}
uint32_t board_cycles(void) { return clock_cycles += 1000u; }
uint32_t board_cycles_per_us(void) { return 10u; } /* so every run takes 100 us */
void board_idle(void) {}
void board_exit(int code) { exit(code); }

/* ---- the fake model: inputs a int8[2], b uint8[1], c int16[1], d int32[1], e float32[2] ---- */

static int8_t in_a[2];
static uint8_t in_b[1];
static int16_t in_c[1];
static int32_t in_d[1];
static float in_e[2];
static int32_t out_sum[1];
static float out_e[2];
static uint8_t out_b[1];

const model_tensor_t model_inputs[] = {
    {"a", MODEL_INT8, 2, in_a},   {"b", MODEL_UINT8, 1, in_b},     {"c", MODEL_INT16, 1, in_c},
    {"d", MODEL_INT32, 1, in_d},  {"e", MODEL_FLOAT32, 2, in_e},
};
const uint32_t model_input_count = 5;
const model_tensor_t model_outputs[] = {
    {"sum", MODEL_INT32, 1, out_sum}, {"e", MODEL_FLOAT32, 2, out_e}, {"b", MODEL_UINT8, 1, out_b}};
const uint32_t model_output_count = 3;
const char model_name[] = "fake";

/* Sums the integers, copies e and b. d = 7777 asks for more workspace than there is. */
int32_t model_run(void)
{
    void *scratch = TVMBackendAllocWorkspace(1, 0, in_d[0] == 7777 ? 65 : 48, 0, 8);
    if (scratch == NULL) {
        return -1;
    }
    out_sum[0] = (int32_t)((int64_t)in_a[0] + in_a[1] + in_b[0] + in_c[0] + in_d[0]);
    memcpy(out_e, in_e, sizeof out_e);
    out_b[0] = in_b[0];
    return TVMBackendFreeWorkspace(1, 0, scratch);
}

/* ---- values ---- */

static value_status_t parse(model_dtype_t dtype, const char *text, int64_t *as_int)
{
    uint8_t buf[8] = {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA};
    value_status_t s = value_parse(dtype, text, strlen(text), buf, 1);
    size_t size = dtype_size(dtype);
    CHECK(buf[0] == 0xAA && (s == VALUE_OK || buf[size] == 0xAA), "%s: wrote outside its element or on failure",
          text);
    if (s == VALUE_OK) {
        switch (dtype) {
        case MODEL_INT8: *as_int = (int8_t)buf[1]; break;
        case MODEL_UINT8: *as_int = buf[1]; break;
        case MODEL_INT16: { int16_t v; memcpy(&v, buf + 2, 2); *as_int = v; break; }
        case MODEL_INT32: { int32_t v; memcpy(&v, buf + 4, 4); *as_int = v; break; }
        case MODEL_FLOAT32: *as_int = 0; break;
        }
    }
    return s;
}

static void test_integers(void)
{
    static const struct {
        model_dtype_t dtype;
        const char *text;
        value_status_t status;
        int64_t value;
    } cases[] = {
        {MODEL_INT8, "-128", VALUE_OK, -128},        {MODEL_INT8, "127", VALUE_OK, 127},
        {MODEL_INT8, "+5", VALUE_OK, 5},             {MODEL_INT8, "-0", VALUE_OK, 0},
        {MODEL_INT8, "007", VALUE_OK, 7},            {MODEL_INT8, "128", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT8, "-129", VALUE_OUT_OF_RANGE, 0}, {MODEL_UINT8, "0", VALUE_OK, 0},
        {MODEL_UINT8, "255", VALUE_OK, 255},         {MODEL_UINT8, "256", VALUE_OUT_OF_RANGE, 0},
        {MODEL_UINT8, "-1", VALUE_OUT_OF_RANGE, 0},  {MODEL_INT16, "-32768", VALUE_OK, -32768},
        {MODEL_INT16, "32767", VALUE_OK, 32767},     {MODEL_INT16, "32768", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT16, "-32769", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT32, "-2147483648", VALUE_OK, INT32_MIN},
        {MODEL_INT32, "2147483647", VALUE_OK, INT32_MAX},
        {MODEL_INT32, "2147483648", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT32, "-2147483649", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT32, "99999999999999999999999999", VALUE_OUT_OF_RANGE, 0},
        {MODEL_INT32, "18446744073709551617", VALUE_OUT_OF_RANGE, 0}, /* 2^64 + 1 does not wrap */
        {MODEL_INT8, "", VALUE_MALFORMED, 0},        {MODEL_INT8, "-", VALUE_MALFORMED, 0},
        {MODEL_INT8, "1.0", VALUE_MALFORMED, 0},     {MODEL_INT8, "1e2", VALUE_MALFORMED, 0},
        {MODEL_INT8, "0x10", VALUE_MALFORMED, 0},    {MODEL_INT8, "1 2", VALUE_MALFORMED, 0},
        {MODEL_INT8, "--1", VALUE_MALFORMED, 0},     {MODEL_UINT8, "abc", VALUE_MALFORMED, 0},
        {MODEL_INT32, "12a", VALUE_MALFORMED, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 0;
        value_status_t s = parse(cases[i].dtype, cases[i].text, &v);
        CHECK(s == cases[i].status, "%s '%s': status %d, expected %d", dtype_name(cases[i].dtype), cases[i].text,
              s, cases[i].status);
        if (s == VALUE_OK) {
            CHECK(v == cases[i].value, "%s '%s': %lld", dtype_name(cases[i].dtype), cases[i].text, (long long)v);
            char text[VALUE_TEXT_MAX];
            uint8_t buf[8];
            memset(buf, 0, sizeof buf);
            value_parse(cases[i].dtype, cases[i].text, strlen(cases[i].text), buf, 0);
            size_t n = value_format(cases[i].dtype, buf, 0, text);
            char expect[24];
            snprintf(expect, sizeof expect, "%lld", (long long)v);
            CHECK(n == strlen(expect) && memcmp(text, expect, n) == 0, "format %s: %.*s", expect, (int)n, text);
        }
    }
}

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static float float_of(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static void test_float_parse_cases(void)
{
    static const struct {
        const char *text;
        float_text_status_t status;
        uint32_t bits;
    } cases[] = {
        {"0", FLOAT_TEXT_OK, 0x00000000u},          {"-0", FLOAT_TEXT_OK, 0x80000000u},
        {"-0.0e-7", FLOAT_TEXT_OK, 0x80000000u},    {"1", FLOAT_TEXT_OK, 0x3F800000u},
        {"+1.", FLOAT_TEXT_OK, 0x3F800000u},        {".5", FLOAT_TEXT_OK, 0x3F000000u},
        {"1E0", FLOAT_TEXT_OK, 0x3F800000u},        {"3.40282347e+38", FLOAT_TEXT_OK, 0x7F7FFFFFu},
        {"3.4028235e38", FLOAT_TEXT_OK, 0x7F7FFFFFu}, {"3.5e38", FLOAT_TEXT_OUT_OF_RANGE, 0},
        {"1e39", FLOAT_TEXT_OUT_OF_RANGE, 0},       {"-1e99999999", FLOAT_TEXT_OUT_OF_RANGE, 0},
        {"1.17549435e-38", FLOAT_TEXT_OK, 0x00800000u}, {"1.40129846e-45", FLOAT_TEXT_OK, 0x00000001u},
        {"1e-45", FLOAT_TEXT_OK, 0x00000001u},      {"7.1e-46", FLOAT_TEXT_OK, 0x00000001u},
        {"7e-46", FLOAT_TEXT_OK, 0x00000000u},      {"1e-99999999", FLOAT_TEXT_OK, 0x00000000u},
        {"inf", FLOAT_TEXT_OK, 0x7F800000u},        {"-Infinity", FLOAT_TEXT_OK, 0xFF800000u},
        {"NaN", FLOAT_TEXT_OK, 0x7FC00000u},        {"", FLOAT_TEXT_MALFORMED, 0},
        {"-", FLOAT_TEXT_MALFORMED, 0},             {".", FLOAT_TEXT_MALFORMED, 0},
        {"1e", FLOAT_TEXT_MALFORMED, 0},            {"1e+", FLOAT_TEXT_MALFORMED, 0},
        {"e5", FLOAT_TEXT_MALFORMED, 0},            {"1.2.3", FLOAT_TEXT_MALFORMED, 0},
        {"0x1p3", FLOAT_TEXT_MALFORMED, 0},         {"infinit", FLOAT_TEXT_MALFORMED, 0},
        {"nan(1)", FLOAT_TEXT_MALFORMED, 0},        {" 1", FLOAT_TEXT_MALFORMED, 0},
        {"1,5", FLOAT_TEXT_MALFORMED, 0},
        /* exactly between 1 and the next float: ties to even (1), a hair above rounds up */
        {"1.000000059604644775390625", FLOAT_TEXT_OK, 0x3F800000u},
        {"1.0000000596046447753906251", FLOAT_TEXT_OK, 0x3F800001u},
        {"1.000000178813934326171875", FLOAT_TEXT_OK, 0x3F800002u}, /* tie between ...01 and ...02: even */
        {"16777217", FLOAT_TEXT_OK, 0x4B800000u},   {"16777219", FLOAT_TEXT_OK, 0x4B800002u},
        {"0.000000000000000000000000000000000000000000000000001e51", FLOAT_TEXT_OK, 0x3F800000u},
        {"100000000000000000000000000000000000000e-38", FLOAT_TEXT_OK, 0x3F800000u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float f = -123.0f;
        float_text_status_t s = float_from_text(cases[i].text, strlen(cases[i].text), &f);
        CHECK(s == cases[i].status, "'%s': status %d, expected %d", cases[i].text, s, cases[i].status);
        if (s == FLOAT_TEXT_OK && cases[i].status == FLOAT_TEXT_OK) {
            CHECK(bits_of(f) == cases[i].bits, "'%s': 0x%08x, expected 0x%08x", cases[i].text, bits_of(f),
                  cases[i].bits);
        }
        if (s != FLOAT_TEXT_OK) {
            CHECK(bits_of(f) == bits_of(-123.0f), "'%s': wrote a value on failure", cases[i].text);
        }
    }
}

static uint32_t rng = 2463534242u;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* float_to_text(x) is glibc's "%.9g" (but "nan" for every NaN), and reads back as x, by ours and strtof. */
static void check_float(uint32_t bits)
{
    float x = float_of(bits);
    char ours[FLOAT_TEXT_MAX + 1];
    size_t n = float_to_text(x, ours);
    ours[n] = '\0';
    CHECK(n < FLOAT_TEXT_MAX, "0x%08x: %zu characters", bits, n);
    char libc[32];
    snprintf(libc, sizeof libc, "%.9g", (double)x);
    if (isnan(x)) {
        CHECK(strcmp(ours, "nan") == 0, "0x%08x: '%s'", bits, ours);
        float back;
        CHECK(float_from_text(ours, n, &back) == FLOAT_TEXT_OK && isnan(back), "nan does not read back");
        return;
    }
    CHECK(strcmp(ours, libc) == 0, "0x%08x: '%s', libc '%s'", bits, ours, libc);
    float back = 0;
    CHECK(float_from_text(ours, n, &back) == FLOAT_TEXT_OK && bits_of(back) == bits, "0x%08x: '%s' reads 0x%08x",
          bits, ours, bits_of(back));
    CHECK(bits_of(strtof(ours, NULL)) == bits, "0x%08x: strtof('%s') differs", bits, ours);
}

static void test_float_round_trips(void)
{
    static const uint32_t special[] = {
        0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007FFFFFu, 0x00800000u, 0x00400000u,
        0x3F800000u, 0xBF800000u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x7F800000u, 0xFF800000u, 0x7FC00000u,
        0xFFC00000u, 0x7F800001u, 0x38800000u /* 2^-14: a tie at the 10th digit */, 0x3DCCCCCDu /* 0.1 */,
        0x4B800000u, 0x4E6E6B28u /* 1e9 */, 0x4E6E6B27u, 0x461C3FFFu /* 9999.99902 */, 0x3727C5ACu /* 1e-5 */,
        0x38D1B717u /* 1e-4 */, 0x38D1B716u,
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        check_float(special[i]);
    }
    for (uint32_t i = 1; i < 4096; i++) {
        check_float(i);               /* the smallest subnormals */
        check_float(0x00800000u - i); /* the largest subnormals */
        check_float(0x7F800000u - i); /* the largest finite floats */
    }
    for (int i = 0; i < 300000; i++) {
        check_float(next_random());
        if (failures > 20) {
            return;
        }
    }
    /* every power of ten that is a float boundary case, printed and read at 9 digits */
    for (int e = -45; e <= 38; e++) {
        char text[16];
        snprintf(text, sizeof text, "1e%d", e);
        float ours;
        CHECK(float_from_text(text, strlen(text), &ours) == FLOAT_TEXT_OK, "%s", text);
        CHECK(bits_of(ours) == bits_of(strtof(text, NULL)), "%s: 0x%08x, strtof 0x%08x", text, bits_of(ours),
              bits_of(strtof(text, NULL)));
    }
}

/* Random decimal strings (up to 40 significant digits, any exponent) read as strtof reads them. */
static void test_float_parse_random(void)
{
    for (int i = 0; i < 200000 && failures < 20; i++) {
        char text[80];
        size_t n = 0;
        if (next_random() % 2) {
            text[n++] = '-';
        }
        int digits = 1 + (int)(next_random() % 40);
        int point = (int)(next_random() % (unsigned)(digits + 1));
        for (int d = 0; d < digits; d++) {
            if (d == point && d != 0) {
                text[n++] = '.';
            }
            text[n++] = (char)('0' + next_random() % 10);
        }
        int exp10 = (int)(next_random() % 100) - 60;
        n += (size_t)snprintf(text + n, sizeof text - n, "e%d", exp10);
        text[n] = '\0';
        float ours = 0;
        float_text_status_t s = float_from_text(text, n, &ours);
        float libc = strtof(text, NULL);
        if (isinf(libc)) {
            CHECK(s == FLOAT_TEXT_OUT_OF_RANGE, "'%s': status %d, strtof gives inf", text, s);
        } else {
            CHECK(s == FLOAT_TEXT_OK && bits_of(ours) == bits_of(libc), "'%s': 0x%08x, strtof 0x%08x", text,
                  bits_of(ours), bits_of(libc));
        }
    }
}

/* ---- the protocol ---- */

static const char *answer(const char *line)
{
    out_len = 0;
    out[0] = '\0';
    proto_status_t status = proto_handle_line(line, strlen(line));
    CHECK(status == PROTO_CONTINUE, "'%s' ended the program", line);
    return out;
}

static void expect_answer(const char *line, const char *expected)
{
    const char *got = answer(line);
    CHECK(strcmp(got, expected) == 0, "'%s':\n  got      '%s'\n  expected '%s'", line, got, expected);
}

static void test_protocol(void)
{
    out_len = 0;
    mlf_banner();
    CHECK(strcmp(out, "allhw-ci MLF AOT runtime (host, model fake)\n") == 0, "banner '%s'", out);

    expect_answer("#input:1,2,3,4,5,0.5,-1e-5", "#result:15,0.5,-9.99999975e-06,3:100\n");
    expect_answer("#input: -128 ,\t127,255,-32768,2147483647,3.40282347e+38,-0\r",
                  "#result:2147451133,3.40282347e+38,-0,255:100\n");
    expect_answer("#input:0,0,0,0,-2147483648,nan,-inf", "#result:-2147483648,nan,-inf,0:100\n");
    expect_answer("#input:0,0,0,0,0,1.40129846e-45,1.17549421e-38", "#result:0,1.40129846e-45,1.17549421e-38,0:100\n");

    expect_answer("#input:1,2,3,4,5,6", "Error: expected 7 values, got 6\n");
    expect_answer("#input:1,2,3,4,5,6,7,8", "Error: expected 7 values, got 8\n");
    expect_answer("#input:1,2,3,4,5,6,7,", "Error: expected 7 values, got 8\n");
    expect_answer("#input:", "Error: expected 7 values, got 0\n");
    expect_answer("#input:   ", "Error: expected 7 values, got 0\n");
    expect_answer("#input:1,128,3,4,5,6,7", "Error: input 1 (a) value 2 out of range for int8\n");
    expect_answer("#input:1,2,256,4,5,6,7", "Error: input 2 (b) value 1 out of range for uint8\n");
    expect_answer("#input:1,2,-1,4,5,6,7", "Error: input 2 (b) value 1 out of range for uint8\n");
    expect_answer("#input:1,2,3,40000,5,6,7", "Error: input 3 (c) value 1 out of range for int16\n");
    expect_answer("#input:1,2,3,4,2147483648,6,7", "Error: input 4 (d) value 1 out of range for int32\n");
    expect_answer("#input:1,2,3,4,5,6,1e39", "Error: input 5 (e) value 2 out of range for float32\n");
    expect_answer("#input:1,2.5,3,4,5,6,7", "Error: input 1 (a) value 2 is not an integer\n");
    expect_answer("#input:1,,3,4,5,6,7", "Error: input 1 (a) value 2 is not an integer\n");
    expect_answer("#input:1,2,3,4,5,1 2,7", "Error: input 5 (e) value 1 is not a number\n");
    expect_answer("#input:1,2,3,4,5,abc,7", "Error: input 5 (e) value 1 is not a number\n");
    /* a failed run: its code and the runtime's reason, no result */
    expect_answer("#input:1,2,3,4,7777,6,7",
                  "Error: model run failed with code -1: workspace exhausted (ALLHW_WORKSPACE_BYTES too small for "
                  "the model)\n");
    /* after errors the next good line answers with its own values */
    expect_answer("#input:-1,-2,3,-4,5,0.1,100", "#result:1,0.100000001,100,3:100\n");
    /* not ours: no answer */
    expect_answer("#result:1,2:3", "");
    expect_answer("hello", "");
    expect_answer("#inputs:1", "");
    CHECK(proto_handle_line("#exit\r", 6) == PROTO_EXIT, "#exit\\r does not end the program");
}

/* ---- the workspace (64 bytes, at most 4 blocks live) ---- */

static void test_workspace(void)
{
    void *a = TVMBackendAllocWorkspace(1, 0, 5, 0, 8);
    void *b = TVMBackendAllocWorkspace(1, 0, 16, 0, 8);
    CHECK(a != NULL && b != NULL, "two small blocks");
    CHECK(((uintptr_t)a % 16) == 0 && ((uintptr_t)b % 16) == 0, "blocks not 16-aligned");
    CHECK((uint8_t *)b - (uint8_t *)a == 16, "5 bytes took %td", (uint8_t *)b - (uint8_t *)a);
    CHECK(TVMBackendAllocWorkspace(1, 0, 33, 0, 8) == NULL, "33 bytes (48 rounded) fit in the 32 left");
    void *c = TVMBackendAllocWorkspace(1, 0, 32, 0, 8);
    CHECK(c != NULL, "exactly the 32 bytes left");
    CHECK(TVMBackendAllocWorkspace(1, 0, 1, 0, 8) == NULL, "a byte past the end");
    CHECK(TVMBackendFreeWorkspace(1, 0, b) != 0, "freeing out of order succeeded");
    CHECK(TVMBackendFreeWorkspace(1, 0, c) == 0 && TVMBackendFreeWorkspace(1, 0, b) == 0 &&
              TVMBackendFreeWorkspace(1, 0, a) == 0,
          "LIFO frees");
    CHECK(TVMBackendFreeWorkspace(1, 0, a) != 0, "double free succeeded");
    CHECK(TVMBackendAllocWorkspace(1, 0, 64, 0, 8) == a, "the whole arena after freeing all");
    CHECK(TVMBackendFreeWorkspace(1, 0, a) == 0, "free the whole arena");
    void *blocks[4];
    for (int i = 0; i < 4; i++) {
        blocks[i] = TVMBackendAllocWorkspace(1, 0, 0, 0, 8);
        CHECK(blocks[i] != NULL, "zero-byte block %d", i);
    }
    CHECK(TVMBackendAllocWorkspace(1, 0, 0, 0, 8) == NULL, "a fifth live block");
    for (int i = 4; i-- > 0;) {
        CHECK(TVMBackendFreeWorkspace(1, 0, blocks[i]) == 0, "free zero-byte block %d", i);
    }
    CHECK(TVMBackendAllocWorkspace(1, 0, UINT64_MAX, 0, 8) == NULL, "2^64-1 bytes");
}

int main(void)
{
    test_integers();
    test_float_parse_cases();
    test_float_round_trips();
    test_float_parse_random();
    test_workspace();
    test_protocol();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
