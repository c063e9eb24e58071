import { execFile } from 'node:child_process';
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import shipped from '../../src/toolchain/versions.json' with { type: 'json' };
import { archiveFor, cacheVersion, defaultTable, findRelease, nearestReleases, tableProblems, type VersionsTable } from '../../src/toolchain/table.js';
import { scratch } from './fixtures.js';
import { itemAt } from '../helpers/item.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const table = defaultTable();

describe('the shipped versions table', () => {
  it('gives every archive a URL, a file name and a checksum with its source', () => {
    expect(tableProblems(shipped, true)).toEqual([]);
    for (const r of table.releases) {
      for (const [host, a] of Object.entries(r.hosts)) {
        expect(a!.url, `${r.name} ${host}`).toMatch(/^https:\/\/.+\/[^/]+$/);
        expect(a!.url.endsWith(`/${a!.file}`), `${r.name} ${host}`).toBe(true);
        expect(a!.checksum, `${r.name} ${host}`).not.toBeNull();
        expect(a!.checksumSource, `${r.name} ${host}`).toBeTruthy();
      }
    }
  });

  it('has every Arm release from 9-2019-q4 on, newest first, each for Linux x86_64 and aarch64 and Windows', () => {
    expect(table.releases.map((r) => r.name)).toEqual([
      '15.3.Rel1',
      '15.2.Rel1',
      '14.3.Rel1',
      '14.2.Rel1',
      '13.3.Rel1',
      '13.2.Rel1',
      '12.3.Rel1',
      '12.2.Rel1',
      '11.3.Rel1',
      '11.2-2022.02',
      '10.3-2021.10',
      '10.3-2021.07',
      '10-2020-q4-major',
      '9-2020-q2-update',
      '9-2019-q4-major',
    ]);
    for (const r of table.releases) expect(Object.keys(r.hosts), r.name).toEqual(expect.arrayContaining(['linux-x64', 'linux-arm64', 'win32-x64']));
  });

  it('uses md5 only for the Windows builds of the releases Arm gave only an md5', () => {
    const md5 = table.releases.flatMap((r) =>
      Object.entries(r.hosts)
        .filter(([, a]) => a!.checksum!.algorithm === 'md5')
        .map(([h]) => `${r.name} ${h}`),
    );
    expect(md5).toEqual(['10.3-2021.10 win32-x64', '10.3-2021.07 win32-x64', '10-2020-q4-major win32-x64', '9-2020-q2-update win32-x64']);
  });
});

describe('release names', () => {
  it('map to tool-cache semver versions, distinct and in release order', () => {
    expect(cacheVersion('13.2.Rel1')).toBe('13.2.1');
    expect(cacheVersion('13.2.rel1')).toBe('13.2.1');
    expect(cacheVersion('10.3-2021.10')).toBe('10.3.202110');
    expect(cacheVersion('9-2019-q4-major')).toBe('9.0.20194');
    expect(cacheVersion('latest')).toBeNull();
    const versions = table.releases.map((r) => cacheVersion(r.name)!);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('are found in any letter case and by their short alias', () => {
    expect(findRelease(table, '13.2.rel1')?.name).toBe('13.2.Rel1');
    expect(findRelease(table, '9-2019-q4')?.name).toBe('9-2019-q4-major');
    expect(findRelease(table, '13.2')).toBeNull();
  });

  it('suggest the nearest known releases when unknown', () => {
    expect(nearestReleases(table, '13.2.Rel2')).toEqual(['13.2.Rel1', '13.3.Rel1', '14.2.Rel1']);
    expect(nearestReleases(table, '10.3-2021.11')[0]).toBe('10.3-2021.10');
    expect(nearestReleases(table, '9-2019-q3-major')[0]).toBe('9-2019-q4-major');
  });
});

describe('archives per host', () => {
  it('fall back to x86_64 builds on Apple silicon and Windows on Arm, and to none elsewhere', () => {
    const r11 = findRelease(table, '11.3.Rel1')!;
    expect(archiveFor(r11, 'darwin', 'arm64')).toMatchObject({ host: 'darwin-x64', emulated: 'runs under Rosetta 2' });
    expect(archiveFor(findRelease(table, '13.2.Rel1')!, 'darwin', 'arm64')).toMatchObject({ host: 'darwin-arm64', emulated: null });
    expect(archiveFor(r11, 'win32', 'arm64')).toMatchObject({ host: 'win32-x64' });
    expect(archiveFor(r11, 'linux', 'ia32')).toBeNull();
    expect(archiveFor(findRelease(table, '15.2.Rel1')!, 'darwin', 'x64')).toBeNull();
  });
});

describe('tableProblems', () => {
  it('names each thing wrong with a malformed table', () => {
    const bad = {
      version: 2,
      releases: [
        {
          name: '12.2.Rel1',
          gccVersion: '12.2',
          hosts: { 'linux-x64': { file: 'a.tar.xz', url: 'https://x/b.tar.xz', mirrors: [], checksum: { algorithm: 'sha1', value: 'x' } } },
        },
        { name: '13.2.Rel1', gccVersion: '13.2.1', hosts: { 'linux-ia32': {} } },
        { name: 'foo', gccVersion: '1.2.3', hosts: { 'linux-x64': { file: 'a.rar', url: 'ftp://x/a.rar', mirrors: [], checksum: null } } },
      ],
    };
    expect(tableProblems(bad, true)).toEqual([
      'version: expected 1, found 2',
      'releases[0] (12.2.Rel1).gccVersion: expected X.Y.Z',
      "releases[0] (12.2.Rel1).hosts.linux-x64.url: names 'b.tar.xz', not the entry's file 'a.tar.xz'",
      "releases[0] (12.2.Rel1).hosts.linux-x64.checksum.algorithm: expected 'sha256' or 'md5'",
      'releases[1] (13.2.Rel1): listed after the older 12.2.Rel1; releases go newest first',
      'releases[1] (13.2.Rel1).hosts.linux-ia32: unknown host (known: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64)',
      'releases[2] (foo).name: not an Arm release name this installer can map to a tool-cache version',
      "releases[2] (foo).hosts.linux-x64.file: 'a.rar' is not a .tar.xz, .tar.bz2, .tar.gz or .zip",
      'releases[2] (foo).hosts.linux-x64.url: expected an http(s) URL',
      'releases[2] (foo).hosts.linux-x64.checksum: no checksum known',
    ]);
  });
});

describe('scripts/check-toolchain-table.ts', () => {
  const script = path.join(ROOT, 'scripts/check-toolchain-table.ts');
  const node = path.join(ROOT, 'node_modules/.bin/node');

  it('passes the shipped table and prints a summary', async () => {
    const { stdout } = await run(node, [script], { cwd: ROOT });
    expect(stdout).toMatch(/versions\.json: OK\n {2}15 releases, newest first: 15\.3\.Rel1 \(15\.3\.1\)/);
    expect(stdout).toMatch(/65 archives: 61 sha256, 4 md5 only, 0 without a checksum/);
  });

  it('fails on a malformed table, listing the problems', async () => {
    const dir = await scratch('table');
    const file = path.join(dir, 'bad.json');
    const bad: VersionsTable = structuredClone(table);
    itemAt(bad.releases, 0).hosts['linux-x64']!.checksum = null;
    await writeFile(file, JSON.stringify(bad));
    const err = (await run(node, [script, file], { cwd: ROOT }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('releases[0] (15.3.Rel1).hosts.linux-x64.checksum: no checksum known');
    const allowed = await run(node, [script, file, '--allow-missing-checksums'], { cwd: ROOT });
    expect(allowed.stdout).toContain('1 without a checksum');
    await rm(dir, { recursive: true, force: true });
  });
});
