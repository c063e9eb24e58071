/**
 * An input sent several times in one task (warm-ups, then timed runs): its
 * runs' results → one result. Latency is the median of the timed runs (a
 * single shot on a real board carries cache, flash wait-state and interrupt
 * noise); the first run is kept apart as the cold one. Every run must give
 * the same outputs: a difference points at uninitialised memory or a race,
 * and fails the input as such.
 * Also the `#metric:name=value[unit]` lines a firmware prints per input.
 */
import { formatNumber } from '../common/text.js';
import type { MetricValues, RepeatStats } from './types.js';

export interface RunResult {
  outputs: number[];
  timers: number[];
}

/** The median of the values (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile (p in 0..100); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A run's whole time: its last timer (a parsed #result line has at least one). */
export function runTotalUs(run: RunResult): number {
  const last = run.timers.at(-1);
  if (last === undefined) throw new Error('A #result run without a timer cannot be timed');
  return last;
}

/** Figures over the runs: warm-ups are the first `warmup` of them. */
export function repeatStats(runs: readonly RunResult[], warmup: number): RepeatStats {
  const timed = runs.slice(warmup).map(runTotalUs);
  return {
    warmup,
    repeat: runs.length - warmup,
    timers: runs.map((r) => [...r.timers]),
    medianUs: median(timed),
    p90Us: percentile(timed, 90),
    minUs: timed.length ? Math.min(...timed) : null,
    coldUs: runs[0] ? runTotalUs(runs[0]) : null,
  };
}

/** Each timer's median over the timed runs (runs whose timer count differs from the first's are left out). */
export function medianTimers(runs: readonly RunResult[], warmup: number): number[] {
  const timed = runs.slice(warmup);
  const width = timed[0]?.timers.length ?? 0;
  const same = timed.filter((r) => r.timers.length === width);
  return Array.from({ length: width }, (_, i) => median(same.map((r) => r.timers[i]!))!);
}

const runName = (k: number, warmup: number): string => (k < warmup ? `warm-up ${k + 1}` : `run ${k - warmup + 1}`);

/** Why the runs' outputs are not all the same, or null when they are. */
export function repeatDifference(runs: readonly RunResult[], warmup: number): string | null {
  const first = runs[0]?.outputs;
  if (!first) return null;
  for (const [k, { outputs: other }] of runs.entries()) {
    if (k === 0) continue;
    const at = other.length !== first.length ? -1 : other.findIndex((v, i) => !Object.is(v, first[i]));
    if (other.length === first.length && at < 0) continue;
    const what =
      at < 0
        ? `${other.length} output values instead of ${first.length}`
        : `output[${at}] = ${formatNumber(other[at]!)} instead of ${formatNumber(first[at]!)}`;
    return (
      `outputs differ between repeats: ${runName(k, warmup)} of ${runs.length} gave ${what} (${runName(0, warmup)}'s): ` +
      'the same input must give the same outputs; this points at uninitialised memory or a race in the firmware'
    );
  }
  return null;
}

export const METRIC_PREFIX = '#metric:';
const METRIC = /^#metric:([A-Za-z_][\w.\-/]*)=([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([^\s=:]*)$/;

export type ParsedMetric = { name: string; value: number; unit: string | null } | { error: string };

/** Reads one `#metric:name=value[unit]` line. */
export function parseMetricLine(line: string): ParsedMetric {
  const m = METRIC.exec(line.trim());
  if (!m) return { error: 'expected #metric:name=value[unit], e.g. #metric:peak_stack=1536B' };
  const [, name = '', value, unit] = m;
  return { name, value: Number(value), unit: unit || null };
}

/** Collects one input's metric values by name (in the order printed). */
export class MetricSet {
  private readonly byName = new Map<string, { values: number[]; unit: string | null }>();

  add(name: string, value: number, unit: string | null): void {
    const entry = this.byName.get(name) ?? { values: [], unit };
    entry.values.push(value);
    entry.unit ??= unit;
    this.byName.set(name, entry);
  }

  /** null when none was seen. */
  toRecord(): Record<string, MetricValues> | null {
    if (this.byName.size === 0) return null;
    const out: Record<string, MetricValues> = {};
    for (const [name, e] of this.byName) out[name] = { values: e.values, unit: e.unit, median: median(e.values)! };
    return out;
  }
}
