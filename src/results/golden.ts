/**
 * Golden outputs: the expected output tensor per input, and the check of each
 * input's outputs against them (within atol/rtol, or the same top-1 class).
 *
 * File format (examples/synth/golden.json):
 *   {"version":1,"model":"synth","output_shape":[1,10],
 *    "outputs":{"input-00.txt":[...], ...},
 *    "atol":0,"rtol":0,"compare":"values"}      ← the last three optional
 * The file's atol/rtol/compare are defaults; the caller's options win when set.
 * atol and rtol may also be arrays, one tolerance per output value (outputs
 * of different scales); "topk": N alone means "compare": "topk:N".
 */
import { describeValue, jsonSyntaxError } from '../common/describe.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatNumber } from '../common/text.js';
import { COMPARE_HINT, bestClasses, compareRule, lsbMismatch, mseMismatch, parseCompare, topkMismatch, valueAt, type CompareMode } from './compare.js';
import type { Correctness, InputResult } from './types.js';

export type { CompareMode } from './compare.js';

export interface Golden {
  /** Where it was read from, for messages. */
  path: string;
  model: string | null;
  outputShape: number[] | null;
  outputs: Map<string, number[]>;
  atol: Tolerance | null;
  rtol: Tolerance | null;
  compare: CompareMode | null;
}

/** One tolerance for every output value, or one per output value. */
export type Tolerance = number | number[];

/** null/undefined: not set by the user, so the golden file's value (else the default) applies. */
export interface GoldenOptions {
  compare?: CompareMode | null;
  atol?: number | null;
  rtol?: number | null;
  /** Percent of golden-checked inputs that must match (default 100): below it, every mismatch fails its input. */
  minPassRate?: number | null;
}

export class GoldenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoldenError';
  }
}

const FORMAT_HINT =
  'expected {"version":1,"outputs":{"<input name>":[numbers...]}} with optional "model", "output_shape", "atol", "rtol", "compare" (see examples/synth/golden.json)';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isTolerance = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function tolerance(file: string, obj: Record<string, unknown>, key: 'atol' | 'rtol'): Tolerance | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (isTolerance(v) || (Array.isArray(v) && v.length > 0 && v.every(isTolerance))) return v;
  throw new GoldenError(`Golden file '${file}': "${key}" is ${describeValue(v)}; expected a number ≥ 0, or an array of them (one per output value).`);
}

/** The file's compare mode: "compare", else "topk": N, else none. */
function goldenCompare(file: string, data: Record<string, unknown>): CompareMode | null {
  const { compare, topk } = data;
  if (topk !== undefined && topk !== null && !(Number.isInteger(topk) && (topk as number) >= 1)) {
    throw new GoldenError(`Golden file '${file}': "topk" is ${describeValue(topk)}; expected a whole number ≥ 1.`);
  }
  if (compare === undefined || compare === null) return topk ? `topk:${topk as number}` : null;
  const mode = typeof compare === 'string' ? parseCompare(compare) : null;
  if (mode === null)
    throw new GoldenError(
      `Golden file '${file}': "compare" is ${typeof compare === 'string' ? JSON.stringify(compare.slice(0, 40)) : describeValue(compare)}; ${COMPARE_HINT}.`,
    );
  return mode;
}

/** A per-output tolerance array must have one entry per output value. */
function checkToleranceLength(file: string, key: string, t: Tolerance | null, arity: number | null): void {
  if (Array.isArray(t) && arity !== null && t.length !== arity) {
    throw new GoldenError(`Golden file '${file}': "${key}" has ${t.length} tolerances but each output has ${arity} values: give one per value, or one number.`);
  }
}

/** Parses golden JSON text; `file` only names it in messages. */
export function parseGolden(text: string, file: string): Golden {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new GoldenError(`Golden file '${file}' is not valid JSON (${jsonSyntaxError(text, e)}): ${FORMAT_HINT}.`);
  }
  if (!isObject(data)) throw new GoldenError(`Golden file '${file}' is not a JSON object: ${FORMAT_HINT}.`);
  if (data.version !== 1) {
    throw new GoldenError(
      `Golden file '${file}' has "version": ${typeof data.version === 'number' ? data.version : describeValue(data.version ?? null)}; only version 1 is known: ${FORMAT_HINT}.`,
    );
  }
  if (!isObject(data.outputs)) {
    throw new GoldenError(`Golden file '${file}' has no "outputs" object: ${FORMAT_HINT}.`);
  }

  let outputShape: number[] | null = null;
  if (data.output_shape !== undefined && data.output_shape !== null) {
    const s = data.output_shape;
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && (d as number) > 0)) {
      throw new GoldenError(`Golden file '${file}': "output_shape" is ${describeValue(s)}; expected an array of positive integers, e.g. [1,10].`);
    }
    outputShape = s as number[];
  }
  const expectedLength = outputShape ? outputShape.reduce((a, b) => a * b, 1) : null;

  const outputs = new Map<string, number[]>();
  for (const [name, values] of Object.entries(data.outputs)) {
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new GoldenError(`Golden file '${file}': outputs["${name}"] is not an array of numbers.`);
    }
    if (expectedLength !== null && values.length !== expectedLength) {
      throw new GoldenError(
        `Golden file '${file}': outputs["${name}"] has ${values.length} values but "output_shape" ${JSON.stringify(outputShape)} means ${expectedLength}.`,
      );
    }
    outputs.set(name, values as number[]);
  }
  // Every entry is one output of the same model: a different length is a typo that would fail that input on every run.
  const lengths = [...outputs].map(([name, values]) => ({ name, length: values.length }));
  const [head] = lengths;
  const odd = lengths.find((l) => l.length !== head?.length);
  if (head && odd) {
    throw new GoldenError(
      `Golden file '${file}': outputs["${head.name}"] has ${head.length} values but outputs["${odd.name}"] has ${odd.length}: ` +
        `every entry is one output of the model, so all have the same length (set "output_shape" to say which).`,
    );
  }

  const atol = tolerance(file, data, 'atol');
  const rtol = tolerance(file, data, 'rtol');
  const arity = lengths[0]?.length ?? expectedLength;
  checkToleranceLength(file, 'atol', atol, arity);
  checkToleranceLength(file, 'rtol', rtol, arity);
  return {
    path: file,
    model: typeof data.model === 'string' ? data.model : null,
    outputShape,
    outputs,
    atol,
    rtol,
    compare: goldenCompare(file, data),
  };
}

export async function loadGolden(file: string): Promise<Golden> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new GoldenError(`Golden file '${file}' does not exist: check the 'golden' input (a path relative to the workspace).`);
    }
    if (code === 'EISDIR') throw new GoldenError(`Golden file '${file}' is a directory: 'golden' must name a JSON file.`);
    throw new GoldenError(`Golden file '${file}' could not be read: ${(e as Error).message}`);
  }
  return parseGolden(text, file);
}

/** The number of values per output the golden file holds (null when it has no entry). */
export function goldenArity(golden: Golden): number | null {
  const first = golden.outputs.values().next();
  return first.done ? null : first.value.length;
}

/** Refuses a golden file whose outputs cannot match the firmware's declared output count. */
export function checkOutputCount(golden: Golden, outputCount: number | null): void {
  const arity = goldenArity(golden);
  if (outputCount === null || arity === null || arity === outputCount) return;
  throw new GoldenError(
    `Golden file '${golden.path}' has ${arity} values per output, but 'output-count' is ${outputCount}: ` +
      `fix one of them (the golden file holds the model's whole output tensor).`,
  );
}

/** Index of the largest value (the first one on ties); null for an empty array. */
export function argmax(values: readonly number[]): number | null {
  const [first] = values;
  if (first === undefined) return null;
  let best = 0;
  let top = first;
  for (const [i, v] of values.entries()) {
    if (v > top) [best, top] = [i, v];
  }
  return best;
}

const baseName = (name: string): string => path.posix.basename(name.replace(/\\/g, '/'));

/**
 * Looks an input up by its exact name, else by its file's base name (golden
 * keys are often bare names) when no other input has that base name.
 */
function goldenLookup(golden: Golden, inputs: readonly string[]): (input: string) => number[] | undefined {
  const byBase = new Map<string, number[] | null>();
  for (const [key, values] of golden.outputs) {
    const base = baseName(key);
    byBase.set(base, byBase.has(base) ? null : values); // null: ambiguous, never used
  }
  // Inputs named by their paths because their base names clash: a bare key could be either one.
  const inputsPerBase = new Map<string, number>();
  for (const input of new Set(inputs)) inputsPerBase.set(baseName(input), (inputsPerBase.get(baseName(input)) ?? 0) + 1);
  return (input) => {
    const exact = golden.outputs.get(input);
    if (exact) return exact;
    const base = baseName(input);
    return inputsPerBase.get(base) === 1 ? (byBase.get(base) ?? undefined) : undefined;
  };
}

/** Which golden keys no input uses, and which inputs have no golden entry. */
export function goldenCoverage(golden: Golden, inputs: readonly string[]): { unmatchedKeys: string[]; inputsWithout: string[] } {
  const lookup = goldenLookup(golden, inputs);
  const used = new Set<number[]>();
  const inputsWithout: string[] = [];
  for (const input of inputs) {
    const values = lookup(input);
    if (values) used.add(values);
    else inputsWithout.push(input);
  }
  const unmatchedKeys = [...golden.outputs].filter(([, values]) => !used.has(values)).map(([key]) => key);
  return { unmatchedKeys, inputsWithout };
}

/** Up to `most` names, quoted and clipped, then how many more. */
export function someNames(names: readonly string[], most = 5): string {
  const clipped = names.slice(0, most).map((n) => `'${n.length > 60 ? `${n.slice(0, 57)}...` : n}'`);
  return clipped.join(', ') + (names.length > most ? ` and ${names.length - most} more` : '');
}

interface Tolerances {
  compare: CompareMode;
  atol: Tolerance;
  rtol: Tolerance;
}

const at = (t: Tolerance, i: number): number => (typeof t === 'number' ? t : (t[i] ?? 0));

/** Why `actual` does not match `expected`, or null when it does. */
export function mismatch(actual: readonly number[], expected: readonly number[], t: Tolerances): string | null {
  if (actual.length !== expected.length) {
    return `output has ${actual.length} value${actual.length === 1 ? '' : 's'}, golden has ${expected.length}`;
  }
  const rule = compareRule(t.compare);
  if (rule.kind === 'topk') return topkMismatch(actual, expected, rule.k);
  if (rule.kind === 'lsb') return lsbMismatch(actual, expected, rule.n);
  if (rule.kind === 'mse') return mseMismatch(actual, expected, rule.max);
  if (rule.kind === 'top1') {
    const a = argmax(actual);
    // Classes tied for the golden maximum (common with saturated quantized outputs) are all right answers.
    const best = bestClasses(expected);
    if (a !== null && best.includes(a)) return null;
    const ties = best.length > 1 ? `${best.slice(0, -1).join(', ')} or ${best.at(-1)} (tied in the golden output)` : `${best[0]}`;
    return `top-1 class ${a}, expected ${ties}`;
  }
  let first = -1;
  let count = 0;
  for (const [i, a] of actual.entries()) {
    const e = valueAt(expected, i);
    const diff = Math.abs(a - e);
    // numpy.isclose semantics; written as !(≤) so that NaN counts as a mismatch.
    if (!(diff <= at(t.atol, i) + at(t.rtol, i) * Math.abs(e))) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return null;
  const a = valueAt(actual, first);
  const e = valueAt(expected, first);
  const [atol, rtol] = [at(t.atol, first), at(t.rtol, first)];
  const bound = atol + rtol * Math.abs(e);
  let reason =
    `output[${first}] = ${formatNumber(a)}, expected ${formatNumber(e)} ` +
    `(|Δ| ${formatNumber(Math.abs(a - e))} > atol ${formatNumber(atol)} + rtol ${formatNumber(rtol)}·|e| = ${formatNumber(bound)})`;
  if (count > 1) reason += `; ${count} of ${actual.length} values out of tolerance`;
  return reason;
}

function maxAbsError(actual: readonly number[], expected: readonly number[]): number | null {
  if (actual.length !== expected.length) return null;
  let max = 0;
  for (const [i, a] of actual.entries()) {
    const d = Math.abs(a - valueAt(expected, i));
    if (!(d <= max)) max = d; // keeps NaN (JSON: null) rather than hiding it
  }
  return max;
}

/** The effective tolerances: the caller's options, else the golden file's, else values/0/0. */
export function effectiveTolerances(golden: Golden, opts: GoldenOptions): Tolerances {
  return {
    compare: opts.compare ?? golden.compare ?? 'values',
    atol: opts.atol ?? golden.atol ?? 0,
    rtol: opts.rtol ?? golden.rtol ?? 0,
  };
}

/**
 * Fills expected/maxAbsError/top1 of each result and checks passed inputs'
 * outputs. Failed or errored inputs keep their status and reason.
 * An input without a golden entry fails: where a golden file is given, an
 * output nobody checked must not pass as a right one (min-pass-rate does not
 * excuse it: it counts only inputs that have an entry).
 * Over the data set, `matched` of the `checked` inputs (those with a golden
 * entry) agree: at or above min-pass-rate, a mismatch is noted and its input
 * still passes; below it, every mismatch fails its input.
 */
export function checkCorrectness(
  results: readonly InputResult[],
  golden: Golden,
  opts: GoldenOptions = {},
): { results: InputResult[]; correctness: Correctness } {
  const t = effectiveTolerances(golden, opts);
  const lookup = goldenLookup(
    golden,
    results.map((r) => r.input),
  );
  const mismatches = new Map<InputResult, string>();
  let checked = 0;
  const filled = results.map((r) => {
    const out: InputResult = { ...r };
    if (r.outputs) out.top1 = argmax(r.outputs);
    const expected = lookup(r.input);
    if (!expected) {
      if (r.status === 'passed') {
        out.status = 'failed';
        out.reason = `no expected output: ${path.basename(golden.path)} has no entry for '${r.input}' (add one, or leave the input out of 'inputs')`;
      }
      return out;
    }
    checked++;
    out.expected = [...expected];
    if (r.outputs) out.maxAbsError = maxAbsError(r.outputs, expected);
    // An input without outputs, or failed already, is no match either.
    const why = r.status !== 'passed' ? (r.reason ?? r.status) : r.outputs ? mismatch(r.outputs, expected, t) : 'no outputs';
    out.match = why === null;
    if (why !== null && r.status === 'passed') mismatches.set(out, why);
    return out;
  });
  const matched = filled.filter((r) => r.match === true).length;
  const minPassRate = opts.minPassRate ?? 100;
  const pct = checked === 0 ? 100 : (matched / checked) * 100;
  const correctness: Correctness = { compare: t.compare, checked, matched, pct, minPassRate, passed: pct >= minPassRate };
  for (const [r, why] of mismatches) {
    if (correctness.passed) r.reason = `${why} (allowed: ${passRateText(correctness)} matched, min-pass-rate ${formatNumber(minPassRate)} %)`;
    else {
      r.status = 'failed';
      r.reason = minPassRate < 100 ? `${why} (${passRateText(correctness)} matched, below min-pass-rate ${formatNumber(minPassRate)} %)` : why;
    }
  }
  return { results: filled, correctness };
}

/** "k/n (p %)". */
export function passRateText(c: Pick<Correctness, 'matched' | 'checked' | 'pct'>): string {
  return `${c.matched}/${c.checked} (${formatNumber(Number(c.pct.toFixed(2)))} %)`;
}

/** checkCorrectness's results alone. */
export function applyGolden(results: readonly InputResult[], golden: Golden, opts: GoldenOptions = {}): InputResult[] {
  return checkCorrectness(results, golden, opts).results;
}
