// The poll schedule as it was before issue 15 (src/run/poll.ts at fb0bcf8), kept unchanged so that
// bench/poll-farm.ts can show the figures before and after on the same farms. Not used by src/.
/**
 * When to ask the service about a task next. Pure: it is told the time and
 * what each poll saw, and answers with a wait; the runner does the sleeping.
 *
 * - Quick at first (a task may fail or start at once), then about once a
 *   second, then backing off while nothing changes. A change of status
 *   (queued → running) starts the quick phase again.
 * - A running task cannot end before the service has written all its input
 *   into the UART (bytes × 10 bits / baud), plus the flash and boot time of
 *   its image (learned from the run's earlier tasks): until then it is polled
 *   slowly, and around that expected end quickly for a few seconds — that is
 *   when a task whose firmware exits on the exit line ends.
 * - It is due at its start + timeout: from the earliest possible due time
 *   until a few seconds after the latest one, it is polled quickly again.
 * - The start is known to lie between the last poll that saw the task
 *   waiting and the first that saw it running; the service's own `started`
 *   timestamp, put on our clock, narrows that when it can be read.
 * - Over the task's life, never more than `perSecond` requests a second on
 *   average (after an initial allowance of `burst`).
 */

export interface PollTiming {
  /** Interval of the first `quickPolls` polls of a phase. */
  quickMs: number;
  quickPolls: number;
  /** Interval after the quick polls, until `steadyForMs` into the phase. */
  steadyMs: number;
  steadyForMs: number;
  /** Growth factor of the interval after that, up to maxMs. */
  growth: number;
  maxMs: number;
  /** Interval around the timeout. */
  dueMs: number;
  /** How long after the latest possible timeout to keep polling quickly. */
  dueWindowMs: number;
  /** Interval while a running task cannot have ended yet. */
  waitingMs: number;
  /** Interval after the expected end, when the end is well known (learned duration, service start time). */
  expectMs: number;
  /** How long after the latest expected end of the input to keep polling quickly. */
  expectWindowMs: number;
  /**
   * When the start is known from the service's clock, the first quick poll
   * comes this long after the expected end (learned durations are the
   * least seen, so a task rarely ends before).
   */
  expectLateMs: number;
  burst: number;
  perSecond: number;
}

export const DEFAULT_POLL_TIMING: PollTiming = {
  quickMs: 250,
  quickPolls: 2,
  steadyMs: 1000,
  steadyForMs: 10_000,
  growth: 1.5,
  maxMs: 5000,
  dueMs: 250,
  dueWindowMs: 5000,
  waitingMs: 2000,
  expectMs: 150,
  expectWindowMs: 3000,
  expectLateMs: 50,
  burst: 4,
  perSecond: 1,
};

/** The least time from a task's start to its end, as far as the run knows it. */
export interface ExpectedRun {
  ms: number;
  /** Includes flash and boot time learned from earlier tasks (else only the UART time). */
  learned: boolean;
}

export interface PollSeen {
  status: string;
  /** The task has begun on a board. */
  started: boolean;
  /** The service's start time put on our clock, when its timestamps could be read. */
  startedAt?: number | null;
}

export class PollSchedule {
  private readonly timing: PollTiming;
  private readonly createdAt: number;
  private readonly timeoutMs: number;
  private readonly expectedRun: () => ExpectedRun;
  private polls = 0;
  private phaseStart: number;
  private phasePolls = 0;
  private lastStatus: string | null = null;
  private interval: number;
  /** Latest time the task was seen not yet started (its start is after this). */
  private notStartedAt: number;
  /** First time the task was seen started (its start is at or before this). */
  private startedSeenAt: number | null = null;
  /** The service's start time on our clock, when it fits between the two above. */
  private serviceStart: number | null = null;

  /**
   * `expectedRun`: the least time from the task's start to its end (its
   * input's UART time, plus the flash and boot time when learned); asked
   * afresh at each poll, since the run may learn it meanwhile.
   */
  constructor(createdAt: number, timeoutMs: number, timing: Partial<PollTiming> = {}, expectedRun: () => ExpectedRun = () => ({ ms: 0, learned: false })) {
    this.timing = { ...DEFAULT_POLL_TIMING, ...timing };
    this.createdAt = createdAt;
    this.timeoutMs = timeoutMs;
    this.expectedRun = expectedRun;
    this.phaseStart = createdAt;
    this.notStartedAt = createdAt;
    this.interval = this.timing.quickMs;
  }

  get pollCount(): number {
    return this.polls;
  }

  /** Records what a poll at `now` saw. */
  observe(now: number, seen: PollSeen): void {
    this.polls++;
    if (this.lastStatus !== null && seen.status !== this.lastStatus) {
      this.phaseStart = now;
      this.phasePolls = 0;
    }
    this.lastStatus = seen.status;
    this.phasePolls++;
    if (!seen.started) {
      this.notStartedAt = now;
      return;
    }
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
    const inPhase = now - this.phaseStart;
    if (this.phasePolls < t.quickPolls) this.interval = t.quickMs;
    else if (inPhase < t.steadyForMs) this.interval = t.steadyMs;
    else this.interval = Math.min(Math.max(this.interval, t.steadyMs) * t.growth, t.maxMs);
    let next = now + this.interval;

    if (this.startedSeenAt !== null) {
      const startLo = this.serviceStart ?? this.notStartedAt;
      const startHi = this.serviceStart ?? this.startedSeenAt;
      const run = this.expectedRun();
      const known = run.learned && this.serviceStart !== null;
      const expectFrom = startLo + run.ms + (known ? t.expectLateMs : 0);
      const expectTo = startHi + run.ms + t.expectWindowMs;
      // An end known well is watched closely; a rough one with the budget spread wider.
      if (now < expectFrom) next = Math.min(now + Math.max(this.interval, t.waitingMs), expectFrom);
      else if (now < expectTo) next = Math.min(next, now + (known ? t.expectMs : t.dueMs));

      const dueFrom = startLo + this.timeoutMs;
      const dueTo = startHi + this.timeoutMs + t.dueWindowMs;
      if (now < dueTo) {
        if (now < dueFrom) next = Math.min(next, dueFrom);
        else next = Math.min(next, now + t.dueMs);
      }
    }

    // The average-rate budget: poll n+1 no earlier than (n + 1 - burst) / perSecond after creation.
    const earliest = this.createdAt + ((this.polls + 1 - t.burst) * 1000) / t.perSecond;
    return Math.max(0, Math.max(next, earliest) - now);
  }
}
