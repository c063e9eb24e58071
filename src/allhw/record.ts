/**
 * Reading the service's task record: validated into TaskRecord, with
 * tolerance where the contract is vague (missing fields are null, numbers
 * sent as text are read as numbers) and a clear error where it is not.
 */
import type { TaskRecord } from './contract.js';
import { AllhwError, snippet } from './errors.js';

function badRecord(where: string, why: string, text: string): AllhwError {
  return new AllhwError(`${where} answered 200 with ${why}: '${snippet(text)}'`, 'bad-response', false, 200);
}

function optionalString(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function optionalInt(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Parses a `GET {base}?id=` body. `where` names the request (already redacted). */
export function parseTaskRecord(text: string, where: string): TaskRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw badRecord(where, 'a body that is not JSON', text);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRecord(where, 'JSON that is not an object', text);
  const o = data as Record<string, unknown>;
  if (typeof o.status !== 'string' || o.status === '') throw badRecord(where, 'a task record without a "status" string', text);
  const record: Partial<Record<keyof TaskRecord, unknown>> = {
    status: o.status,
    created: optionalString(o.created),
    started: optionalString(o.started),
    finished: optionalString(o.finished),
    code: optionalInt(o.code),
    output: o.output === undefined || o.output === null ? null : typeof o.output === 'string' ? o.output : undefined,
    reservation: optionalInt(o.reservation),
  };
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) throw badRecord(where, `a task record whose "${field}" has an unexpected type`, text);
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
export function decodeOutput(output: string | null): { bytes: Buffer; plainText: boolean } | null {
  if (output === null) return null;
  if (isBase64Output(output)) return { bytes: Buffer.from(output.replace(/\s+/g, ''), 'base64'), plainText: false };
  return { bytes: Buffer.from(output, 'utf8'), plainText: true };
}
