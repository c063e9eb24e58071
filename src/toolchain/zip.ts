/**
 * Reads a zip archive's central directory (names, kinds, link targets) so the
 * entries can be checked before anything is extracted. Handles ZIP64 sizes
 * and offsets; does not extract.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ToolchainError } from './errors.js';
import type { EntryKind } from './archive-guard.js';

export interface ZipEntry {
  name: string;
  /** Other names an extractor may use for it (Info-ZIP's Unicode Path extra field); each is checked like `name`. */
  otherNames: string[];
  /** Uncompressed size, as the central directory declares it. */
  size: number;
  kind: EntryKind;
  /** For symbolic links: the target (stored as the entry's data). */
  linkTarget?: string;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX = 0xffffffff;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

function corrupt(why: string): ToolchainError {
  return new ToolchainError(`The zip archive is corrupt: ${why}.`);
}

async function centralDirectory(fh: FileHandle, size: number): Promise<{ offset: number; length: number; count: number }> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(fh, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt('no end of central directory record');
  let count = tail.readUInt16LE(at + 10);
  let length = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  if ((count === 0xffff || length === MAX || offset === MAX) && at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
    const z64 = await readAt(fh, Number(tail.readBigUInt64LE(at - 12)), 56);
    if (z64.length < 56 || z64.readUInt32LE(0) !== ZIP64_EOCD) throw corrupt('bad ZIP64 end of central directory record');
    count = Number(z64.readBigUInt64LE(32));
    length = Number(z64.readBigUInt64LE(40));
    offset = Number(z64.readBigUInt64LE(48));
  }
  if (offset + length > size) throw corrupt('central directory beyond the end of the file');
  return { offset, length, count };
}

/** Replaces 0xFFFFFFFF sizes/offset with their ZIP64 extra-field values. */
function zip64Values(extra: Buffer, values: { compressed: number; uncompressed: number; offset: number }): void {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x0001) {
      let p = i + 4;
      for (const key of ['uncompressed', 'compressed', 'offset'] as const) {
        if (values[key] === MAX && p + 8 <= i + 4 + len) {
          values[key] = Number(extra.readBigUInt64LE(p));
          p += 8;
        }
      }
      return;
    }
    i += 4 + len;
  }
}

/** Info-ZIP Unicode Path extra fields (0x7075: version, CRC of the plain name, UTF-8 name): unzip prefers them. */
function unicodePaths(extra: Buffer): string[] {
  const names: string[] = [];
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x7075 && len >= 5) names.push(extra.toString('utf8', i + 9, Math.min(i + 4 + len, extra.length)));
    i += 4 + len;
  }
  return names;
}

interface LocalHeader {
  name: Buffer;
  extra: Buffer;
  dataOffset: number;
}

async function localHeader(fh: FileHandle, offset: number): Promise<LocalHeader> {
  const local = await readAt(fh, offset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) throw corrupt('bad local file header');
  const nameLength = local.readUInt16LE(26);
  const extraLength = local.readUInt16LE(28);
  const rest = await readAt(fh, offset + 30, nameLength + extraLength);
  return { name: rest.subarray(0, nameLength), extra: rest.subarray(nameLength), dataOffset: offset + 30 + nameLength + extraLength };
}

async function linkTarget(fh: FileHandle, local: LocalHeader, method: number, compressed: number): Promise<string> {
  const data = await readAt(fh, local.dataOffset, Math.min(compressed, 65536));
  if (method === 0) return data.toString('utf8');
  if (method === 8) return inflateRawSync(data).toString('utf8');
  throw corrupt(`symbolic link stored with compression method ${method}`);
}

/** MS-DOS, OS/2 HPFS, Windows NTFS, VFAT: hosts whose attributes are DOS bits, never a Unix file type. */
const DOS_HOSTS = new Set([0, 6, 11, 14]);

/**
 * The Unix file type in an entry's external attributes, or 0. Not only Unix
 * (host 3) entries carry one: unzip takes the mode from Unix, VMS, Acorn,
 * Atari, AtheOS, BeOS, QDOS and Tandem entries alike and makes their
 * symbolic links. So every host but the DOS-like ones, whose high bits are
 * normally zero, counts; and on those a link type is believed too.
 */
function fileType(madeBy: number, mode: number, extra: Buffer): number {
  const type = (mode || asiUnixMode(extra)) & 0o170000;
  if (DOS_HOSTS.has(madeBy) && type !== 0o120000) return 0;
  return type;
}

/**
 * The mode in an "ASi Unix" extra field (0x756e: CRC, then the mode), which
 * unzip takes when the external attributes leave the mode 0; 0 when none.
 */
function asiUnixMode(extra: Buffer): number {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === 0x756e && len >= 6 && i + 10 <= extra.length) return extra.readUInt16LE(i + 8);
    i += 4 + len;
  }
  return 0;
}

/** Every entry of the zip file, in central-directory order. */
export async function readZipEntries(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const dir = await centralDirectory(fh, size);
    const buf = await readAt(fh, dir.offset, dir.length);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < dir.count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw corrupt(`bad central directory entry ${i}`);
      const madeBy = buf.readUInt16LE(p + 4) >> 8; // the host the entry was made on
      const method = buf.readUInt16LE(p + 10);
      const nameLength = buf.readUInt16LE(p + 28);
      const extraLength = buf.readUInt16LE(p + 30);
      const commentLength = buf.readUInt16LE(p + 32);
      const mode = buf.readUInt32LE(p + 38) >>> 16;
      const values = { compressed: buf.readUInt32LE(p + 20), uncompressed: buf.readUInt32LE(p + 24), offset: buf.readUInt32LE(p + 42) };
      const rawName = buf.subarray(p + 46, p + 46 + nameLength);
      const name = rawName.toString('utf8');
      const extra = buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      zip64Values(extra, values);
      p += 46 + nameLength + extraLength + commentLength;
      const local = await localHeader(fh, values.offset);
      // unzip reads both headers: a local name that differs would be a second name to check, and no zip tool writes one.
      if (!local.name.equals(rawName)) throw corrupt(`entry ${i}'s local header names another file than its central directory entry`);
      const entry = { name, otherNames: [...unicodePaths(extra), ...unicodePaths(local.extra)], size: values.uncompressed };
      const type = fileType(madeBy, mode, extra);
      if (type === 0o120000) {
        entries.push({ ...entry, kind: 'symlink', linkTarget: await linkTarget(fh, local, method, values.compressed) });
      } else if (name.endsWith('/') || type === 0o040000) {
        entries.push({ ...entry, kind: 'directory' });
      } else if (type === 0 || type === 0o100000) {
        entries.push({ ...entry, kind: 'file' });
      } else {
        entries.push({ ...entry, kind: 'other' });
      }
    }
    return entries;
  } finally {
    await fh.close();
  }
}
