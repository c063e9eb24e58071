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
}

export interface ImageEntry {
  name: string;
  path: string;
  board: string;
  size: SizeReport | null;
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
}
