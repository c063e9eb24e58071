/**
 * The All-HW CI service contract (the service's CI API: POST a task to
 * USERTASK_PATH, GET it by id), as this repository knows it: types and
 * constants shared by the client (allhw/) and the emulated farm (serve/).
 * Shared facts only: no code paths.
 */

/** Statuses the service is known to report. Any other value: not finished. */
export const KNOWN_STATUSES = ['queued', 'running', 'finished'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

/** The task could not be started normally on the board: infrastructure, not firmware. */
export const CODE_INFRA = 255;
/** The task ran until its timeout (All-HW's timed-out demo tasks finish with this). */
export const CODE_TIMEOUT = 156;

/** The JSON object `GET {base}?id=` answers with (compact, no spaces). */
export interface TaskRecord {
  status: string;
  created: string | null;
  started: string | null;
  finished: string | null;
  code: number | null;
  /** UART output; base64 when the task was created with binary=true; null until finished. */
  output: string | null;
  reservation: number | null;
}

/** Query parameters of `POST {base}` (all sent explicitly: the service's defaults are unknown). */
export interface CreateTaskQuery {
  key: string;
  timeout: number;
  version: 'V3';
  rate: number;
  log: '0' | 'DEBUG';
  binary?: boolean;
  core?: string;
}

/** Multipart part names of `POST {base}`. */
export const PART_FIRMWARE = 'firmware';
export const PART_INPUT = 'input';

/** Path of the one endpoint (`https://cloud.all-hw.com/ci/usertask`): both verbs. */
export const USERTASK_PATH = '/ci/usertask';
/** The task script version we speak (V4 is for Arm virtual hardware: out of scope). */
export const API_VERSION = 'V3';
/**
 * Start of the line the service appends when a task's timeout stopped it
 * (All-HW's demos show `Execution timeout detected...`; ours ends
 * `(N s): the task was stopped by the service.`).
 */
export const TIMEOUT_LINE_PREFIX = 'Execution timeout detected';
