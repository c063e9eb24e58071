/**
 * Like with like: latency and size from the All-HW farm and from the emulated
 * board (or from two boards, or two timing models) are different quantities.
 * A baseline is gated only when it was measured the same way as this run.
 */
import type { Measurement, Results } from '../results/index.js';

export interface MeasurementOptions {
  mode: 'allhw' | 'emulator';
  board: string;
  /** The emulated board's `-icount shift`; null: host time. */
  icountShift: number | null;
}

export function measurementOf(opts: MeasurementOptions): Measurement {
  if (opts.mode === 'allhw') return { mode: 'farm', board: opts.board, timing: null };
  return { mode: 'emulated', board: opts.board, timing: opts.icountShift === null ? 'host time' : `icount shift=${opts.icountShift}` };
}

/**
 * What a results.json says about how it was measured. Files written before
 * `measurement` was recorded still name their mode and their images' board.
 */
export function recordedMeasurement(results: Results): Measurement | null {
  if (results.measurement) return results.measurement;
  const board = results.images.find((i) => i.board)?.board ?? '';
  if (results.mode === 'allhw') return { mode: 'farm', board, timing: null };
  // Older emulated runs all used the emulator's default timing model; it is not known for sure.
  if (results.mode === 'emulator') return { mode: 'emulated', board, timing: null };
  return null;
}

function describe(m: Measurement): string {
  const where = m.mode === 'farm' ? 'on the All-HW farm' : 'on the emulated board';
  return `${where} (board ${m.board || 'unknown'}${m.timing ? `, ${m.timing}` : ''})`;
}

/** Null when the baseline may be compared with this run, else the reason it may not (for a notice). */
export function incomparableReason(current: Measurement, baseline: Results): string | null {
  const before = recordedMeasurement(baseline);
  if (!before) return 'the baseline does not say how it was measured (farm or emulated)';
  const differs =
    before.mode !== current.mode ||
    (before.board !== '' && before.board !== current.board) ||
    (before.timing !== null && current.timing !== null && before.timing !== current.timing);
  if (!differs) return null;
  return `the baseline was measured ${describe(before)}, this run ${describe(current)}: their latency and size are not comparable, so they are not gated against each other`;
}
