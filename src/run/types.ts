import type { Image } from '../build/index.js';

/** One inference input, already as the `#input:...` line sent to the board (no newline). */
export interface InputItem {
  /** Stable name used in every report: `file` or `file#k`. */
  name: string;
  /** The file it came from. */
  source: string;
  line: string;
}

export interface PlannedTask {
  /** Index in the plan, stable across retries. */
  index: number;
  image: Image;
  inputs: InputItem[];
  /** The exact bytes written to the board's UART. */
  payload: Buffer;
}

/**
 * How a task attempt ended, as far as the client knows:
 * finished (code from the service), infra (255 / could not start),
 * deadline (our deadline passed first), error (the service or network failed us).
 */
export type TaskEnd = 'finished' | 'timeout' | 'infra' | 'deadline' | 'error';

export interface TaskOutcome {
  planIndex: number;
  image: string;
  inputs: string[];
  attempt: number;
  id: string | null;
  end: TaskEnd;
  /** Raw status value last seen (may be unknown to us). */
  status: string | null;
  code: number | null;
  reservation: number | null;
  created: string | null;
  started: string | null;
  finished: string | null;
  /** Raw UART bytes (decoded from base64), possibly partial. */
  uart: Buffer;
  reason: string | null;
}
