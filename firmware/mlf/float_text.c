#include "float_text.h"

#include <stdint.h>
#include <string.h>

/*
 * An unsigned big integer of little-endian 32-bit limbs. 16 limbs (512 bits)
 * hold the largest value either direction needs: 2^24 * 5^149 (< 2^371) when
 * printing the smallest floats, 10^40 * 2^370 (< 2^503) when reading 40
 * significant digits of a number near the smallest subnormal.
 */
#define BIG_LIMBS 16

typedef struct {
    uint32_t limb[BIG_LIMBS];
} big_t;

static void big_set(big_t *b, uint32_t v)
{
    memset(b, 0, sizeof *b);
    b->limb[0] = v;
}

/* b = b * mul + add */
static void big_mul_add(big_t *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (unsigned i = 0; i < BIG_LIMBS; i++) {
        uint64_t t = (uint64_t)b->limb[i] * mul + carry;
        b->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
}

/* b = b / div; returns the remainder */
static uint32_t big_divmod(big_t *b, uint32_t div)
{
    uint64_t rem = 0;
    for (unsigned i = BIG_LIMBS; i-- > 0;) {
        uint64_t t = (rem << 32) | b->limb[i];
        b->limb[i] = (uint32_t)(t / div);
        rem = t % div;
    }
    return (uint32_t)rem;
}

static void big_shl(big_t *b, unsigned bits)
{
    for (; bits >= 32; bits -= 32) {
        memmove(&b->limb[1], &b->limb[0], (BIG_LIMBS - 1) * sizeof b->limb[0]);
        b->limb[0] = 0;
    }
    if (bits == 0) {
        return;
    }
    for (unsigned i = BIG_LIMBS; i-- > 1;) {
        b->limb[i] = (b->limb[i] << bits) | (b->limb[i - 1] >> (32 - bits));
    }
    b->limb[0] <<= bits;
}

static int big_is_zero(const big_t *b)
{
    for (unsigned i = 0; i < BIG_LIMBS; i++) {
        if (b->limb[i] != 0) {
            return 0;
        }
    }
    return 1;
}

/* Number of significant bits (0 for zero). */
static unsigned big_bit_length(const big_t *b)
{
    for (unsigned i = BIG_LIMBS; i-- > 0;) {
        if (b->limb[i] != 0) {
            return 32u * i + 32u - (unsigned)__builtin_clz(b->limb[i]);
        }
    }
    return 0;
}

static unsigned big_bit(const big_t *b, unsigned i)
{
    return (b->limb[i / 32] >> (i % 32)) & 1u;
}

/* Is any bit below bit `end` set? */
static int big_any_below(const big_t *b, unsigned end)
{
    for (unsigned i = 0; i < end; i++) {
        if (big_bit(b, i)) {
            return 1;
        }
    }
    return 0;
}

/* ---- float32 -> text ---- */

/* The decimal digits of b (destroyed), most significant first; returns their count. */
static size_t big_digits(big_t *b, char *digits, size_t max)
{
    char reversed[120];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + big_divmod(b, 10));
    } while (!big_is_zero(b) && n < sizeof reversed && n < max);
    for (size_t i = 0; i < n; i++) {
        digits[i] = reversed[n - 1 - i];
    }
    return n;
}

/* Round digits[0..n) to sig[0..9), half to even; returns 1 when it carried into a 10th digit. */
static int round_to_9(const char *digits, size_t n, char sig[9])
{
    for (size_t i = 0; i < 9; i++) {
        sig[i] = i < n ? digits[i] : '0';
    }
    if (n <= 9) {
        return 0;
    }
    int rest = 0;
    for (size_t i = 10; i < n; i++) {
        rest |= digits[i] != '0';
    }
    char next = digits[9];
    int up = next > '5' || (next == '5' && (rest || ((sig[8] - '0') & 1)));
    if (!up) {
        return 0;
    }
    int i = 8;
    while (i >= 0 && sig[i] == '9') {
        sig[i--] = '0';
    }
    if (i < 0) {
        sig[0] = '1'; /* 999999999.5 -> 1000000000: one more digit before the point */
        return 1;
    }
    sig[i]++;
    return 0;
}

/* "%.9g" layout of 9 significant digits whose first has decimal exponent x10. */
static size_t layout_g(const char sig[9], int x10, char *out)
{
    size_t n = 0;
    int keep = 9;
    while (keep > 1 && sig[keep - 1] == '0') {
        keep--;
    }
    if (x10 < -4 || x10 >= 9) {
        out[n++] = sig[0];
        if (keep > 1) {
            out[n++] = '.';
            memcpy(out + n, sig + 1, (size_t)keep - 1);
            n += (size_t)keep - 1;
        }
        out[n++] = 'e';
        out[n++] = x10 < 0 ? '-' : '+';
        int e = x10 < 0 ? -x10 : x10;
        out[n++] = (char)('0' + e / 10);
        out[n++] = (char)('0' + e % 10);
    } else if (x10 >= 0) {
        memcpy(out + n, sig, (size_t)x10 + 1);
        n += (size_t)x10 + 1;
        if (keep > x10 + 1) {
            out[n++] = '.';
            memcpy(out + n, sig + x10 + 1, (size_t)(keep - x10 - 1));
            n += (size_t)(keep - x10 - 1);
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        for (int z = 0; z < -x10 - 1; z++) {
            out[n++] = '0';
        }
        memcpy(out + n, sig, (size_t)keep);
        n += (size_t)keep;
    }
    return n;
}

size_t float_to_text(float value, char *out)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    uint32_t exp_field = (bits >> 23) & 0xFFu;
    uint32_t fraction = bits & 0x7FFFFFu;
    size_t n = 0;

    if (exp_field == 0xFFu && fraction != 0) {
        memcpy(out, "nan", 3);
        return 3;
    }
    if (bits >> 31) {
        out[n++] = '-';
    }
    if (exp_field == 0xFFu) {
        memcpy(out + n, "inf", 3);
        return n + 3;
    }
    if (exp_field == 0 && fraction == 0) {
        out[n++] = '0';
        return n;
    }

    /* value = mantissa * 2^e2 = M * 10^shift10 with M an integer */
    uint32_t mantissa = exp_field == 0 ? fraction : fraction | 0x800000u;
    int e2 = exp_field == 0 ? -149 : (int)exp_field - 150;
    int shift10 = 0;
    big_t m;
    big_set(&m, mantissa);
    if (e2 >= 0) {
        big_shl(&m, (unsigned)e2);
    } else {
        for (int i = 0; i < -e2; i++) {
            big_mul_add(&m, 5, 0); /* 2^-k = 5^k / 10^k */
        }
        shift10 = e2;
    }
    char digits[120];
    size_t count = big_digits(&m, digits, sizeof digits);
    char sig[9];
    int x10 = (int)count - 1 + shift10 + round_to_9(digits, count, sig);
    return n + layout_g(sig, x10, out + n);
}

/* ---- text -> float32 ---- */

#define MAX_SIG_DIGITS 40

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int equals_nocase(const char *text, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i] != '\0'; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != word[i]) {
            return 0;
        }
    }
    return i == len && word[i] == '\0';
}

static float from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef struct {
    big_t digits;  /* the first MAX_SIG_DIGITS significant digits, as an integer */
    int count;     /* how many of them */
    int exp10;     /* value = digits * 10^exp10 (before the dropped digits) */
    int sticky;    /* a dropped digit was nonzero */
} decimal_t;

/* Parse [digits][.digits][e[+-]digits] from text[*pos..len); 0 when malformed. */
static int parse_decimal(const char *text, size_t len, size_t *pos, decimal_t *d)
{
    size_t i = *pos;
    int any_digit = 0;
    int seen_point = 0;
    big_set(&d->digits, 0);
    d->count = 0;
    d->exp10 = 0;
    d->sticky = 0;
    for (; i < len; i++) {
        char c = text[i];
        if (c == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        if (!is_digit(c)) {
            break;
        }
        any_digit = 1;
        if (d->count == 0 && c == '0') {
            d->exp10 -= seen_point; /* a leading zero: only its place counts */
        } else if (d->count < MAX_SIG_DIGITS) {
            big_mul_add(&d->digits, 10, (uint32_t)(c - '0'));
            d->count++;
            d->exp10 -= seen_point;
        } else {
            d->sticky |= c != '0';
            d->exp10 += !seen_point;
        }
    }
    if (!any_digit) {
        return 0;
    }
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        int negative = 0;
        if (i < len && (text[i] == '+' || text[i] == '-')) {
            negative = text[i] == '-';
            i++;
        }
        if (i == len || !is_digit(text[i])) {
            return 0;
        }
        int e = 0;
        for (; i < len && is_digit(text[i]); i++) {
            if (e < 100000) {
                e = e * 10 + (text[i] - '0');
            }
        }
        d->exp10 += negative ? -e : e;
    }
    *pos = i;
    return 1;
}

/*
 * Round q * 2^-s (plus `sticky`: the exact value is a bit more) to float32
 * bits without the sign; 0xFFFFFFFF when it is beyond the range. q has at
 * least 26 bits.
 */
static uint32_t round_to_float(const big_t *q, int s, int sticky)
{
    int p = (int)big_bit_length(q);
    int lead = p - 1 - s;
    if (lead > 127) {
        return 0xFFFFFFFFu;
    }
    int lsb = lead - 23 < -149 ? -149 : lead - 23;
    int shift = lsb + s; /* bits of q below the float's last bit */
    uint32_t mantissa = 0;
    for (int i = p - 1; i >= shift; i--) {
        mantissa = (mantissa << 1) | big_bit(q, (unsigned)i);
    }
    unsigned round = big_bit(q, (unsigned)shift - 1u);
    sticky |= big_any_below(q, (unsigned)shift - 1u);
    if (round && (sticky || (mantissa & 1u))) {
        mantissa++;
        if (mantissa == 0x1000000u) {
            mantissa >>= 1;
            lsb++;
        }
    }
    if (lsb == -149 && mantissa < 0x800000u) {
        return mantissa; /* subnormal (or 0) */
    }
    uint32_t exp_field = (uint32_t)(lsb + 150);
    if (exp_field >= 0xFFu) {
        return 0xFFFFFFFFu;
    }
    return (exp_field << 23) | (mantissa & 0x7FFFFFu);
}

float_text_status_t float_from_text(const char *text, size_t len, float *out)
{
    size_t i = 0;
    uint32_t sign = 0;
    if (i < len && (text[i] == '+' || text[i] == '-')) {
        sign = text[i] == '-' ? 0x80000000u : 0u;
        i++;
    }
    if (equals_nocase(text + i, len - i, "inf") || equals_nocase(text + i, len - i, "infinity")) {
        *out = from_bits(sign | 0x7F800000u);
        return FLOAT_TEXT_OK;
    }
    if (equals_nocase(text + i, len - i, "nan")) {
        *out = from_bits(sign | 0x7FC00000u);
        return FLOAT_TEXT_OK;
    }
    decimal_t d;
    if (!parse_decimal(text, len, &i, &d) || i != len) {
        return FLOAT_TEXT_MALFORMED;
    }
    int x10 = d.count - 1 + d.exp10; /* decimal exponent of the first digit */
    if (d.count == 0 || x10 < -46) {
        *out = from_bits(sign); /* below half the smallest subnormal (1.4e-45) */
        return FLOAT_TEXT_OK;
    }
    if (x10 > 38) {
        return FLOAT_TEXT_OUT_OF_RANGE;
    }
    big_t q = d.digits;
    int s = 0;
    int sticky = d.sticky;
    if (d.exp10 >= 0) {
        for (int k = 0; k < d.exp10; k++) {
            big_mul_add(&q, 10, 0);
        }
    } else {
        /* q / 10^k, kept with s extra bits: 2^(4k) > 10^k leaves 30+ bits in q; k <= 39 + 46 */
        int k = -d.exp10;
        s = 30 + 4 * k;
        big_shl(&q, (unsigned)s);
        for (int j = 0; j < k; j++) {
            sticky |= big_divmod(&q, 10) != 0;
        }
    }
    int p = (int)big_bit_length(&q);
    if (p < 26) {
        big_shl(&q, (unsigned)(26 - p));
        s += 26 - p;
    }
    uint32_t bits = round_to_float(&q, s, sticky);
    if (bits == 0xFFFFFFFFu) {
        return FLOAT_TEXT_OUT_OF_RANGE;
    }
    *out = from_bits(sign | bits);
    return FLOAT_TEXT_OK;
}
