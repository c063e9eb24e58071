import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger, type MemoryLogger } from '../../src/common/log.js';
import { toolchainCommand } from '../../src/cli/toolchain.js';
import { setupToolchain, ToolchainError } from '../../src/toolchain/install.js';
import { DEBIAN_GCC_VERSION, scratch } from './fixtures.js';

let log: MemoryLogger;
let dir: string;
const savedPath = process.env.PATH;

beforeEach(async () => {
  log = memoryLogger();
  dir = await scratch('system');
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

describe('toolchain: system', () => {
  it('finds the Debian toolchain on PATH and leaves PATH alone', async () => {
    const t = await setupToolchain({ spec: 'system', log, searchPath: process.env.PATH ?? '' });
    expect(t).toMatchObject({ source: 'system', release: 'system', binDir: '/usr/bin', path: '/usr' });
    expect(t.gccVersion).toMatch(new RegExp(`^arm-none-eabi-gcc \\(.*\\) ${DEBIAN_GCC_VERSION.replace(/\./g, '\\.')} `));
    expect(process.env.PATH).toBe(savedPath);
  });

  it('says how to get a toolchain when none is on PATH and installing is not allowed', async () => {
    const err = await setupToolchain({ spec: 'SYSTEM', log, searchPath: dir, allowOsInstall: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toMatch(
      /^toolchain: system needs arm-none-eabi-gcc, which is not on PATH\. Install it \(Debian\/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi; macOS: brew install --cask gcc-arm-embedded\), or set toolchain to an Arm release \(e\.g\. latest\) to download one\.$/,
    );
  });

  it('cannot install OS packages where there is no apt-get, and says so', async () => {
    const err = await setupToolchain({ spec: 'system', log, searchPath: dir, platform: 'linux' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /arm-none-eabi-gcc, which is not on PATH, and this runner cannot install OS packages: no apt-get on PATH\. Install it/,
    );
  });
});

describe('allhw toolchain', () => {
  it('install --toolchain system prints where the toolchain is', async () => {
    expect(await toolchainCommand(['install', '--toolchain', 'system'], log)).toBe(0);
    expect(log.lines).toContain('info: To use it in this shell: export PATH="/usr/bin:$PATH"');
  });

  it('install with an unknown release exits 1 with the nearest releases', async () => {
    expect(await toolchainCommand(['install', '--toolchain', '13.2.Rel9', '--tool-cache-dir', dir], log)).toBe(1);
    expect(log.lines.find((l) => l.startsWith('error:'))).toMatch(/Unknown toolchain release '13\.2\.Rel9'\. Nearest known: 13\.2\.Rel1/);
  });

  it('list shows the releases for this host', async () => {
    expect(await toolchainCommand(['list'], log)).toBe(0);
    expect(log.lines.some((l) => /^info: +13\.2\.Rel1 +gcc 13\.2\.1 +sha256$/.test(l))).toBe(true);
  });

  it('rejects an unknown subcommand with the usage', async () => {
    expect(await toolchainCommand(['upgrade'], log)).toBe(2);
    expect(log.lines[0]).toMatch(/usage: allhw toolchain install/);
  });
});
