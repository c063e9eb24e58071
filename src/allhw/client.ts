/**
 * The All-HW CI client (the contract: contract.ts): create a task, read a task.
 * HTTP only; it knows nothing of GitHub, plans or files other than the image
 * it streams. The key is in every request's query string and in no message.
 *
 * Retries: a GET is safe to repeat. A POST is not idempotent (a repeat may
 * start a second task and spend board time), so it is repeated only when it
 * surely created nothing: the connection was refused / the name did not
 * resolve / the connect timed out (nothing was sent), or the service said
 * 429/503. The waits between attempts are bounded and abortable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Readable } from 'node:stream';
import type { Logger } from '../common/log.js';
import { ChunkedBody, readBody } from './body.js';
import { AllhwError, redactUrl, safeSnippet, scrub, SNIPPET_WINDOW } from './errors.js';
import { taskBody } from './multipart.js';
import { readTaskRecord, type TaskReading } from './record.js';

export { AllhwError, redactUrl } from './errors.js';
export { decodeOutput, parseTaskRecord, readTaskRecord, type TaskOutput, type TaskReading } from './record.js';

export interface RetryOptions {
  /** Attempts in all for a GET (first one included). */
  getAttempts: number;
  /** Attempts in all for a POST that surely created nothing. */
  postAttempts: number;
  /** First backoff wait; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer Retry-After is cut to this (the run has deadlines to keep). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  getAttempts: 5,
  postAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface AllhwClientOptions {
  baseUrl: string;
  /** Secret. */
  apiKey: string;
  timeoutS: number;
  rate: number;
  log: '0' | 'DEBUG';
  core?: string;
  logger?: Logger;
  retry?: Partial<RetryOptions>;
  /** Longest wait for a response's headers (a POST's clock starts after the upload). */
  requestTimeoutMs?: number;
}

export interface TaskImage {
  path: string;
  /** Sent as the firmware part's file name (its base name). */
  name: string;
}

/** Errors that prove the request never reached the service. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) for (const i of inner) visit(i, depth + 1);
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(err, 0);
  return codes;
}

/** True when every failure in `err` is one where no byte reached the service. */
function surelyNotSent(err: unknown): boolean {
  const codes = errorCodes(err);
  return codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c));
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  // Seconds; a fraction is not in the RFC but some servers send one.
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date names its weekday and month: Date.parse would read '-1' or '1.5.2' as a date long past (no wait at all).
  if (!/[a-z]{3}/i.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Kept as chunks: a task record's body may be tens of MB (body.ts). */
  body: ChunkedBody;
}

export class AllhwClient {
  private readonly opts: AllhwClientOptions;
  private readonly retry: RetryOptions;
  private readonly getAgent: Agent;
  /** POSTs never reuse a pooled connection: a stale one would fail after "sending", unretryable. */
  private readonly postAgent: Agent;

  constructor(opts: AllhwClientOptions) {
    this.opts = opts;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    const timeout = opts.requestTimeoutMs ?? 120_000;
    this.getAgent = new Agent({ connectTimeout: 15_000, headersTimeout: timeout, bodyTimeout: timeout });
    this.postAgent = new Agent({ connectTimeout: 15_000, headersTimeout: timeout, bodyTimeout: timeout, pipelining: 0 });
    try {
      new URL(opts.baseUrl);
    } catch {
      throw new AllhwError(`All-HW URL '${redactUrl(opts.baseUrl)}' is not a valid URL`, 'bad-response', false);
    }
  }

  /** Registers a task; resolves with its id. Never creates two tasks for one call. */
  async createTask(image: TaskImage, input: Buffer, signal?: AbortSignal): Promise<string> {
    const body = await taskBody(image.path, image.name, input);
    const url = this.url({
      key: this.opts.apiKey,
      timeout: String(this.opts.timeoutS),
      version: 'V3',
      rate: String(this.opts.rate),
      log: this.opts.log,
      binary: 'true',
      ...(this.opts.core ? { core: this.opts.core } : {}),
    });
    const what = `POST ${redactUrl(url)} (${image.name}, ${input.length} input bytes)`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.postAttempts;
      let reply: Reply;
      try {
        reply = await this.send('POST', url, signal, body.open(), {
          'content-type': body.contentType,
          'content-length': String(body.contentLength),
        });
      } catch (err) {
        if (signal?.aborted) throw this.aborted(what);
        const message = this.describe(err);
        if (surelyNotSent(err) && !last) {
          await this.wait(this.backoff(attempt), `${what} failed before sending (${message})`, attempt, signal);
          continue;
        }
        const hint = surelyNotSent(err)
          ? `after ${attempt} attempts; nothing was sent`
          : 'the request may have reached the service, so it is not repeated (a repeat could start a duplicate task)';
        throw new AllhwError(`${what} failed: ${message} (${hint})`, 'network', surelyNotSent(err));
      }
      if (reply.status === 200) {
        const id = reply.body.length > SNIPPET_WINDOW ? null : reply.body.text().trim();
        if (id === '') throw new AllhwError(`${what} answered 200 with an empty task id`, 'bad-response', false, 200);
        if (id === null || /\s/.test(id) || id.length > 200) {
          throw new AllhwError(`${what} answered 200 but the body is not a task id: '${this.snip(reply)}'`, 'bad-response', false, 200);
        }
        return id;
      }
      if (reply.status === 401 || reply.status === 403) throw this.keyRejected(what, reply);
      if ((reply.status === 429 || reply.status === 503) && !last) {
        await this.wait(this.delayFor(reply, attempt), `${what} answered ${reply.status}`, attempt, signal);
        continue;
      }
      throw new AllhwError(
        `${what} answered HTTP ${reply.status}: '${this.snip(reply)}'` + (reply.status === 429 || reply.status === 503 ? ` (after ${attempt} attempts)` : ''),
        'http',
        reply.status === 429 || reply.status >= 500,
        reply.status,
      );
    }
  }

  /** Reads a task's record (validated), its output decoded (`uart`). */
  async getTask(id: string, signal?: AbortSignal): Promise<TaskReading> {
    const url = this.url({ id });
    const what = `GET ${redactUrl(url)}`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.getAttempts;
      let failure: AllhwError;
      let delay = this.backoff(attempt);
      try {
        const reply = await this.send('GET', url, signal);
        if (reply.status === 200) {
          const rec = readTaskRecord(reply.body, what, this.opts.apiKey);
          // We ask for base64: a finished output that is not base64 was most likely garbled on the
          // way, and a GET is safe to repeat, so it is read again like any bad answer. A service
          // that truly answers in plain text answers the same every time: the last read is kept.
          if (rec.status !== 'finished' || !rec.uart?.plainText || last) return rec;
          throw new AllhwError(`${what} answered a finished task whose output is not base64 although binary=true was asked`, 'bad-response', false, 200);
        }
        if (reply.status === 401 || reply.status === 403) throw this.keyRejected(what, reply);
        const transient = reply.status === 429 || reply.status >= 500;
        failure = new AllhwError(`${what} answered HTTP ${reply.status}: '${this.snip(reply)}'`, 'http', transient, reply.status);
        delay = this.delayFor(reply, attempt);
      } catch (err) {
        if (signal?.aborted) throw this.aborted(what);
        if (err instanceof AllhwError) {
          if (err.kind === 'key-rejected') throw err;
          failure = err;
        } else {
          failure = new AllhwError(`${what} failed: ${this.describe(err)}`, 'network', true);
        }
      }
      if (!failure.transient && failure.kind !== 'bad-response') throw failure;
      if (last) {
        throw new AllhwError(`${failure.message} (after ${attempt} attempts)`, failure.kind, failure.transient, failure.status);
      }
      await this.wait(delay, failure.message, attempt, signal);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.getAgent.close(), this.postAgent.close()]);
  }

  private url(query: Record<string, string>): URL {
    const url = new URL(this.opts.baseUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  private async send(method: 'GET' | 'POST', url: URL, signal: AbortSignal | undefined, body?: Readable, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await request(url, {
      method,
      body,
      headers,
      signal,
      dispatcher: method === 'POST' ? this.postAgent : this.getAgent,
      // Close the POST's connection afterwards: it is never reused (see postAgent).
      reset: method === 'POST',
    });
    return { status: res.statusCode, headers: res.headers, body: await readBody(res.body) };
  }

  private backoff(attempt: number): number {
    return Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
  }

  private delayFor(reply: Reply, attempt: number): number {
    const asked = retryAfterMs(reply.headers['retry-after']);
    return asked === null ? this.backoff(attempt) : Math.min(asked, this.retry.maxRetryAfterMs);
  }

  private async wait(ms: number, why: string, attempt: number, signal?: AbortSignal): Promise<void> {
    this.opts.logger?.warning(`${why}; trying again in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1})`);
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw this.aborted(why);
    }
  }

  private keyRejected(what: string, reply: Reply): AllhwError {
    return new AllhwError(
      `All-HW rejected the API key (HTTP ${reply.status} to ${what}: '${this.snip(reply)}'): ` +
        "check the secret passed as 'ci-api-key' (it must be a valid key for the board kind you want)",
      'key-rejected',
      false,
      reply.status,
    );
  }

  private aborted(what: string): AllhwError {
    return new AllhwError(`${what}: cancelled`, 'aborted', false);
  }

  private describe(err: unknown): string {
    const e = err as { message?: unknown; code?: unknown };
    const codes = errorCodes(err);
    const message = typeof e?.message === 'string' && e.message ? e.message : codes.join(', ') || String(err);
    const [first] = codes;
    const code = first !== undefined && !message.includes(first) ? ` (${first})` : '';
    return scrub(`${message}${code}`, this.opts.apiKey);
  }

  /** The start of a reply's body for a message: scrubbed, one line, short (a huge body is not decoded whole). */
  private snip(reply: Reply): string {
    return safeSnippet(reply.body.text(0, SNIPPET_WINDOW + 1024), this.opts.apiKey);
  }
}
