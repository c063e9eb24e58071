/** Shared bits of the build tests: fixture copies in temp dirs, the system toolchain. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Toolchain } from '../../src/toolchain/types.js';
import { copyExampleProject } from '../helpers/firmware.js';

export const run = promisify(execFile);
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const REPO_ROOT = path.resolve(FIXTURES, '../../..');

export const SYSTEM_TOOLCHAIN: Toolchain = { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null };

const made: string[] = [];

export async function tempDir(prefix = 'allhw-build-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A fresh copy of the fixtures (projects refer to ../common); returns the named project's path. */
export async function fixture(name: string): Promise<{ project: string; root: string; results: string }> {
  const root = await tempDir();
  await cp(FIXTURES, path.join(root, 'fixtures'), { recursive: true });
  return { project: path.join(root, 'fixtures', name), root, results: path.join(root, 'results') };
}

/** A fresh copy of examples/synth without any build output. */
export async function exampleCopy(): Promise<{ project: string; results: string }> {
  const root = await tempDir('allhw-synth-');
  return { project: await copyExampleProject(root), results: path.join(root, 'results') };
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** `arm-none-eabi-size` (Berkeley) figures of a file. */
export async function berkeleySize(file: string): Promise<{ text: number; data: number; bss: number }> {
  const { stdout } = await run('arm-none-eabi-size', [file]);
  // The second line holds the figures: text data bss dec hex filename.
  const [text, data, bss] = (stdout.trim().split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
  if (text === undefined || data === undefined || bss === undefined) throw new Error(`arm-none-eabi-size ${file} printed no figures`);
  return { text, data, bss };
}

/** `arm-none-eabi-size -A` section sizes. */
export async function sysvSections(file: string): Promise<Record<string, number>> {
  const { stdout } = await run('arm-none-eabi-size', ['-A', file]);
  const sections: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const [, name, size] = /^(\.\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line) ?? [];
    if (name !== undefined) sections[name] = Number(size);
  }
  return sections;
}
