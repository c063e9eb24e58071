/*
 * float32 <-> decimal text, exact, by hand: newlib-nano's printf("%.9g") and
 * strtof would do it, but each pulls in about 21 KB of code (measured with
 * arm-none-eabi-gcc 12, -Os, nano.specs) and both take their scratch memory
 * from malloc, a heap the firmware's memory report cannot see. These use a
 * small fixed-size big integer on the stack instead, and run the same on the
 * host, where firmware/mlf/host tests them against the C library.
 */
#ifndef ALLHW_FLOAT_TEXT_H
#define ALLHW_FLOAT_TEXT_H

#include <stddef.h>

/* Longest text float_to_text writes: "-1.17549435e-38". */
#define FLOAT_TEXT_MAX 16

/*
 * Write value as printf's "%.9g" does (9 significant digits, round half to
 * even, trailing zeros dropped): enough digits to read back the same float.
 * NaNs are "nan" whatever their sign; infinities "inf" and "-inf"; -0 is "-0".
 * Returns the length written (no NUL), at most FLOAT_TEXT_MAX - 1.
 */
size_t float_to_text(float value, char *out);

typedef enum { FLOAT_TEXT_OK, FLOAT_TEXT_MALFORMED, FLOAT_TEXT_OUT_OF_RANGE } float_text_status_t;

/*
 * Read a decimal number: an optional sign, digits with an optional '.', an
 * optional exponent (e or E, optional sign, digits); or "inf", "infinity",
 * "nan" (any case, optional sign). The whole of text[0..len) must be the
 * number. Rounds to the nearest float32, ties to even: exactly for up to 40
 * significant digits (which covers the 9 float_to_text writes, and every
 * midpoint between two floats of 2^-22 or more); further digits only count
 * as "more than shown".
 * A finite number beyond the float32 range is FLOAT_TEXT_OUT_OF_RANGE; one
 * too small for it becomes 0 of its sign.
 */
float_text_status_t float_from_text(const char *text, size_t len, float *out);

#endif
