/**
 * The MLF the user named, as a directory to read: an unpacked MLF is used in
 * place; a .tar / .tar.gz / .tgz is extracted into a staging directory first.
 * Extraction refuses links, special files and paths that leave the staging
 * directory, and stops at a size cap, so a hostile tarball can neither write
 * elsewhere nor fill the disk.
 */
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { EntryGuard } from '../toolchain/index.js';
import { MlfError } from './errors.js';

/** Largest total of file sizes extracted from one tarball (letscope, a real one, holds 3 MB). */
export const MAX_EXTRACTED_BYTES = 512 * 1024 * 1024;
export const MAX_ENTRIES = 20_000;

export interface OpenedModel {
  /** The MLF's top directory (holds metadata.json). */
  dir: string;
  /** Removes what extraction wrote (nothing for a directory). */
  cleanup(): Promise<void>;
}

const TAR_USAGE =
  "Give 'model' the path of the MLF tarball that 'tvmc compile --output-format=mlf' wrote (.tar, .tar.gz or .tgz), or of the directory it unpacks to.";

async function looksLikeTar(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true; // gzip
    return bytesRead === 512 && head.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}

type TarEntry = { type: string; size?: number; linkpath?: string };

function entryKind(type: string): 'file' | 'directory' | null {
  if (type === 'File' || type === 'OldFile' || type === 'ContiguousFile') return 'file';
  if (type === 'Directory') return 'directory';
  return null;
}

/** Extracts `file` into `dir`, or throws an MlfError saying why it cannot. */
export async function extractTarball(file: string, dir: string, maxBytes = MAX_EXTRACTED_BYTES): Promise<void> {
  const guard = new EntryGuard();
  let refused: string | null = null;
  let total = 0;
  let entries = 0;
  const filter = (entryPath: string, entry: unknown): boolean => {
    if (refused) return false;
    const e = entry as TarEntry;
    const kind = entryKind(e.type);
    try {
      if (!kind)
        throw new Error(`entry '${entryPath}' is a ${e.type === 'SymbolicLink' || e.type === 'Link' ? 'link' : 'special file'}, which an MLF never holds`);
      guard.check(entryPath, kind);
    } catch (err) {
      refused = (err as Error).message.replace(/^Refused the archive: /, '').replace(/\.$/, '');
      return false;
    }
    total += e.size ?? 0;
    entries++;
    if (total > maxBytes || entries > MAX_ENTRIES) {
      const cap = maxBytes >= 1 << 20 ? `${maxBytes >> 20} MiB` : `${maxBytes} bytes`;
      refused = `it unpacks to more than ${entries > MAX_ENTRIES ? `${MAX_ENTRIES} entries` : cap}, more than any model tarball holds`;
      return false;
    }
    return true;
  };
  try {
    await tar.x({ file, cwd: dir, strict: true, filter, preservePaths: false });
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const why =
      code === 'TAR_BAD_ARCHIVE' || code === 'TAR_ABORT' || code.startsWith('Z_')
        ? 'it is damaged or truncated'
        : `it could not be read (${code || (e as Error).message})`;
    throw new MlfError('unreadable', `The model file ${file} is not a readable tar archive: ${why}. ${TAR_USAGE}`);
  }
  if (refused) throw new MlfError('unsafe', `The model tarball ${file} was refused: ${refused}.`);
}

/** Opens the MLF at `source` (tarball or directory). */
export async function openModel(source: string, stagingParent = os.tmpdir()): Promise<OpenedModel> {
  const st = await stat(source).catch(() => null);
  if (!st) throw new MlfError('unreadable', `The model file ${source} does not exist. ${TAR_USAGE}`);
  if (st.isDirectory()) return { dir: path.resolve(source), cleanup: async () => undefined };
  const isTar = await looksLikeTar(source).catch(() => false);
  if (!isTar) {
    throw new MlfError('unreadable', `The model file ${source} is not a tar archive (neither tar nor gzip data). ${TAR_USAGE}`);
  }
  const dir = await mkdtemp(path.join(stagingParent, 'allhw-mlf-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await extractTarball(source, dir);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { dir, cleanup };
}
