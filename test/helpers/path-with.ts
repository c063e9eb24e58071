/** A PATH that hides programs: a directory holding symlinks to just the ones named (found on this machine's PATH). */
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { findExecutable } from '../../src/common/process.js';

export async function pathWith(dir: string, programs: string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const p of programs) {
    const target = await findExecutable(p, process.env.PATH ?? '');
    if (!target) throw new Error(`${p} is not on this machine's PATH`);
    await symlink(target, path.join(dir, p));
  }
  return dir;
}
