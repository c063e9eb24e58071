/**
 * The emulated farm: tasks, a FIFO queue, N boards (one task each at a
 * time), and the timing model (flash time per KiB written, boot time) that
 * keeps task durations close to the real farm's. Each task lives in its own
 * directory under the data dir: image, input, the board's UART bytes,
 * QEMU's stderr, and task.json (the record, never the key).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CODE_INFRA, CODE_TIMEOUT, TIMEOUT_LINE_PREFIX, type KnownStatus, type TaskRecord } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import { ImageError, inspectImage } from './image.js';
import { runOnQemu, type QemuRunEnd } from './qemu-board.js';
import { sleep } from '../common/sleep.js';
import { formatSize } from '../common/text.js';

/** Names of a task's files in its directory. */
export const TASK_FILES = {
  firmware: 'firmware.img',
  input: 'input.bin',
  uart: 'uart.log',
  qemuStderr: 'qemu-stderr.log',
  record: 'task.json',
} as const;

export interface TaskParams {
  timeoutS: number;
  baud: number;
  /** Output as base64 (binary=true) or plain text. */
  binary: boolean;
  core: string | null;
  log: string | null;
  firmwareName: string | null;
  firmwareBytes: number;
  inputBytes: number;
}

export interface Task {
  readonly id: string;
  readonly dir: string;
  readonly params: TaskParams;
  status: KnownStatus;
  created: Date;
  started: Date | null;
  finished: Date | null;
  code: number | null;
  reservation: number | null;
  /** Lines the service adds after the board's bytes (why it stopped the task). */
  serviceNote: string;
  timing: { flashMs?: number; runMs?: number };
}

export interface FarmOptions {
  boards: number;
  dataDir: string;
  flashMsPerKiB: number;
  bootMs: number;
  qemuPath: string;
  setprivPath: string | null;
  icountShift: number | null;
  liveOutput: boolean;
  /** UART bytes kept per task; a marker line says when more were dropped. */
  maxOutputBytes: number;
  log: Logger;
}

export class Farm {
  private readonly tasks = new Map<string, Task>();
  private readonly queue: Task[] = [];
  private readonly boards: (Task | null)[];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly opts: FarmOptions;

  constructor(opts: FarmOptions) {
    this.opts = opts;
    this.boards = Array.from({ length: opts.boards }, () => null);
  }

  /** A fresh task directory to stream the upload into. */
  async prepareTask(): Promise<{ id: string; dir: string }> {
    const id = randomUUID();
    const dir = path.join(this.opts.dataDir, 'tasks', id);
    await mkdir(dir, { recursive: true });
    return { id, dir };
  }

  /** Drops a task whose upload failed (no task was created, as far as the client knows). */
  async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Registers an uploaded task. With `refusal` (why its image cannot run, found
   * as it was uploaded) it finishes at once with 255 and that reason, without
   * waiting for a board, as the real service does with an image it cannot use.
   */
  submit(id: string, dir: string, params: TaskParams, refusal?: string): Task {
    const task: Task = {
      id,
      dir,
      params,
      status: 'queued',
      created: new Date(),
      started: null,
      finished: null,
      code: null,
      reservation: null,
      serviceNote: '',
      timing: {},
    };
    this.tasks.set(id, task);
    if (refusal !== undefined) {
      this.finish(task, CODE_INFRA, refusal + '\n');
      return task;
    }
    this.queue.push(task);
    this.persist(task);
    this.opts.log.info(
      `task ${id} queued: firmware ${formatSize(params.firmwareBytes, 'KiB')}, input ${formatSize(params.inputBytes, 'KiB')}, timeout ${params.timeoutS} s, ${params.baud} baud`,
    );
    this.dispatch();
    return task;
  }

  get(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  /** The answer to `GET ?id=`: output only once finished, unless live output is on. */
  async record(task: Task): Promise<TaskRecord> {
    const showOutput = task.status === 'finished' || (this.opts.liveOutput && task.status === 'running');
    let output: string | null = null;
    if (showOutput) {
      let bytes = await readFile(path.join(task.dir, TASK_FILES.uart)).catch(() => Buffer.alloc(0));
      if (task.status === 'finished') bytes = Buffer.concat([bytes, Buffer.from(task.serviceNote, 'utf8')]);
      output = task.params.binary ? bytes.toString('base64') : bytes.toString('utf8');
    }
    return {
      status: task.status,
      created: task.created.toISOString(),
      started: task.started?.toISOString() ?? null,
      finished: task.finished?.toISOString() ?? null,
      code: task.code,
      output,
      reservation: task.reservation,
    };
  }

  /** Stops every board (kills QEMU) and waits for them; queued tasks end with 255. */
  async close(): Promise<void> {
    this.stopping.abort();
    for (const task of this.queue.splice(0)) this.finish(task, CODE_INFRA, 'The service stopped before a board was free for this task.\n');
    await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.writes.values()]);
  }

  private dispatch(): void {
    if (this.stopping.signal.aborted) return;
    for (let board = 0; board < this.boards.length && this.queue.length > 0; board++) {
      if (this.boards[board] !== null) continue;
      const task = this.queue.shift()!;
      this.boards[board] = task;
      const run = this.runTask(task, board + 1).finally(() => {
        this.boards[board] = null;
        this.running.delete(run);
        this.dispatch();
      });
      this.running.add(run);
    }
  }

  private async runTask(task: Task, board: number): Promise<void> {
    task.status = 'running';
    task.started = new Date();
    task.reservation = board;
    this.persist(task);
    this.opts.log.info(`task ${task.id} running on board ${board}`);
    try {
      const image = await inspectImage(path.join(task.dir, TASK_FILES.firmware));
      // Flashing: the real farm's programmer writes the image before the reset.
      const flashMs = Math.round((image.flashBytes / 1024) * this.opts.flashMsPerKiB);
      task.timing.flashMs = flashMs;
      if (!(await sleep(flashMs, this.stopping.signal))) {
        return this.finish(task, CODE_INFRA, 'The service was stopped while it was flashing the board.\n');
      }
      const runStart = performance.now();
      const end = await runOnQemu({
        qemuPath: this.opts.qemuPath,
        setprivPath: this.opts.setprivPath,
        imageFile: path.join(task.dir, TASK_FILES.firmware),
        format: image.format,
        inputFile: path.join(task.dir, TASK_FILES.input),
        baud: task.params.baud,
        bootMs: this.opts.bootMs,
        timeoutMs: task.params.timeoutS * 1000,
        uartLogFile: path.join(task.dir, TASK_FILES.uart),
        stderrLogFile: path.join(task.dir, TASK_FILES.qemuStderr),
        signal: this.stopping.signal,
        icountShift: this.opts.icountShift,
        maxUartBytes: this.opts.maxOutputBytes,
      });
      task.timing.runMs = Math.round(performance.now() - runStart);
      await this.finishRun(task, end.end, this.outputCutNote(end.uartBytes));
    } catch (err) {
      const reason = err instanceof ImageError ? err.message : `Internal error of the emulated service: ${(err as Error).message}`;
      this.finish(task, CODE_INFRA, (await this.lineStart(task)) + reason + '\n');
    }
  }

  /** The marker line for an output over the limit, or ''. */
  private outputCutNote(uartBytes: number): string {
    const max = this.opts.maxOutputBytes;
    if (uartBytes <= max) return '';
    return `${OUTPUT_CUT_LINE_PREFIX}: the board wrote ${uartBytes} bytes on its UART; this service keeps the first ${max} (${mib(max)}) of a task's output.\n`;
  }

  private async finishRun(task: Task, end: QemuRunEnd, cutNote: string): Promise<void> {
    const start = cutNote ? (await this.lineStart(task)) + cutNote : '';
    const lineStart = async (): Promise<string> => (start ? start : this.lineStart(task));
    switch (end.kind) {
      case 'exited':
        return this.finish(task, end.code, start);
      case 'timeout': {
        let note = await lineStart();
        if (end.lockup) note += `The core locked up (QEMU: ${end.lockup}); a real board hangs like this until the timeout.\n`;
        note += `${TIMEOUT_LINE_PREFIX} (${task.params.timeoutS} s): the task was stopped by the service.\n`;
        return this.finish(task, CODE_TIMEOUT, note);
      }
      case 'failed':
        return this.finish(task, CODE_INFRA, (await lineStart()) + end.reason + '\n');
      case 'aborted':
        return this.finish(task, CODE_INFRA, (await lineStart()) + 'The service was stopped while the task ran.\n');
    }
  }

  /** '\n' when the board's last line is unfinished, so a service line starts a line of its own. */
  private async lineStart(task: Task): Promise<string> {
    try {
      const file = await open(path.join(task.dir, TASK_FILES.uart), 'r');
      try {
        const { size } = await file.stat();
        if (size === 0) return '';
        const last = Buffer.alloc(1);
        await file.read(last, 0, 1, size - 1);
        return last[0] === 0x0a ? '' : '\n';
      } finally {
        await file.close();
      }
    } catch {
      return ''; // no UART log: the board never ran
    }
  }

  private finish(task: Task, code: number, serviceNote: string): void {
    task.status = 'finished';
    task.finished = new Date();
    task.started ??= task.finished;
    task.code = code;
    task.serviceNote = this.withoutServePaths(task, serviceNote);
    this.persist(task);
    const secs = task.started ? ((task.finished.getTime() - task.started.getTime()) / 1000).toFixed(1) : '0';
    this.opts.log.info(`task ${task.id} finished: code ${code} after ${secs} s${task.reservation ? ` on board ${task.reservation}` : ''}`);
  }

  /**
   * A note as the client may see it: QEMU's messages and system errors name
   * the files of the task's directory, which are the server's business (and
   * its data dir's path is the host's). The image is named as uploaded.
   */
  private withoutServePaths(task: Task, note: string): string {
    const image = task.params.firmwareName ?? 'the firmware image';
    return note
      .replaceAll(path.join(task.dir, TASK_FILES.firmware), image)
      .replaceAll(task.dir, '<task directory>')
      .replaceAll(this.opts.dataDir, '<data directory>');
  }

  /** task.json, for people and benches reading the data dir (writes are chained per task). */
  private readonly writes = new Map<string, Promise<void>>();
  private persist(task: Task): void {
    const body = JSON.stringify(task, null, 2) + '\n';
    const previous = this.writes.get(task.id) ?? Promise.resolve();
    const next = previous
      .then(() => writeFile(path.join(task.dir, TASK_FILES.record), body))
      .catch((err: Error) => this.opts.log.warning(`could not write ${task.id}/${TASK_FILES.record}: ${err.message}`));
    this.writes.set(task.id, next);
  }
}

/** Start of the line a task's output ends with when the service dropped some of it. */
export const OUTPUT_CUT_LINE_PREFIX = 'Output cut by the service';

export function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(2)} MiB`;
}
