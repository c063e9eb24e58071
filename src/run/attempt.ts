/**
 * One attempt of one planned task: create it, poll it until it finishes or
 * its deadline passes, and say how it ended. Never throws: every failure is
 * an outcome (the run goes on with the other tasks).
 */
import { printable } from '../common/printable.js';
import path from 'node:path';
import { AllhwError, type AllhwClient, type TaskReading } from '../allhw/index.js';
import { CODE_INFRA, CODE_TIMEOUT, KNOWN_STATUSES } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import type { PollTiming } from './poll.js';
import { sleep } from '../common/sleep.js';
import type { RunTiming } from './timing.js';
import { TaskWatch, type ScheduleFactory } from './watch.js';
import type { PlannedTask, TaskOutcome } from './types.js';

export interface AttemptOptions {
  client: Pick<AllhwClient, 'createTask' | 'getTask'>;
  timeoutS: number;
  queueTimeoutS: number;
  /** UART baud rate the service writes the input at. */
  rate: number;
  /** Slack past timeout + queue time before we stop waiting (clocks, flashing, the service's own lag). */
  marginS: number;
  /** Consecutive failed polls (each already retried by the client) before giving up on a task. */
  maxPollFailures: number;
  pollTiming?: Partial<PollTiming>;
  /** Another poll schedule (the poll benchmark's former one). */
  schedule?: ScheduleFactory;
  /** Shared by the run's attempts: learned task durations. */
  runTiming: RunTiming;
  log: Logger;
  signal?: AbortSignal;
  onTaskCreated?: (planIndex: number, attempt: number, id: string, task: { image: string; inputs: string[] }) => void;
}

export function taskLabel(task: PlannedTask): string {
  const first = printable(task.inputs[0]?.name ?? '(no input)');
  const last = printable(task.inputs[task.inputs.length - 1]?.name ?? '');
  const inputs = task.inputs.length > 1 ? `${first} … ${last}, ${task.inputs.length} inputs` : first;
  return `task ${task.index + 1} (${printable(task.image.name)}: ${inputs})`;
}

function emptyOutcome(task: PlannedTask, attempt: number): TaskOutcome {
  return {
    planIndex: task.index,
    image: task.image.name,
    inputs: task.inputs.map((i) => i.name),
    attempt,
    id: null,
    end: 'error',
    status: null,
    code: null,
    reservation: null,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.alloc(0),
    reason: null,
  };
}

/** The first words of a code-255 task's output, on one line: the service's reason. */
export function serviceSaid(uart: Buffer): string {
  const text = uart.subarray(0, 600).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Why the run's signal fired, for the outcomes it leaves behind. */
export function whyStopped(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'cancelled';
}

/** The outcome of a task never created because the run was cancelled first. */
export function notRunOutcome(task: PlannedTask, reason: string): TaskOutcome {
  return { ...emptyOutcome(task, 1), reason };
}

/** How long the read made at (or just before) the deadline may take, retries included. */
const LAST_READ_MS = 5_000;

const known = (status: string): boolean => (KNOWN_STATUSES as readonly string[]).includes(status);

export async function runAttempt(task: PlannedTask, attempt: number, opts: AttemptOptions): Promise<TaskOutcome> {
  const { log, signal } = opts;
  const outcome = emptyOutcome(task, attempt);
  const label = `${taskLabel(task)}${attempt > 1 ? ` attempt ${attempt}` : ''}`;
  const began = Date.now();

  const cancelledBefore = Boolean(signal?.aborted);
  const postedAt = Date.now();
  try {
    outcome.id = await opts.client.createTask({ path: task.image.path, name: path.basename(task.image.path) }, task.payload, signal);
  } catch (e) {
    // Cancelled mid-POST, the service may have created the task already (it then runs to its timeout).
    // An error of its own (e.g. the key rejected) is reported even when it stopped the run.
    const ownError = !signal?.aborted || (e instanceof AllhwError && e.kind !== 'aborted');
    outcome.reason = ownError
      ? `could not create the task: ${(e as Error).message}`
      : cancelledBefore
        ? `the run stopped before the task was created (${whyStopped(signal)})`
        : 'the run was cancelled while the task was being created: the service may have created it (then it runs to its timeout, id unknown)';
    log.error(`${label}: ${outcome.reason}`, { cause: ownError ? `could not be created: ${(e as Error).message}` : 'were not created: the run was cancelled' });
    return outcome;
  }
  const createdAt = Date.now();
  opts.onTaskCreated?.(task.index, attempt, outcome.id, { image: task.image.name, inputs: task.inputs.map((i) => i.name) });
  log.info(`${label}: created ${outcome.id} (${task.payload.length} input bytes)`);

  const deadlineS = opts.timeoutS + opts.queueTimeoutS + opts.marginS;
  const deadline = createdAt + deadlineS * 1000;
  // 10 bits a byte on the wire (8N1): the task cannot end before its input is all in.
  const uartMs = (task.payload.length * 10 * 1000) / opts.rate;
  const watch = new TaskWatch({
    postedAt,
    createdAt,
    timeoutMs: opts.timeoutS * 1000,
    image: task.image.name,
    uartMs,
    runTiming: opts.runTiming,
    pollTiming: opts.pollTiming,
    schedule: opts.schedule,
  });
  try {
    return await watchTask({ id: outcome.id, outcome, label, watch, deadline, began }, opts);
  } finally {
    watch.close();
  }
}

/**
 * Waits until the watch's next read is due, or the deadline. Another task of
 * the run seen ending wakes it early (a board may have come free), and the
 * watch says afresh. False when the run was cancelled.
 */
async function untilNextRead(watch: TaskWatch, deadline: number, opts: AttemptOptions): Promise<boolean> {
  for (;;) {
    const now = Date.now();
    const wait = Math.min(watch.nextDelay(now), deadline - now);
    if (wait <= 0) return true;
    const woken = new AbortController();
    const off = watch.wakesOnEnds ? opts.runTiming.onEndSeen(() => woken.abort()) : () => undefined;
    const slept = await sleep(wait, opts.signal ? AbortSignal.any([opts.signal, woken.signal]) : woken.signal);
    off();
    if (slept) return true;
    if (opts.signal?.aborted) return false;
  }
}

/** Copies each status read into the outcome, warning once of output that is not base64 and of each unknown status. */
function readingAbsorber(outcome: TaskOutcome, label: string, log: Logger): (rec: TaskReading) => void {
  const unknownSeen = new Set<string>();
  let plainTextWarned = false;
  return (rec) => {
    outcome.status = rec.status;
    outcome.code = rec.code;
    outcome.reservation = rec.reservation ?? outcome.reservation;
    outcome.created = rec.created ?? outcome.created;
    outcome.started = rec.started ?? outcome.started;
    outcome.finished = rec.finished ?? outcome.finished;
    // Decoded by the client (never `rec.output`: making a 50 MB output's base64 text again costs 67 MB).
    const out = rec.uart;
    // Output before `finished` is a bonus: keep the latest we saw.
    if (out) outcome.uart = out.bytes;
    if (out?.plainText && !plainTextWarned) {
      plainTextWarned = true;
      log.warning(`${label}: the service sent output that is not base64 although binary=true was asked: kept as text`);
    }
    if (!known(rec.status) && !unknownSeen.has(rec.status)) {
      unknownSeen.add(rec.status);
      log.warning(`${label}: the service reports status '${rec.status}', unknown to this client: still waiting (until the deadline)`);
    }
  };
}

interface Watched {
  id: string;
  outcome: TaskOutcome;
  label: string;
  watch: TaskWatch;
  deadline: number;
  /** When the attempt began (before its POST). */
  began: number;
}

/** Reads the task's status when the watch says, until it ends, the deadline passes or the run is cancelled. */
async function watchTask(w: Watched, opts: AttemptOptions): Promise<TaskOutcome> {
  const { log, signal } = opts;
  const { outcome, label, watch, deadline, began } = w;
  const deadlineS = opts.timeoutS + opts.queueTimeoutS + opts.marginS;
  // The first read too waits for its time (a task cannot end before its input is in, nor start before a board takes it).
  if (!(await untilNextRead(watch, deadline, opts))) return cancelledWhile(outcome, label, log);
  const absorb = readingAbsorber(outcome, label, log);
  let failures = 0;
  let lastError: string | null = null;

  for (;;) {
    let rec: TaskReading | null = null;
    const sentAt = Date.now();
    // The client's own retries (Retry-After, backoff, a hung request) must not outlast the deadline
    // (by more than the time the last look, at the deadline, is given).
    const atDeadline = AbortSignal.timeout(Math.max(LAST_READ_MS, deadline - Date.now()));
    try {
      rec = await opts.client.getTask(w.id, signal ? AbortSignal.any([signal, atDeadline]) : atDeadline);
      failures = 0;
    } catch (e) {
      if (signal?.aborted) break;
      const err = e as Error;
      if (atDeadline.aborted) {
        // Cut short by the deadline: reported below as such, with what the read was waiting on.
        lastError = `the status read was cut short by the deadline (${err.message.replace(/: cancelled$/, '')})`;
        failures++;
      } else {
        lastError = err.message;
        failures++;
        // A body we could not read (cut short, garbled) is worth another read too: a GET is safe to repeat.
        const transient = err instanceof AllhwError && (err.transient || err.kind === 'bad-response');
        if (!transient || failures >= opts.maxPollFailures) {
          outcome.end = 'error';
          outcome.reason = `could not read the task's status: ${err.message}`;
          log.error(`${label}: ${outcome.reason}`, { cause: `were given up: their status could not be read (${err.message})` });
          return outcome;
        }
        log.warning(`${label}: reading the status failed (${failures} of ${opts.maxPollFailures} allowed): ${err.message}`, {
          cause: `had a status read fail and tried again: ${err.message}`,
        });
      }
    }
    const now = Date.now();
    if (rec) {
      absorb(rec);
      watch.read(sentAt, now, rec);
      if (rec.status === 'finished') {
        outcome.end = rec.code === CODE_INFRA ? 'infra' : rec.code === CODE_TIMEOUT ? 'timeout' : 'finished';
        if (outcome.end === 'infra') {
          // The service says why in the output (e.g. an image the board cannot run).
          const said = serviceSaid(outcome.uart);
          outcome.reason = `the service could not run the task on a board (code ${CODE_INFRA})${said ? `: ${said}` : ''}`;
        }
        if (rec.code === null) outcome.reason = 'the service reports the task finished without a return code';
        const took = ((Date.now() - began) / 1000).toFixed(1);
        const how = outcome.end === 'timeout' ? 'ended by its timeout (code 156)' : `finished with code ${rec.code}`;
        const said = `${label}: ${how} after ${took} s, ${outcome.uart.length} UART bytes`;
        if (outcome.end === 'infra') log.warning(said, { cause: `ended with code ${CODE_INFRA} (infrastructure): ${outcome.reason}` });
        else log.info(said);
        return outcome;
      }
    }
    if (now >= deadline) {
      outcome.end = 'deadline';
      const seen = outcome.status === null ? 'no status read' : `last status '${outcome.status}'`;
      outcome.reason =
        `no end within ${deadlineS} s (ci-timeout ${opts.timeoutS} s + queue-timeout ${opts.queueTimeoutS} s + ${opts.marginS} s margin); ` +
        `${seen}${lastError && failures > 0 ? `; last error: ${lastError}` : ''}; ${outcome.uart.length} UART bytes seen`;
      log.error(`${label}: ${outcome.reason}`, { cause: `did not end within ${deadlineS} s (ci-timeout + queue-timeout + margin)` });
      return outcome;
    }
    if (!(await untilNextRead(watch, deadline, opts))) break;
  }
  return cancelledWhile(outcome, label, log);
}

function cancelledWhile(outcome: TaskOutcome, label: string, log: Logger): TaskOutcome {
  outcome.end = 'error';
  outcome.reason = `the run was cancelled while the task was ${outcome.status ?? 'being created'} (it may still run on the service)`;
  log.warning(`${label}: ${outcome.reason}`, { cause: 'were cancelled while they ran (they may still run on the service)' });
  return outcome;
}
