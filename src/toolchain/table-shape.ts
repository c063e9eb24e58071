/**
 * The versions table's types and its shape check. This module imports nothing
 * relative on purpose: scripts/check-toolchain-table.ts loads it straight from
 * source with Node's type stripping, which cannot map `./x.js` to `./x.ts`.
 */

/** Hosts Arm publishes arm-none-eabi toolchains for, named `${process.platform}-${process.arch}`. */
export const HOST_KEYS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'] as const;
export type HostKey = (typeof HOST_KEYS)[number];

export interface Checksum {
  algorithm: 'sha256' | 'md5';
  /** Lowercase hex. */
  value: string;
}

/** One archive: a release built for one host. */
export interface HostArchive {
  /** The archive's file name; a toolchain-mirror serves it under this name. */
  file: string;
  url: string;
  /** Other places Arm serves the same file, tried in order when `url` fails. */
  mirrors: string[];
  /** What the installer verifies; null means unknown, and the installer refuses the archive. */
  checksum: Checksum | null;
  /** Where the checksum comes from (Arm's published files, or which packaging recipes). */
  checksumSource?: string;
  /** The MD5 Arm published, kept for reference when `checksum` is a SHA256. */
  armMd5?: string;
}

export interface Release {
  /** Arm's release name: 13.2.Rel1, 10.3-2021.10, 9-2019-q4-major, ... */
  name: string;
  /** Other spellings accepted for it (e.g. carlosperate's short `9-2019-q4`). */
  aliases?: string[];
  /** The version `arm-none-eabi-gcc --version` prints for this release (13.2.1). */
  gccVersion: string;
  hosts: Partial<Record<HostKey, HostArchive>>;
}

export interface VersionsTable {
  version: 1;
  /** Newest first: `latest` is the first one built for the host. */
  releases: Release[];
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/**
 * The tool-cache version of an Arm release name. @actions/tool-cache only
 * finds explicit semver versions, so each naming scheme Arm used maps to one:
 *   13.2.Rel1         → 13.2.1      (X.Y.RelN → X.Y.N)
 *   10.3-2021.10      → 10.3.202110 (X.Y-YYYY.MM → X.Y.YYYYMM)
 *   9-2019-q4-major   → 9.0.20194   (X-YYYY-qN-kind → X.0.YYYYN)
 * The mapping keeps releases apart and in release order (9.0.20194 <
 * 9.0.20202 < 10.0.20204 < 10.3.202107 < 10.3.202110 < 11.2.202202 < 11.3.1).
 * Returns null for a name in none of these schemes.
 */
export function cacheVersion(name: string): string | null {
  let m = /^(\d+)\.(\d+)\.rel(\d+)$/i.exec(name);
  if (m) return `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}`;
  m = /^(\d+)\.(\d+)-(\d{4})\.(\d{2})$/.exec(name);
  if (m) return `${Number(m[1])}.${Number(m[2])}.${Number(`${m[3]}${m[4]}`)}`;
  m = /^(\d+)-(\d{4})-q([1-4])-(major|update)$/i.exec(name);
  if (m) return `${Number(m[1])}.0.${Number(`${m[2]}${m[3]}`)}`;
  return null;
}

export type ArchiveFormat = 'tar.xz' | 'tar.bz2' | 'tar.gz' | 'zip';

export function archiveFormat(file: string): ArchiveFormat | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.tar.xz')) return 'tar.xz';
  if (lower.endsWith('.tar.bz2')) return 'tar.bz2';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (lower.endsWith('.zip')) return 'zip';
  return null;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? NaN) - (b[i] ?? NaN);
  return 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The last path segment of an http(s) URL, or null when it is not one. */
function urlFileName(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return decodeURIComponent(u.pathname.slice(u.pathname.lastIndexOf('/') + 1));
  } catch {
    return null;
  }
}

function archiveProblems(where: string, a: unknown, requireChecksums: boolean): string[] {
  if (!isObject(a)) return [`${where}: expected an object`];
  const out: string[] = [];
  const file = a.file;
  if (typeof file !== 'string' || !file || /[/\\]/.test(file)) out.push(`${where}.file: expected a file name`);
  else if (!archiveFormat(file)) out.push(`${where}.file: '${file}' is not a .tar.xz, .tar.bz2, .tar.gz or .zip`);
  const urls: [string, unknown][] = [[`${where}.url`, a.url]];
  if (!Array.isArray(a.mirrors)) out.push(`${where}.mirrors: expected an array of URLs`);
  else a.mirrors.forEach((m, i) => urls.push([`${where}.mirrors[${i}]`, m]));
  for (const [at, url] of urls) {
    const name = typeof url === 'string' ? urlFileName(url) : null;
    if (name === null) out.push(`${at}: expected an http(s) URL`);
    else if (typeof file === 'string' && name.toLowerCase() !== file.toLowerCase()) {
      out.push(`${at}: names '${name}', not the entry's file '${file}'`);
    }
  }
  const c = a.checksum;
  if (c === null || c === undefined) {
    if (c === undefined) out.push(`${where}.checksum: missing (use null when no checksum is known)`);
    else if (requireChecksums) out.push(`${where}.checksum: no checksum known`);
  } else if (!isObject(c)) {
    out.push(`${where}.checksum: expected {"algorithm": "sha256"|"md5", "value": hex}`);
  } else if (c.algorithm === 'sha256' || c.algorithm === 'md5') {
    const len = c.algorithm === 'sha256' ? 64 : 32;
    if (typeof c.value !== 'string' || !new RegExp(`^[0-9a-f]{${len}}$`).test(c.value)) {
      out.push(`${where}.checksum.value: expected ${len} lowercase hex digits for ${c.algorithm}`);
    }
    if (typeof a.checksumSource !== 'string' || !a.checksumSource) out.push(`${where}.checksumSource: say where the checksum comes from`);
  } else {
    out.push(`${where}.checksum.algorithm: expected 'sha256' or 'md5'`);
  }
  if (a.armMd5 !== undefined && (typeof a.armMd5 !== 'string' || !/^[0-9a-f]{32}$/.test(a.armMd5))) {
    out.push(`${where}.armMd5: expected 32 lowercase hex digits`);
  }
  return out;
}

/**
 * Everything wrong with a would-be versions table, one line each (empty when
 * it is fine). `requireChecksums` also reports archives without a checksum,
 * which the shipped table must not have.
 */
export function tableProblems(value: unknown, requireChecksums = false): string[] {
  if (!isObject(value)) return ['table: expected a JSON object'];
  const out: string[] = [];
  if (value.version !== 1) out.push(`version: expected 1, found ${JSON.stringify(value.version)}`);
  if (!Array.isArray(value.releases) || value.releases.length === 0) {
    return [...out, 'releases: expected a non-empty array'];
  }
  const names = new Map<string, string>();
  const versions = new Map<string, string>();
  let previous: { name: string; version: number[] } | null = null;
  value.releases.forEach((r: unknown, i: number) => {
    const where = `releases[${i}]`;
    if (!isObject(r)) {
      out.push(`${where}: expected an object`);
      return;
    }
    const name = typeof r.name === 'string' ? r.name : '';
    const label = name ? `${where} (${name})` : where;
    if (!name) out.push(`${where}.name: expected a release name`);
    else {
      const v = cacheVersion(name);
      if (!v || !SEMVER.test(v)) out.push(`${label}.name: not an Arm release name this installer can map to a tool-cache version`);
      else if (versions.has(v)) out.push(`${label}: maps to tool-cache version ${v}, like ${versions.get(v)}`);
      else {
        versions.set(v, name);
        const parts = v.split('.').map(Number);
        if (previous && compareVersions(parts, previous.version) > 0) out.push(`${label}: listed after the older ${previous.name}; releases go newest first`);
        previous = { name, version: parts };
      }
    }
    const spellings = [name];
    if (r.aliases !== undefined) {
      if (!Array.isArray(r.aliases) || r.aliases.some((a) => typeof a !== 'string' || !a)) out.push(`${label}.aliases: expected an array of names`);
      else spellings.push(...(r.aliases as string[]));
    }
    for (const s of spellings.filter(Boolean)) {
      const key = s.toLowerCase();
      if (names.has(key)) out.push(`${label}: the name '${s}' is also used by ${names.get(key)}`);
      else names.set(key, name);
    }
    if (typeof r.gccVersion !== 'string' || !SEMVER.test(r.gccVersion)) out.push(`${label}.gccVersion: expected X.Y.Z`);
    if (!isObject(r.hosts) || Object.keys(r.hosts).length === 0) {
      out.push(`${label}.hosts: expected an object with at least one of ${HOST_KEYS.join(', ')}`);
      return;
    }
    for (const [host, archive] of Object.entries(r.hosts)) {
      if (!(HOST_KEYS as readonly string[]).includes(host)) out.push(`${label}.hosts.${host}: unknown host (known: ${HOST_KEYS.join(', ')})`);
      else out.push(...archiveProblems(`${label}.hosts.${host}`, archive, requireChecksums));
    }
  });
  return out;
}
