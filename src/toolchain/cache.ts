/**
 * The tool cache: where installed toolchains live between runs. Lookups go
 * through @actions/tool-cache, so a self-hosted runner's cache is shared with
 * other setup actions' conventions (<root>/<tool>/<semver>/<arch> plus a
 * `<arch>.complete` marker).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import { withProcessEnv } from '../common/process-env.js';

/** The tool name under the cache root; distinct from xPack's and distro builds of the same GCC version. */
export const TOOL_NAME = 'arm-gnu-toolchain';

export interface CacheDirs {
  toolCacheDir: string;
  tempDir: string;
}

/**
 * Explicit options first; then the runner's RUNNER_TOOL_CACHE / RUNNER_TEMP
 * (on GitHub, the cache that hosted images pre-populate and self-hosted
 * runners keep); outside GitHub, a per-user cache and the system temp dir.
 */
export function cacheDirs(opts: { toolCacheDir?: string; tempDir?: string }, env: NodeJS.ProcessEnv): CacheDirs {
  return {
    toolCacheDir: path.resolve(opts.toolCacheDir || env.RUNNER_TOOL_CACHE || path.join(os.homedir(), '.cache', 'allhw-ci', 'tool-cache')),
    tempDir: path.resolve(opts.tempDir || env.RUNNER_TEMP || os.tmpdir()),
  };
}

/**
 * @actions/tool-cache takes no directory arguments: it reads RUNNER_TOOL_CACHE
 * and RUNNER_TEMP on every call (and asserts they are set). So each call runs
 * with them pointing at our directories, and the previous values come back
 * afterwards, so a caller-chosen cache (tests, the CLI) never leaks into the
 * rest of the process.
 */
function withToolCacheEnv<T>(dirs: CacheDirs, fn: () => T | Promise<T>): Promise<T> {
  return withProcessEnv(['RUNNER_TOOL_CACHE', 'RUNNER_TEMP'], { RUNNER_TOOL_CACHE: dirs.toolCacheDir, RUNNER_TEMP: dirs.tempDir }, async () => fn());
}

/** The cached toolchain root for a version and arch, or null. */
export async function findCached(dirs: CacheDirs, version: string, arch: string): Promise<string | null> {
  const found = await withToolCacheEnv(dirs, () => tc.find(TOOL_NAME, version, arch));
  return found || null;
}

/**
 * A fresh directory to extract into before the checksum is known, outside
 * the cache: in the temp dir when that is on the cache's filesystem (so
 * committing stays a rename, not a copy of ~1 GB), else beside the cache
 * entries under a name tool-cache's version scan skips (not a semver).
 * Either way it is removed on any failure, and its size is capped while it
 * fills (unpack-limits.ts).
 */
export async function stagingDir(dirs: CacheDirs, version: string, arch: string): Promise<string> {
  const toolDir = path.join(dirs.toolCacheDir, TOOL_NAME);
  await Promise.all([mkdir(toolDir, { recursive: true }), mkdir(dirs.tempDir, { recursive: true })]);
  const [cacheFs, tempFs] = await Promise.all([stat(toolDir), stat(dirs.tempDir)]);
  const name = `staging-${version}-${arch}-${randomUUID().slice(0, 8)}`;
  const dir = cacheFs.dev === tempFs.dev ? path.join(dirs.tempDir, `allhw-toolchain-${name}`) : path.join(toolDir, `.${name}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Moves a verified toolchain root into the cache and marks it complete, the
 * layout tc.cacheDir writes. A rename instead of tc.cacheDir's copy: a
 * toolchain is ~1 GB in thousands of files, and copying it would cost more
 * than extracting it. tc.cacheDir remains the fallback when a rename is not
 * possible. Returns the cached root.
 */
export async function commitToCache(dirs: CacheDirs, root: string, version: string, arch: string): Promise<string> {
  const dest = path.join(dirs.toolCacheDir, TOOL_NAME, version, arch);
  const marker = `${dest}.complete`;
  // An entry without its marker is a crashed install: replace it, as tool-cache does.
  await rm(marker, { force: true });
  await rm(dest, { recursive: true, force: true });
  await mkdir(path.dirname(dest), { recursive: true });
  try {
    await rename(root, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      // Another job on this runner cached the same toolchain meanwhile: use theirs.
      const theirs = await findCached(dirs, version, arch);
      if (theirs) return theirs;
    }
    return withToolCacheEnv(dirs, () => tc.cacheDir(root, TOOL_NAME, version, arch));
  }
  await writeFile(marker, '');
  return dest;
}
