/**
 * One task's watch between its creation and its end, without I/O: each
 * status read goes in (with when it was sent and when its answer came), the
 * wait before the next read comes out, and a task that ended by itself
 * teaches the run's timing. The attempt loop does the reading and sleeping;
 * the poll benchmark and the schedule's tests drive the same watch against
 * simulated farms.
 */
import { CODE_INFRA, CODE_TIMEOUT } from '../allhw/index.js';
import { PollSchedule, type PollTiming, type Schedule } from './poll.js';
import { serviceTime, type ExpectedRun, type RunTiming } from './timing.js';

/** The fields of a status read the watch uses. */
export interface StatusRead {
  status: string;
  code: number | null;
  created: string | null;
  started: string | null;
  finished: string | null;
}

export type ScheduleFactory = (createdAt: number, timeoutMs: number, expected: () => ExpectedRun) => Schedule;

export interface WatchOptions {
  /** Our clock when the POST was sent, and when its answer (the id) came. */
  postedAt: number;
  createdAt: number;
  timeoutMs: number;
  image: string;
  /** Time the service takes to write the task's input into the UART. */
  uartMs: number;
  runTiming: RunTiming;
  pollTiming?: Partial<PollTiming>;
  /** Another schedule (the benchmark's former one); default PollSchedule. */
  schedule?: ScheduleFactory;
}

/** A duration bracketed by our reads within this much (or this share of it) is known well enough to poll by. */
const ROUGH_MS = 300;
const ROUGH_SHARE = 0.25;

export class TaskWatch {
  private readonly opts: WatchOptions;
  private readonly schedule: Schedule;
  /** Our clock minus the service's, from its `created` (the task was made between our POST and its answer). */
  private clockOffset: number | null = null;
  /** When the last read that saw the task unfinished was sent. */
  private unfinishedAt: number;
  /** When the first read that saw it started was answered, and the last read that saw it waiting was sent. */
  private startedSeenAt: number | null = null;
  private waitingAt: number;

  constructor(opts: WatchOptions) {
    this.opts = opts;
    this.unfinishedAt = opts.createdAt;
    this.waitingAt = opts.postedAt;
    const expected = (): ExpectedRun => opts.runTiming.expected(opts.image, opts.uartMs, this);
    this.schedule = opts.schedule
      ? opts.schedule(opts.createdAt, opts.timeoutMs, expected)
      : new PollSchedule(opts.createdAt, opts.timeoutMs, opts.pollTiming, expected);
    opts.runTiming.track(this, 'new');
  }

  get polls(): number {
    return this.schedule.pollCount;
  }

  /** Whether another task's end seen may bring the next read forward. */
  get wakesOnEnds(): boolean {
    return this.schedule.wakesOnEnds === true;
  }

  /** A read sent at `sentAt` and answered at `now`. */
  read(sentAt: number, now: number, rec: StatusRead): void {
    const svcCreated = serviceTime(rec.created);
    if (this.clockOffset === null && svcCreated !== null) {
      this.clockOffset = (this.opts.postedAt + this.opts.createdAt) / 2 - svcCreated;
    }
    const svcStarted = serviceTime(rec.started);
    if (svcStarted !== null && svcCreated !== null) this.opts.runTiming.learnStartLag(svcStarted - svcCreated);
    const started = rec.status !== 'queued' && (rec.status === 'running' || rec.started !== null);
    if (started) this.startedSeenAt ??= now;
    else this.waitingAt = sentAt;
    if (rec.status !== 'finished') this.opts.runTiming.track(this, started ? 'running' : 'waiting');
    this.schedule.observe(now, {
      status: rec.status,
      started,
      startedAt: this.clockOffset !== null && svcStarted !== null ? svcStarted + this.clockOffset : null,
      sentAt,
    });
    if (rec.status !== 'finished') {
      this.unfinishedAt = sentAt;
      return;
    }
    const svcFinished = serviceTime(rec.finished);
    this.opts.runTiming.endSeen(now, this, this.clockOffset !== null && svcFinished !== null ? svcFinished + this.clockOffset : null);
    this.learnFrom(rec, svcStarted, now);
  }

  nextDelay(now: number): number {
    return this.schedule.nextDelay(now);
  }

  /** The attempt gave up on the task (deadline, error, cancel): it no longer counts as running. */
  close(): void {
    this.opts.runTiming.track(this, 'gone');
  }

  /** A task that ended by itself (not 255, not by its timeout) tells how long its image's tasks take. */
  private learnFrom(rec: StatusRead, svcStarted: number | null, now: number): void {
    if (rec.code === null || rec.code === CODE_INFRA || rec.code === CODE_TIMEOUT) return;
    const svcFinished = serviceTime(rec.finished);
    const { runTiming, image, uartMs } = this.opts;
    if (svcStarted !== null && svcFinished !== null) runTiming.learn(image, svcFinished - svcStarted, uartMs);
    else if (this.startedSeenAt !== null) {
      // Without the service's clock: it started between the last read that saw it waiting and the first that
      // saw it running, and ended between the last unfinished read and this one. The least it can have taken
      // is kept; as a figure to poll by, only when those reads pin it down.
      const least = Math.max(0, this.unfinishedAt - this.startedSeenAt);
      const most = now - this.waitingAt;
      runTiming.learn(image, least, uartMs, most - least <= Math.max(ROUGH_MS, ROUGH_SHARE * most));
    }
  }
}
