/**
 * One attempt of one planned task: create it, poll it until it finishes or
 * its deadline passes, and say how it ended. Never throws: every failure is
 * an outcome (the run goes on with the other tasks).
 */
import path from 'node:path';
import { AllhwError, type AllhwClient, type TaskReading } from '../allhw/index.js';
import { CODE_INFRA, CODE_TIMEOUT, KNOWN_STATUSES } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import { PollSchedule, type PollTiming } from './poll.js';
import { sleep } from '../common/sleep.js';
import { serviceTime, type RunTiming } from './timing.js';
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
  /** Shared by the run's attempts: learned task durations. */
  runTiming: RunTiming;
  log: Logger;
  signal?: AbortSignal;
  onTaskCreated?: (planIndex: number, attempt: number, id: string, task: { image: string; inputs: string[] }) => void;
}

export function taskLabel(task: PlannedTask): string {
  const first = task.inputs[0]?.name ?? '(no input)';
  const last = task.inputs[task.inputs.length - 1]?.name;
  const inputs = task.inputs.length > 1 ? `${first} … ${last}, ${task.inputs.length} inputs` : first;
  return `task ${task.index + 1} (${task.image.name}: ${inputs})`;
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
    log: null,
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
    log.error(`${label}: ${outcome.reason}`);
    return outcome;
  }
  const createdAt = Date.now();
  opts.onTaskCreated?.(task.index, attempt, outcome.id, { image: task.image.name, inputs: task.inputs.map((i) => i.name) });
  log.info(`${label}: created ${outcome.id} (${task.payload.length} input bytes)`);

  const deadlineS = opts.timeoutS + opts.queueTimeoutS + opts.marginS;
  const deadline = createdAt + deadlineS * 1000;
  // 10 bits a byte on the wire (8N1): the task cannot end before its input is all in.
  const uartMs = (task.payload.length * 10 * 1000) / opts.rate;
  const image = task.image.name;
  const schedule = new PollSchedule(createdAt, opts.timeoutS * 1000, opts.pollTiming, () => {
    const overhead = opts.runTiming.overheadMs(image);
    return { ms: uartMs + (overhead ?? 0), learned: overhead !== null };
  });
  /** Our clock minus the service's, from its `created` (read after the POST returned: late by at most the response time). */
  let clockOffset: number | null = null;
  const unknownSeen = new Set<string>();
  let failures = 0;
  let lastError: string | null = null;
  let plainTextWarned = false;

  const absorb = (rec: TaskReading): void => {
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

  for (;;) {
    let rec: TaskReading | null = null;
    // The client's own retries (Retry-After, backoff, a hung request) must not outlast the deadline
    // (by more than the time the last look, at the deadline, is given).
    const atDeadline = AbortSignal.timeout(Math.max(LAST_READ_MS, deadline - Date.now()));
    try {
      rec = await opts.client.getTask(outcome.id, signal ? AbortSignal.any([signal, atDeadline]) : atDeadline);
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
          log.error(`${label}: ${outcome.reason}`);
          return outcome;
        }
        log.warning(`${label}: reading the status failed (${failures} of ${opts.maxPollFailures} allowed): ${err.message}`);
      }
    }
    const now = Date.now();
    if (rec) {
      absorb(rec);
      const svcCreated = serviceTime(rec.created);
      if (clockOffset === null && svcCreated !== null) clockOffset = createdAt - svcCreated;
      const svcStarted = serviceTime(rec.started);
      schedule.observe(now, {
        status: rec.status,
        started: rec.status !== 'queued' && (rec.status === 'running' || rec.started !== null),
        startedAt: clockOffset !== null && svcStarted !== null ? svcStarted + clockOffset : null,
      });
      if (rec.status === 'finished') {
        outcome.end = rec.code === CODE_INFRA ? 'infra' : rec.code === CODE_TIMEOUT ? 'timeout' : 'finished';
        if (outcome.end === 'infra') {
          // The service says why in the output (e.g. an image the board cannot run).
          const said = serviceSaid(outcome.uart);
          outcome.reason = `the service could not run the task on a board (code ${CODE_INFRA})${said ? `: ${said}` : ''}`;
        }
        if (rec.code === null) outcome.reason = 'the service reports the task finished without a return code';
        const svcFinished = serviceTime(rec.finished);
        if (outcome.end === 'finished' && rec.code !== null && svcStarted !== null && svcFinished !== null) {
          opts.runTiming.learn(image, svcFinished - svcStarted, uartMs);
        }
        const took = ((Date.now() - began) / 1000).toFixed(1);
        const how = outcome.end === 'timeout' ? 'ended by its timeout (code 156)' : `finished with code ${rec.code}`;
        const said = `${label}: ${how} after ${took} s, ${outcome.uart.length} UART bytes`;
        if (outcome.end === 'infra') log.warning(said);
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
      log.error(`${label}: ${outcome.reason}`);
      return outcome;
    }
    const wait = Math.min(schedule.nextDelay(now), deadline - now);
    if (!(await sleep(wait, signal))) break;
  }

  outcome.end = 'error';
  outcome.reason = `the run was cancelled while the task was ${outcome.status ?? 'being created'} (it may still run on the service)`;
  log.warning(`${label}: ${outcome.reason}`);
  return outcome;
}
