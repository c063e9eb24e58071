/**
 * The toolchain stage, top to bottom: read the spec; `none` and `system` end
 * early; otherwise pick the release and this host's archive from the versions
 * table, look in the tool cache (a hit needs no network), and on a miss download
 * it from Arm (or the mirror) while extracting and hashing it, check what its
 * gcc reports and move it into the cache. Its bin directory is returned (and
 * handed to onBinDir): putting it on PATH is the entry layer's business.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { cacheDirs, commitToCache, findCached, stagingDir, type CacheDirs } from './cache.js';
import { toolchainCacheKey, toolchainCachePaths, type ToolchainCacheLayer } from './actions-cache.js';
import { redactUrl } from '../common/redact.js';
import { downloadVerified, type DownloadTuning } from './download.js';
import { ToolchainError } from './errors.js';
import { openExtractingSink } from './extract.js';
import { systemToolchain } from './system.js';
import {
  archiveFor,
  archiveFormat,
  type ArchiveChoice,
  cacheVersion,
  checkedTable,
  defaultTable,
  findRelease,
  nearestReleases,
  noArchiveMessage,
  type Checksum,
  type Release,
  type VersionsTable,
} from './table.js';
import type { Toolchain } from './types.js';
import { gccExecutable, gccVersionLine, reportsVersion } from './verify.js';

export { ToolchainError } from './errors.js';
export type { VersionsTable } from './table.js';

export interface ToolchainOptions {
  /** Release name (13.2.Rel1, 10.3-2021.10, ...), `latest`, `system` or `none`; a release may carry a pin: `13.2.Rel1@sha256:<hex>`. */
  spec: string;
  /** Base URL serving the archives under Arm's file names, used instead of Arm's servers. */
  mirror?: string;
  /** The versions table (default: src/toolchain/versions.json). */
  table?: VersionsTable;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Default: RUNNER_TOOL_CACHE on GitHub, else ~/.cache/allhw-ci/tool-cache. */
  toolCacheDir?: string;
  /** Default: RUNNER_TEMP on GitHub, else the system temp dir. */
  tempDir?: string;
  log: Logger;
  /** Where `system` looks for arm-none-eabi-gcc and extraction for xz/tar/unzip (the entry layer passes PATH). */
  searchPath: string;
  /** The runner's variables (RUNNER_TOOL_CACHE, RUNNER_TEMP) for the default directories; none when absent. */
  env?: NodeJS.ProcessEnv;
  /** May `system` install the OS package when gcc is missing (default true)? */
  allowOsInstall?: boolean;
  /** Called with the bin directory of an installed or cached toolchain: the action puts it on PATH for later steps. */
  onBinDir?: (binDir: string) => void;
  download?: DownloadTuning;
  /** The Actions cache, tried after a tool-cache miss and filled after a download (actions-cache.ts). */
  actionsCache?: ToolchainCacheLayer | null;
}

const NONE: Toolchain = { source: 'none', release: 'none', path: null, binDir: null, gccVersion: null };

/** `name@sha256:hex` → the name and its pinned checksum. */
function parseSpec(spec: string): { name: string; pin: Checksum | null } {
  const at = spec.indexOf('@');
  if (at < 0) return { name: spec, pin: null };
  const name = spec.slice(0, at);
  const [, algorithm, digest] = /^(sha256|md5):([0-9a-fA-F]+)$/.exec(spec.slice(at + 1)) ?? [];
  const length = algorithm === 'md5' ? 32 : 64;
  if (algorithm === undefined || digest === undefined || digest.length !== length) {
    throw new ToolchainError(`toolchain '${spec}': a pinned checksum is written ${name || '<release>'}@sha256:<64 hex digits> (or @md5:<32 hex digits>).`);
  }
  if (['latest', 'system', 'none', ''].includes(name.toLowerCase())) {
    throw new ToolchainError(`toolchain '${spec}': pin a checksum on a named release (e.g. 13.2.Rel1@sha256:...), not on '${name}'.`);
  }
  return { name, pin: { algorithm: algorithm as Checksum['algorithm'], value: digest.toLowerCase() } };
}

/** The directory holding bin/arm-none-eabi-gcc: the extraction dir itself or one level or two below. */
async function toolchainRoot(dir: string, platform: NodeJS.Platform): Promise<string> {
  const hasGcc = async (d: string): Promise<boolean> => (await stat(gccExecutable(path.join(d, 'bin'), platform)).catch(() => null))?.isFile() ?? false;
  let level = [dir];
  for (let depth = 0; depth < 3; depth++) {
    for (const d of level) if (await hasGcc(d)) return d;
    const next: string[] = [];
    for (const d of level) {
      const children = await readdir(d, { withFileTypes: true }).catch(() => []);
      next.push(...children.filter((c) => c.isDirectory()).map((c) => path.join(d, c.name)));
    }
    level = next;
  }
  throw new ToolchainError(`The archive has no bin/${path.basename(gccExecutable('', platform))}: it is not an arm-none-eabi toolchain.`);
}

function pickRelease(table: VersionsTable, name: string, platform: NodeJS.Platform, arch: string, log: Logger): Release {
  if (name.toLowerCase() === 'latest') {
    const [newest] = table.releases;
    if (!newest) throw new ToolchainError('The toolchain versions table lists no releases, so there is no latest one.');
    const usable = table.releases.find((r) => archiveFor(r, platform, arch));
    if (!usable) throw new ToolchainError(noArchiveMessage(newest, platform, arch));
    if (usable !== newest) log.notice(`latest: ${newest.name} has no ${platform}-${arch} build; using ${usable.name}.`);
    return usable;
  }
  const release = findRelease(table, name);
  if (release) return release;
  throw new ToolchainError(
    `Unknown toolchain release '${name}'. Nearest known: ${nearestReleases(table, name).join(', ')}. ` +
      `Set 'toolchain' to a known release (newest first: ${table.releases.map((r) => r.name).join(', ')}), or to latest, system or none.`,
  );
}

export async function setupToolchain(opts: ToolchainOptions): Promise<Toolchain> {
  const { log } = opts;
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? os.arch();
  const { searchPath } = opts;
  const { name, pin } = parseSpec(opts.spec.trim() || 'latest');
  const lower = name.toLowerCase();
  if (lower === 'none') {
    log.info('toolchain: none: not installing a toolchain.');
    return NONE;
  }
  if (lower === 'system') return systemToolchain({ log, platform, searchPath, allowOsInstall: opts.allowOsInstall ?? true });

  const table = opts.table ? checkedTable(opts.table, 'the table option') : defaultTable();
  const release = pickRelease(table, name, platform, arch, log);
  const choice = archiveFor(release, platform, arch);
  if (!choice) throw new ToolchainError(noArchiveMessage(release, platform, arch));
  const { archive, host } = choice;
  if (choice.emulated) log.warning(`Arm published no ${platform}-${arch} build of ${release.name}; using the ${host} one, which ${choice.emulated}.`);
  const checksum = checksumFor(release, choice, pin, log);
  const version = cacheVersion(release.name)!;
  const dirs = cacheDirs(opts, opts.env ?? {});
  const install: Install = {
    opts,
    release,
    host,
    archive,
    checksum,
    platform,
    version,
    cacheArch: host.slice(host.indexOf('-') + 1),
    dirs,
    started: performance.now(),
  };
  return (await fromCaches(install)) ?? downloadRelease(install);
}

/** The checksum to verify the archive with: the pin, else the table's; none known is an error. */
function checksumFor(release: Release, { archive, host }: ArchiveChoice, pin: Checksum | null, log: Logger): Checksum {
  const checksum = pin ?? archive.checksum;
  if (!checksum) {
    throw new ToolchainError(
      `No checksum is known for ${archive.file} (${release.name}, ${host}); refusing to install an unverified archive. ` +
        `Pin one: toolchain: '${release.name}@sha256:<the archive's sha256>' (Arm publishes a .sha256asc beside each archive), ` +
        `or add it to the versions table, or use toolchain: system.`,
    );
  }
  if (pin && archive.checksum && (pin.algorithm !== archive.checksum.algorithm || pin.value !== archive.checksum.value)) {
    log.warning(
      `${archive.file}: using the pinned ${pin.algorithm} ${pin.value} instead of the table's ${archive.checksum.algorithm} ${archive.checksum.value}.`,
    );
  }
  return checksum;
}

/** One release being installed for one host. */
interface Install {
  opts: ToolchainOptions;
  release: Release;
  host: ArchiveChoice['host'];
  archive: ArchiveChoice['archive'];
  checksum: Checksum;
  platform: NodeJS.Platform;
  version: string;
  cacheArch: string;
  dirs: CacheDirs;
  started: number;
}

function finishInstall(i: Install, source: 'cache' | 'download', root: string, line: string, where = 'the tool cache'): Toolchain {
  const binDir = path.join(root, 'bin');
  i.opts.onBinDir?.(binDir);
  const seconds = ((performance.now() - i.started) / 1000).toFixed(2);
  i.opts.log.info(`arm-none-eabi-gcc ${i.release.name} (${i.host}) ${source === 'cache' ? `from ${where}` : 'installed'} in ${seconds} s: ${binDir}`);
  i.opts.log.info(`  ${line}`);
  return { source, release: i.release.name, path: root, binDir, gccVersion: line };
}

async function checkVersion(i: Install, root: string): Promise<string> {
  const { release } = i;
  const line = await gccVersionLine(gccExecutable(path.join(root, 'bin'), i.platform));
  if (!reportsVersion(line, release.gccVersion)) {
    throw new ToolchainError(`${release.name} should be GCC ${release.gccVersion}, but its arm-none-eabi-gcc reports: ${line}`);
  }
  if (!line.toLowerCase().includes(release.name.toLowerCase())) i.opts.log.debug(`'${line}' does not name ${release.name}`);
  return line;
}

/** The release from the tool cache, else from the Actions cache; null when neither has a working one. */
async function fromCaches(i: Install): Promise<Toolchain | null> {
  const { dirs, version, cacheArch, opts } = i;
  const cached = await findCached(dirs, version, cacheArch);
  if (cached) {
    try {
      return finishInstall(i, 'cache', cached, await checkVersion(i, cached));
    } catch (e) {
      opts.log.warning(`The cached ${i.release.name} at ${cached} is broken (${(e as Error).message}); installing it again.`);
      await rm(cached, { recursive: true, force: true });
    }
  }
  const cacheKey = toolchainCacheKey(i.release.name, i.host, i.checksum);
  if (opts.actionsCache && (await opts.actionsCache.restore(toolchainCachePaths(dirs, version, cacheArch), cacheKey))) {
    const restored = await findCached(dirs, version, cacheArch);
    if (restored) return finishInstall(i, 'cache', restored, await checkVersion(i, restored), `the Actions cache (${cacheKey})`);
  }
  return null;
}

async function downloadRelease(i: Install): Promise<Toolchain> {
  const { opts, archive, checksum, dirs, version, cacheArch, platform } = i;
  const { log, searchPath } = opts;
  const cacheKey = toolchainCacheKey(i.release.name, i.host, checksum);
  const cachePaths = toolchainCachePaths(dirs, version, cacheArch);
  const format = archiveFormat(archive.file)!;
  const urls = opts.mirror ? [mirrorUrl(opts.mirror, archive.file)] : [archive.url, ...archive.mirrors];
  log.info(
    `${i.release.name} is not in the tool cache (${dirs.toolCacheDir})${opts.actionsCache ? ' nor in the Actions cache' : ''}; downloading ${archive.file}, ${checksum.algorithm} ${checksum.value}`,
  );
  const staging = await stagingDir(dirs, version, cacheArch);
  try {
    let tries = 0;
    let extracted = '';
    await downloadVerified({
      ...opts.download,
      label: archive.file,
      urls,
      checksum,
      log,
      openSink: async () => {
        extracted = path.join(staging, `try-${++tries}`);
        return openExtractingSink({ format, dir: extracted, tempDir: dirs.tempDir, platform, searchPath });
      },
    });
    const root = await toolchainRoot(extracted, platform);
    const line = await checkVersion(i, root);
    const committed = finishInstall(i, 'download', await commitToCache(dirs, root, version, cacheArch), line);
    // Only a verified toolchain goes into the cache: a restore is trusted like a tool-cache hit.
    await opts.actionsCache?.save(cachePaths, cacheKey);
    return committed;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function mirrorUrl(mirror: string, file: string): string {
  let base: URL;
  try {
    base = new URL(mirror);
  } catch {
    base = new URL('invalid:');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ToolchainError(`toolchain-mirror '${redactUrl(mirror)}' is not an http(s) URL; give the base URL that serves the Arm archives by file name.`);
  }
  return `${mirror.replace(/\/+$/, '')}/${encodeURIComponent(file)}`;
}
