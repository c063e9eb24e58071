/**
 * When to ask the service about a task next. Pure: it is told the time and
 * what each poll saw, and answers with a wait; the runner does the sleeping.
 *
 * - Quick at first (a task of firmware that exits may end within seconds),
 *   then about once a second, then backing off while nothing changes.
 * - A change of status (queued → running) starts the quick phase again.
 * - Once the task is running, it is due at its start + timeout: the start
 *   lies between the last poll that saw it waiting and the first that saw it
 *   running, so from the earliest possible due time until a few seconds
 *   after the latest one it polls quickly again.
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
  /** Interval around the due time. */
  dueMs: number;
  /** How long after the latest possible due time to keep polling quickly. */
  dueWindowMs: number;
  burst: number;
  perSecond: number;
}

export const DEFAULT_POLL_TIMING: PollTiming = {
  quickMs: 250,
  quickPolls: 4,
  steadyMs: 1000,
  steadyForMs: 10_000,
  growth: 1.5,
  maxMs: 5000,
  dueMs: 250,
  dueWindowMs: 5000,
  burst: 4,
  perSecond: 1,
};

export class PollSchedule {
  private readonly timing: PollTiming;
  private polls = 0;
  private phaseStart: number;
  private phasePolls = 0;
  private lastStatus: string | null = null;
  private interval: number;
  /** Latest time the task was seen not yet started (its start is after this). */
  private notStartedAt: number;
  /** First time the task was seen started (its start is at or before this). */
  private startedSeenAt: number | null = null;

  constructor(
    private readonly createdAt: number,
    private readonly timeoutMs: number,
    timing: Partial<PollTiming> = {},
  ) {
    this.timing = { ...DEFAULT_POLL_TIMING, ...timing };
    this.phaseStart = createdAt;
    this.notStartedAt = createdAt;
    this.interval = this.timing.quickMs;
  }

  get pollCount(): number {
    return this.polls;
  }

  /** Records what a poll at `now` saw. `started`: the task has begun on a board. */
  observe(now: number, status: string, started: boolean): void {
    this.polls++;
    if (this.lastStatus !== null && status !== this.lastStatus) {
      this.phaseStart = now;
      this.phasePolls = 0;
    }
    this.lastStatus = status;
    this.phasePolls++;
    if (started) this.startedSeenAt ??= now;
    else this.notStartedAt = now;
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
      const dueFrom = this.notStartedAt + this.timeoutMs;
      const dueTo = this.startedSeenAt + this.timeoutMs + t.dueWindowMs;
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
