/**
 * What a run knows about its tasks' durations: beyond the time the service
 * takes to write the input into the UART, a task spends time being flashed,
 * booting and computing — unknown beforehand, about the same for every task
 * of an image. Learned from tasks that ended by themselves (exactly from the
 * service's own timestamps; else a lower bound from our polls), or given as
 * a prior from an earlier run (the baseline's results.json, or the timing
 * file of the tool cache), it tells the poll schedule when a task may end.
 */
import type { TimingRecord } from '../results/index.js';

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
  /**
   * A board may have come free for this waiting task: when a task of this
   * run ended (by the service's clock put on ours, else when seen). The
   * boards freed while tasks wait go to the oldest waiting ones, one each
   * (the queue is first come, first served), until a waiting task is seen
   * started or ended, which takes the earliest.
   */
  boardFreedAt?: number | null;
  /** The least time the service took from creating a task to starting it (a free board's own lag). */
  startLagMs?: number | null;
  /** Another task of the run is running, or waiting ahead of this one: a board comes free (and the watches are woken) at its end. */
  behindRunTasks?: boolean;
}

interface Overhead {
  ms: number;
  /** Tasks of this run it was learned from (0: a prior). */
  tasks: number;
  /** From service timestamps (else a lower bound from our polls, or a prior). */
  exact: boolean;
  prior: boolean;
}

type TaskState = 'new' | 'waiting' | 'running';

export class RunTiming {
  private readonly overhead = new Map<string, Overhead>();
  /** When the boards freed while tasks were waiting came free (earliest first), not yet taken. */
  private readonly freedAt: number[] = [];
  private startLag: number | null = null;
  /** The run's tasks being watched, in creation order (a Map keeps insertion order). */
  private readonly tasks = new Map<object, TaskState>();
  private readonly endListeners = new Set<() => void>();

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
  expected(image: string, uartMs: number, task?: object): ExpectedRun {
    const startLagMs = this.startLag;
    const order = [...this.tasks];
    const mine = order.findIndex(([t]) => t === task);
    const behindRunTasks = order.some(([t, state], i) => t !== task && (state === 'running' || (mine >= 0 && i < mine)));
    // Only tasks seen waiting take freed boards (one never read yet may have started on an idle board).
    const place = order.filter(([, state]) => state === 'waiting').findIndex(([t]) => t === task);
    const boardFreedAt = place >= 0 ? (this.freedAt[place] ?? null) : null;
    const own = this.overhead.get(image);
    if (own) return { ms: uartMs + own.ms, learned: own.exact, prior: own.prior, boardFreedAt, startLagMs, behindRunTasks };
    const others = [...this.overhead.values()].filter((o) => o.exact);
    if (others.length === 0) return { ms: uartMs, learned: false, boardFreedAt, startLagMs, behindRunTasks };
    return { ms: uartMs + Math.min(...others.map((o) => o.ms)), learned: true, prior: true, boardFreedAt, startLagMs, behindRunTasks };
  }

  /** A task started this long after it was created, by the service's clock (the least is kept). */
  learnStartLag(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.startLag = Math.min(this.startLag ?? ms, ms);
  }

  /** A task of the run (any object standing for it) as last seen: not read yet, waiting for a board, running, or no longer watched. */
  track(task: object, state: TaskState | 'gone'): void {
    const was = this.tasks.get(task);
    if (was === 'waiting' && state === 'running') this.freedAt.shift();
    if (state === 'gone') this.tasks.delete(task);
    else this.tasks.set(task, state);
  }

  /**
   * A task of the run was seen ended (by itself or not) at `now`, having
   * ended at `endedAt` (our clock) when known: the waiting watches are told.
   */
  endSeen(now: number, task?: object, endedAt?: number | null): void {
    // A waiting task seen ended had taken a board freed before it.
    if (task && this.tasks.get(task) === 'waiting') this.freedAt.shift();
    if (task) this.tasks.delete(task);
    // A board freed while none of the run's tasks waits is idle: a task created later finds it free.
    if ([...this.tasks.values()].some((state) => state !== 'running')) {
      this.freedAt.push(Math.min(endedAt ?? now, now));
      this.freedAt.sort((a, b) => a - b);
    }
    for (const listener of [...this.endListeners]) listener();
  }

  /** Calls `listener` on each end seen; returns the unsubscribe. */
  onEndSeen(listener: () => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
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
