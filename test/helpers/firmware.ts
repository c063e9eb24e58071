/**
 * Builds the example firmware (examples/synth) once per board and shares the
 * result between test files and vitest workers (a directory lock guards it).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/synth');
export const WORK_DIR = path.join(REPO_ROOT, '.test-work');
export const FIRMWARE_DIR = path.join(REPO_ROOT, 'firmware');

/**
 * A private copy of the example project under root, for runs that build it
 * in <project>/build without sharing a build directory: root/examples/synth
 * and the firmware/ it builds from (root/firmware), without build outputs.
 * Returns the project directory.
 */
export async function copyExampleProject(root: string): Promise<string> {
  const project = path.join(root, 'examples', 'synth');
  const notBuilt = (from: string) => (src: string) => !/^build/.test(path.relative(from, src).split(path.sep).pop() ?? '');
  await cp(EXAMPLE_DIR, project, { recursive: true, filter: notBuilt(EXAMPLE_DIR) });
  await cp(FIRMWARE_DIR, path.join(root, 'firmware'), { recursive: true, filter: notBuilt(FIRMWARE_DIR) });
  return project;
}

export interface FirmwareImages {
  dir: string;
  elf: string;
  hex: string;
}

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(WORK_DIR, { recursive: true });
  const lock = path.join(WORK_DIR, `${name}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 5 minutes was left by a killed worker.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* it went away meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The example firmware for a board (built on first use, from the current sources). */
export async function exampleFirmware(board: 'mps2_an500' | 'f746_disco' = 'mps2_an500'): Promise<FirmwareImages> {
  const dir = path.join(WORK_DIR, `synth-${board}`);
  return withLock(`synth-${board}`, async () => {
    // cmake --build is incremental: cheap when the sources did not change.
    if (!existsSync(path.join(dir, 'CMakeCache.txt'))) {
      await run('cmake', ['-S', EXAMPLE_DIR, '-B', dir, `-DBOARD=${board}`], { maxBuffer: 1 << 26 });
    }
    await run('cmake', ['--build', dir], { maxBuffer: 1 << 26 });
    return { dir, elf: path.join(dir, 'synth.elf'), hex: path.join(dir, 'synth.hex') };
  });
}
