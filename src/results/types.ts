import type { SizeReport } from '../build/index.js';

export type InputStatus = 'passed' | 'failed' | 'error';

export interface InputResult {
  image: string;
  input: string;
  status: InputStatus;
  reason: string | null;
  outputs: number[] | null;
  /** Timer values in µs; the last is the total. */
  timers: number[] | null;
  /** Total latency in µs (last timer), or null. */
  latencyUs: number | null;
  taskId: string | null;
  attempt: number | null;
  expected: number[] | null;
  maxAbsError: number | null;
  top1: number | null;
  /** Lines such as `Error: ...` or a reboot seen while this input was in flight. */
  events: string[];
  /**
   * The UART lines of this input: from after the previous input's `#result`
   * to its own (the first input also gets the banner), the first
   * MAX_UART_LINES of them, each clipped; `more` counts the lines left out.
   */
  uart?: { lines: string[]; more: number };
  /** With repeat/warmup: every run's timers and the latency figures (latencyUs is their median). */
  repeats?: RepeatStats | null;
  /** `#metric:name=value[unit]` lines seen while this input was in flight. */
  metrics?: Record<string, MetricValues> | null;
  /** Whether its outputs matched the golden ones (absent: not checked). */
  match?: boolean | null;
}

export interface RepeatStats {
  warmup: number;
  /** Timed runs (after the warm-ups). */
  repeat: number;
  /** Every run's timers, warm-ups first, in the order run. */
  timers: number[][];
  /** Over the timed runs' totals (last timer), in µs. */
  medianUs: number | null;
  p90Us: number | null;
  minUs: number | null;
  /** The first run's total (a warm-up when there are any): caches and flash wait states still cold. */
  coldUs: number | null;
}

export interface MetricValues {
  /** Every value, in the order printed (one per run when repeated). */
  values: number[];
  unit: string | null;
  median: number;
}

/** Outputs against golden over the data set. */
export interface Correctness {
  compare: string;
  /** Inputs with a golden entry. */
  checked: number;
  matched: number;
  pct: number;
  minPassRate: number;
  passed: boolean;
}

export interface TaskEntry {
  id: string | null;
  image: string;
  inputs: string[];
  attempt: number;
  status: string | null;
  end: string;
  code: number | null;
  reservation: number | null;
  created: string | null;
  started: string | null;
  finished: string | null;
  log: string | null;
  reason: string | null;
}

export interface GateCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  /** `warn`: a failed check is reported, and does not fail the step. */
  mode?: 'warn' | 'fail';
  /** What each threshold was, in words. */
  thresholds?: string[];
}

export interface ImageEntry {
  name: string;
  path: string;
  board: string;
  size: SizeReport | null;
}

/** How a run was measured: a baseline is compared only with a run measured the same way. */
export interface Measurement {
  /** 'farm': All-HW boards; 'emulated': the emulated board (QEMU). */
  mode: 'farm' | 'emulated';
  /** The board kind built for and run on. */
  board: string;
  /** The emulated board's timing model (e.g. 'icount shift=2'); null on the farm. */
  timing: string | null;
}

/** Which earlier run the baseline came from (baseline: auto), for the summary and the comment. */
export interface BaselineSource {
  /** 'run': a workflow run's artifact; 'file': a path given in 'baseline'. */
  kind: 'run' | 'file';
  runId: number | null;
  url: string | null;
  sha: string | null;
  branch: string | null;
  /** When the baseline run was created (ISO 8601). */
  date: string | null;
  /** Set when a baseline was found but not compared (measured differently, unreadable), or none was found. */
  skipped: string | null;
  /** The baseline's figures for this run's images and inputs (so reports need not read the baseline again). */
  figures?: BaselineFigures;
}

export interface BaselineFigures {
  /** Keyed by this run's image name, then input. */
  latencyUs: Record<string, Record<string, number | null>>;
  size: Record<string, { flash: number; ram: number } | null>;
}

/** The workflow run that wrote a results.json (mode: comment checks the PR's head against it). */
export interface RunInfo {
  runId: number | null;
  url: string | null;
  repository: string;
  sha: string;
  pullRequest: number | null;
  /** The PR's head commit when the run was for a pull request. */
  headSha: string | null;
}

/** results.json: the one source of truth (and the next run's baseline). */
export interface Results {
  version: 1;
  startedAt: string;
  finishedAt: string | null;
  mode: string;
  config: unknown;
  toolchain: { release: string; gccVersion: string | null; source: string; path: string | null } | null;
  images: ImageEntry[];
  tasks: TaskEntry[];
  results: InputResult[];
  gate: GateResult | null;
  totals: { inputs: number; passed: number; failed: number; errors: number; tasks: number };
  /** Set when the run stopped early (build failure, cancel, crash). */
  error: string | null;
  /** Absent in results.json files written before it was recorded. */
  measurement?: Measurement | null;
  baseline?: BaselineSource | null;
  /** `shard: i/n` of a matrix job, when the run did a part of the work. */
  shard?: { index: number; count: number } | null;
  run?: RunInfo | null;
  /** Outputs against golden over the data set (with a golden file). */
  correctness?: Correctness | null;
  /** What the run learned of the farm's timing: the next run's prior. */
  timing?: TimingRecord | null;
}

/** Per image: the least time a task spent beyond its input's UART time (flash, boot, compute). */
export interface TimingRecord {
  images: Record<string, { overheadMs: number; tasks: number }>;
  /** The least time from a task's creation to its start on a free board. */
  startLagMs?: number;
  /** Which farm: a hash of the service URL (never the key), or 'emulator'; and the board kind. */
  service?: string;
  board?: string;
}
