/**
 * ensureCommand: a program found on the search path, a clear error naming
 * what to install when it is missing and cannot be installed, and (where
 * this machine can run apt-get as root) a real install of a tiny package.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathWith as pathWithIn } from '../helpers/path-with.js';
import { memoryLogger } from '../../src/common/log.js';
import { aptRunner, ensureCommand, OsPackageError, type EnsureCommandOptions } from '../../src/common/os-packages.js';
import { findExecutable } from '../../src/common/process.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'os-packages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A PATH directory of symlinks to just these programs: everything else is hidden. */
const pathWith = (name: string, programs: string[]): Promise<string> => pathWithIn(path.join(dir, name), programs);

function qemu(overrides: Partial<EnsureCommandOptions>): EnsureCommandOptions {
  return {
    command: 'qemu-system-arm',
    packages: ['qemu-system-arm'],
    otherHints: ['macOS: brew install qemu'],
    why: "mode 'emulator'",
    otherwise: "give 'ci-api-key' to run on All-HW",
    allowInstall: true,
    searchPath: process.env.PATH ?? '',
    platform: 'linux',
    log: memoryLogger(),
    ...overrides,
  };
}

describe('ensureCommand', () => {
  it('returns the program found on the search path, installing nothing', async () => {
    const bin = await pathWith('found', ['qemu-system-arm']);
    const log = memoryLogger();
    expect(await ensureCommand(qemu({ searchPath: `/nonexistent:${bin}`, log }))).toBe(path.join(bin, 'qemu-system-arm'));
    expect(log.lines.filter((l) => !l.startsWith('debug:'))).toEqual([]);
  });

  it('missing and not allowed to install: names the package and the alternative', async () => {
    const empty = await pathWith('empty', []);
    const err = await ensureCommand(qemu({ searchPath: empty, allowInstall: false })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsPackageError);
    expect((err as Error).message).toBe(
      "mode 'emulator' needs qemu-system-arm, which is not on PATH. " +
        "Install it (Debian/Ubuntu: apt-get install qemu-system-arm; macOS: brew install qemu), or give 'ci-api-key' to run on All-HW.",
    );
  });

  it('missing, and no apt-get to install it with: says why it cannot install', async () => {
    const empty = await pathWith('no-apt', []);
    await expect(ensureCommand(qemu({ searchPath: empty }))).rejects.toThrow(
      /^mode 'emulator' needs qemu-system-arm, which is not on PATH, and this runner cannot install OS packages: no apt-get on PATH\. Install it \(Debian\/Ubuntu: apt-get install qemu-system-arm; macOS: brew install qemu\), or give 'ci-api-key' to run on All-HW\.$/,
    );
  });

  it('missing on macOS: installing is not automated there, and the brew hint is given', async () => {
    const empty = await pathWith('mac', []);
    await expect(ensureCommand(qemu({ searchPath: empty, platform: 'darwin' }))).rejects.toThrow(
      /cannot install OS packages: installing them is automated only on Linux with apt-get \(this is darwin\)\. Install it \(.*macOS: brew install qemu\)/,
    );
  });
});

const isRoot = process.getuid?.() === 0;
const hasApt = (await findExecutable('apt-get', process.env.PATH ?? '')) !== null;

describe.skipIf(!isRoot || !hasApt || process.platform !== 'linux')('ensureCommand installing with apt-get (root here)', () => {
  // GNU hello: a ~50 KB package that depends on libc only, so installing it changes nothing else.
  const PACKAGE = 'hello';
  const purge = (): Promise<unknown> =>
    run('apt-get', ['purge', '-y', '-q', '-o', 'DPkg::Lock::Timeout=120', PACKAGE], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

  beforeAll(purge, 120_000);
  afterAll(purge, 120_000);

  it('as root, apt-get runs without sudo', async () => {
    expect(await aptRunner(process.env.PATH ?? '', 'linux')).toEqual({ apt: await findExecutable('apt-get', process.env.PATH ?? ''), prefix: [] });
  });

  it('installs the package without recommends, logs what was installed, and returns the program', async () => {
    expect(await findExecutable('hello', process.env.PATH ?? '')).toBeNull();
    const log = memoryLogger();
    const found = await ensureCommand({
      command: 'hello',
      packages: [PACKAGE],
      why: 'this test',
      otherwise: 'skip it',
      allowInstall: true,
      searchPath: process.env.PATH ?? '',
      platform: 'linux',
      log,
    });
    expect(found).toBe('/usr/bin/hello');
    const info = log.lines.filter((l) => l.startsWith('info:'));
    expect(info[0]).toBe('info: this test needs hello, which is not on PATH: installing hello with apt-get (without recommends)');
    expect(info).toContain(
      `info: $ ${await findExecutable('apt-get', process.env.PATH ?? '')} install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 hello`,
    );
    expect(info.find((l) => l.startsWith('info: Installed '))).toMatch(/^info: Installed 1 package\(s\) in [\d.]+ s: hello \d/);
    expect((await run(found, ['--version'])).stdout).toMatch(/^hello \(GNU Hello\)/);
  }, 600_000);

  it("a package apt-get cannot find: the error carries apt-get's reason and what to do", async () => {
    const empty = await pathWith('apt-only', ['apt-get']);
    const err = await ensureCommand({
      command: 'allhw-no-such-program',
      packages: ['allhw-no-such-package'],
      why: 'this test',
      otherwise: 'skip it',
      allowInstall: true,
      searchPath: empty,
      platform: 'linux',
      log: memoryLogger(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsPackageError);
    expect((err as Error).message).toMatch(
      /^this test needs allhw-no-such-program, which is not on PATH, and installing allhw-no-such-package failed: '.*apt-get install .*allhw-no-such-package' failed \(exit 100\): .*Unable to locate package allhw-no-such-package\. Install it \(Debian\/Ubuntu: apt-get install allhw-no-such-package\), or skip it\.$/,
    );
  }, 600_000);
});
