/**
 * When to ask the service about a task next. Pure: it is told the time and
 * what each poll saw, and answers with a wait; the runner does the sleeping.
 *
 * The goal is to see each task's end soon after it happens (near the
 * physical limit: queue wait, flash, boot, the input's UART time) while
 * spending at most `perSecond` status reads a second on average over the
 * task's life (after an allowance of `burst`). So the budget is spent where
 * the end is likely, and saved where it cannot be:
 *
 * - A running task cannot end before the service has written all its input
 *   into the UART, plus the flash, boot and compute time of its image when
 *   known (learned from the run's earlier tasks, or a prior from an earlier
 *   run). Until then it is looked at rarely: once early (a task may fail at
 *   once, or sit in a queue) unless its end is due soon anyway, then every
 *   `maxMs` at most.
 * - From that earliest end on, each wait is a share of the task's life so
 *   far, from its creation (`knownShare` when the end is known well,
 *   `unknownShare` else), so that an end is seen at most that share late —
 *   a relative bound that holds on a farm that flashes in 0.2 s as on one
 *   that takes 3 s.
 * - A queued task is looked at more slowly the longer it has waited (each
 *   wait `queuedShare` of the time since it was first seen in that state, at
 *   least `firstMs`, at most `queuedMaxMs`): a free board may take it in a
 *   moment, a busy farm not for minutes. Any change of status starts that
 *   over, and a task seen running gets the end-watch above from its start.
 *   When another task of the run is seen ending, a board may have come
 *   free: the oldest queued task is looked at when it would end if it took
 *   that board (its run time known), else `firstMs` after; while the run has tasks running, those ends are
 *   what a queued task behind them waits for (the watch is woken by them), so it is
 *   looked at only every `queuedMaxMs` meanwhile.
 * - Before the first look, the task is assumed to start on a free board, as
 *   soon as the service's least start lag seen in the run (or a prior) allows.
 * - The start is known to lie between the last poll that saw the task
 *   waiting (the time that read was sent) and the first that saw it running
 *   (the time its answer came); the service's own `started` timestamp, put
 *   on our clock, narrows that when it can be read.
 * - It is due at its start + timeout: from the earliest possible due time
 *   until `dueWindowMs` after the latest one, it is looked at every `dueMs`.
 */
import type { ExpectedRun } from './timing.js';

export type { ExpectedRun } from './timing.js';

export interface PollTiming {
  /** The early look, when the end is not due within `earlyLookMinMs` (or unknown). */
  firstMs: number;
  earlyLookMinMs: number;
  /** Wait after the earliest end, as a share of the time since the start: end known well / not. */
  knownShare: number;
  unknownShare: number;
  /** The first look after a well-known earliest end comes this long after it. */
  knownLateMs: number;
  minMs: number;
  maxMs: number;
  /** While queued: each wait this share of the time since the status was first seen, up to queuedMaxMs. */
  queuedShare: number;
  queuedMaxMs: number;
  /** Interval around the timeout, and how long after the latest possible one. */
  dueMs: number;
  dueWindowMs: number;
  burst: number;
  perSecond: number;
}

export const DEFAULT_POLL_TIMING: PollTiming = {
  firstMs: 300,
  earlyLookMinMs: 2500,
  knownShare: 0.1,
  unknownShare: 0.15,
  knownLateMs: 30,
  minMs: 100,
  maxMs: 5000,
  queuedShare: 0.2,
  queuedMaxMs: 8000,
  dueMs: 250,
  dueWindowMs: 5000,
  burst: 4,
  perSecond: 1,
};

export interface PollSeen {
  status: string;
  /** The task has begun on a board. */
  started: boolean;
  /** The service's start time put on our clock, when its timestamps could be read. */
  startedAt?: number | null;
  /** When this read was sent (its answer came at `now`); the state it reports held at some time between. */
  sentAt?: number;
}

/** What the attempt loop needs of a schedule (the benchmark also runs the schedule this one replaced). */
export interface Schedule {
  observe(now: number, seen: PollSeen): void;
  nextDelay(now: number): number;
  readonly pollCount: number;
  /** Whether an end seen elsewhere in the run may bring its next read forward (nextDelay is then asked again). */
  readonly wakesOnEnds?: boolean;
}

export class PollSchedule implements Schedule {
  readonly wakesOnEnds = true;
  private readonly timing: PollTiming;
  private readonly createdAt: number;
  private readonly timeoutMs: number;
  private readonly expectedRun: () => ExpectedRun;
  private polls = 0;
  private lastPollAt: number;
  /** When the current status was first seen (the read's send time). */
  private phaseStartAt: number;
  private lastStatus: string | null = null;
  private started = false;
  /** Latest time the task was known not yet started (its start is after this). */
  private notStartedAt: number;
  /** First time the task was seen started (its start is at or before this). */
  private startedSeenAt: number | null = null;
  /** The service's start time on our clock, when it fits between the two above. */
  private serviceStart: number | null = null;

  /**
   * `expectedRun`: the least time from the task's start to its end; asked
   * afresh at each poll, since the run may learn it meanwhile.
   */
  constructor(createdAt: number, timeoutMs: number, timing: Partial<PollTiming> = {}, expectedRun: () => ExpectedRun = () => ({ ms: 0, learned: false })) {
    this.timing = { ...DEFAULT_POLL_TIMING, ...timing };
    this.createdAt = createdAt;
    this.timeoutMs = timeoutMs;
    this.expectedRun = expectedRun;
    this.notStartedAt = createdAt;
    this.lastPollAt = createdAt;
    this.phaseStartAt = createdAt;
  }

  get pollCount(): number {
    return this.polls;
  }

  /** Records what a poll answered at `now` saw. */
  observe(now: number, seen: PollSeen): void {
    this.polls++;
    this.lastPollAt = seen.sentAt ?? now;
    if (seen.status !== this.lastStatus && this.lastStatus !== null) this.phaseStartAt = this.lastPollAt;
    this.lastStatus = seen.status;
    if (!seen.started) {
      // Not started when the read was handled, so not when it was sent.
      this.notStartedAt = Math.max(this.notStartedAt, seen.sentAt ?? now);
      return;
    }
    this.started = true;
    this.startedSeenAt ??= now;
    const at = seen.startedAt;
    // A timestamp far outside what we saw means clocks we cannot line up: ignore it.
    if (this.serviceStart === null && at != null && at >= this.notStartedAt - 1000 && at <= this.startedSeenAt + 250) {
      this.serviceStart = Math.min(Math.max(at, this.notStartedAt), this.startedSeenAt);
    }
  }

  /** Milliseconds to wait, from `now`, before the next poll. */
  nextDelay(now: number): number {
    const t = this.timing;
    const waiting = this.polls > 0 && !this.started;
    let next = waiting ? this.queuedNext(now) : this.runningNext(now);
    if (!waiting) next = Math.min(next, this.dueNext(now) ?? Infinity);
    // The average-rate budget: poll n+1 no earlier than (n + 1 - burst) / perSecond after creation.
    const earliest = this.createdAt + ((this.polls + 1 - t.burst) * 1000) / t.perSecond;
    return Math.max(0, Math.max(next, earliest) - now);
  }

  private queuedNext(now: number): number {
    const t = this.timing;
    const run = this.expectedRun();
    // The oldest waiting task of the run, once a board came free: it starts after the service's lag; with
    // its run time known, the first look can wait for its end (a task started on the farm ends by itself).
    if (run.boardFreedAt != null) {
      const start = run.boardFreedAt + (run.startLagMs ?? 0);
      if (this.lastPollAt < start + t.firstMs) return Math.max(now, run.learned ? start + run.ms + t.knownLateMs : start + t.firstMs);
    }
    // Behind the run's own tasks: their ends wake the watch (above), so slow looks suffice.
    if (run.behindRunTasks) return now + t.queuedMaxMs;
    return now + Math.min(Math.max(t.firstMs, t.queuedShare * (now - this.phaseStartAt)), t.queuedMaxMs);
  }

  /** The start's bounds: unseen yet, a task is assumed to start on a free board (the first look tells). */
  private startBounds(run: ExpectedRun): [number, number] {
    if (!this.started) {
      const start = this.createdAt + (run.startLagMs ?? 0);
      return [start, start];
    }
    return [this.serviceStart ?? this.notStartedAt, this.serviceStart ?? this.startedSeenAt!];
  }

  private runningNext(now: number): number {
    const t = this.timing;
    const run = this.expectedRun();
    const [startLo] = this.startBounds(run);
    const earliestEnd = startLo + run.ms + (run.learned ? t.knownLateMs : 0);
    if (now < earliestEnd) {
      const early = this.polls === 0 && earliestEnd - now >= t.earlyLookMinMs;
      return early ? now + t.firstMs : Math.min(earliestEnd, now + t.maxMs);
    }
    // A share of the task's life since its creation: its queue wait counts too, as it does in its physical limit.
    const share = run.learned ? t.knownShare : t.unknownShare;
    return now + Math.min(t.maxMs, Math.max(t.minMs, share * (now - this.createdAt)));
  }

  /** Around start + timeout, or null when past the window (or before the start is seen). */
  private dueNext(now: number): number | null {
    if (!this.started) return null;
    const t = this.timing;
    const [startLo, startHi] = this.startBounds(this.expectedRun());
    const dueFrom = startLo + this.timeoutMs;
    const dueTo = startHi + this.timeoutMs + t.dueWindowMs;
    if (now >= dueTo) return null;
    return now < dueFrom ? dueFrom : now + t.dueMs;
  }
}
