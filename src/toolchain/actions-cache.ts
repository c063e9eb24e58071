/**
 * The toolchain in the Actions cache, on top of the tool cache: a hosted job
 * starts with an empty tool cache (for our tool), so without this every job
 * downloads ~92 MB from Arm. The cached paths are the tool-cache entry and
 * its `.complete` marker, so a restore is a tool-cache hit like any other.
 *
 * The key names the release, the host and the archive's checksum. No restore
 * keys: @actions/cache matches those as prefixes, and a toolchain built from
 * another archive (another checksum) must never stand in for this one.
 * Caching is optional: every failure is a warning, and the download follows.
 */
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { withProcessEnv } from '../common/process-env.js';
import { TOOL_NAME, type CacheDirs } from './cache.js';
import type { Checksum } from './table.js';

/** The variables @actions/cache reads from process.env. */
const CACHE_ENV = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_MODE',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
  'RUNNER_TEMP',
  'SEGMENT_DOWNLOAD_TIMEOUT_MINS',
] as const;

export interface ToolchainCacheLayer {
  /** True when the entry was restored onto `paths`. */
  restore(paths: string[], key: string): Promise<boolean>;
  save(paths: string[], key: string): Promise<void>;
}

export function toolchainCacheKey(release: string, host: string, checksum: Checksum): string {
  return `allhw-toolchain-${release}-${host}-${checksum.algorithm}-${checksum.value}`;
}

/** The tool-cache entry of a version and arch, and its marker: what is saved and restored. */
export function toolchainCachePaths(dirs: CacheDirs, version: string, arch: string): string[] {
  const dest = path.join(dirs.toolCacheDir, TOOL_NAME, version, arch);
  return [dest, `${dest}.complete`];
}

/** The Actions cache through @actions/cache, or null where the runner offers none (the CLI, GHES without it). */
export function actionsCacheLayer(env: NodeJS.ProcessEnv, log: Logger): ToolchainCacheLayer | null {
  if (!env.ACTIONS_RUNTIME_TOKEN || !(env.ACTIONS_CACHE_URL || (env.ACTIONS_CACHE_SERVICE_V2 && env.ACTIONS_RESULTS_URL))) return null;
  // Loaded only when used: the client and its Azure SDK are large.
  const client = () => import('@actions/cache');
  return {
    async restore(paths, key) {
      try {
        const cache = await client();
        return (await withProcessEnv(CACHE_ENV, env, () => cache.restoreCache(paths, key))) === key;
      } catch (e) {
        log.warning(`Actions cache: restoring the toolchain failed (${(e as Error).message}); downloading it instead.`);
        return false;
      }
    },
    async save(paths, key) {
      try {
        const cache = await client();
        const id = await withProcessEnv(CACHE_ENV, env, () => cache.saveCache(paths, key));
        if (id !== -1) log.info(`Actions cache: saved the toolchain as '${key}' for the next jobs.`);
      } catch (e) {
        // Another job saving the same key first is the usual reason: harmless.
        log.warning(`Actions cache: the toolchain was not saved (${(e as Error).message}).`);
      }
    },
  };
}
