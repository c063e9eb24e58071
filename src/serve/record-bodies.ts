/**
 * The JSON bodies of `GET ?id=` answers, built with bounded memory. A body
 * with output holds the UART log several times over while it is made (the
 * bytes, the text, the JSON-escaped text), so only a few are made at once;
 * a finished task's body never changes, so parallel and repeated GETs of it
 * share one, kept while the kept bodies stay within a byte budget.
 */
import type { Farm, Task } from './farm.js';

export interface RecordBodiesOptions {
  /** Bodies with output made at once. Default 2. */
  concurrentBuilds?: number;
  /** Bytes of finished bodies kept for the next GETs. Default 16 MiB. */
  keptBytes?: number;
}

export class RecordBodies {
  private readonly farm: Farm;
  private readonly concurrentBuilds: number;
  private readonly keptBudget: number;
  private building = 0;
  private readonly waiting: (() => void)[] = [];
  /** Finished tasks' bodies, in or being built, oldest first (a Map keeps insertion order). */
  private readonly finished = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private keptBytes = 0;

  constructor(farm: Farm, opts: RecordBodiesOptions = {}) {
    this.farm = farm;
    this.concurrentBuilds = opts.concurrentBuilds ?? 2;
    this.keptBudget = opts.keptBytes ?? 16 * 1024 * 1024;
  }

  body(task: Task): Promise<Buffer> {
    if (task.status !== 'finished') return this.build(task);
    let body = this.finished.get(task.id);
    if (!body) {
      body = this.build(task);
      this.finished.set(task.id, body);
      body.then(
        (b) => this.keep(task.id, b.length),
        () => this.finished.delete(task.id),
      );
    }
    return body;
  }

  private keep(id: string, bytes: number): void {
    this.sizes.set(id, bytes);
    this.keptBytes += bytes;
    for (const [oldest] of this.finished) {
      if (this.keptBytes <= this.keptBudget || oldest === id) break;
      this.finished.delete(oldest);
      this.keptBytes -= this.sizes.get(oldest) ?? 0;
      this.sizes.delete(oldest);
    }
  }

  private async build(task: Task): Promise<Buffer> {
    // A slot is handed straight to the next waiter, so that no newcomer slips in between.
    if (this.building < this.concurrentBuilds) this.building++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      // Compact JSON: All-HW's shell clients grep for the literal "status":"finished".
      return Buffer.from(JSON.stringify(await this.farm.record(task)));
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.building--;
    }
  }
}
