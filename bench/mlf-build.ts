/**
 * Generating and building letscope.tar (a real MLF, 2 MB of generated C)
 * with the CLI bundle, as a user would: `allhw generate` then `allhw build`
 * for f746_disco, three times into the same directory:
 *   cold  a fresh directory (CMake configures, every object compiles);
 *   warm  the same tarball again: generate rewrites no file, so the build
 *         must compile nothing;
 *   touch default_lib0.c's content changed by generate from another tarball
 *         that differs in one file: only that object recompiles.
 * Prints seconds, files written by generate and objects compiled (counted in
 * the build log). Asserts nothing.
 *
 * Run: npm run bench -- mlf-build   (bundles dist/cli.js first)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = process.env.ALLHW_CLI ?? path.join(ROOT, 'dist/cli.js');
const LETSCOPE = path.join(ROOT, 'examples/mlf/letscope.tar');

const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-mlf-bench-'));
const project = path.join(work, 'project');
const results = path.join(work, 'results');

/** A copy of letscope whose default_lib0.c differs by a comment: what a recompiled model with one changed file looks like. */
async function oneFileChanged(): Promise<string> {
  const dir = path.join(work, 'changed');
  await tar.x({ file: LETSCOPE, cwd: await mkdirp(dir) });
  const lib0 = path.join(dir, 'codegen/host/src/default_lib0.c');
  await writeFile(lib0, `/* recompiled */\n${await readFile(lib0, 'utf8')}`);
  const file = path.join(work, 'changed.tar');
  await tar.c({ file, cwd: dir }, ['.']);
  return file;
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

async function round(label: string, model: string): Promise<void> {
  const began = performance.now();
  const gen = await run(process.execPath, [CLI, 'generate', '--model', model, '--board', 'f746_disco', '--out', project]);
  const generated = performance.now();
  await run(process.execPath, [CLI, 'build', '--project-dir', project, '--board', 'f746_disco', '--results-dir', results], { maxBuffer: 1 << 26 });
  const built = performance.now();
  const log = await readFile(path.join(results, 'logs/build.log'), 'utf8');
  const compiled = (log.match(/Building C object/g) ?? []).length;
  const written = /(\d+) file\(s\) written/.exec(gen.stdout)?.[1] ?? '?';
  console.log(
    `${label.padEnd(6)} generate ${((generated - began) / 1000).toFixed(2).padStart(6)} s (${written.padStart(3)} files written)  ` +
      `build ${((built - generated) / 1000).toFixed(2).padStart(6)} s (${String(compiled).padStart(2)} objects compiled)  total ${((built - began) / 1000).toFixed(2)} s`,
  );
}

try {
  console.log(`letscope.tar → f746_disco with ${CLI}; work dir ${work}`);
  await round('cold', LETSCOPE);
  await round('warm', LETSCOPE);
  await round('touch', await oneFileChanged());
} finally {
  await rm(work, { recursive: true, force: true });
}
