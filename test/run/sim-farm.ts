/**
 * A simulated All-HW farm in virtual time, and the run's tasks watched by
 * the real TaskWatch (poll schedule, clock alignment, learning) against it.
 * Its timing is deliberately not serve's model: a fixed flash time whatever
 * the image size, boot times that vary per task, the service's own lag
 * before a free board takes a task, status reads that are answered late,
 * a service clock that is off from ours, and timestamps that may be
 * unreadable. Pure and fast: thousands of simulated seconds take
 * milliseconds, so tests can sweep timings that a real farm would take
 * minutes to show.
 */
import type { PollTiming } from '../../src/run/poll.js';
import { RunTiming } from '../../src/run/timing.js';
import { TaskWatch, type ScheduleFactory } from '../../src/run/watch.js';
import { itemAt } from '../helpers/item.js';

export interface FarmTiming {
  name: string;
  boards: number;
  flashMs: number;
  /** Reset to the first input byte; a function varies it per task (by creation order). */
  bootMs: number | ((task: number) => number);
  /** After the input is in: the last inference and the service noticing `main` returned. */
  computeMs: number;
  /** The service's lag between a task's creation (or a board coming free) and its start. */
  queueMs: number;
  /** A status read's round trip (late answers); it is handled half-way. */
  answerMs: number | ((read: number) => number);
  postMs: number;
  /** The service's clock minus ours. */
  clockSkewMs: number;
  /** Whether `started`/`finished` can be read (their format is not documented). */
  timestamps: boolean;
}

export interface SimTask {
  image: string;
  payloadBytes: number;
}

export interface SimOptions {
  farm: FarmTiming;
  tasks: SimTask[];
  maxParallel: number;
  rate?: number;
  timeoutS?: number;
  runTiming?: RunTiming;
  pollTiming?: Partial<PollTiming>;
  schedule?: ScheduleFactory;
  /** Called with every read: for a benchmark's or a test's trace. */
  onRead?: (task: number, sentAt: number, status: string) => void;
}

export interface SimTaskReport {
  postedAt: number;
  /** When the farm ended it, and when the client saw that (the answer came). */
  endedAt: number;
  seenAt: number;
  polls: number;
  /** The farm's own time for it alone: flash + boot + UART + compute. */
  physicalMs: number;
  startedAt: number;
}

export interface SimReport {
  tasks: SimTaskReport[];
  /** First POST to the last end seen. */
  wallMs: number;
  /** First POST to the farm's last end: nothing the client does can beat it. */
  limitMs: number;
  runTiming: RunTiming;
}

const iso = (t: number): string => new Date(t).toISOString();

/** Runs the tasks at most `maxParallel` at a time, each created as soon as a worker is free, in virtual time. */
export function simulateRun(opts: SimOptions): SimReport {
  const { farm } = opts;
  const rate = opts.rate ?? 115200;
  const timeoutMs = (opts.timeoutS ?? 30) * 1000;
  const runTiming = opts.runTiming ?? new RunTiming();
  const boardFree = Array.from({ length: farm.boards }, () => 0);
  // Our clock counts from 0; the service's dates are that plus its own origin and skew (the watch lines them up).
  const epoch = 1_800_000_000_000;
  const events: { at: number; seq: number; run: () => void; cancelled?: boolean }[] = [];
  let seq = 0;
  let clock = 0;
  const at = (time: number, run: () => void): { cancelled?: boolean; at: number } => {
    const event = { at: time, seq: seq++, run };
    events.push(event);
    return event;
  };
  const reports: SimTaskReport[] = [];
  let next = 0;
  let reads = 0;

  const create = (k: number, now: number): void => {
    const task = itemAt(opts.tasks, k);
    const uartMs = (task.payloadBytes * 10 * 1000) / rate;
    const received = now + farm.postMs / 2;
    // FIFO: tasks are created in order, so the earliest free board goes to the earliest task.
    const board = boardFree.indexOf(Math.min(...boardFree));
    const startedAt = Math.max(received, itemAt(boardFree, board)) + farm.queueMs;
    const bootMs = typeof farm.bootMs === 'function' ? farm.bootMs(k) : farm.bootMs;
    const physicalMs = farm.flashMs + bootMs + uartMs + farm.computeMs;
    const endedAt = startedAt + physicalMs;
    boardFree[board] = endedAt;
    const createdAt = now + farm.postMs;
    const watch = new TaskWatch({
      postedAt: now,
      createdAt,
      timeoutMs,
      image: task.image,
      uartMs,
      runTiming,
      pollTiming: opts.pollTiming,
      schedule: opts.schedule,
    });
    // The next read while sleeping; as in the attempt loop, an end seen elsewhere in the run wakes the watch.
    let pending: { cancelled?: boolean; at: number } | null = null;
    const sleepThenRead = (from: number): void => {
      const wait = watch.nextDelay(from);
      pending = at(from + wait, () => {
        pending = null;
        read(from + wait);
      });
    };
    const off = runTiming.onEndSeen(() => {
      if (!watch.wakesOnEnds || !pending || watch.nextDelay(clock) >= pending.at - clock) return;
      pending.cancelled = true;
      sleepThenRead(clock);
    });
    const svc = (t: number): string | null => (farm.timestamps ? iso(epoch + t + farm.clockSkewMs) : 'soon');
    const read = (sentAt: number): void => {
      const answer = typeof farm.answerMs === 'function' ? farm.answerMs(reads++) : farm.answerMs;
      const handled = sentAt + answer / 2;
      const status = handled < startedAt ? 'queued' : handled < endedAt ? 'running' : 'finished';
      const answeredAt = sentAt + answer;
      opts.onRead?.(k, sentAt, status);
      at(answeredAt, () => {
        watch.read(sentAt, answeredAt, {
          status,
          code: status === 'finished' ? 0 : null,
          created: svc(received),
          started: status === 'queued' ? null : svc(startedAt),
          finished: status === 'finished' ? svc(endedAt) : null,
        });
        if (status === 'finished') {
          off();
          reports[k] = { postedAt: now, startedAt, endedAt, seenAt: answeredAt, polls: watch.polls, physicalMs };
          if (next < opts.tasks.length) create(next++, answeredAt);
          return;
        }
        if (answeredAt > startedAt + timeoutMs + 120_000) throw new Error(`simulated task ${k} never seen ending`);
        sleepThenRead(answeredAt);
      });
    };
    at(createdAt, () => sleepThenRead(createdAt));
  };
  while (next < Math.min(opts.maxParallel, opts.tasks.length)) create(next++, 0);
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const event = events.shift()!;
    clock = event.at;
    if (!event.cancelled) event.run();
  }
  return {
    tasks: reports,
    wallMs: Math.max(...reports.map((r) => r.seenAt)),
    limitMs: Math.max(...reports.map((r) => r.endedAt)),
    runTiming,
  };
}
