/**
 * The toolchain across jobs: the real @actions/cache client against the
 * loopback results service (its CacheService, blobs in azurite). The first
 * job downloads and saves; a later job, whose tool cache is empty as on a
 * fresh hosted runner, restores it and downloads nothing; another archive
 * (another checksum) is never taken from the cache.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { actionsCacheLayer, toolchainCacheKey } from '../../src/toolchain/actions-cache.js';
import { setupToolchain } from '../../src/toolchain/install.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { buildArchives, ROOT_NAME, scratch, sha256, tableFor, type Archives } from './fixtures.js';
import { startMirror, type MirrorServer } from './mirror-server.js';
import { itemAt } from '../helpers/item.js';

const XZ = `${ROOT_NAME}.tar.xz`;
let archives: Archives;
let mirror: MirrorServer;
let svc: ArtifactService;
let dir: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  [archives, mirror, svc] = await Promise.all([buildArchives(), startMirror(), startArtifactService()]);
  mirror.routes.set(`/arm/${XZ}`, { body: archives.files.get(XZ)! });
  dir = await scratch('actions-cache');
}, 120_000);
afterAll(async () => {
  process.env.PATH = savedPath;
  await Promise.all([mirror?.close(), svc?.close()]);
  if (archives) await rm(archives.work, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One job on a fresh runner: the same tool-cache path, nothing in it. */
async function job(env: NodeJS.ProcessEnv, table = tableFor(archives, XZ, [`${mirror.url}/arm`])) {
  const toolCacheDir = path.join(dir, 'hostedtoolcache');
  await rm(toolCacheDir, { recursive: true, force: true });
  const temp = path.join(dir, `temp-${Math.random()}`);
  await mkdir(temp, { recursive: true });
  const log = memoryLogger();
  const jobEnv = { ...env, RUNNER_TEMP: temp, GITHUB_WORKSPACE: dir };
  const before = mirror.requests.length;
  const toolchain = await setupToolchain({
    spec: '12.2.Rel1',
    platform: 'linux',
    arch: 'x64',
    table,
    toolCacheDir,
    tempDir: temp,
    log,
    searchPath: process.env.PATH ?? '',
    actionsCache: actionsCacheLayer(jobEnv, log),
  });
  return { toolchain, log: log.lines.join('\n'), downloads: mirror.requests.length - before };
}

describe('the toolchain in the Actions cache', () => {
  const key = () => toolchainCacheKey('12.2.Rel1', 'linux-x64', { algorithm: 'sha256', value: sha256(archives.files.get(XZ)!) });

  it('the first job downloads it and saves it under release, host and checksum', async () => {
    const first = await job(svc.cacheEnv);
    expect(first.downloads).toBe(1);
    expect(first.toolchain.source).toBe('download');
    expect(first.log).toContain('nor in the Actions cache; downloading');
    expect(first.log).toContain(`Actions cache: saved the toolchain as '${key()}'`);
    expect(svc.cacheEntries.map((e) => [e.key, e.finalized])).toEqual([[key(), true]]);
  });

  it('a later job restores it from the cache and downloads nothing; the log says which cache', async () => {
    const later = await job(svc.cacheEnv);
    expect(later.downloads).toBe(0);
    expect(later.toolchain.source).toBe('cache');
    expect(later.log).toMatch(new RegExp(`from the Actions cache \\(${key()}\\) in [\\d.]+ s`));
    expect(existsSync(path.join(later.toolchain.binDir!, 'arm-none-eabi-gcc'))).toBe(true);
    expect(later.toolchain.gccVersion).toContain('12.2.1');
    // The restored entry is a complete tool-cache entry: the job after it on this runner hits the tool cache.
    expect(existsSync(`${later.toolchain.path}.complete`)).toBe(true);
    expect(svc.calls.filter((c) => c.method === 'CacheService/CreateCacheEntry')).toHaveLength(1);
  });

  it('another archive of the same release (another checksum) is downloaded, not restored', async () => {
    const BZ2 = `${ROOT_NAME}.tar.bz2`;
    mirror.routes.set(`/arm/${BZ2}`, { body: archives.files.get(BZ2)! });
    const lookups = svc.calls.filter((c) => c.method === 'CacheService/GetCacheEntryDownloadURL').length;
    const other = await job(svc.cacheEnv, tableFor(archives, BZ2, [`${mirror.url}/arm`]));
    expect(other.downloads).toBe(1);
    expect(other.toolchain.source).toBe('download');
    // Asked for its own key only: restore keys would match by prefix and could hand over the other archive's toolchain.
    const asked = svc.calls.filter((c) => c.method === 'CacheService/GetCacheEntryDownloadURL').slice(lookups);
    expect(asked.map((c) => [c.body.key, c.body.restore_keys ?? []])).toEqual([
      [expect.stringMatching(/^allhw-toolchain-12\.2\.Rel1-linux-x64-sha256-[0-9a-f]{64}$/), []],
    ]);
    expect(itemAt(asked, 0).body.key).not.toBe(key());
  });

  it('without a cache service (the CLI), or with one refusing the token, it downloads as before', async () => {
    expect(actionsCacheLayer({}, memoryLogger())).toBeNull();
    const refused = await job({ ...svc.cacheEnv, ACTIONS_RUNTIME_TOKEN: `${svc.env.ACTIONS_RUNTIME_TOKEN}x` });
    expect(refused.downloads).toBe(1);
    expect(refused.toolchain.source).toBe('download');
  });
});
