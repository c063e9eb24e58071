/**
 * Reads the entry headers of a tar stream as it goes by, skipping the file
 * bodies without looking at them. It copies what it keeps (a header split
 * across chunks, pax and GNU long-name bodies), so the caller may reuse its
 * chunk buffer as soon as push() returns: the extractor reads into one buffer
 * for the whole archive instead of allocating ~13,000 of them.
 *
 * Understands ustar, pax (path, linkpath, size) and GNU long names; refuses
 * what it does not understand (bad header checksum, old GNU sparse files,
 * multi-volume parts) rather than guess where the next header is.
 */
import { ToolchainError } from './errors.js';
import type { EntryKind } from './archive-guard.js';

export interface TarEntry {
  path: string;
  kind: EntryKind;
  linkTarget: string;
}

const BLOCK = 512;
/** Largest pax or long-name body kept (real ones are a few hundred bytes). */
const MAX_META = 1 << 20;

function text(b: Buffer, start: number, length: number): string {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

function number(b: Buffer, start: number, length: number): number {
  if (b[start] & 0x80) {
    // GNU base-256: big-endian, top bit of the first byte is the marker.
    let n = b[start] & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + b[start + i];
    return n;
  }
  const s = text(b, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = number(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function kindOf(type: string): EntryKind {
  switch (type) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '5':
    case 'D':
      return 'directory';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** pax records: "<length> <key>=<value>\n", repeated. */
function paxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < body.length) {
    const space = body.indexOf(0x20, p);
    const length = space < 0 ? NaN : Number(body.toString('ascii', p, space));
    if (!Number.isInteger(length) || length <= 0 || p + length > body.length) break;
    const record = body.toString('utf8', space + 1, p + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    p += length;
  }
  return out;
}

export class TarHeaderReader {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Body bytes still to skip (or to keep, for meta entries), padding included. */
  private skip = 0;
  private meta: { type: string; size: number; parts: Buffer[]; kept: number } | null = null;
  private next: { path?: string; linkpath?: string; size?: number } = {};
  private ended = false;
  private readonly onEntry: (entry: TarEntry) => void;

  constructor(onEntry: (entry: TarEntry) => void) {
    this.onEntry = onEntry;
  }

  /** Feeds the next bytes of the (decompressed) tar stream. Throws ToolchainError on a malformed archive. */
  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - p);
        if (this.meta && this.meta.kept < this.meta.size) {
          const keep = Math.min(n, this.meta.size - this.meta.kept);
          this.meta.parts.push(Buffer.from(chunk.subarray(p, p + keep)));
          this.meta.kept += keep;
        }
        this.skip -= n;
        p += n;
        if (this.skip === 0 && this.meta) this.finishMeta();
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - p);
      chunk.copy(this.header, this.headerFill, p, p + n);
      this.headerFill += n;
      p += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.readHeader();
      }
    }
  }

  /** The stream ended: it must not stop inside an entry. */
  end(): void {
    if (!this.ended && (this.skip > 0 || this.headerFill > 0 || this.meta)) {
      throw new ToolchainError('The archive is not a valid tar file: it ends in the middle of an entry.');
    }
  }

  private readHeader(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      // End-of-archive marker; tar stops reading here, so the rest is not extracted.
      this.ended = true;
      return;
    }
    if (!checksumOk(h)) throw new ToolchainError('The archive is not a valid tar file: a header checksum is wrong.');
    const type = String.fromCharCode(h[156]);
    const isMeta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    const size = isMeta ? number(h, 124, 12) : (this.next.size ?? number(h, 124, 12));
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
    if (isMeta) {
      if (size > MAX_META) throw new ToolchainError(`The archive is not a valid tar file: a ${size}-byte extended header.`);
      this.meta = { type, size, parts: [], kept: 0 };
      if (this.skip === 0) this.finishMeta();
      return;
    }
    if (type === 'S' || type === 'M' || type === 'V') {
      throw new ToolchainError(`The archive holds a tar entry of type '${type}' (sparse, multi-volume or volume label), which a toolchain archive never needs.`);
    }
    const ustar = h.toString('latin1', 257, 263) === 'ustar\0';
    const prefix = ustar ? text(h, 345, 155) : '';
    const name = text(h, 0, 100);
    const entry: TarEntry = {
      path: this.next.path ?? (prefix ? `${prefix}/${name}` : name),
      kind: kindOf(type),
      linkTarget: this.next.linkpath ?? text(h, 157, 100),
    };
    this.next = {};
    this.onEntry(entry);
  }

  private finishMeta(): void {
    const { type, parts } = this.meta!;
    this.meta = null;
    const body = Buffer.concat(parts);
    if (type === 'x') {
      const records = paxRecords(body);
      if (records.has('path')) this.next.path = records.get('path');
      if (records.has('linkpath')) this.next.linkpath = records.get('linkpath');
      if (records.has('size')) this.next.size = Number(records.get('size'));
    } else if (type === 'L') {
      this.next.path = text(body, 0, body.length);
    } else if (type === 'K') {
      this.next.linkpath = text(body, 0, body.length);
    }
    // 'g' (global pax header): nothing in it changes where entries land.
  }
}
