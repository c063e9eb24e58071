import { existsSync } from 'node:fs';
import { readdir, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { setupToolchain, ToolchainError, type ToolchainOptions } from '../../src/toolchain/install.js';
import { EntryGuard } from '../../src/toolchain/archive-guard.js';
import { readZipEntries } from '../../src/toolchain/zip.js';
import { buildArchives, ROOT_NAME, scratch, tableFor, type Archives } from './fixtures.js';
import { startMirror, type MirrorServer } from './mirror-server.js';

let archives: Archives;
let server: MirrorServer;
let dir: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  archives = await buildArchives();
  server = await startMirror();
  for (const [name, body] of archives.files) server.routes.set(`/arm/${name}`, { body });
});
afterAll(async () => {
  await server?.close();
  if (archives) await rm(archives.work, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await scratch('archive');
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

function install(file: string): Promise<Awaited<ReturnType<typeof setupToolchain>>> {
  const opts: ToolchainOptions = {
    spec: '12.2.Rel1',
    table: tableFor(archives, file, [`${server.url}/arm`]),
    platform: 'linux',
    arch: 'x64',
    toolCacheDir: path.join(dir, 'tool-cache'),
    tempDir: path.join(dir, 'temp'),
    log: memoryLogger(),
    searchPath: process.env.PATH ?? '',
    download: { attempts: 1 },
  };
  return setupToolchain(opts);
}

describe('archive formats', () => {
  for (const ext of ['tar.xz', 'tar.bz2', 'zip']) {
    it(`installs a .${ext}, keeping its internal links`, async () => {
      const t = await install(`${ROOT_NAME}.${ext}`);
      expect(t.source).toBe('download');
      expect(t.gccVersion).toMatch(/^arm-none-eabi-gcc .* 12\.2\.1/);
      expect(existsSync(path.join(t.binDir!, 'arm-none-eabi-size'))).toBe(true);
      expect(await readlink(path.join(t.path!, 'lib', 'bfd-plugins', 'gcc-link'))).toBe('../../bin/arm-none-eabi-gcc');
    });
  }
});

describe('hostile archives are refused', () => {
  const cases: [string, RegExp][] = [
    ['dotdot.tar.xz', /entry 'tc\/\.\.\/\.\.\/escape\.txt' contains '\.\.'/],
    ['absolute.tar.xz', /entry '\/tmp\/allhw-escape\.txt' has an absolute path/],
    ['symlink-out.tar.xz', /entry 'tc\/lib' is a symbolic link to '\.\.\/\.\.\/\.\.', outside/],
    ['symlink-abs.tar.xz', /entry 'tc\/etc' is a symbolic link to the absolute path '\/etc'/],
    ['hardlink-out.tar.xz', /entry 'tc\/passwd' is a hard link to '\.\.\/\.\.\/etc\/passwd'/],
    ['through-link.tar.xz', /entry 'tc\/up\/escape\.txt' is written through the symbolic link 'tc\/up'/],
    ['fifo.tar.xz', /entry 'tc\/pipe' is a device, FIFO or other special file/],
    ['dotdot.zip', /entry '\.\.\/escape\.txt' contains '\.\.'/],
    ['symlink-out.zip', /entry 'tc\/lib' is a symbolic link to '\.\.\/\.\.\/\.\.', outside/],
  ];
  for (const [file, message] of cases) {
    it(file, async () => {
      const err = await install(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolchainError);
      expect((err as Error).message).toMatch(message);
      // Nothing left behind: no cache entry, no staging dir, no escaped file.
      expect(await readdir(path.join(dir, 'tool-cache', 'arm-gnu-toolchain')).catch(() => [])).toEqual([]);
      expect(existsSync(path.join(dir, 'tool-cache', 'escape.txt'))).toBe(false);
      expect(existsSync('/tmp/allhw-escape.txt')).toBe(false);
      expect(process.env.PATH).toBe(savedPath);
    });
  }
});

describe('EntryGuard', () => {
  it('allows relative links that stay inside, and refuses chains that leave', () => {
    const guard = new EntryGuard();
    guard.check('tc/lib/bfd-plugins/x.so', 'symlink', '../../libexec/x.so');
    guard.check('tc/bin/cc', 'hardlink', 'tc/bin/gcc');
    expect(() => guard.check('tc/a', 'symlink', '../..')).toThrow(/outside/);
    expect(() => guard.check('C:/evil', 'file')).toThrow(/absolute/);
    expect(() => guard.check('tc\\..\\..\\evil', 'file')).toThrow(/'\.\.'/);
    expect(() => guard.check('tc/lib/bfd-plugins/x.so/evil', 'file')).toThrow(/written through the symbolic link 'tc\/lib\/bfd-plugins\/x\.so'/);
  });

  it('reads the entries of a real zip, links included', async () => {
    const entries = await readZipEntries(path.join(archives.work, 'out', `${ROOT_NAME}.zip`));
    expect(entries).toContainEqual(expect.objectContaining({ name: `${ROOT_NAME}/bin/arm-none-eabi-gcc`, kind: 'file' }));
    expect(entries).toContainEqual(
      expect.objectContaining({ name: `${ROOT_NAME}/lib/bfd-plugins/gcc-link`, kind: 'symlink', linkTarget: '../../bin/arm-none-eabi-gcc' }),
    );
  });
});
