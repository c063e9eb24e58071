/**
 * The PR regression gate: golden outputs (golden.ts), a baseline results.json
 * (latency and size changes within tolerances), and the step's verdict.
 *
 * Latency: an input is compared when it has a latency in both runs (matched by
 * image and input name). "Total latency" is the SUM over those common inputs:
 * the same set on both sides, so inputs added or removed by the PR do not
 * count as a regression (its % change equals the mean's). Every compared input
 * is also a check of its own; all checks gate. With repeats, an input's
 * latency is the median of its timed runs (both sides), so one noisy shot
 * does not fail a PR; a change under latency-min-change-us (per input) never
 * does. `#metric:` values are compared the same way, by their medians.
 * With gate mode `warn`, failed checks are reported and do not fail the step.
 */
import { jsonSyntaxError } from '../common/describe.js';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes, formatNumber, formatPct, plural } from '../common/text.js';
import { passRateText } from './golden.js';
import type { GateCheck, GateResult, ImageEntry, InputResult, Results } from './types.js';

export { applyGolden, argmax, checkCorrectness, loadGolden, parseGolden, GoldenError } from './golden.js';
export type { CompareMode, Golden, GoldenOptions } from './golden.js';

export interface BaselineTolerances {
  /** Allowed latency increase in percent (default 10). */
  latencyTolerancePct?: number;
  /** Allowed flash/RAM increase in percent (default 5): the default of the two below. */
  sizeTolerancePct?: number;
  flashTolerancePct?: number | null;
  ramTolerancePct?: number | null;
  /** A latency change of at most this many µs per input is never a regression (default 0). */
  latencyMinChangeUs?: number;
  /** Allowed increase of a #metric median in percent (default 10). */
  metricTolerancePct?: number;
  /** `warn`: the gate reports, and does not fail the step (default `fail`). */
  mode?: 'warn' | 'fail';
}

export const DEFAULT_LATENCY_TOLERANCE_PCT = 10;
export const DEFAULT_SIZE_TOLERANCE_PCT = 5;
export const DEFAULT_METRIC_TOLERANCE_PCT = 10;

export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

const BASELINE_HINT = "pass the results.json of an earlier allhw-ci run (e.g. from the default branch's allhw-results artifact) in 'baseline'";

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

/** `floor`: a change of at most this much (in the unit's own terms) passes whatever its percent. */
function changeCheck(name: string, label: string, before: number, after: number, tolPct: number, unit: (n: number) => string, floor = 0): GateCheck {
  const pct = pctChange(before, after);
  const small = floor > 0 && Math.abs(after - before) <= floor;
  const passed = pct <= tolPct || small;
  const why = small && pct > tolPct ? `, but within ${unit(floor)}` : '';
  return {
    name,
    passed,
    detail: `${label} ${unit(before)} → ${unit(after)} (${formatPct(pct)} ${pct <= tolPct ? '≤' : '>'} ${formatNumber(tolPct)}%${why})`,
  };
}

/** What each threshold was, in words, for the summary. */
function thresholdsText(t: Required<Omit<BaselineTolerances, 'flashTolerancePct' | 'ramTolerancePct'>> & { flash: number; ram: number }): string[] {
  const floor = t.latencyMinChangeUs > 0 ? `; a change of at most ${us(t.latencyMinChangeUs)} per input never counts` : '';
  return [
    `latency (each input's median over its timed runs, and their sum): at most +${formatNumber(t.latencyTolerancePct)}%${floor}`,
    `flash: at most +${formatNumber(t.flash)}%; RAM: at most +${formatNumber(t.ram)}%`,
    `#metric values (median per input): at most +${formatNumber(t.metricTolerancePct)}%`,
    `gate: ${t.mode === 'warn' ? 'warn (a failed check does not fail the step)' : 'fail'}`,
  ];
}

/** Each #metric both runs have for this input, by its median. */
function metricChecks(label: string, r: InputResult, before: InputResult, tolPct: number): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const [name, m] of Object.entries(r.metrics ?? {})) {
    const b = before.metrics?.[name];
    if (!b) continue;
    const unit = (n: number): string => `${formatNumber(n)}${m.unit ? ` ${m.unit}` : ''}`;
    checks.push(changeCheck(`metric ${name} of ${label}`, `${label} ${name}:`, b.median, m.median, tolPct, unit));
  }
  return checks;
}

const us = (n: number): string => `${formatNumber(n)} µs`;

/** Pairs current images with baseline images: by name, else the only one with the only one. */
export function matchImages(current: ImageEntry[], baseline: ImageEntry[]): Map<string, string> {
  const map = new Map<string, string>();
  const baseNames = new Set(baseline.map((i) => i.name));
  for (const img of current) if (baseNames.has(img.name)) map.set(img.name, img.name);
  if (map.size === 0 && current.length === 1 && baseline.length === 1) map.set(current[0]!.name, baseline[0]!.name);
  return map;
}

/** Distinct names from results when results.json lists no images (e.g. a run that failed early). */
export function imageNames(r: Results): ImageEntry[] {
  if (r.images.length > 0) return r.images;
  return [...new Set(r.results.map((x) => x.image))].map((name) => ({ name, path: '', board: '', size: null }));
}

/** Flash and RAM of each image against its baseline image (or why they were not compared). */
function sizeChecks(
  curImages: ImageEntry[],
  baseImages: ImageEntry[],
  imageMap: Map<string, string>,
  several: boolean,
  flashTol: number,
  ramTol: number,
): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const img of curImages) {
    const baseName = imageMap.get(img.name);
    const base = baseImages.find((i) => i.name === baseName);
    const label = several || (baseName !== undefined && baseName !== img.name) ? ` ${img.name}` : '';
    if (!img.size || !base?.size) {
      const why = !base ? 'no matching image in the baseline' : 'size unknown in one of the runs';
      checks.push({ name: `size${label}`, passed: true, detail: `flash/RAM${label} not compared: ${why}` });
      continue;
    }
    checks.push(changeCheck(`flash${label}`, `flash${label}`, base.size.flash, img.size.flash, flashTol, formatBytes));
    checks.push(changeCheck(`ram${label}`, `RAM${label}`, base.size.ram, img.size.ram, ramTol, formatBytes));
  }
  return checks;
}

export function compareBaseline(current: Results, baseline: Results, tol: BaselineTolerances = {}): GateResult {
  const latTol = tol.latencyTolerancePct ?? DEFAULT_LATENCY_TOLERANCE_PCT;
  const sizeTol = tol.sizeTolerancePct ?? DEFAULT_SIZE_TOLERANCE_PCT;
  const flashTol = tol.flashTolerancePct ?? sizeTol;
  const ramTol = tol.ramTolerancePct ?? sizeTol;
  const floorUs = tol.latencyMinChangeUs ?? 0;
  const metricTol = tol.metricTolerancePct ?? DEFAULT_METRIC_TOLERANCE_PCT;
  const mode = tol.mode ?? 'fail';
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
    const label = several ? `${r.image}/${r.input}` : r.input;
    perInput.push(...metricChecks(label, r, before, metricTol));
    if (r.latencyUs === null || before.latencyUs === null) continue;
    compared++;
    sumBefore += before.latencyUs;
    sumAfter += r.latencyUs;
    perInput.push(changeCheck(`latency of ${label}`, `${label}:`, before.latencyUs, r.latencyUs, latTol, us, floorUs));
  }

  if (compared > 0) {
    const total = changeCheck('total latency', 'total latency', sumBefore, sumAfter, latTol, us, floorUs * compared);
    total.detail += ` over ${plural(compared, 'input')} in both runs`;
    checks.push(total);
  } else {
    checks.push({ name: 'total latency', passed: true, detail: 'no input has a latency in both runs: latency not compared' });
  }

  checks.push(...sizeChecks(curImages, baseline.images, imageMap, several, flashTol, ramTol));

  const gone = baseline.results.filter((r) => !seenBase.has(`${r.image}\u0000${r.input}`)).length;
  if (newInputs > 0 || gone > 0) {
    checks.push({
      name: 'coverage',
      passed: true,
      detail: `${plural(newInputs, 'input')} not in the baseline, ${plural(gone, 'baseline input')} not in this run: only common inputs are compared`,
    });
  }
  checks.push(...perInput);
  const thresholds = thresholdsText({
    latencyTolerancePct: latTol,
    sizeTolerancePct: sizeTol,
    flash: flashTol,
    ram: ramTol,
    latencyMinChangeUs: floorUs,
    metricTolerancePct: metricTol,
    mode,
  });
  return { passed: checks.every((c) => c.passed), checks, mode, thresholds };
}

export type FailOn = 'any' | 'none';

function failedChecks(gate: GateResult): string {
  const bad = gate.checks.filter((c) => !c.passed);
  return (
    bad
      .slice(0, 3)
      .map((c) => c.detail)
      .join('; ') + (bad.length > 3 ? `; and ${bad.length - 3} more` : '')
  );
}

/** Whether the step fails, and a one-line reason either way. */
export function verdict(results: Results, failOn: FailOn): { failed: boolean; reason: string } {
  const n = results.results.length;
  const failed = results.results.filter((r) => r.status === 'failed').length;
  const errors = results.results.filter((r) => r.status === 'error').length;
  const problems: string[] = [];
  if (results.error) problems.push(`the run stopped early: ${results.error}`);
  if (failed > 0) problems.push(`${failed} of ${plural(n, 'input')} failed`);
  if (errors > 0) problems.push(`${errors} of ${plural(n, 'input')} errored (infrastructure)`);
  const gateWarned = results.gate?.mode === 'warn' && !results.gate.passed;
  if (results.gate && !results.gate.passed && !gateWarned) problems.push(`the gate failed: ${failedChecks(results.gate)}`);
  // At 100 % every mismatch failed its input already (counted above); below, the rate is the verdict's own.
  if (results.correctness && !results.correctness.passed && results.correctness.minPassRate < 100) {
    const c = results.correctness;
    problems.push(`outputs matched golden on ${passRateText(c)} of the inputs, below min-pass-rate ${formatNumber(c.minPassRate)} %`);
  }
  if (problems.length === 0) {
    const gate = gateWarned ? `, gate warned (gate: warn): ${failedChecks(results.gate!)}` : results.gate ? ', gate passed' : '';
    const c = results.correctness;
    const matched = c && c.matched < c.checked ? `, outputs matched golden on ${passRateText(c)} (min-pass-rate ${formatNumber(c.minPassRate)} %)` : '';
    return { failed: false, reason: n === 0 ? `no inputs were run${gate}` : `all ${plural(n, 'input')} passed${matched}${gate}` };
  }
  if (failOn === 'none') return { failed: false, reason: `fail-on is 'none', reporting only: ${problems.join('; ')}` };
  return { failed: true, reason: problems.join('; ') };
}
