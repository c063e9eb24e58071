/**
 * The archive guard against the archives that got past it (issue 13), and
 * the size limits against a decompression bomb: each through a loopback
 * mirror as an install really runs, and the tar ones also straight into
 * the extracting sink, to look at what was written.
 */
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { chmod, link, lstat, mkdir, readdir, readFile, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { UnsafeArchiveError } from '../../src/toolchain/archive-guard.js';
import { downloadVerified } from '../../src/toolchain/download.js';
import { openExtractingSink } from '../../src/toolchain/extract.js';
import { setupToolchain, ToolchainError, type ToolchainOptions } from '../../src/toolchain/install.js';
import { buildBypassArchives } from './bypass-fixtures.js';
import { scratch, sha256, tableFor, type Archives } from './fixtures.js';
import { startMirror, type MirrorServer } from './mirror-server.js';

let archives: Archives;
let server: MirrorServer;
let dir: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  const work = await scratch('bypass-fixtures');
  archives = { work, files: await buildBypassArchives(work) };
  server = await startMirror();
  for (const [name, body] of archives.files) server.routes.set(`/arm/${name}`, { body });
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (archives) await rm(archives.work, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await scratch('bypass');
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

function options(file: string, checksum = sha256(archives.files.get(file)!)): ToolchainOptions {
  return {
    spec: '12.2.Rel1',
    table: tableFor(archives, file, [`${server.url}/arm`], { checksum: { algorithm: 'sha256', value: checksum } }),
    platform: 'linux',
    arch: 'x64',
    searchPath: process.env.PATH ?? '',
    toolCacheDir: path.join(dir, 'tool-cache'),
    tempDir: path.join(dir, 'temp'),
    log: memoryLogger(),
    download: { attempts: 1 },
  };
}

/** Everything under a directory (relative paths), or [] when it does not exist. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      out.push(path.relative(root, path.join(d, e.name)));
      if (e.isDirectory()) await walk(path.join(d, e.name));
    }
  };
  await walk(root);
  return out;
}

/** Installs, watching the tool cache all along: returns the error and every cache path ever seen. */
async function installWatchingCache(opts: ToolchainOptions): Promise<{ err: unknown; seenInCache: Set<string> }> {
  const seenInCache = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const p of await tree(opts.toolCacheDir!)) seenInCache.add(p);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const err = await setupToolchain(opts).then(
    () => null,
    (e: unknown) => e,
  );
  watching = false;
  await watcher;
  return { err, seenInCache };
}

async function expectNothingLeft(): Promise<void> {
  expect(await tree(path.join(dir, 'tool-cache', 'arm-gnu-toolchain'))).toEqual([]);
  expect((await tree(path.join(dir, 'temp'))).filter((p) => p.includes('staging'))).toEqual([]);
  expect(existsSync(path.join(dir, 'escape.txt'))).toBe(false);
  expect(process.env.PATH).toBe(savedPath);
}

describe('archives that got past the old guard are refused through a real install', () => {
  const refused: [string, RegExp][] = [
    ['symlink-beos.zip', /entry 'tc\/lib' is a symbolic link to '\.\.\/\.\.\/\.\.', outside/],
    ['symlink-vms.zip', /entry 'tc\/lib' is a symbolic link to '\.\.\/\.\.\/\.\.', outside/],
    ['symlink-asi.zip', /entry 'tc\/lib' is a symbolic link to '\.\.\/\.\.\/\.\.', outside/],
    ['symlink-fat.zip', /entry 'tc\/lib' is a symbolic link to the absolute path '\/etc'/],
    ['unicode-path.zip', /entry '\.\.\/escape\.txt' contains '\.\.'/],
    ['local-name.zip', /local header names another file than its central directory entry/],
    ['pax-linkpath-then-gnu.tar.xz', /entry 'tc\/link' is a symbolic link to '\.\.(\/\.\.\/\.\.)?', outside/],
  ];
  for (const [file, message] of refused) {
    it(file, async () => {
      const { err } = await installWatchingCache(options(file));
      expect(err).toBeInstanceOf(ToolchainError);
      expect((err as Error).message).toMatch(message);
      await expectNothingLeft();
    });
  }

  // Whatever name node-tar takes, the guard judged that very name: either it is refused, or the
  // install goes on to find the fake gcc; never an escaping link or a hidden FIFO.
  for (const file of ['pax-then-gnu.tar.xz', 'gnu-then-pax.tar.xz', 'pax-size-0x200.tar.xz', 'pax-size-1e3.tar.xz']) {
    it(`${file}: refused or harmless, nothing cached`, async () => {
      const { err } = await installWatchingCache(options(file));
      expect(err).toBeInstanceOf(ToolchainError);
      expect((err as Error).message).toMatch(/Refused the archive|should be GCC 12\.2\.1, but its arm-none-eabi-gcc reports: fake/);
      await expectNothingLeft();
    });
  }
});

describe('what the extractor writes is what the guard judged', () => {
  /** Feeds an archive to the extracting sink as a download would (uneven chunks). */
  async function extract(file: string): Promise<{ out: string; error: unknown }> {
    const out = path.join(dir, 'out');
    const sink = await openExtractingSink({ format: 'tar.xz', dir: out, tempDir: path.join(dir, 'temp'), platform: 'linux', searchPath: process.env.PATH! });
    const bytes = archives.files.get(file)!;
    try {
      for (let at = 0, n = 1; at < bytes.length; at += n, n = ((n * 7) % 4093) + 1) await sink.write(bytes.subarray(at, at + n));
      await sink.finish();
      return { out, error: null };
    } catch (error) {
      await sink.abort();
      return { out, error };
    }
  }

  /** Refused by the guard, or extracted with every link inside and no special file. */
  async function expectGuardAndExtractorAgree(file: string): Promise<void> {
    const { out, error } = await extract(file);
    if (error) {
      expect(error).toBeInstanceOf(UnsafeArchiveError);
      expect(existsSync(out)).toBe(false);
      return;
    }
    const root = await realpath(out);
    for (const rel of await tree(out)) {
      const st = await lstat(path.join(out, rel));
      expect(st.isFile() || st.isDirectory() || st.isSymbolicLink(), rel).toBe(true);
      if (st.isSymbolicLink()) expect((await realpath(path.join(out, rel))).startsWith(root + path.sep), rel).toBe(true);
    }
  }

  it('a pax path and a GNU long name, in both orders', async () => {
    await expectGuardAndExtractorAgree('pax-then-gnu.tar.xz');
    await rm(path.join(dir, 'out'), { recursive: true, force: true });
    await expectGuardAndExtractorAgree('gnu-then-pax.tar.xz');
  });

  it('pax sizes written 0x200 and 1e3: the bytes they cover stay file content, no FIFO, no /etc link', async () => {
    for (const [file, size] of [
      ['pax-size-0x200.tar.xz', 512],
      ['pax-size-1e3.tar.xz', 1000],
    ] as const) {
      const { out, error } = await extract(file);
      expect(error).toBeNull();
      expect(await tree(out)).toEqual(expect.arrayContaining(['tc/data']));
      expect(await tree(out)).not.toContain('tc/pipe');
      expect(await tree(out)).not.toContain('tc/etc');
      expect((await readFile(path.join(out, 'tc/data'))).length).toBe(size);
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('re-written headers keep what the archive meant', () => {
  it('long paths and links (pax), non-ASCII names, modes, hard links: the tree GNU tar makes from the original', async () => {
    const run = promisify(execFile);
    const src = path.join(dir, 'src');
    const deep = `tc/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}`;
    await mkdir(path.join(src, deep), { recursive: true });
    await writeFile(path.join(src, deep, 'größe-ü.txt'), 'x'.repeat(1234));
    await chmod(path.join(src, deep, 'größe-ü.txt'), 0o750);
    await symlink(`${'e'.repeat(90)}/${'f'.repeat(90)}/größe-ü.txt`, path.join(src, `tc/${'d'.repeat(90)}`, 'long-link'));
    await link(path.join(src, deep, 'größe-ü.txt'), path.join(src, 'tc', 'hard'));
    const archive = path.join(dir, 'long.tar.xz');
    await run('tar', ['--format=pax', '-C', src, '-cJf', archive, 'tc']);
    const expected = path.join(dir, 'expected');
    await mkdir(expected);
    await run('tar', ['-C', expected, '-xJf', archive]);

    const out = path.join(dir, 'out');
    const sink = await openExtractingSink({ format: 'tar.xz', dir: out, tempDir: dir, platform: 'linux', searchPath: process.env.PATH! });
    await sink.write(await readFile(archive));
    await sink.finish();
    const listing = async (root: string): Promise<string[]> =>
      Promise.all(
        (await tree(root)).sort().map(async (rel) => {
          const st = await lstat(path.join(root, rel));
          const target = st.isSymbolicLink() ? await readlink(path.join(root, rel)) : '';
          return `${rel} ${st.mode.toString(8)} ${st.isFile() ? st.size : ''} ${target}`;
        }),
      );
    expect(await listing(out)).toEqual(await listing(expected));
    expect((await lstat(path.join(out, 'tc', 'hard'))).nlink).toBe(2);
  });
});

describe('a decompression bomb', () => {
  it('is stopped by the size limits long before it is unpacked, with the checksum right: nothing ever in the cache', async () => {
    const bomb = archives.files.get('bomb.tar.xz')!;
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { err, seenInCache } = await installWatchingCache(options('bomb.tar.xz'));
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toMatch(/unpacked to more than .* over 25 times its size \(a decompression bomb/);
    expect([...seenInCache]).toEqual(['arm-gnu-toolchain']);
    await expectNothingLeft();
  });

  it('with a wrong checksum: the mismatch is what is reported, and not a byte reached the cache', async () => {
    const { err, seenInCache } = await installWatchingCache(options('bomb.tar.xz', 'ab'.repeat(32)));
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as Error).message).toContain('checksum mismatch');
    expect([...seenInCache]).toEqual(['arm-gnu-toolchain']);
    await expectNothingLeft();
  });
});

describe('staging', () => {
  it('is in the temp dir when it shares the cache filesystem, and gone after a failure', async () => {
    await mkdir(path.join(dir, 'temp'), { recursive: true });
    const opts = options('pax-size-1e3.tar.xz');
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const p of await tree(path.join(dir, 'temp'))) if (p.includes('staging')) seen.add(p.split(path.sep)[0]!);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await setupToolchain(opts).catch(() => undefined);
    watching = false;
    await watcher;
    expect([...seen].length).toBeGreaterThan(0);
    expect([...seen][0]).toMatch(/^allhw-toolchain-staging-12\.2\.1-x64-/);
    await expectNothingLeft();
  });
});

describe('the download itself is capped', () => {
  /** A server that announces `length` (or sends chunked) and then sends zeros until the client hangs up. */
  async function endlessServer(length: number | null): Promise<{ url: string; sent: () => number; close: () => Promise<void> }> {
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, length === null ? {} : { 'content-length': String(length) });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/a.tar.xz`,
      sent: () => sent,
      close: () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  const request = (url: string, maxBytes?: number): Parameters<typeof downloadVerified>[0] => ({
    label: 'a.tar.xz',
    urls: [url],
    checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) },
    openSink: async () => ({ write: async () => undefined, finish: async () => undefined, abort: async () => undefined }),
    log: memoryLogger(),
    attempts: 1,
    maxBytes,
  });

  it('a server announcing more than any toolchain archive is refused before its body is read', async () => {
    const server = await endlessServer(3 * 1024 ** 3);
    try {
      await expect(downloadVerified(request(server.url))).rejects.toThrow(/announces 3221\.2 MB, more than any toolchain archive \(the limit is 2147\.5 MB\)/);
    } finally {
      await server.close();
    }
  });

  it('an endless chunked answer is cut at the limit', async () => {
    const server = await endlessServer(null);
    try {
      await expect(downloadVerified(request(server.url, 4 * 1024 * 1024))).rejects.toThrow(/sent more than 4\.2 MB, more than any toolchain archive/);
      expect(server.sent()).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });
});
