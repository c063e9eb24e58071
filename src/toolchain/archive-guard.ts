/**
 * Keeps an archive inside its destination. Entries are checked before they
 * reach the extractor (tar: each entry as node-tar parsed it, before the
 * system tar gets it re-written; zip: from the central directory and the
 * local headers), and after extraction the whole tree is walked and every
 * symbolic link resolved on disk, which catches chains that only escape
 * once combined and anything the headers did not tell.
 */
import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ToolchainError } from './errors.js';

export class UnsafeArchiveError extends ToolchainError {
  override name = 'UnsafeArchiveError';
}

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** Path segments of an archive path, with separators of both kinds; null when it is absolute. */
function segments(p: string): string[] | null {
  if (/^[/\\]/.test(p) || /^[A-Za-z]:/.test(p)) return null;
  return p.split(/[/\\]+/).filter((s) => s !== '' && s !== '.');
}

/**
 * Checks the entries of one archive, in order. Refuses absolute paths, `..`,
 * special files, links whose target leaves the destination, and entries
 * written through a symbolic link the archive itself created.
 */
export class EntryGuard {
  /** Symbolic links seen so far (normalized paths): nothing may be written through one. */
  private readonly symlinkSet = new Set<string>();

  check(entryPath: string, kind: EntryKind, linkTarget?: string): void {
    const parts = segments(entryPath);
    const refuse = (why: string): never => {
      throw new UnsafeArchiveError(`Refused the archive: entry '${entryPath}' ${why}.`);
    };
    if (parts === null) refuse('has an absolute path');
    const safe = parts as string[];
    if (safe.includes('..')) refuse("contains '..' and would land outside the install directory");
    if (kind === 'other') refuse('is a device, FIFO or other special file');
    for (let i = 1; i < safe.length; i++) {
      const prefix = safe.slice(0, i).join('/');
      if (this.symlinkSet.has(prefix)) refuse(`is written through the symbolic link '${prefix}'`);
    }
    if (kind === 'hardlink') {
      const target = segments(linkTarget ?? '');
      if (target === null || target.length === 0 || target.includes('..')) refuse(`is a hard link to '${linkTarget}', outside the install directory`);
    }
    if (kind === 'symlink') {
      const target = linkTarget ?? '';
      if (segments(target) === null) refuse(`is a symbolic link to the absolute path '${target}'`);
      const resolved = safe.slice(0, -1);
      for (const s of segments(target) as string[]) {
        if (s !== '..') resolved.push(s);
        else if (resolved.pop() === undefined) refuse(`is a symbolic link to '${target}', outside the install directory`);
      }
      const key = safe.join('/');
      this.symlinkSet.add(key);
    }
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/**
 * After extraction, whatever the headers said: walks the whole tree and
 * refuses any symbolic link that resolves outside `dir` (a dangling one
 * must point inside too) and any special file (FIFO, socket, device).
 */
export async function checkTreeStaysInside(dir: string): Promise<void> {
  const root = await realpath(dir);
  const pending = [root];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const rel = path.relative(root, full);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink()) await checkLinkInside(root, full, rel);
      else if (!entry.isFile()) throw new UnsafeArchiveError(`Refused the archive: '${rel}' was extracted as a device, FIFO or socket.`);
    }
  }
}

async function checkLinkInside(root: string, full: string, rel: string): Promise<void> {
  let target: string;
  try {
    target = await realpath(full);
  } catch {
    const parent = await realpath(path.dirname(full)).catch(() => root);
    target = path.resolve(parent, await readlink(full));
  }
  if (!inside(root, target)) {
    throw new UnsafeArchiveError(`Refused the archive: the symbolic link '${rel}' resolves outside the install directory.`);
  }
}
