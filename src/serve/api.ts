/**
 * The HTTP face of the emulated farm: All-HW's CI API, one path and two
 * verbs (the contract as this repository keeps it: src/allhw/contract.ts). Every request goes through the one
 * handler this module makes, so a later layer (fault injection) can wrap it.
 * Answers that are not 200 carry a plain-text message saying what was wrong
 * and how to fix it; none of them ever repeats the key.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { API_VERSION, PART_FIRMWARE, PART_INPUT, USERTASK_PATH } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import { mib, TASK_FILES, type Farm, type TaskParams } from './farm.js';
import { ImageError, inspectImage } from './image.js';
import { RecordBodies } from './record-bodies.js';
import { MultipartError, multipartBoundary, readMultipart, type PartSink } from './multipart.js';
import { formatSize } from '../common/text.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What a POST without `timeout` / `rate` gets (All-HW's own clients default to these). */
export const DEFAULT_TIMEOUT_S = 20;
export const DEFAULT_BAUD = 115200;
export const MAX_TIMEOUT_S = 3600;
export const MIN_BAUD = 300;
export const MAX_BAUD = 4_000_000;
/** Room in a POST body beyond the firmware and input limits: part headers, boundaries, small extra fields. */
export const FORM_OVERHEAD_BYTES = 1024 * 1024;
/**
 * After an early answer (4xx before the body was read), this much more of
 * the body is read and dropped, for at most DRAIN_MS, so that the client,
 * still sending, gets to read the answer; then the connection is closed.
 */
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 5000;

export interface ApiOptions {
  farm: Farm;
  /** Accepted keys; empty: any key (or none) is accepted. */
  keys: ReadonlySet<string>;
  maxImageBytes: number;
  maxInputBytes: number;
  log: Logger;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function createApiHandler(opts: ApiOptions): RequestHandler {
  const bodies = new RecordBodies(opts.farm);
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://serve.invalid');
    opts.log.debug(`${req.method} ${url.pathname}`); // never the query: it holds the key
    try {
      if (url.pathname !== USERTASK_PATH && url.pathname !== `${USERTASK_PATH}/`) {
        throw new HttpError(404, `No such endpoint: ${url.pathname}. The CI API is at ${USERTASK_PATH} (POST to create a task, GET ?id= to read one).`);
      }
      if (req.method === 'POST') return await createTask(opts, req, res, url.searchParams);
      if (req.method === 'GET' || req.method === 'HEAD') return await readTask(opts, bodies, res, url.searchParams);
      res.setHeader('Allow', 'GET, HEAD, POST');
      throw new HttpError(405, `Method ${req.method} is not allowed on ${USERTASK_PATH}: POST creates a task, GET ?id= reads one.`);
    } catch (err) {
      if (req.method === 'POST' && !req.complete) drainThenClose(req);
      if (err instanceof HttpError) return sendText(res, err.status, err.message);
      opts.log.error(`serve: ${req.method} ${url.pathname} failed: ${(err as Error).stack ?? err}`);
      return sendText(res, 500, `Internal error of the emulated service: ${(err as Error).message}`);
    }
  };
}

async function readTask(opts: ApiOptions, bodies: RecordBodies, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const id = query.get('id')?.trim();
  if (!id) throw new HttpError(400, 'Missing task id: read a task with GET ?id=<the id that POST answered>.');
  const task = opts.farm.get(id);
  if (!task) throw new HttpError(404, `Unknown task id ${JSON.stringify(id.slice(0, 64))}: no task with this id was created on this service.`);
  const body = await bodies.body(task);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** Query checks come before the upload: a bad request is refused without reading the image. */
function parseCreateQuery(opts: ApiOptions, query: URLSearchParams): Omit<TaskParams, 'firmwareName' | 'firmwareBytes' | 'inputBytes'> {
  if (opts.keys.size > 0) {
    const key = query.get('key');
    if (!key) throw new HttpError(401, 'Missing API key: add ?key=<your All-HW API key> to the POST URL.');
    if (!opts.keys.has(key))
      throw new HttpError(403, 'Unknown API key: this service does not accept the key sent (check the key the server was started with).');
  }
  const version = query.get('version');
  if (version !== null && version !== API_VERSION) {
    throw new HttpError(
      400,
      `Unsupported version ${JSON.stringify(version)}: this service speaks version=${API_VERSION} (V4, with a config part, is for Arm virtual hardware).`,
    );
  }
  const timeoutS = wholeNumber(query, 'timeout', DEFAULT_TIMEOUT_S, 1, MAX_TIMEOUT_S, 'seconds');
  const baud = wholeNumber(query, 'rate', DEFAULT_BAUD, MIN_BAUD, MAX_BAUD, 'baud');
  const binaryRaw = query.get('binary');
  let binary = false;
  if (binaryRaw !== null && binaryRaw !== '') {
    if (/^(true|1)$/i.test(binaryRaw)) binary = true;
    else if (!/^(false|0)$/i.test(binaryRaw))
      throw new HttpError(400, `Bad binary=${JSON.stringify(binaryRaw)}: use binary=true for base64 output, or leave it out for plain text.`);
  }
  return { timeoutS, baud, binary, core: query.get('core'), log: query.get('log') };
}

function wholeNumber(query: URLSearchParams, name: string, fallback: number, min: number, max: number, unit: string): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(400, `Bad ${name}=${JSON.stringify(raw.slice(0, 32))}: expected a whole number of ${unit} from ${min} to ${max}.`);
  }
  return value;
}

async function createTask(opts: ApiOptions, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const base = parseCreateQuery(opts, query);
  const boundary = requestBoundary(req);
  if (!boundary) {
    throw new HttpError(
      400,
      `Expected a multipart/form-data body with the parts "${PART_FIRMWARE}" and "${PART_INPUT}" (e.g. curl -F ${PART_FIRMWARE}=@fw.elf -F ${PART_INPUT}=@input.txt).`,
    );
  }
  const maxBody = opts.maxImageBytes + opts.maxInputBytes + FORM_OVERHEAD_BYTES;
  const tooLarge = (): HttpError =>
    new HttpError(
      413,
      `The request body is larger than this service's limit of ${mib(maxBody)} (the firmware and input limits, the server's --max-image-mb and --max-input-mb flags, plus ${mib(FORM_OVERHEAD_BYTES)} for the form itself).`,
    );
  if (Number(req.headers['content-length']) > maxBody) throw tooLarge();
  if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();

  const { id, dir } = await opts.farm.prepareTask();
  const sinks = new Map<string, FileSink>();
  let firmwareName: string | null = null;
  try {
    // destroyOnReturn false: when a part is refused mid-body, the socket stays
    // up so the client gets the answer while the rest is read and discarded.
    await readMultipart(capped(req.iterator({ destroyOnReturn: false }), maxBody, tooLarge), boundary, (part) => {
      if (part.name !== PART_FIRMWARE && part.name !== PART_INPUT) return null; // unknown parts are ignored
      if (sinks.has(part.name)) throw new HttpError(400, `The part "${part.name}" was sent twice: send one "${PART_FIRMWARE}" and one "${PART_INPUT}".`);
      const isFirmware = part.name === PART_FIRMWARE;
      if (isFirmware) firmwareName = part.filename ? path.basename(part.filename) : null;
      const sink = new FileSink(
        path.join(dir, isFirmware ? TASK_FILES.firmware : TASK_FILES.input),
        isFirmware ? opts.maxImageBytes : opts.maxInputBytes,
        isFirmware ? 'firmware image' : 'input',
        isFirmware ? '--max-image-mb' : '--max-input-mb',
      );
      sinks.set(part.name, sink);
      return sink;
    });
    for (const name of [PART_FIRMWARE, PART_INPUT]) {
      if (!sinks.has(name)) {
        const hint = name === PART_INPUT ? ' (send an empty file when the firmware needs no input)' : '';
        throw new HttpError(400, `Missing multipart part "${name}"${hint}: a task needs a "${PART_FIRMWARE}" and an "${PART_INPUT}" part.`);
      }
    }
    const firmware = sinks.get(PART_FIRMWARE)!;
    if (firmware.bytes === 0) throw new HttpError(400, `The "${PART_FIRMWARE}" part is empty: send the .elf or .hex image file.`);
    // Checked now, not when a board is free: an image that cannot run is answered at once (255, with the reason).
    const refusal = await inspectImage(path.join(dir, TASK_FILES.firmware)).then(
      () => undefined,
      (e: unknown) => (e instanceof ImageError ? e.message : Promise.reject(e)),
    );
    opts.farm.submit(id, dir, { ...base, firmwareName, firmwareBytes: firmware.bytes, inputBytes: sinks.get(PART_INPUT)!.bytes }, refusal);
  } catch (err) {
    await Promise.all([...sinks.values()].map((s) => s.abandon()));
    await opts.farm.discard(dir);
    if (clientGone(req)) {
      opts.log.debug(`upload of a task interrupted: ${(err as Error).message}`);
      return; // the client went away mid-upload: nobody to answer
    }
    if (err instanceof MultipartError) throw new HttpError(400, `Malformed multipart body: ${err.message}.`);
    throw err;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(id) });
  res.end(id); // no newline: All-HW's TVM client uses the body as the id without trimming
}

/** The body's boundary from Content-Type; a boundary RFC 2046 forbids is a 400 saying why. */
function requestBoundary(req: IncomingMessage): string | null {
  try {
    return multipartBoundary(req.headers['content-type']);
  } catch (err) {
    if (err instanceof MultipartError) throw new HttpError(400, `Malformed multipart body: ${err.message}.`);
    throw err;
  }
}

/** The body, refused (by `tooLarge`) once it passes `limit` bytes, whatever its parts say. */
async function* capped(body: AsyncIterable<Buffer>, limit: number, tooLarge: () => Error): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > limit) throw tooLarge();
    yield chunk;
  }
}

/**
 * Whether the client hung up before sending its whole request. Not
 * `req.destroyed`: a request read to its end is destroyed too (autoDestroy),
 * and its sender is waiting for the answer.
 */
function clientGone(req: IncomingMessage): boolean {
  return !req.complete && (req.destroyed || req.socket.destroyed);
}

/**
 * The answer is known before the body was read to its end: drop what the
 * client still sends (up to DRAIN_BYTES, for DRAIN_MS), so that it reads the
 * answer instead of blocking on a full socket, then close the connection.
 * No `Connection: close` on the answer: Node would close the socket as soon
 * as the answer is out, and closing with unread bytes makes the kernel reset
 * the connection, which destroys the answer before the client reads it.
 */
function drainThenClose(req: IncomingMessage): void {
  let left = DRAIN_BYTES;
  const hangUp = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(hangUp, DRAIN_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) hangUp();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** A part streamed to a file, with backpressure and a size limit. */
class FileSink implements PartSink {
  bytes = 0;
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private readonly limit: number;
  private readonly what: string;
  private readonly flag: string;

  constructor(file: string, limit: number, what: string, flag: string) {
    this.limit = limit;
    this.what = what;
    this.flag = flag;
    this.stream = createWriteStream(file);
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      throw new HttpError(413, `The ${this.what} is larger than this service's limit of ${formatSize(this.limit, 'MiB', 2)} (the server's ${this.flag} flag).`);
    }
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.end(() => (this.failure ? reject(this.failure) : resolve()));
    });
  }

  async abandon(): Promise<void> {
    if (this.stream.closed) return;
    this.stream.destroy();
    await once(this.stream, 'close').catch(() => undefined);
  }
}

function sendText(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = message + '\n';
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
