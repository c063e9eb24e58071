/**
 * How an input's outputs are judged against its golden ones, in the ways
 * quantized models are judged: exact values within atol/rtol, the same
 * top-1 class, the golden class among the top k, every value within N
 * least-significant bits, or the mean squared error under a bound.
 *
 * A mode is kept as its text (`topk:3`), the form the user wrote and
 * results.json shows; compareRule() reads it.
 */
import { formatNumber } from '../common/text.js';

export type CompareMode = 'values' | 'top1' | `topk:${number}` | `lsb:${number}` | `mse:${number}`;

export type CompareRule = { kind: 'values' } | { kind: 'top1' } | { kind: 'topk'; k: number } | { kind: 'lsb'; n: number } | { kind: 'mse'; max: number };

export const COMPARE_HINT = "allowed values are 'values', 'top1', 'topk:N' (N a whole number ≥ 1), 'lsb:N' (N a whole number ≥ 0) or 'mse:X' (X a number ≥ 0)";

const WHOLE = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The mode as written (spaces around ':' allowed), or null when it is none of the known forms. */
export function parseCompare(text: string): CompareMode | null {
  const [head, arg, ...rest] = text.split(':').map((s) => s.trim());
  if (rest.length > 0) return null;
  if (arg === undefined) return head === 'values' || head === 'top1' ? head : null;
  if (head === 'topk' && WHOLE.test(arg) && Number(arg) >= 1) return `topk:${Number(arg)}`;
  if (head === 'lsb' && WHOLE.test(arg)) return `lsb:${Number(arg)}`;
  if (head === 'mse' && DECIMAL.test(arg) && Number.isFinite(Number(arg))) return `mse:${Number(arg)}`;
  return null;
}

export function compareRule(mode: CompareMode): CompareRule {
  const [head, arg] = mode.split(':');
  if (head === 'topk') return { kind: 'topk', k: Number(arg) };
  if (head === 'lsb') return { kind: 'lsb', n: Number(arg) };
  if (head === 'mse') return { kind: 'mse', max: Number(arg) };
  return { kind: head as 'values' | 'top1' };
}

/** Every index holding the largest value (ties are all right answers for saturated quantized outputs). */
export function bestClasses(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const top = Math.max(...values);
  return values.flatMap((v, i) => (v === top ? [i] : []));
}

/**
 * Value i of an output, or NaN where it has none: compared, NaN is a
 * mismatch (callers compare lengths first, so it is only ever a guard).
 */
export function valueAt(values: readonly number[], i: number): number {
  return values[i] ?? NaN;
}

/** Whether class `c` is among the `k` largest of `values` (ties share a rank: fewer than k values are larger). */
function inTopK(values: readonly number[], c: number, k: number): boolean {
  let larger = 0;
  const own = valueAt(values, c);
  for (const v of values) if (v > own) larger++;
  return larger < k;
}

function classList(classes: number[]): string {
  return classes.length > 1 ? `${classes.slice(0, -1).join(', ')} or ${classes.at(-1)} (tied in the golden output)` : `${classes[0]}`;
}

/** topk: a golden best class is among the actual k largest outputs. */
export function topkMismatch(actual: readonly number[], expected: readonly number[], k: number): string | null {
  const best = bestClasses(expected);
  if (best.some((c) => inTopK(actual, c, k))) return null;
  const ranked = [...actual.keys()].sort((a, b) => valueAt(actual, b) - valueAt(actual, a) || a - b).slice(0, k);
  return `golden class ${classList(best)} is not among the top ${k} classes (${ranked.join(', ')})`;
}

/** lsb: every value within n units of its golden one (quantized outputs count in least-significant bits). */
export function lsbMismatch(actual: readonly number[], expected: readonly number[], n: number): string | null {
  let worst: { i: number; a: number; e: number; d: number } | null = null;
  let count = 0;
  for (const [i, a] of actual.entries()) {
    const e = valueAt(expected, i);
    const d = Math.abs(a - e);
    if (!(d <= n)) {
      count++;
      if (worst === null || !(d <= worst.d)) worst = { i, a, e, d };
    }
  }
  if (worst === null) return null;
  const more = count > 1 ? `; ${count} of ${actual.length} values off by more than ${n}` : '';
  return `output[${worst.i}] = ${formatNumber(worst.a)}, expected ${formatNumber(worst.e)} ± ${n} LSB${more}`;
}

export function meanSquaredError(actual: readonly number[], expected: readonly number[]): number {
  let sum = 0;
  for (const [i, a] of actual.entries()) sum += (a - valueAt(expected, i)) ** 2;
  return actual.length === 0 ? 0 : sum / actual.length;
}

/** mse: the mean squared error at most `max`. */
export function mseMismatch(actual: readonly number[], expected: readonly number[], max: number): string | null {
  const mse = meanSquaredError(actual, expected);
  return mse <= max ? null : `mean squared error ${formatNumber(mse)} > ${formatNumber(max)}`;
}
