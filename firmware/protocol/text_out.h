/*
 * Decimal text into a caller's buffer, without printf (newlib-nano's printf
 * would add about 10 KB for what these few lines do). Each returns the
 * number of characters written; none writes a terminating NUL.
 */
#ifndef ALLHW_TEXT_OUT_H
#define ALLHW_TEXT_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t put_str(char *dst, const char *s)
{
    size_t n = strlen(s);
    memcpy(dst, s, n);
    return n;
}

static inline size_t put_u32(char *dst, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    for (size_t i = 0; i < n; i++) {
        dst[i] = tmp[n - 1 - i];
    }
    return n;
}

static inline size_t put_i32(char *dst, int32_t v)
{
    if (v < 0) {
        dst[0] = '-';
        return 1 + put_u32(dst + 1, (uint32_t)0 - (uint32_t)v);
    }
    return put_u32(dst, (uint32_t)v);
}

#endif
