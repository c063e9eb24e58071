/**
 * What the emulated farm needs from the host: QEMU (checked when `allhw
 * serve` or an emulator-mode run starts, never at the first task; installed
 * by the run when it can) and, optionally, setpriv (serve runs without it).
 *
 * The CLI cases run the bundle (dist/cli.js: rebuild it with rollup first)
 * with a PATH made of symlinks, so that what it can see is exactly what the
 * case needs — QEMU hidden or not, apt-get there or not.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathWith as pathWithIn } from '../helpers/path-with.js';
import { memoryLogger, type MemoryLogger } from '../../src/common/log.js';
import { startServe } from '../../src/serve/server.js';
import { findExecutable } from '../../src/common/process.js';
import { exampleFirmware, REPO_ROOT, type FirmwareImages } from '../helpers/firmware.js';
import { createTask, FIXTURES, NODE, TS_NODE_ARGS, waitFinished } from './helpers.js';

let fw: FirmwareImages;
let dir: string;
const QEMU = (await findExecutable('qemu-system-arm', process.env.PATH ?? ''))!;
/** To run a case as another user: only root can. */
const setpriv = process.getuid?.() === 0 ? await findExecutable('setpriv', process.env.PATH ?? '') : null;

beforeAll(async () => {
  fw = await exampleFirmware('mps2_an500');
  dir = await mkdtemp(path.join(os.tmpdir(), 'qemu-setup-'));
  await chmod(dir, 0o755); // the non-root case reads from here
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A PATH directory of symlinks to just these programs: everything else is hidden. */
const pathWith = (name: string, programs: string[]): Promise<string> => pathWithIn(path.join(dir, name), programs);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = dir): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One task of the example firmware that ends with #exit: its code. */
async function oneTask(url: string): Promise<number | null> {
  const input = `${await readFile(path.join(REPO_ROOT, 'examples/synth/inputs/input-00.txt'), 'utf8')}#exit\n`;
  const record = await waitFinished(url, await createTask(url, fw.elf, input, { timeout: 20 }));
  return record.code;
}

const debugLines = (log: MemoryLogger): string[] => log.lines.filter((l) => l.startsWith('debug:'));

describe('allhw serve without QEMU', () => {
  it('exits 1 at start, before listening, saying what to install', async () => {
    const empty = await pathWith('serve-empty', []);
    const r = await runProcess(NODE, [...TS_NODE_ARGS, path.join(FIXTURES, 'serve-main.ts'), '--port', '0'], { PATH: empty });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('listening');
    expect(r.stderr.trim()).toBe(
      'error: allhw serve needs qemu-system-arm, which is not on PATH. ' +
        'Install it (Debian/Ubuntu: apt-get install qemu-system-arm; macOS: brew install qemu), or pass its path with --qemu.',
    );
  });

  it('--qemu naming a missing program: exits 1 at start too', async () => {
    const r = await runProcess(NODE, [...TS_NODE_ARGS, path.join(FIXTURES, 'serve-main.ts'), '--port', '0', '--qemu', '/nonexistent/qemu'], {
      PATH: process.env.PATH,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: serve: cannot run \/nonexistent\/qemu \(not found\): install QEMU's Arm system emulator/);
  });
});

describe('serve without a usable setpriv', () => {
  it('setpriv: false runs QEMU directly, says so at debug level, and tasks run', async () => {
    const log = memoryLogger();
    const serve = await startServe({ port: 0, boards: 1, bootMs: 0, flashMsPerKiB: 0, setpriv: false, log });
    try {
      expect(await oneTask(serve.url)).toBe(0);
    } finally {
      await serve.close();
    }
    expect(debugLines(log)).toContain(
      'debug: serve: setpriv not used (turned off); QEMU runs without it: close() and SIGINT/SIGTERM stop it, a SIGKILL of the server would not',
    );
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual([]);
  });

  it('no setpriv on PATH (macOS, minimal images): falls back with a debug line, no warning', async () => {
    const onlyQemu = await pathWith('serve-only-qemu', ['qemu-system-arm']);
    const log = memoryLogger();
    const saved = process.env.PATH;
    process.env.PATH = onlyQemu; // startServe looks setpriv up on this process's PATH
    let serve;
    try {
      serve = await startServe({ port: 0, boards: 1, bootMs: 0, flashMsPerKiB: 0, qemuPath: QEMU, log });
    } finally {
      process.env.PATH = saved;
    }
    try {
      expect(await oneTask(serve.url)).toBe(0);
    } finally {
      await serve.close();
    }
    expect(debugLines(log).find((l) => l.includes('setpriv'))).toMatch(/^debug: serve: setpriv --pdeathsig cannot be used \(not found\); QEMU runs without it/);
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toEqual([]);
  });

  it('a setpriv without --pdeathsig (util-linux < 2.33): not used, so tasks do not all fail with 255', async () => {
    // What util-linux 2.31's setpriv (Ubuntu 18.04) answers: --version works, --pdeathsig does not.
    const old = path.join(dir, 'old-setpriv');
    await writeFile(
      old,
      '#!/bin/sh\n' +
        'if [ "$1" = --version ]; then echo "setpriv from util-linux 2.31.1"; exit 0; fi\n' +
        `echo "setpriv: unrecognized option '$1'" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const log = memoryLogger();
    const serve = await startServe({ port: 0, boards: 1, bootMs: 0, flashMsPerKiB: 0, setpriv: old, log });
    try {
      expect(await oneTask(serve.url)).toBe(0);
    } finally {
      await serve.close();
    }
    expect(log.lines).toContain(
      `warning: serve: ${old} --pdeathsig cannot be used (exit 1: setpriv: unrecognized option '--pdeathsig'); QEMU runs without it: close() and SIGINT/SIGTERM stop it, a SIGKILL of the server would not`,
    );
  });

  it('where setpriv works (this Linux host), it is used: no fallback line', async () => {
    const log = memoryLogger();
    const serve = await startServe({ port: 0, boards: 1, log });
    await serve.close();
    expect(log.lines.filter((l) => l.includes('setpriv'))).toEqual([]);
  });
});

describe('allhw run --mode emulator and QEMU (dist/cli.js)', () => {
  const inputs = path.join(REPO_ROOT, 'examples/synth/inputs/input-0[01].txt');
  const runArgs = (resultsDir: string): string[] => [
    path.join(REPO_ROOT, 'dist/cli.js'),
    'run',
    '--mode',
    'emulator',
    '--toolchain',
    'none',
    '--build-system',
    'none',
    '--image',
    fw.elf,
    '--inputs',
    inputs,
    '--golden',
    path.join(REPO_ROOT, 'examples/synth/golden.json'),
    '--exit-line',
    '#exit',
    '--results-dir',
    resultsDir,
  ];
  const MESSAGE_START = "mode 'emulator' needs qemu-system-arm, which is not on PATH, and this runner cannot install OS packages: ";
  const ADVICE = ". Install it (Debian/Ubuntu: apt-get install qemu-system-arm; macOS: brew install qemu), or give 'ci-api-key' to run on All-HW.";

  it('finds QEMU on PATH (and nothing else there, not even setpriv) and runs the inputs', async () => {
    const onlyQemu = await pathWith('cli-only-qemu', ['qemu-system-arm']);
    const r = await runProcess(NODE, runArgs(path.join(dir, 'results-found')), { PATH: onlyQemu, HOME: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 inputs: 2 passed, 0 failed, 0 errors');
  }, 120_000);

  it('QEMU hidden and no apt-get: fails before the toolchain and the build, saying what to install', async () => {
    const empty = await pathWith('cli-empty', []);
    const results = path.join(dir, 'results-missing');
    const r = await runProcess(NODE, runArgs(results), { PATH: empty, HOME: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${MESSAGE_START}no apt-get on PATH${ADVICE}`);
    expect(r.stdout).not.toContain('== Toolchain');
    const json = JSON.parse(await readFile(path.join(results, 'results.json'), 'utf8'));
    expect(json.error).toBe(`${MESSAGE_START}no apt-get on PATH${ADVICE}`);
  }, 60_000);

  it.skipIf(!setpriv)(
    'not root, apt-get there but no sudo: cannot install, and says why',
    async () => {
      const aptOnly = await pathWith('cli-apt-only', ['apt-get']);
      const work = path.join(dir, 'nobody');
      await mkdir(work);
      await chown(work, 65534, 65534);
      // The run as user nobody (65534), as a self-hosted runner without sudo would be.
      const r = await runProcess(
        setpriv!,
        ['--reuid=65534', '--regid=65534', '--clear-groups', '--', NODE, ...runArgs(path.join(work, 'results'))],
        { PATH: aptOnly, HOME: work },
        work,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: ${MESSAGE_START}not root, and no sudo on PATH${ADVICE}`);
    },
    60_000,
  );
});
