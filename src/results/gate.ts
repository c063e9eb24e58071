/**
 * The PR regression gate: golden outputs (golden.ts), a baseline results.json
 * (latency and size changes within tolerances), and the step's verdict.
 *
 * Latency: an input is compared when it has a latency in both runs (matched by
 * image and input name). "Total latency" is the SUM over those common inputs:
 * the same set on both sides, so inputs added or removed by the PR do not
 * count as a regression (its % change equals the mean's). Every compared input
 * is also a check of its own; all checks gate.
 */
import { jsonSyntaxError } from '../common/describe.js';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes, formatNumber, formatPct, plural } from '../common/text.js';
import type { GateCheck, GateResult, ImageEntry, InputResult, Results } from './types.js';

export { applyGolden, argmax, loadGolden, parseGolden, GoldenError } from './golden.js';
export type { CompareMode, Golden, GoldenOptions } from './golden.js';

export interface BaselineTolerances {
  /** Allowed latency increase in percent (default 10). */
  latencyTolerancePct?: number;
  /** Allowed flash/RAM increase in percent (default 5). */
  sizeTolerancePct?: number;
}

export const DEFAULT_LATENCY_TOLERANCE_PCT = 10;
export const DEFAULT_SIZE_TOLERANCE_PCT = 5;

export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

const BASELINE_HINT =
  "pass the results.json of an earlier allhw-ci run (e.g. from the default branch's allhw-results artifact) in 'baseline'";

/** Checks that parsed JSON is a results.json version 1; `file` only names it in messages. */
export function parseBaseline(text: string, file: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`Baseline '${file}' is not valid JSON (${jsonSyntaxError(text, e)}): ${BASELINE_HINT}.`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new BaselineError(`Baseline '${file}' is not a JSON object: ${BASELINE_HINT}.`);
  }
  const obj = data as Record<string, unknown>;
  if (obj.version !== 1) {
    const found = 'version' in obj ? `"version": ${JSON.stringify(obj.version)}` : 'no "version" field';
    throw new BaselineError(`Baseline '${file}' is not an allhw-ci results.json version 1 (${found}): ${BASELINE_HINT}.`);
  }
  for (const key of ['results', 'images'] as const) {
    if (!Array.isArray(obj[key])) {
      throw new BaselineError(`Baseline '${file}' has no "${key}" array, so it is not an allhw-ci results.json: ${BASELINE_HINT}.`);
    }
  }
  return data as Results;
}

/** Reads a baseline: a results.json, or a directory holding one (an unpacked artifact). */
export async function loadBaseline(file: string): Promise<Results> {
  let target = file;
  try {
    if ((await stat(file)).isDirectory()) target = path.join(file, 'results.json');
    return parseBaseline(await readFile(target, 'utf8'), target);
  } catch (e) {
    if (e instanceof BaselineError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BaselineError(`Baseline '${target}' does not exist: ${BASELINE_HINT}.`);
    }
    throw new BaselineError(`Baseline '${target}' could not be read: ${(e as Error).message}`);
  }
}

/** Percent change from `before` to `after` (0 → 0 is 0; 0 → more is +∞). */
function pctChange(before: number, after: number): number {
  if (before === after) return 0;
  if (before === 0) return after > before ? Infinity : -Infinity;
  return ((after - before) / before) * 100;
}

function changeCheck(name: string, label: string, before: number, after: number, tolPct: number, unit: (n: number) => string): GateCheck {
  const pct = pctChange(before, after);
  const passed = pct <= tolPct;
  return {
    name,
    passed,
    detail: `${label} ${unit(before)} → ${unit(after)} (${formatPct(pct)} ${passed ? '≤' : '>'} ${formatNumber(tolPct)}%)`,
  };
}

const us = (n: number): string => `${formatNumber(n)} µs`;

/** Pairs current images with baseline images: by name, else the only one with the only one. */
export function matchImages(current: ImageEntry[], baseline: ImageEntry[]): Map<string, string> {
  const map = new Map<string, string>();
  const baseNames = new Set(baseline.map((i) => i.name));
  for (const img of current) if (baseNames.has(img.name)) map.set(img.name, img.name);
  if (map.size === 0 && current.length === 1 && baseline.length === 1) map.set(current[0].name, baseline[0].name);
  return map;
}

/** Distinct names from results when results.json lists no images (e.g. a run that failed early). */
export function imageNames(r: Results): ImageEntry[] {
  if (r.images.length > 0) return r.images;
  return [...new Set(r.results.map((x) => x.image))].map((name) => ({ name, path: '', board: '', size: null }));
}

export function compareBaseline(current: Results, baseline: Results, tol: BaselineTolerances = {}): GateResult {
  const latTol = tol.latencyTolerancePct ?? DEFAULT_LATENCY_TOLERANCE_PCT;
  const sizeTol = tol.sizeTolerancePct ?? DEFAULT_SIZE_TOLERANCE_PCT;
  const curImages = imageNames(current);
  const imageMap = matchImages(curImages, imageNames(baseline));
  const several = curImages.length > 1;
  const checks: GateCheck[] = [];

  const baseByKey = new Map<string, InputResult>();
  for (const r of baseline.results) baseByKey.set(`${r.image}\u0000${r.input}`, r);

  let sumBefore = 0;
  let sumAfter = 0;
  let compared = 0;
  let newInputs = 0;
  const perInput: GateCheck[] = [];
  const seenBase = new Set<string>();
  for (const r of current.results) {
    const baseImage = imageMap.get(r.image);
    const key = `${baseImage}\u0000${r.input}`;
    const before = baseImage === undefined ? undefined : baseByKey.get(key);
    if (!before) {
      newInputs++;
      continue;
    }
    seenBase.add(key);
    if (r.latencyUs === null || before.latencyUs === null) continue;
    compared++;
    sumBefore += before.latencyUs;
    sumAfter += r.latencyUs;
    const label = several ? `${r.image}/${r.input}` : r.input;
    perInput.push(changeCheck(`latency of ${label}`, `${label}:`, before.latencyUs, r.latencyUs, latTol, us));
  }

  if (compared > 0) {
    const total = changeCheck('total latency', 'total latency', sumBefore, sumAfter, latTol, us);
    total.detail += ` over ${plural(compared, 'input')} in both runs`;
    checks.push(total);
  } else {
    checks.push({ name: 'total latency', passed: true, detail: 'no input has a latency in both runs: latency not compared' });
  }

  for (const img of curImages) {
    const baseName = imageMap.get(img.name);
    const base = baseline.images.find((i) => i.name === baseName);
    const label = several || (baseName !== undefined && baseName !== img.name) ? ` ${img.name}` : '';
    if (!img.size || !base?.size) {
      const why = !base ? 'no matching image in the baseline' : 'size unknown in one of the runs';
      checks.push({ name: `size${label}`, passed: true, detail: `flash/RAM${label} not compared: ${why}` });
      continue;
    }
    checks.push(changeCheck(`flash${label}`, `flash${label}`, base.size.flash, img.size.flash, sizeTol, formatBytes));
    checks.push(changeCheck(`ram${label}`, `RAM${label}`, base.size.ram, img.size.ram, sizeTol, formatBytes));
  }

  const gone = baseline.results.filter((r) => !seenBase.has(`${r.image}\u0000${r.input}`)).length;
  if (newInputs > 0 || gone > 0) {
    checks.push({
      name: 'coverage',
      passed: true,
      detail: `${plural(newInputs, 'input')} not in the baseline, ${plural(gone, 'baseline input')} not in this run: only common inputs are compared`,
    });
  }
  checks.push(...perInput);
  return { passed: checks.every((c) => c.passed), checks };
}

export type FailOn = 'any' | 'none';

/** Whether the step fails, and a one-line reason either way. */
export function verdict(results: Results, failOn: FailOn): { failed: boolean; reason: string } {
  const n = results.results.length;
  const failed = results.results.filter((r) => r.status === 'failed').length;
  const errors = results.results.filter((r) => r.status === 'error').length;
  const problems: string[] = [];
  if (results.error) problems.push(`the run stopped early: ${results.error}`);
  if (failed > 0) problems.push(`${failed} of ${plural(n, 'input')} failed`);
  if (errors > 0) problems.push(`${errors} of ${plural(n, 'input')} errored (infrastructure)`);
  if (results.gate && !results.gate.passed) {
    const bad = results.gate.checks.filter((c) => !c.passed);
    const shown = bad.slice(0, 3).map((c) => c.detail).join('; ');
    problems.push(`the gate failed: ${shown}${bad.length > 3 ? `; and ${bad.length - 3} more` : ''}`);
  }
  if (problems.length === 0) {
    const gate = results.gate ? ', gate passed' : '';
    return { failed: false, reason: n === 0 ? `no inputs were run${gate}` : `all ${plural(n, 'input')} passed${gate}` };
  }
  if (failOn === 'none') return { failed: false, reason: `fail-on is 'none', reporting only: ${problems.join('; ')}` };
  return { failed: true, reason: problems.join('; ') };
}
