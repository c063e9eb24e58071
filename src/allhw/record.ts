/**
 * Reading the service's task record: validated into TaskRecord, with
 * tolerance where the contract is vague (missing fields are null, numbers
 * sent as text are read as numbers) and a clear error where it is not.
 *
 * A finished output may be tens of MB (a board printing in a loop for its
 * whole timeout). `readTaskRecord` takes the body as bytes and, when the
 * output is plain base64, decodes it from them directly (base64.ts) and
 * JSON-parses only the rest; the base64 text is made again only if someone
 * reads `output`. Anything unusual takes the general path (the whole body as
 * text, JSON.parse), which decides what it is.
 *
 * The key: text from the body that can reach a message or a log — error
 * snippets and the record's small fields — is scrubbed of it. The output is
 * not: it is the board's bytes (the firmware never sees the key), and the
 * results store masks it before any file is written (results/store.ts).
 */
import { randomBytes } from 'node:crypto';
import { decodeBase64Parts } from './base64.js';
import { ChunkedBody } from './body.js';
import type { TaskRecord } from './contract.js';
import { AllhwError, safeSnippet, scrub } from './errors.js';

/** A task's output as bytes. */
export interface TaskOutput {
  bytes: Buffer;
  /** The service sent text rather than the base64 asked for: `bytes` is that text (UTF-8). */
  plainText: boolean;
}

/** A task record as the client read it: the output already decoded (`output` is made from `uart` when read). */
export interface TaskReading extends TaskRecord {
  readonly uart: TaskOutput | null;
}

function badRecord(where: string, why: string, text: string, secret: string): AllhwError {
  return new AllhwError(`${where} answered 200 with ${why}: '${safeSnippet(text, secret)}'`, 'bad-response', false, 200);
}

/** A timestamp as given: its format is not documented, so any JSON form is kept (non-strings as their JSON text), never refused. */
function timestamp(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function optionalInt(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Parses a `GET {base}?id=` body. `where` names the request (already
 * redacted); `secret` is scrubbed from error snippets and from every field
 * but `output`.
 */
export function parseTaskRecord(text: string, where: string, secret = ''): TaskRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw badRecord(where, 'a body that is not JSON', text, secret);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRecord(where, 'JSON that is not an object', text, secret);
  const o = data as Record<string, unknown>;
  if (typeof o.status !== 'string' || o.status === '') throw badRecord(where, 'a task record without a "status" string', text, secret);
  const field = (value: string | null): string | null => (typeof value === 'string' ? scrub(value, secret) : value);
  const record: Partial<Record<keyof TaskRecord, unknown>> = {
    status: scrub(o.status, secret),
    created: field(timestamp(o.created)),
    started: field(timestamp(o.started)),
    finished: field(timestamp(o.finished)),
    code: optionalInt(o.code),
    output: o.output === undefined || o.output === null ? null : typeof o.output === 'string' ? o.output : undefined,
    reservation: optionalInt(o.reservation),
  };
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) throw badRecord(where, `a task record whose "${field}" has an unexpected type`, text, secret);
  }
  return record as TaskRecord;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when `output` is null or well-formed base64 (whitespace ignored). */
export function isBase64Output(output: string | null): boolean {
  if (output === null) return true;
  const compact = output.replace(/\s+/g, '');
  return compact.length % 4 === 0 && BASE64.test(compact);
}

/**
 * The UART bytes of a record's output, created with binary=true (base64).
 * Should the service ever answer in plain text instead, the text is kept as
 * it is rather than decoded into garbage.
 */
export function decodeOutput(output: string | null): TaskOutput | null {
  if (output === null) return null;
  if (isBase64Output(output)) return { bytes: Buffer.from(output.replace(/\s+/g, ''), 'base64'), plainText: false };
  return { bytes: Buffer.from(output, 'utf8'), plainText: true };
}

/** Stands for the output in the JSON parsed without it: a control character and a per-process nonce, so no service sends it. */
const STAND_IN = `\u0000allhw-output-${randomBytes(8).toString('hex')}`;
const STAND_IN_JSON = Buffer.from(JSON.stringify(STAND_IN).slice(1, -1));
const OUTPUT_KEY = Buffer.from('"output"');
const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** How far into the body the `"output":"` opening is looked for: the fields before it are short. */
const HEAD = 64 * 1024;

/** Where the content of the string value after the first `"output"` is, or null (not in the head, not a string, unclosed). */
function outputSpan(body: ChunkedBody): { start: number; end: number } | null {
  const head = body.bytes(0, HEAD);
  const key = head.indexOf(OUTPUT_KEY);
  if (key < 0) return null;
  let at = key + OUTPUT_KEY.length;
  while (JSON_SPACE.has(head[at]!)) at++;
  if (head[at++] !== 0x3a /* : */) return null;
  while (JSON_SPACE.has(head[at]!)) at++;
  if (head[at++] !== 0x22 /* " */ || at > head.length) return null;
  // Base64 (and `\/`) holds no `"`: the next one closes the value; anything else is checked by the decoder.
  const end = body.indexOf(0x22, at);
  return end < 0 ? null : { start: at, end };
}

/**
 * The record with a plain base64 output, decoded from the bytes; null when the
 * body is anything else. The span found is proved to be the top-level
 * "output" value: with the stand-in in its place, the rest parses to a record
 * whose output is the stand-in.
 */
function readBase64Record(body: ChunkedBody, where: string, secret: string): TaskReading | null {
  const span = outputSpan(body);
  if (!span) return null;
  const rest = Buffer.concat([body.bytes(0, span.start), STAND_IN_JSON, body.bytes(span.end)]).toString('utf8');
  let rec: TaskRecord;
  try {
    rec = parseTaskRecord(rest, where, secret);
  } catch {
    return null; // the general path gives the error, with a snippet of the real body
  }
  if (rec.output !== STAND_IN) return null;
  const bytes = decodeBase64Parts(body.views(span.start, span.end));
  return bytes ? withOutput(rec, { bytes, plainText: false }) : null;
}

/** The reading for a record: `output` is made (once) from the bytes when read, for base64. */
function withOutput(rec: TaskRecord, uart: TaskOutput | null): TaskReading {
  const { output, ...fields } = rec;
  if (uart === null || uart.plainText) return { ...fields, output, uart };
  let base64: string | null = null;
  const reading = { ...fields, uart } as Omit<TaskReading, 'output'>;
  return Object.defineProperty(reading, 'output', { enumerable: true, get: () => (base64 ??= uart.bytes.toString('base64')) }) as TaskReading;
}

/**
 * Reads a `GET {base}?id=` body, given as bytes (see the top of this file).
 * `where` names the request (already redacted); `secret` is scrubbed as in
 * parseTaskRecord.
 */
export function readTaskRecord(body: ChunkedBody | Buffer, where: string, secret = ''): TaskReading {
  const chunked = body instanceof ChunkedBody ? body : ChunkedBody.of(body);
  const fast = readBase64Record(chunked, where, secret);
  if (fast) return fast;
  const rec = parseTaskRecord(chunked.text(), where, secret);
  return withOutput(rec, decodeOutput(rec.output));
}
