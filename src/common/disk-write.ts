/**
 * Writing files that must survive a full disk as well as they can: a file is
 * either whole or says it was cut, no temp file is left behind, and the error
 * names the file and how much space it needed.
 */
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A write that failed; the message names the file, the bytes it needed and why. */
export class FileWriteError extends Error {
  readonly file: string;
  readonly bytes: number;
  readonly code: string | undefined;
  constructor(file: string, bytes: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'ENOSPC' ? 'the disk is full' : cause.code === 'EDQUOT' ? 'the disk quota is used up' : cause.message;
    const hint = cause.code === 'ENOSPC' || cause.code === 'EDQUOT' ? `; free at least ${bytes} bytes on that disk or set results-dir to another one` : '';
    super(`could not write ${path.basename(file)} (${bytes} bytes) in ${path.dirname(file)}: ${why}${hint}`);
    this.name = 'FileWriteError';
    this.file = file;
    this.bytes = bytes;
    this.code = cause.code;
  }
}

const isFull = (e: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException).code ?? '');

let tmpCount = 0;

/**
 * Replaces `file` by `data` through a temp file and a rename, so a reader
 * never sees half of it. When the disk has no room for the temp copy beside
 * the old file, the old file is overwritten in place instead (its space is
 * then reused): newer data beats an older whole copy.
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const bytes = Buffer.byteLength(data);
  const tmp = `${file}.${process.pid}.${++tmpCount}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
    return;
  } catch (e) {
    await rm(tmp, { force: true });
    if (!isFull(e)) throw new FileWriteError(file, bytes, e as NodeJS.ErrnoException);
  }
  try {
    await writeFile(file, data);
  } catch (e) {
    throw new FileWriteError(file, bytes, e as NodeJS.ErrnoException);
  }
}

/** What ends a log that could not be written whole. */
export function cutMarker(written: number, total: number): Buffer {
  return Buffer.from(`\n[allhw-ci: this log was cut after ${written} of ${total} bytes: the disk was full]\n`);
}

/**
 * Writes a log: whole, or, when the disk fills up part way, what fit followed
 * by a line that says it was cut (written over the log's own last bytes,
 * whose space the file already holds). Throws a FileWriteError either way
 * when it could not write it whole.
 */
export async function writeLogFile(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, 'w').catch((e: NodeJS.ErrnoException) => {
    throw new FileWriteError(file, data.length, e);
  });
  let written = 0;
  try {
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, written);
      written += bytesWritten;
    }
  } catch (e) {
    if (isFull(e)) await markCut(handle, written, data.length);
    throw new FileWriteError(file, data.length, e as NodeJS.ErrnoException);
  } finally {
    await handle.close();
  }
}

async function markCut(handle: import('node:fs/promises').FileHandle, written: number, total: number): Promise<void> {
  let marker = cutMarker(written, total);
  const at = Math.max(0, written - marker.length);
  marker = cutMarker(at, total);
  try {
    await handle.truncate(at);
    await handle.write(marker, 0, marker.length, at);
  } catch {
    // Not even the marker fits where the log was: leave it empty rather than
    // pass a cut log off as whole.
    await handle.truncate(0).catch(() => undefined);
  }
}
