import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger, type MemoryLogger } from '../../src/common/log.js';
import { setupToolchain, ToolchainError, type ToolchainOptions } from '../../src/toolchain/install.js';
import { buildArchives, DEBIAN_GCC_VERSION, ROOT_NAME, scratch, sha256, tableFor, type Archives } from './fixtures.js';
import { startMirror, type MirrorServer } from './mirror-server.js';
import { addToPath } from '../../src/action/path.js';

const XZ = `${ROOT_NAME}.tar.xz`;
let archives: Archives;
let server: MirrorServer;
let dir: string;
let log: MemoryLogger;
const savedPath = process.env.PATH;

beforeAll(async () => {
  archives = await buildArchives();
  server = await startMirror();
});
afterAll(async () => {
  await server?.close();
  if (archives) await rm(archives.work, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await scratch('install');
  log = memoryLogger();
  server.routes.clear();
  server.requests.length = 0;
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

function serve(route: string, file: string, extra: Partial<Parameters<MirrorServer['routes']['set']>[1]> = {}): void {
  server.routes.set(`${route}/${file}`, { body: archives.files.get(file)!, ...extra });
}

function options(over: Partial<ToolchainOptions>): ToolchainOptions {
  return {
    spec: '12.2.Rel1',
    platform: 'linux',
    arch: 'x64',
    toolCacheDir: path.join(dir, 'tool-cache'),
    tempDir: path.join(dir, 'temp'),
    log,
    searchPath: process.env.PATH ?? '',
    // What the action passes: PATH for this process, GITHUB_PATH on a runner.
    onBinDir: addToPath,
    download: { attempts: 3, retryDelayMs: 10 },
    ...over,
  };
}

/** What is left in the tool cache for our tool (entries and staging dirs alike). */
async function cacheContents(): Promise<string[]> {
  return readdir(path.join(dir, 'tool-cache', 'arm-gnu-toolchain')).catch(() => []);
}

describe('setupToolchain from a loopback mirror', () => {
  it('installs cold, then finds it in the tool cache without touching the network', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`]);
    const cold = await setupToolchain(options({ table }));
    expect(cold.source).toBe('download');
    expect(cold.release).toBe('12.2.Rel1');
    expect(cold.gccVersion).toContain(DEBIAN_GCC_VERSION);
    expect(cold.binDir).toBe(path.join(dir, 'tool-cache', 'arm-gnu-toolchain', '12.2.1', 'x64', 'bin'));
    expect(existsSync(path.join(cold.binDir!, 'arm-none-eabi-objcopy'))).toBe(true);
    expect(existsSync(path.join(dir, 'tool-cache', 'arm-gnu-toolchain', '12.2.1', 'x64.complete'))).toBe(true);
    expect(process.env.PATH!.split(path.delimiter)[0]).toBe(cold.binDir);
    expect(await cacheContents()).toEqual(['12.2.1']);
    expect(log.lines.some((l) => /\(100%/.test(l))).toBe(true);
    const requestsAfterCold = server.requests.length;
    expect(requestsAfterCold).toBe(1);

    process.env.PATH = savedPath;
    const hit = await setupToolchain(options({ table }));
    expect(hit.source).toBe('cache');
    expect(hit.binDir).toBe(cold.binDir);
    expect(hit.gccVersion).toBe(cold.gccVersion);
    expect(server.requests.length).toBe(requestsAfterCold);
    expect(process.env.PATH!.split(path.delimiter)[0]).toBe(hit.binDir);
  });

  it('adds bin to GITHUB_PATH on a runner, for the steps after this one', async () => {
    serve('/arm', XZ);
    const githubPath = path.join(dir, 'github_path');
    await writeFile(githubPath, '');
    process.env.GITHUB_PATH = githubPath;
    try {
      const t = await setupToolchain(options({ table: tableFor(archives, XZ, [`${server.url}/arm`]) }));
      expect((await readFile(githubPath, 'utf8')).trim()).toBe(t.binDir);
    } finally {
      delete process.env.GITHUB_PATH;
    }
  });

  it('refuses an archive whose checksum does not match: nothing cached, nothing on PATH', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`], { checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) } });
    const err = await setupToolchain(options({ table })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toMatch(/checksum mismatch: expected sha256 abab.*got [0-9a-f]{64}/);
    expect((err as Error).message).toContain('Nothing was installed');
    expect(await cacheContents()).toEqual([]);
    expect(process.env.PATH).toBe(savedPath);
  });

  it('falls back to the next mirror with a warning when the first URL answers 404', async () => {
    serve('/mirror', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/gone`, `${server.url}/mirror`]);
    const t = await setupToolchain(options({ table }));
    expect(t.source).toBe('download');
    expect(server.requests).toEqual([`GET /gone/${XZ}`, `GET /mirror/${XZ}`]);
    expect(log.lines.find((l) => l.startsWith('warning:'))).toMatch(/gone.*HTTP 404.*trying .*\/mirror\//);
  });

  it('resumes a download that was cut short, with a Range request', async () => {
    serve('/arm', XZ, { truncate: 1 });
    const table = tableFor(archives, XZ, [`${server.url}/arm`]);
    const t = await setupToolchain(options({ table }));
    expect(t.source).toBe('download');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]).toMatch(new RegExp(`^GET /arm/${XZ.replace(/\./g, '\\.')} bytes=\\d+-$`));
    expect(log.lines.some((l) => /warning: Download of .* interrupted .*resuming at/.test(l))).toBe(true);
  });

  it('starts over when the server ignores Range, and still verifies the whole file', async () => {
    serve('/arm', XZ, { truncate: 1, noRange: true });
    const table = tableFor(archives, XZ, [`${server.url}/arm`]);
    const t = await setupToolchain(options({ table }));
    expect(t.source).toBe('download');
    expect(log.lines.some((l) => l.includes('did not resume the download; starting over'))).toBe(true);
    expect(await cacheContents()).toEqual(['12.2.1']);
  });

  it('gives up on a download cut short every time, naming the URL and the tries', async () => {
    serve('/arm', XZ, { truncate: 99 });
    const table = tableFor(archives, XZ, [`${server.url}/arm`]);
    const err = await setupToolchain(options({ table })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toMatch(/\/arm\/.*(cut short|connection lost).*gave up after 3 tries/);
    expect(server.requests).toHaveLength(3);
    expect(await cacheContents()).toEqual([]);
  });

  it('follows redirects (Arm serves from redirecting download links)', async () => {
    serve('/storage', XZ);
    server.routes.set(`/dl/${XZ}`, { body: Buffer.alloc(0), redirectTo: `/storage/${XZ}` });
    const t = await setupToolchain(options({ table: tableFor(archives, XZ, [`${server.url}/dl`]) }));
    expect(t.source).toBe('download');
  });

  it('takes archives from toolchain-mirror instead of Arm, with the same checksum', async () => {
    serve('/offline/base', XZ);
    const table = tableFor(archives, XZ, ['https://arm.invalid/downloads']);
    const t = await setupToolchain(options({ table, mirror: `${server.url}/offline/base/` }));
    expect(t.source).toBe('download');
    expect(server.requests).toEqual([`GET /offline/base/${XZ}`]);
  });

  it('refuses a toolchain-mirror that is not an http(s) URL', async () => {
    const table = tableFor(archives, XZ, ['https://arm.invalid/downloads']);
    await expect(setupToolchain(options({ table, mirror: 'ftp://example.com/arm' }))).rejects.toThrow(/toolchain-mirror .* not an http\(s\) URL/);
  });

  it('refuses a toolchain that reports another GCC version than its release', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`], { name: '13.2.Rel1', gccVersion: '13.2.1' });
    const err = await setupToolchain(options({ spec: '13.2.Rel1', table })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/13\.2\.Rel1 should be GCC 13\.2\.1, but its arm-none-eabi-gcc reports: .*12\.2\.1/);
    expect(await cacheContents()).toEqual([]);
    expect(process.env.PATH).toBe(savedPath);
  });

  it('refuses to install without a known checksum, and says how to pin one', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`], { checksum: null });
    await expect(setupToolchain(options({ table }))).rejects.toThrow(
      /No checksum is known .*refusing.*toolchain: '12\.2\.Rel1@sha256:<the archive's sha256>'.*toolchain: system/,
    );
    expect(server.requests).toEqual([]);
  });

  it('installs with a pinned checksum when the table has none', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`], { checksum: null });
    const t = await setupToolchain(options({ table, spec: `12.2.Rel1@sha256:${sha256(archives.files.get(XZ)!)}` }));
    expect(t.source).toBe('download');
  });

  it('explains how a checksum pin is written when it is malformed', async () => {
    await expect(setupToolchain(options({ spec: '12.2.Rel1@sha256:1234' }))).rejects.toThrow(
      "toolchain '12.2.Rel1@sha256:1234': a pinned checksum is written 12.2.Rel1@sha256:<64 hex digits> (or @md5:<32 hex digits>).",
    );
    await expect(setupToolchain(options({ spec: `latest@sha256:${'0'.repeat(64)}` }))).rejects.toThrow(/pin a checksum on a named release/);
  });

  it('lists the nearest known releases for an unknown one', async () => {
    const err = await setupToolchain(options({ spec: '13.2.Rel7', table: undefined })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toMatch(/^Unknown toolchain release '13\.2\.Rel7'\. Nearest known: 13\.2\.Rel1, 13\.3\.Rel1, /);
  });

  it('accepts any letter case and carlosperate-style short names', async () => {
    serve('/arm', XZ);
    const table = tableFor(archives, XZ, [`${server.url}/arm`]);
    const t = await setupToolchain(options({ spec: '12.2.rel1', table }));
    expect(t.release).toBe('12.2.Rel1');
  });

  it('says which program is missing to extract, without trying every mirror', async () => {
    serve('/arm', XZ);
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await symlink('/usr/bin/tar', path.join(bin, 'tar'));
    const table = tableFor(archives, XZ, [`${server.url}/arm`, `${server.url}/mirror`]);
    await expect(setupToolchain(options({ table, searchPath: bin }))).rejects.toThrow(
      "Extracting a .tar.xz archive needs 'xz', which is not on PATH: install xz-utils (brew: xz).",
    );
    expect(server.requests).toEqual([]);
    expect(await cacheContents()).toEqual([]);
  });

  it('skips everything for none', async () => {
    const t = await setupToolchain(options({ spec: 'none' }));
    expect(t).toEqual({ source: 'none', release: 'none', path: null, binDir: null, gccVersion: null });
  });
});
