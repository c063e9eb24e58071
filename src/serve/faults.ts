/**
 * Fault injection for `allhw serve --faults`: wraps the API handler
 * (api.ts) and makes the service fail the way remote farms do — HTTP
 * errors, dropped connections, slow or broken answers, tasks that never end
 * or end with 255, huge outputs, a refused key, an empty task id — so the
 * client's recovery can be tested against the real server and QEMU boards.
 *
 * A POST fault happens either before the task is created (an HTTP error, a
 * connection cut during the upload: nothing exists, a retry is safe) or
 * after (a reset or an empty id once the task exists: the client cannot
 * know the id, and a retry would start a duplicate). Every injected fault,
 * every task created and every finished record read is written to
 * `faults.jsonl` in the data dir, so a test can count tasks and compare
 * logs with what the client was actually given.
 */
import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TaskRecord } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import type { RequestHandler } from './api.js';
import { sleep } from '../common/sleep.js';
import { appliesTo, beforeCreate, isTaskFault, pick, seededRandom, type FaultKind, type FaultRule, type TaskFaultKind } from './faults-spec.js';

export { FaultSpecError, FAULT_KINDS, formatFaultSpec, parseFaultSpec, type FaultKind, type FaultRule } from './faults-spec.js';

export const FAULT_JOURNAL = 'faults.jsonl';

export interface FaultLayerOptions {
  rules: FaultRule[];
  seed: number;
  /** Where the journal goes (JSON lines); null: none. */
  journalFile: string | null;
  log: Logger;
}

/** One line of faults.jsonl. */
export type FaultJournalEntry =
  | { event: 'fault'; kind: FaultKind; verb: 'GET' | 'POST'; id: string | null }
  | { event: 'task'; id: string; fault: TaskFaultKind | null }
  /**
   * A GET of a finished record: `outputSha256` is the sha256 of the record's
   * `output` string as it should be (after any task fault; null output: null);
   * `delivered` is false when a request fault spoiled or dropped the answer.
   */
  | { event: 'finished'; id: string; code: number | null; outputSha256: string | null; outputLength: number; delivered: boolean };

interface KnownTask {
  binary: boolean;
  fault: FaultRule | null;
}

/** What the inner handler answered (held back so a fault can change it). */
interface Captured {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string | Buffer | undefined;
}

const FAULT_MESSAGE = 'Fault injected by allhw serve --faults';

export interface FaultLayer {
  handler: RequestHandler;
  /** Lets held-back answers go (their connections are closed by then) and waits for the journal. */
  close(): Promise<void>;
}

export function withFaults(inner: RequestHandler, opts: FaultLayerOptions): FaultLayer {
  const faults = new FaultInjector(inner, opts);
  return {
    handler: async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://serve.invalid');
      if (req.method === 'POST') return faults.post(req, res, url.searchParams);
      if (req.method === 'GET') return faults.get(req, res, url.searchParams);
      return inner(req, res); // HEAD and other verbs: as the service answers them
    },
    close: () => faults.close(),
  };
}

/** The fault layer's state: the seeded draws, the tasks it created, and the journal. */
class FaultInjector {
  private readonly closing = new AbortController();
  // One stream of draws per kind of request (and one for tasks): the n-th finished-record read
  // meets the same fault whatever number of polls came between, so a seed means the same faults.
  private readonly streams;
  private readonly requestRules: FaultRule[];
  private readonly taskRules: FaultRule[];
  private readonly tasks = new Map<string, KnownTask>();
  private journal: Promise<void> = Promise.resolve();
  private blankIds = 0;

  private readonly inner: RequestHandler;
  private readonly opts: FaultLayerOptions;

  constructor(inner: RequestHandler, opts: FaultLayerOptions) {
    this.inner = inner;
    this.opts = opts;
    this.streams = {
      post: seededRandom(opts.seed),
      get: seededRandom(opts.seed ^ 0x9e3779b9),
      getOutput: seededRandom(opts.seed ^ 0x85ebca6b),
      task: seededRandom(opts.seed ^ 0xc2b2ae35),
    };
    this.requestRules = opts.rules.filter((r) => !isTaskFault(r.kind) && r.probability > 0);
    this.taskRules = opts.rules.filter((r) => isTaskFault(r.kind) && r.probability > 0);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.journal;
  }

  private hold(ms: number): Promise<boolean> {
    return sleep(ms, this.closing.signal);
  }

  private record(entry: FaultJournalEntry): void {
    if (!this.opts.journalFile || this.closing.signal.aborted) return;
    const file = this.opts.journalFile;
    this.journal = this.journal
      .then(() => appendFile(file, JSON.stringify(entry) + '\n'))
      .catch((err: Error) => this.opts.log.warning(`serve: could not write ${FAULT_JOURNAL}: ${err.message}`));
  }

  private injected(kind: FaultKind, verb: 'GET' | 'POST', id: string | null): void {
    this.opts.log.info(`fault ${kind}: ${verb}${id ? ` of task ${id}` : ''}`); // never the query: it holds the key
    this.record({ event: 'fault', kind, verb, id });
  }

  private drawRequestFault(verb: 'GET' | 'POST', hasOutput: boolean): FaultRule | null {
    if (this.requestRules.length === 0) return null;
    const stream = verb === 'POST' ? this.streams.post : hasOutput ? this.streams.getOutput : this.streams.get;
    return pick(
      this.requestRules.filter((r) => appliesTo(r.kind, verb, hasOutput)),
      stream(),
    );
  }

  async post(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const fault = this.drawRequestFault('POST', false);
    if (fault && beforeCreate(fault.kind)) {
      this.injected(fault.kind, 'POST', null);
      if (fault.kind === 'reset-upload') {
        req.socket.destroy();
        return;
      }
      // The service read the request, then refused it: drain the upload so the answer arrives cleanly.
      await drain(req);
      return sendStatusFault(res, fault);
    }
    const captured = await runCaptured(this.inner, req, res);
    if (!captured) return;
    if (captured.status !== 200) return send(res, captured);
    const id = String(captured.body ?? '');
    this.taskCreated(id, query);
    if (!fault) return send(res, captured);
    this.injected(fault.kind, 'POST', id);
    return this.answerCreated(res, captured, fault);
  }

  /** A new task, and the task fault (if any) it will show. */
  private taskCreated(id: string, query: URLSearchParams): void {
    const taskFault = this.taskRules.length ? pick(this.taskRules, this.streams.task()) : null;
    this.tasks.set(id, { binary: /^(true|1)$/i.test(query.get('binary') ?? ''), fault: taskFault });
    this.record({ event: 'task', id, fault: (taskFault?.kind as TaskFaultKind | undefined) ?? null });
    if (taskFault) this.opts.log.info(`fault ${taskFault.kind}: task ${id}`);
  }

  /** A POST fault once the task exists. */
  private async answerCreated(res: ServerResponse, captured: Captured, fault: FaultRule): Promise<void> {
    switch (fault.kind) {
      case 'reset':
        res.socket?.destroy(); // the task exists; the client never hears its id
        return;
      case 'empty-id':
        // Alternately nothing at all and only whitespace: both leave the client without an id.
        return send(res, { ...captured, body: this.blankIds++ % 2 === 0 ? '' : ' \r\n' });
      case 'slow':
        await this.hold(fault.value ?? 0);
        return send(res, captured);
      default:
        throw new Error(`fault ${fault.kind} cannot happen after a POST created its task`);
    }
  }

  async get(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const captured = await runCaptured(this.inner, req, res);
    if (!captured) return;
    const id = query.get('id')?.trim() ?? '';
    let rec: TaskRecord | null = null;
    if (captured.status === 200) {
      rec = JSON.parse(String(captured.body)) as TaskRecord;
      const task = this.tasks.get(id);
      if (task?.fault) rec = applyTaskFault(rec, task, task.fault);
      captured.body = JSON.stringify(rec);
    }
    const fault = this.drawRequestFault('GET', rec?.output !== null && rec?.output !== undefined);
    if (rec?.status === 'finished') this.recordFinished(id, rec, fault);
    if (!fault) return send(res, captured);
    this.injected(fault.kind, 'GET', id || null);
    return this.answerGetFault(res, captured, rec, fault);
  }

  private recordFinished(id: string, rec: TaskRecord, fault: FaultRule | null): void {
    const output = rec.output;
    this.record({
      event: 'finished',
      id,
      code: rec.code,
      outputSha256: output === null ? null : createHash('sha256').update(output).digest('hex'),
      outputLength: output?.length ?? 0,
      delivered: !fault || fault.kind === 'slow',
    });
  }

  private async answerGetFault(res: ServerResponse, captured: Captured, rec: TaskRecord | null, fault: FaultRule): Promise<void> {
    switch (fault.kind) {
      case 'reset':
        res.socket?.destroy();
        return;
      case 'slow':
        await this.hold(fault.value ?? 0);
        return send(res, captured);
      case 'malformed-json': {
        const body = String(captured.body ?? '');
        return send(res, { ...captured, status: 200, body: body.slice(0, Math.floor(body.length / 2)) });
      }
      case 'bad-base64':
        return send(res, { ...captured, body: JSON.stringify({ ...rec!, output: corrupt(rec!.output!) }) });
      default:
        return sendStatusFault(res, fault);
    }
  }
}

/** A task fault's version of a record. */
function applyTaskFault(rec: TaskRecord, task: KnownTask, fault: FaultRule): TaskRecord {
  switch (fault.kind) {
    case 'never-finish':
      return { ...rec, status: 'running', started: rec.started ?? rec.created, finished: null, code: null, output: null };
    case 'code-255': {
      const note = Buffer.from(`${FAULT_MESSAGE}: the board could not be started, the task did not run (code 255).\n`);
      return {
        ...rec,
        status: 'finished',
        started: rec.created,
        finished: rec.created,
        code: 255,
        output: task.binary ? note.toString('base64') : note.toString('utf8'),
        reservation: null,
      };
    }
    case 'huge': {
      if (rec.status !== 'finished' || rec.output === null) return rec;
      const bytes = task.binary ? Buffer.from(rec.output, 'base64') : Buffer.from(rec.output, 'utf8');
      const total = Math.round((fault.value ?? 50) * 1024 * 1024);
      const filler = Buffer.alloc(Math.max(0, total - bytes.length), `${FAULT_MESSAGE}: filler of a huge output (huge).\n`);
      const padded = Buffer.concat([bytes, filler]);
      return { ...rec, output: task.binary ? padded.toString('base64') : padded.toString('utf8') };
    }
    default:
      return rec;
  }
}

/** Base64 that no decoder should take: a character outside the alphabet in the middle, and one cut off. */
function corrupt(output: string): string {
  const mid = Math.floor(output.length / 2);
  return `${output.slice(0, mid)}*${output.slice(mid + 1, Math.max(mid + 1, output.length - 1))}`;
}

function sendStatusFault(res: ServerResponse, fault: FaultRule): void {
  const status = Number(fault.kind.slice(0, 3));
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (fault.kind.endsWith('-retry-after')) headers['Retry-After'] = String(fault.value ?? 1);
  const why: Record<number, string> = {
    401: 'missing API key',
    403: 'the API key is not accepted',
    429: 'too many requests, slow down',
    500: 'internal server error',
    502: 'bad gateway',
    503: 'the service is unavailable, try again later',
  };
  send(res, { status, headers, body: `${FAULT_MESSAGE}: HTTP ${status}, ${why[status] ?? 'error'}.\n` });
}

/**
 * Runs the inner handler with its answer held back: writeHead and end are
 * caught on the response (Node sends nothing before the first write or end,
 * so holding them holds the whole answer). Null when it answered nothing
 * (the client went away mid-upload).
 */
async function runCaptured(inner: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<Captured | null> {
  let captured: Captured | null = null;
  let status = 200;
  let headers: OutgoingHttpHeaders = {};
  const patched = res as unknown as Record<string, unknown>;
  patched.writeHead = (code: number, ...rest: unknown[]) => {
    status = code;
    const last = rest[rest.length - 1];
    if (last && typeof last === 'object') headers = { ...(last as OutgoingHttpHeaders) };
    return res;
  };
  patched.end = (body?: unknown) => {
    captured = { status, headers, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : undefined };
    return res;
  };
  try {
    await inner(req, res);
  } finally {
    delete patched.writeHead; // back to ServerResponse's own methods
    delete patched.end;
  }
  return captured;
}

function send(res: ServerResponse, answer: Captured): void {
  if (res.destroyed || res.headersSent) return;
  const body = answer.body ?? '';
  const headers = { ...answer.headers, 'Content-Length': Buffer.byteLength(body) };
  res.writeHead(answer.status, headers);
  res.end(body);
}

async function drain(req: IncomingMessage): Promise<void> {
  // A client waiting for "100 Continue" sends no body: answer at once (as the API does for a bad query).
  if (req.readableEnded || req.headers.expect?.toLowerCase() === '100-continue') return;
  await new Promise<void>((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}
