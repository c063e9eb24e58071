/**
 * What a run knows about its tasks' durations: beyond the time the service
 * takes to write the input into the UART, a task spends time being flashed,
 * booting and computing — unknown beforehand, about the same for every task
 * of an image. Learned from tasks that ended by themselves (exactly from the
 * service's own timestamps; else a lower bound from our polls), or given as
 * a prior from an earlier run (the baseline's results.json, or the timing
 * file of the tool cache), it tells the poll schedule when a task may end.
 */
import type { TimingRecord } from '../results/types.js';

/** A service timestamp as milliseconds, or null when absent or unreadable (the format is not documented). */
export function serviceTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** The least time from a task's start to its end, as far as the run knows it. */
export interface ExpectedRun {
  ms: number;
  /** Includes flash, boot and compute time known well (service timestamps of this run, or a prior). */
  learned: boolean;
  /** Known from an earlier run or from another image only: the end may come a little earlier or later. */
  prior?: boolean;
  /** Includes a rough figure (a lower bound from our reads): the end is not before, and maybe well after. */
  rough?: boolean;
  /** When a task of this run was last seen ending: a board may have come free for a queued task. */
  boardFreedAt?: number | null;
  /** The least time the service took from creating a task to starting it (a free board's own lag). */
  startLagMs?: number | null;
}

interface Overhead {
  ms: number;
  /** Tasks of this run it was learned from (0: a prior). */
  tasks: number;
  /** From service timestamps (else a lower bound from our polls, or a prior). */
  exact: boolean;
  prior: boolean;
}

export class RunTiming {
  private readonly overhead = new Map<string, Overhead>();
  private lastEndSeenAt: number | null = null;
  private startLag: number | null = null;

  /** Starts from an earlier run's figures; what this run learns replaces them. */
  constructor(prior?: TimingRecord | null) {
    const lag = prior?.startLagMs;
    if (typeof lag === 'number' && Number.isFinite(lag) && lag >= 0) this.startLag = lag;
    for (const [image, p] of Object.entries(prior?.images ?? {})) {
      if (Number.isFinite(p.overheadMs) && p.overheadMs >= 0) this.overhead.set(image, { ms: p.overheadMs, tasks: 0, exact: true, prior: true });
    }
  }

  /** Least time seen beyond the UART time for tasks of this image (null until one ended by itself, or a prior). */
  overheadMs(image: string): number | null {
    return this.overhead.get(image)?.ms ?? null;
  }

  /**
   * The least start → end time of a task of `image` whose input takes
   * `uartMs` on the wire. An image not seen yet borrows the least overhead
   * of the others (the same board kind flashes and boots alike), as a prior.
   */
  expected(image: string, uartMs: number): ExpectedRun {
    const boardFreedAt = this.lastEndSeenAt;
    const startLagMs = this.startLag;
    const own = this.overhead.get(image);
    if (own) return { ms: uartMs + own.ms, learned: own.exact, rough: !own.exact, prior: own.prior, boardFreedAt, startLagMs };
    const others = [...this.overhead.values()].filter((o) => o.exact);
    if (others.length === 0) return { ms: uartMs, learned: false, boardFreedAt, startLagMs };
    return { ms: uartMs + Math.min(...others.map((o) => o.ms)), learned: true, prior: true, boardFreedAt, startLagMs };
  }

  /** A task started this long after it was created, by the service's clock (the least is kept). */
  learnStartLag(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.startLag = Math.min(this.startLag ?? ms, ms);
  }

  /** A task of the run was seen ended (by itself or not) at `now`. */
  endSeen(now: number): void {
    this.lastEndSeenAt = Math.max(this.lastEndSeenAt ?? now, now);
  }

  /**
   * Records a task that ended by itself: its start → end time, exact (by the
   * service's clock) or a lower bound (from our polls). A prior is replaced
   * by the first figure of this run; later ones keep the least.
   */
  learn(image: string, runMs: number, uartMs: number, exact = true): void {
    if (!Number.isFinite(runMs) || runMs < 0) return;
    const extra = Math.max(0, runMs - uartMs);
    const known = this.overhead.get(image);
    if (!known || known.prior) {
      this.overhead.set(image, { ms: extra, tasks: 1, exact, prior: false });
      return;
    }
    // An exact figure beats a bound; among figures of the same kind, the least.
    const ms = exact && !known.exact ? extra : !exact && known.exact ? known.ms : Math.min(known.ms, extra);
    this.overhead.set(image, { ms, tasks: known.tasks + 1, exact: known.exact || exact, prior: false });
  }

  /** For results.json: what the next run can start from (exact figures and priors not relearned). */
  record(): TimingRecord {
    const images: TimingRecord['images'] = {};
    for (const [image, o] of this.overhead) if (o.exact) images[image] = { overheadMs: Math.round(o.ms), tasks: o.tasks };
    return this.startLag === null ? { images } : { images, startLagMs: Math.round(this.startLag) };
  }
}
