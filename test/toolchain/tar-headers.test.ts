import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser, type ReadEntry } from 'tar';
import { TarHeaderReader, type TarEntry } from '../../src/toolchain/tar-headers.js';
import { scratch } from './fixtures.js';

const run = promisify(execFile);
let dir: string;
const LONG = `${'deep/'.repeat(30)}${'n'.repeat(120)}.txt`;
const LONG_TARGET = `${'../'.repeat(2)}${'t'.repeat(150)}`;

beforeAll(async () => {
  dir = await scratch('tar-headers');
  const tree = path.join(dir, 'tree', 'tc');
  await mkdir(path.join(tree, path.dirname(LONG)), { recursive: true });
  await writeFile(path.join(tree, LONG), 'long\n');
  await mkdir(path.join(tree, 'bin'));
  await writeFile(path.join(tree, 'bin', 'gcc'), Buffer.alloc(70_000, 1));
  await mkdir(path.join(tree, 'links'));
  await symlink(LONG_TARGET, path.join(tree, 'links', 'long-link'));
  await symlink('gcc', path.join(tree, 'bin', 'short-link'));
  await run('ln', [path.join(tree, 'bin', 'gcc'), path.join(tree, 'bin', 'cc')]);
  for (const format of ['gnu', 'pax', 'ustar', 'v7']) {
    // ustar and v7 cannot hold the long names: those archives leave them out.
    const only = format === 'ustar' || format === 'v7' ? ['tc/bin'] : ['tc'];
    await run('tar', ['-C', path.join(dir, 'tree'), `--format=${format}`, '-cf', path.join(dir, `${format}.tar`), ...only]);
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The entries node-tar's parser reports, as the reference. */
function reference(bytes: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  const kinds: Record<string, TarEntry['kind']> = { File: 'file', OldFile: 'file', Directory: 'directory', SymbolicLink: 'symlink', Link: 'hardlink' };
  const p = new Parser({ onReadEntry: (e: ReadEntry) => {
    out.push({ path: e.path, kind: kinds[e.type] ?? 'other', linkTarget: e.linkpath ?? '' });
    e.resume();
  } });
  p.end(bytes);
  return out;
}

/** Our reader, fed in odd-sized pieces of one reused buffer (as the extractor feeds it). */
function ours(bytes: Buffer, piece: number): TarEntry[] {
  const out: TarEntry[] = [];
  const reader = new TarHeaderReader((e) => out.push(e));
  const reused = Buffer.alloc(piece);
  for (let i = 0; i < bytes.length; i += piece) {
    const n = bytes.copy(reused, 0, i, Math.min(i + piece, bytes.length));
    reader.push(reused.subarray(0, n));
    reused.fill(0xff);
  }
  reader.end();
  return out;
}

describe('TarHeaderReader', () => {
  for (const format of ['gnu', 'pax', 'ustar', 'v7']) {
    it(`reads the same entries as node-tar from a GNU tar --format=${format} archive`, async () => {
      const bytes = await readFile(path.join(dir, `${format}.tar`));
      const expected = reference(bytes).map((e) => ({ ...e, path: e.path.replace(/\/$/, '') }));
      expect(expected.length).toBeGreaterThan(3);
      for (const piece of [1, 511, 512, 4096, 65536]) {
        expect(ours(bytes, piece).map((e) => ({ ...e, path: e.path.replace(/\/$/, '') })), `${format}, ${piece}-byte pieces`).toEqual(expected);
      }
      if (format === 'gnu' || format === 'pax') {
        expect(expected).toContainEqual({ path: `tc/${LONG}`, kind: 'file', linkTarget: '' });
        expect(expected).toContainEqual({ path: 'tc/links/long-link', kind: 'symlink', linkTarget: LONG_TARGET });
      }
      expect(expected).toContainEqual({ path: 'tc/bin/short-link', kind: 'symlink', linkTarget: 'gcc' });
      expect(expected.some((e) => e.kind === 'hardlink' && /^tc\/bin\/(cc|gcc)$/.test(e.linkTarget))).toBe(true);
    });
  }

  it('refuses a header with a wrong checksum, and an archive cut in the middle of an entry', async () => {
    const bytes = Buffer.from(await readFile(path.join(dir, 'ustar.tar')));
    const corrupt = Buffer.from(bytes);
    corrupt[10] ^= 0xff;
    expect(() => ours(corrupt, 4096)).toThrow('The archive is not a valid tar file: a header checksum is wrong.');
    expect(() => ours(bytes.subarray(0, 512 + 1000), 4096)).toThrow('it ends in the middle of an entry');
  });
});
