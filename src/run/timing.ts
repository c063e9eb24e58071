/**
 * What a run learns about its tasks' durations: beyond the time the service
 * takes to write the input into the UART, a task spends time being flashed,
 * booting and computing — unknown beforehand, about the same for every task
 * of an image. Learned from the service's own timestamps of tasks that ended
 * by themselves, it tells the poll schedule when the next tasks may end.
 */

/** A service timestamp as milliseconds, or null when absent or unreadable (the format is not documented). */
export function serviceTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

export class RunTiming {
  private readonly overhead = new Map<string, number>();

  /** Least time seen beyond the UART time for tasks of this image (null until one ended by itself). */
  overheadMs(image: string): number | null {
    return this.overhead.get(image) ?? null;
  }

  /** Records a task that ended by itself: its start → end time by the service's clock. */
  learn(image: string, runMs: number, uartMs: number): void {
    if (!Number.isFinite(runMs) || runMs < 0) return;
    const extra = Math.max(0, runMs - uartMs);
    const known = this.overhead.get(image);
    this.overhead.set(image, known === undefined ? extra : Math.min(known, extra));
  }
}
