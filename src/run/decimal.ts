/**
 * Numbers as the model firmware's parser reads them: plain decimals with no
 * exponent and no `+` (the microTVM demo's parser knows neither), integers
 * written as integers, and floats as the shortest text that reads back as
 * the same value — for float32 data, the same float32 (so 0.1f is `0.1`, not
 * `0.10000000149011612`).
 */

/** Rewrites a JS numeric string (`1.5e-7`, `-2e+21`, `007.50`) as a plain decimal (`0.00000015`, ...). */
export function plainDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`'${text}' is not a decimal number`);
  const negative = m[1] === '-';
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  const exponent = Number(m[4] ?? '0');
  const digits = intDigits + fracDigits;
  // Position of the decimal point within `digits`.
  const point = intDigits.length + exponent;
  let whole: string;
  let frac: string;
  if (point <= 0) {
    whole = '0';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    whole = digits.slice(0, point);
    frac = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const body = frac ? `${whole}.${frac}` : whole;
  // No "-0": the sign of zero means nothing to an input parser.
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

function checkFinite(x: number): void {
  if (!Number.isFinite(x)) throw new Error(`${x} cannot be written as a decimal the firmware can read`);
}

/** Shortest decimal that reads back as the same float64. */
export function formatFloat64(x: number): string {
  checkFinite(x);
  // Number→String is the shortest round-trip text (ECMAScript Number::toString).
  return plainDecimal(String(x));
}

/** Shortest decimal that reads back (rounded to float32) as the same float32. */
export function formatFloat32(x: number): string {
  checkFinite(x);
  const f = Math.fround(x);
  // toPrecision(p) is the nearest p-digit decimal; 9 digits always round-trip a float32.
  for (let p = 1; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return plainDecimal(s);
  }
  return plainDecimal(f.toPrecision(9));
}
