/*
 * CHECK for the host test programs (examples/synth/host, firmware/mlf/host):
 * report a failed condition with its place and go on, counting failures.
 */
#ifndef ALLHW_HOST_CHECK_H
#define ALLHW_HOST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fprintf(stderr, "\n");                               \
            failures++;                                          \
        }                                                        \
    } while (0)

#endif
