/**
 * The results directory, written as data arrives so that a crash or a
 * cancel loses nothing already known:
 *   tasks.jsonl                       append-only journal: a line when a task is created
 *                                     (its id, before anything else can go wrong) and a line
 *                                     with its entry and results when it ends
 *   logs/<image>/<task id>.uart.log   raw UART bytes of each attempt, as soon as it ends
 *   results.json                      a snapshot, replaced atomically (temp file + rename);
 *                                     during a run at most about every `snapshotMs` (and never
 *                                     more often than 20× the time one write takes), at the end always
 * Saving costs what changed: the journal grows by one line per event, while
 * rewriting results.json after every task of a large run cost time
 * quadratic in the run's size.
 * No secret may reach any of them: the config given is expected to be the public
 * one, and every save also redacts every string value (any spelling of a
 * secret, any secret-looking URL parameter) through the run's Redactor (common/secrets.ts).
 * A UART log is the board's bytes, written as they came but for the secrets'
 * spellings, each replaced by `***` (the client does not scrub outputs, this
 * is where the guarantee is kept). File names are made from task ids and
 * image names by the Redactor too: an id that holds a secret (a hostile
 * service can answer anything) names its log by a keyed hash, and the task's
 * entry in results.json (its id masked) records which log is its.
 */
import { appendFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileWriteError, writeFileAtomic, writeLogFile } from '../common/disk-write.js';
import type { Image } from '../build/index.js';
import { Redactor } from '../common/secrets.js';
import type { TaskOutcome } from '../run/index.js';
import type { Toolchain } from '../toolchain/index.js';
import type { Correctness, GateResult, InputResult, Results, TaskEntry, TimingRecord } from './types.js';

export const RESULTS_FILE = 'results.json';
export const JOURNAL_FILE = 'tasks.jsonl';

export type ResultsBase = Pick<Results, 'mode' | 'config'> & Partial<Omit<Results, 'version' | 'tasks' | 'results' | 'totals'>>;

export interface ResultsStoreOptions {
  /** Values masked as *** in every file written (e.g. the API key), whatever field they hide in. */
  secrets?: string[];
  /** The run's redactor (the secrets above are added to it). */
  redactor?: Redactor;
  /** Least time between two results.json snapshots written by saveSoon() (default 2000 ms). */
  snapshotMs?: number;
}

/** One attempt of one planned task. */
const attemptKey = (o: Pick<TaskOutcome, 'planIndex' | 'attempt'>): string => `${o.planIndex}/${o.attempt}`;

/** The entry results.json keeps of an attempt; `log` is its UART log's path, if one was written. */
export function taskEntry(o: TaskOutcome, log: string | null = null): TaskEntry {
  return {
    id: o.id,
    image: o.image,
    inputs: [...o.inputs],
    attempt: o.attempt,
    status: o.status,
    end: o.end,
    code: o.code,
    reservation: o.reservation,
    created: o.created,
    started: o.started,
    finished: o.finished,
    log,
    reason: o.reason,
  };
}

export class ResultsStore {
  readonly dir: string;
  private readonly data: Results;
  private readonly redactor: Redactor;
  private saving: Promise<void> = Promise.resolve();
  /** Each attempt's UART log path (writeUartLog), for its task entry. */
  private readonly logPaths = new Map<string, string | null>();
  private readonly snapshotMs: number;
  private lastWriteAt = 0;
  private lastWriteMs = 0;
  private pending: NodeJS.Timeout | null = null;
  /** Files that could not be written, each once, with why (FileWriteError messages). */
  private readonly writeErrors = new Map<string, string>();

  private constructor(dir: string, data: Results, redactor: Redactor, snapshotMs: number) {
    this.dir = dir;
    this.data = data;
    this.redactor = redactor;
    this.snapshotMs = snapshotMs;
  }

  static async create(dir: string, base: ResultsBase, options: ResultsStoreOptions = {}): Promise<ResultsStore> {
    await mkdir(path.join(dir, 'logs'), { recursive: true });
    const data: Results = {
      version: 1,
      startedAt: base.startedAt ?? new Date().toISOString(),
      finishedAt: base.finishedAt ?? null,
      mode: base.mode,
      config: base.config,
      toolchain: base.toolchain ?? null,
      images: base.images ?? [],
      tasks: [],
      results: [],
      gate: base.gate ?? null,
      totals: { inputs: 0, passed: 0, failed: 0, errors: 0, tasks: 0 },
      error: base.error ?? null,
      measurement: base.measurement ?? null,
      baseline: base.baseline ?? null,
      shard: base.shard ?? null,
      run: base.run ?? null,
    };
    const redactor = options.redactor ?? new Redactor();
    for (const s of options.secrets ?? []) redactor.add(s);
    const store = new ResultsStore(dir, data, redactor, options.snapshotMs ?? 2000);
    await store.save();
    return store;
  }

  /**
   * Writes an attempt's raw UART bytes (secrets masked); returns the path
   * relative to the results dir (with `/`). On a full disk the log ends with
   * a line saying it was cut (or is not written: null), and failedWrites()
   * says what was needed.
   */
  async writeUartLog(outcome: TaskOutcome): Promise<string | null> {
    const name = outcome.id ? this.redactor.pathComponent(outcome.id) : `plan-${outcome.planIndex + 1}-attempt-${outcome.attempt}`;
    const rel = ['logs', this.redactor.pathComponent(outcome.image), `${name}.uart.log`];
    const file = path.join(this.dir, ...rel);
    let kept: string | null = rel.join('/');
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await this.noting(writeLogFile(file, this.redactor.redactBytes(outcome.uart)));
    } catch (e) {
      if (!(e instanceof FileWriteError)) throw e;
      // Cut (it says so in its last line) or not written at all: the task is
      // still recorded, and failedWrites() says what was lost.
      if (!(await stat(file).catch(() => null))?.size) {
        await rm(file, { force: true });
        kept = null;
      }
    }
    // The task's entry (addTask) names its log: the store keeps the path, the outcome stays the run stage's.
    this.logPaths.set(attemptKey(outcome), kept);
    return kept;
  }

  /**
   * Journals a task's id the moment the service gave it, synchronously: a
   * kill -9 right after must still leave the id on disk for a person (or a
   * later run) to find the task by.
   */
  recordCreated(entry: { planIndex: number; attempt: number; image: string; inputs: string[]; id: string }): void {
    this.journal({ event: 'created', at: new Date().toISOString(), ...entry });
  }

  /** Files that could not be written during the run, with why (empty when all were). */
  failedWrites(): string[] {
    return [...this.writeErrors.values()];
  }

  setToolchain(toolchain: Pick<Toolchain, 'release' | 'gccVersion' | 'source' | 'path'> | null): void {
    this.data.toolchain = toolchain ? { release: toolchain.release, gccVersion: toolchain.gccVersion, source: toolchain.source, path: toolchain.path } : null;
  }

  setImages(images: Image[]): void {
    this.data.images = images.map((i) => ({ name: i.name, path: i.path, board: i.board, size: i.size }));
  }

  /**
   * Records an attempt (a later call for the same plan task and attempt
   * replaces it). With `results`, those inputs' results are recorded too,
   * replacing earlier ones for the same image and input.
   */
  addTask(outcome: TaskOutcome, results?: InputResult[]): void {
    const entry = taskEntry(outcome, this.logPaths.get(attemptKey(outcome)) ?? null);
    const at = this.data.tasks.findIndex(
      (t) =>
        (outcome.id !== null && t.id === outcome.id) ||
        (t.id === null && t.image === entry.image && t.attempt === entry.attempt && t.inputs.join('\n') === entry.inputs.join('\n')),
    );
    if (at >= 0) this.data.tasks[at] = entry;
    else this.data.tasks.push(entry);
    this.journal({ event: 'ended', at: new Date().toISOString(), planIndex: outcome.planIndex, task: entry, results: results ?? [] });
    if (results) {
      const key = (r: InputResult): string => `${r.image}\n${r.input}`;
      const replaced = new Set(results.map(key));
      this.setResults([...this.data.results.filter((r) => !replaced.has(key(r))), ...results]);
    }
    this.updateTotals();
  }

  setResults(results: InputResult[]): void {
    this.data.results = results;
    this.updateTotals();
  }

  setGate(gate: GateResult | null): void {
    this.data.gate = gate;
  }

  setCorrectness(correctness: Correctness | null): void {
    this.data.correctness = correctness;
  }

  setTiming(timing: TimingRecord | null): void {
    this.data.timing = timing;
  }

  setBaselineSource(source: Results['baseline']): void {
    this.data.baseline = source ?? null;
  }

  setError(message: string | null): void {
    this.data.error = message;
  }

  /** A copy of everything recorded so far. */
  snapshot(): Results {
    return structuredClone(this.data);
  }

  /** Writes results.json atomically; saves run one after another, each writing the latest data. */
  save(): Promise<void> {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    const next = this.saving.then(() => this.write());
    // A failed save must not block later ones; the caller still sees this one fail.
    this.saving = next.catch(() => undefined);
    return next;
  }

  /**
   * Saves results.json now if the last snapshot is old enough, else once
   * that time has come (the journal holds every event meanwhile). Errors of
   * a deferred save are kept for failedWrites(), not thrown.
   */
  saveSoon(): void {
    if (this.pending) return;
    const gap = Math.max(this.snapshotMs, 20 * this.lastWriteMs);
    const wait = this.lastWriteAt + gap - Date.now();
    if (wait <= 0) {
      this.save().catch(() => undefined);
      return;
    }
    this.pending = setTimeout(() => {
      this.pending = null;
      this.save().catch(() => undefined);
    }, wait);
    this.pending.unref();
  }

  /** Resolves when the saves begun so far have ended (failed ones too). */
  idle(): Promise<void> {
    return this.saving;
  }

  /** Stamps the end time and saves. */
  async finish(): Promise<void> {
    this.data.finishedAt = new Date().toISOString();
    await this.save();
  }

  private updateTotals(): void {
    const r = this.data.results;
    this.data.totals = {
      inputs: r.length,
      passed: r.filter((x) => x.status === 'passed').length,
      failed: r.filter((x) => x.status === 'failed').length,
      errors: r.filter((x) => x.status === 'error').length,
      tasks: this.data.tasks.length,
    };
  }

  /** The results as results.json holds them: secrets masked. Reports are made from this. */
  masked(): Results {
    return JSON.parse(this.maskedText()) as Results;
  }

  private maskedText(): string {
    return this.redactor.redactedJson(this.data, 2) + '\n';
  }

  private async write(): Promise<void> {
    const began = Date.now();
    const text = this.maskedText();
    await this.noting(writeFileAtomic(path.join(this.dir, RESULTS_FILE), text));
    this.lastWriteAt = Date.now();
    this.lastWriteMs = this.lastWriteAt - began;
  }

  private journal(event: object): void {
    const line = this.redactor.redactedJson(event) + '\n';
    const file = path.join(this.dir, JOURNAL_FILE);
    try {
      appendFileSync(file, line);
    } catch (e) {
      // The journal is the safety net, not the record: a full disk is said
      // once (failedWrites), and results.json and the reports still try.
      this.writeErrors.set(file, new FileWriteError(file, Buffer.byteLength(line), e as NodeJS.ErrnoException).message);
    }
  }

  /** Awaits a write, remembering a FileWriteError for failedWrites() before passing it on. */
  private async noting(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (e) {
      if (e instanceof FileWriteError) this.writeErrors.set(e.file, e.message);
      throw e;
    }
  }
}
