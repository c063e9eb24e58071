/**
 * Golden outputs: the expected output tensor per input, and the check of each
 * input's outputs against them (within atol/rtol, or the same top-1 class).
 *
 * File format (examples/synth/golden.json):
 *   {"version":1,"model":"synth","output_shape":[1,10],
 *    "outputs":{"input-00.txt":[...], ...},
 *    "atol":0,"rtol":0,"compare":"values"}      ← the last three optional
 * The file's atol/rtol/compare are defaults; the caller's options win when set.
 */
import { describeValue, jsonSyntaxError } from '../common/describe.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatNumber } from '../common/text.js';
import type { InputResult } from './types.js';

export type CompareMode = 'values' | 'top1';
export const COMPARE_MODES: readonly CompareMode[] = ['values', 'top1'];

export interface Golden {
  /** Where it was read from, for messages. */
  path: string;
  model: string | null;
  outputShape: number[] | null;
  outputs: Map<string, number[]>;
  atol: number | null;
  rtol: number | null;
  compare: CompareMode | null;
}

/** null/undefined: not set by the user, so the golden file's value (else the default) applies. */
export interface GoldenOptions {
  compare?: CompareMode | null;
  atol?: number | null;
  rtol?: number | null;
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

function tolerance(file: string, obj: Record<string, unknown>, key: 'atol' | 'rtol'): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new GoldenError(`Golden file '${file}': "${key}" is ${describeValue(v)}; expected a number ≥ 0.`);
  }
  return v;
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
  const odd = lengths.find((l) => l.length !== lengths[0].length);
  if (odd) {
    throw new GoldenError(
      `Golden file '${file}': outputs["${lengths[0].name}"] has ${lengths[0].length} values but outputs["${odd.name}"] has ${odd.length}: ` +
        `every entry is one output of the model, so all have the same length (set "output_shape" to say which).`,
    );
  }

  const compare = data.compare;
  if (compare !== undefined && compare !== null && !COMPARE_MODES.includes(compare as CompareMode)) {
    throw new GoldenError(`Golden file '${file}': "compare" is ${JSON.stringify(compare)}; allowed values are 'values', 'top1'.`);
  }
  return {
    path: file,
    model: typeof data.model === 'string' ? data.model : null,
    outputShape,
    outputs,
    atol: tolerance(file, data, 'atol'),
    rtol: tolerance(file, data, 'rtol'),
    compare: (compare as CompareMode | undefined) ?? null,
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
  if (values.length === 0) return null;
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
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
  atol: number;
  rtol: number;
}

/** Why `actual` does not match `expected`, or null when it does. */
export function mismatch(actual: readonly number[], expected: readonly number[], t: Tolerances): string | null {
  if (actual.length !== expected.length) {
    return `output has ${actual.length} value${actual.length === 1 ? '' : 's'}, golden has ${expected.length}`;
  }
  if (t.compare === 'top1') {
    const a = argmax(actual);
    // Classes tied for the golden maximum (common with saturated quantized outputs) are all right answers.
    const e = argmax(expected);
    const best = e === null ? [] : expected.flatMap((v, i) => (v === expected[e] ? [i] : []));
    if (a === e || (a !== null && best.includes(a))) return null;
    const ties = best.length > 1 ? `${best.slice(0, -1).join(', ')} or ${best.at(-1)} (tied in the golden output)` : `${e}`;
    return `top-1 class ${a}, expected ${ties}`;
  }
  let first = -1;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    // numpy.isclose semantics; written as !(≤) so that NaN counts as a mismatch.
    if (!(diff <= t.atol + t.rtol * Math.abs(expected[i]))) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return null;
  const a = actual[first];
  const e = expected[first];
  const bound = t.atol + t.rtol * Math.abs(e);
  let reason =
    `output[${first}] = ${formatNumber(a)}, expected ${formatNumber(e)} ` +
    `(|Δ| ${formatNumber(Math.abs(a - e))} > atol ${formatNumber(t.atol)} + rtol ${formatNumber(t.rtol)}·|e| = ${formatNumber(bound)})`;
  if (count > 1) reason += `; ${count} of ${actual.length} values out of tolerance`;
  return reason;
}

function maxAbsError(actual: readonly number[], expected: readonly number[]): number | null {
  if (actual.length !== expected.length) return null;
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
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
 * Fills expected/maxAbsError/top1 of each result and fails passed inputs whose
 * outputs do not match. Failed or errored inputs keep their status and reason.
 * An input without a golden entry fails: where a golden file is given, an
 * output nobody checked must not pass as a right one.
 */
export function applyGolden(results: readonly InputResult[], golden: Golden, opts: GoldenOptions = {}): InputResult[] {
  const t = effectiveTolerances(golden, opts);
  const lookup = goldenLookup(golden, results.map((r) => r.input));
  return results.map((r) => {
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
    out.expected = [...expected];
    if (!r.outputs) return out;
    out.maxAbsError = maxAbsError(r.outputs, expected);
    if (r.status === 'passed') {
      const why = mismatch(r.outputs, expected, t);
      if (why) {
        out.status = 'failed';
        out.reason = why;
      }
    }
    return out;
  });
}
