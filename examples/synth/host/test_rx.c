/*
 * Host test of the receive path: the RX ring (rx_ring.c) with its overflow
 * handling, the line assembler and the protocol (protocol.c), built with a
 * tiny ring so that overflows happen. The "interrupt" and the main loop are
 * interleaved by hand.
 *
 *   test_rx input-00.txt ... input-09.txt   -> prints "ok" and exits 0
 *
 * Checks: exact output of hand-made overflow cases; then random
 * interleavings of a stream of valid #input lines, where every line either
 * gives its exact result or is dropped after an "Error: rx overflow", never a
 * result from a corrupted line nor any other error; then the f746_disco
 * USART1 interrupt (usart_rx.h): a byte with a framing, noise or parity
 * error drops its line, and only the error flags seen are cleared.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "protocol.h"
#include "rx_ring.h"
#include "usart_rx.h" /* the f746_disco USART1 interrupt's decisions */

const char board_name[] = "test";

static char out[1 << 20];
static size_t out_len;

void board_init(void) {}
void board_write(const char *data, size_t len)
{
    if (out_len + len > sizeof out) {
        fprintf(stderr, "output buffer full\n");
        exit(2);
    }
    memcpy(out + out_len, data, len);
    out_len += len;
}
uint32_t board_cycles(void) { return 0; }
uint32_t board_cycles_per_us(void) { return 1; }
void board_idle(void) {}
void board_exit(int code) { exit(code); }

static void isr(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rx_ring_isr_byte((uint8_t)s[i]);
    }
}

static void isr_str(const char *s) { isr(s, strlen(s)); }

/* Run the main loop until the ring is empty or max events were handled. */
static void drain(size_t max)
{
    for (size_t i = 0; i < max; i++) {
        uint8_t b = 0;
        rx_event_t ev = rx_ring_next(&b);
        if (ev == RX_NONE) {
            return;
        }
        CHECK(proto_feed(ev, b) == PROTO_CONTINUE, "unexpected exit");
    }
}

/* Feed a string byte by byte with the main loop keeping up. */
static void feed_slowly(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rx_ring_isr_byte((uint8_t)s[i]);
        drain((size_t)-1);
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char *s = malloc(n + 1);
    memcpy(s, buf, n);
    s[n] = '\0';
    *len = n;
    return s;
}

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_rx input-00.txt input-01.txt [...]\n");
        return 2;
    }
    size_t n_inputs = (size_t)argc - 1;
    char **lines = calloc(n_inputs, sizeof *lines);
    size_t *lens = calloc(n_inputs, sizeof *lens);
    char **results = calloc(n_inputs, sizeof *results);

    /* Reference results, the main loop keeping up byte by byte. */
    for (size_t k = 0; k < n_inputs; k++) {
        lines[k] = read_file(argv[k + 1], &lens[k]);
        out_len = 0;
        feed_slowly(lines[k], lens[k]);
        CHECK(out_len > 8 && memcmp(out, "#result:", 8) == 0, "%s: no result", argv[k + 1]);
        results[k] = malloc(out_len + 1);
        memcpy(results[k], out, out_len);
        results[k][out_len] = '\0';
    }

    /* 1. Ring overflow in the middle of a line: that line is dropped, the next one is whole. */
    out_len = 0;
    {
        char junk[RX_BUFFER_SIZE + 40];
        memcpy(junk, "#input:", 7);
        for (size_t i = 7; i < sizeof junk; i++) {
            junk[i] = (i % 2) ? '1' : ',';
        }
        isr(junk, sizeof junk); /* no draining: overflows */
        isr_str("1,2,3\n");     /* the rest of the broken line, dropped by the ISR */
        drain((size_t)-1);
        feed_slowly(lines[0], lens[0]);
        out[out_len] = '\0';
        char expect[4096];
        snprintf(expect, sizeof expect, "Error: rx overflow\n%s", results[0]);
        CHECK(strcmp(out, expect) == 0, "case 1 output:\n%s", out);
    }

    /* 2. Overflow right at a line boundary: the whole next line is lost and reported. */
    out_len = 0;
    {
        char fill[RX_BUFFER_SIZE];
        memset(fill, 'x', sizeof fill);
        fill[0] = '#';
        fill[sizeof fill - 1] = '\n';
        isr(fill, sizeof fill); /* ring exactly full, ends with a line */
        isr(lines[1], lens[1]); /* lost entirely */
        drain((size_t)-1);
        feed_slowly(lines[2], lens[2]);
        out[out_len] = '\0';
        char expect[4096];
        snprintf(expect, sizeof expect, "Error: rx overflow\n%s", results[2]);
        CHECK(strcmp(out, expect) == 0, "case 2 output:\n%s", out);
    }

    /* 3. Random interleavings: each line gives its result or is dropped, nothing else. */
    for (int trial = 0; trial < 300; trial++) {
        size_t n_lines = 6 + rnd(6);
        size_t order[16];
        out_len = 0;
        for (size_t i = 0; i < n_lines; i++) {
            order[i] = rnd((uint32_t)n_inputs);
        }
        /* producer: bursts of bytes; consumer: bursts of events */
        uint32_t producer_max = 1 + rnd(3 * RX_BUFFER_SIZE);
        uint32_t consumer_max = 1 + rnd(3 * RX_BUFFER_SIZE);
        for (size_t i = 0; i < n_lines; i++) {
            size_t pos = 0;
            while (pos < lens[order[i]]) {
                size_t burst = 1 + rnd(producer_max);
                if (burst > lens[order[i]] - pos) {
                    burst = lens[order[i]] - pos;
                }
                isr(lines[order[i]] + pos, burst);
                pos += burst;
                drain(1 + rnd(consumer_max));
            }
        }
        drain((size_t)-1);
        CHECK(rx_ring_empty(), "trial %d: ring not empty", trial);
        out[out_len] = '\0';

        /* walk the output: results must match the lines in order (a subsequence) */
        size_t next_line = 0;
        size_t got_results = 0, got_errors = 0;
        char *p = out;
        while (*p) {
            char *nl = strchr(p, '\n');
            CHECK(nl != NULL, "trial %d: unterminated output", trial);
            if (!nl) {
                break;
            }
            size_t len = (size_t)(nl - p) + 1;
            if (len == 19 && memcmp(p, "Error: rx overflow\n", 19) == 0) {
                got_errors++;
            } else if (memcmp(p, "#result:", 8) == 0) {
                while (next_line < n_lines &&
                       !(strlen(results[order[next_line]]) == len &&
                         memcmp(results[order[next_line]], p, len) == 0)) {
                    next_line++;
                }
                CHECK(next_line < n_lines, "trial %d: result matches no remaining line: %.*s", trial,
                      (int)len, p);
                next_line++;
                got_results++;
            } else {
                CHECK(0, "trial %d: unexpected output: %.*s", trial, (int)len, p);
            }
            p = nl + 1;
        }
        CHECK(got_results == n_lines || got_errors > 0, "trial %d: %zu of %zu results, no overflow error",
              trial, got_results, n_lines);
        CHECK(got_results + got_errors >= n_lines || got_errors > 0, "trial %d: lines unaccounted", trial);
        if (failures > 10) {
            break;
        }
    }

    /* 4. No overflow when the consumer keeps up: every line answers. */
    out_len = 0;
    for (size_t k = 0; k < n_inputs; k++) {
        for (size_t pos = 0; pos < lens[k]; pos += RX_BUFFER_SIZE / 2) {
            size_t burst = lens[k] - pos < RX_BUFFER_SIZE / 2 ? lens[k] - pos : RX_BUFFER_SIZE / 2;
            isr(lines[k] + pos, burst);
            drain((size_t)-1);
        }
    }
    out[out_len] = '\0';
    {
        size_t expect_len = 0;
        for (size_t k = 0; k < n_inputs; k++) {
            CHECK(strncmp(out + expect_len, results[k], strlen(results[k])) == 0, "case 4: line %zu", k);
            expect_len += strlen(results[k]);
        }
        CHECK(out_len == expect_len, "case 4: extra output:\n%s", out);
    }

    /* 5. f746_disco: a byte received with a receive error drops its line; only seen flags are cleared. */
    {
        static const uint32_t damaged[] = {USART_ISR_FE, USART_ISR_NE, USART_ISR_PE};
        for (size_t d = 0; d < sizeof damaged / sizeof damaged[0]; d++) {
            out_len = 0;
            for (size_t i = 0; i < lens[3]; i++) {
                /* byte 20 arrives damaged: a digit that is not the one sent */
                uint32_t isr = USART_ISR_RXNE | USART_ISR_TXE | USART_ISR_TC | (i == 20 ? damaged[d] : 0u);
                uint8_t data = i == 20 ? (uint8_t)(lines[3][i] == '7' ? '3' : '7') : (uint8_t)lines[3][i];
                uint32_t clear = usart_rx_take(isr, data);
                CHECK(clear == (i == 20 ? damaged[d] : 0u), "case 5: byte %zu clears 0x%x", i, clear);
                drain((size_t)-1);
            }
            feed_slowly(lines[4], lens[4]);
            out[out_len] = '\0';
            char expect[4096];
            snprintf(expect, sizeof expect, "Error: rx overflow\n%s", results[4]);
            CHECK(strcmp(out, expect) == 0, "case 5 (flag 0x%x) output:\n%s", damaged[d], out);
        }
    }

    /* 6. f746_disco: an overrun keeps the byte in RDR, loses what followed, clears ORE alone. */
    out_len = 0;
    {
        size_t cut = lens[5] / 2;
        for (size_t i = 0; i < cut; i++) {
            CHECK(usart_rx_take(USART_ISR_RXNE, (uint8_t)lines[5][i]) == 0u, "case 6: byte %zu", i);
        }
        CHECK(usart_rx_take(USART_ISR_RXNE | USART_ISR_ORE, (uint8_t)lines[5][cut]) == USART_ISR_ORE,
              "case 6: overrun clears more than ORE");
        isr_str("1,2,3\n"); /* the rest of the broken line */
        drain((size_t)-1);
        feed_slowly(lines[6], lens[6]);
        out[out_len] = '\0';
        char expect[4096];
        snprintf(expect, sizeof expect, "Error: rx overflow\n%s", results[6]);
        CHECK(strcmp(out, expect) == 0, "case 6 output:\n%s", out);
        CHECK(usart_rx_take(USART_ISR_FE | USART_ISR_ORE | USART_ISR_TXE, 0) == (USART_ISR_FE | USART_ISR_ORE),
              "case 6: two flags seen, two cleared");
        drain((size_t)-1);
    }

    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
