/**
 * The versions table (versions.json): finding a release by name, the nearest
 * names when it is unknown, and the archive for the runner's host.
 */
import shipped from './versions.json' with { type: 'json' };
import { ToolchainError } from './errors.js';
import { HOST_KEYS, tableProblems, type HostArchive, type HostKey, type Release, type VersionsTable } from './table-shape.js';
import { editDistance } from '../common/edit-distance.js';

export * from './table-shape.js';

/** A table checked once; throws a ToolchainError listing what is wrong with it. */
export function checkedTable(value: unknown, where: string): VersionsTable {
  const problems = tableProblems(value);
  if (problems.length) {
    const shown = problems
      .slice(0, 10)
      .map((p) => `  - ${p}`)
      .join('\n');
    const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : '';
    throw new ToolchainError(`The toolchain versions table (${where}) is malformed:\n${shown}${more}`);
  }
  return value as VersionsTable;
}

let shippedChecked: VersionsTable | null = null;

/** src/toolchain/versions.json, checked on first use. */
export function defaultTable(): VersionsTable {
  shippedChecked ??= checkedTable(shipped, 'src/toolchain/versions.json');
  return shippedChecked;
}

/** The release a name or alias stands for (any letter case), or null. */
export function findRelease(table: VersionsTable, name: string): Release | null {
  const wanted = name.trim().toLowerCase();
  return table.releases.find((r) => r.name.toLowerCase() === wanted || (r.aliases ?? []).some((a) => a.toLowerCase() === wanted)) ?? null;
}

/** The `count` release names closest to an unknown one: by spelling, the same GCC major first, then the nearest major. */
export function nearestReleases(table: VersionsTable, name: string, count = 3): string[] {
  const wanted = name.trim().toLowerCase();
  const major = /^\d+/.exec(wanted)?.[0];
  const scored = table.releases.map((r, order) => {
    const spellings = [r.name, ...(r.aliases ?? [])].map((s) => s.toLowerCase());
    const distance = Math.min(...spellings.map((s) => editDistance(wanted, s)));
    const theirs = Number(/^\d+/.exec(r.name)?.[0]);
    const gap = major === undefined ? 0 : Math.abs(theirs - Number(major));
    return { name: r.name, score: distance - (gap === 0 ? 3 : 0), gap, order };
  });
  scored.sort((a, b) => a.score - b.score || a.gap - b.gap || a.order - b.order);
  return scored.slice(0, count).map((s) => s.name);
}

/**
 * The hosts whose archives can run here, best first. Apple silicon runs x86_64
 * builds under Rosetta and Windows on Arm runs x64 ones under emulation, so
 * those hosts fall back to them when Arm published no native build.
 */
export function hostCandidates(platform: NodeJS.Platform, arch: string): HostKey[] {
  const key = `${platform}-${arch}`;
  if (key === 'darwin-arm64') return ['darwin-arm64', 'darwin-x64'];
  if (key === 'win32-arm64') return ['win32-x64'];
  return (HOST_KEYS as readonly string[]).includes(key) ? [key as HostKey] : [];
}

export interface ArchiveChoice {
  host: HostKey;
  archive: HostArchive;
  /** Set when the archive is not native to this host (why it still runs). */
  emulated: string | null;
}

/** The archive of a release for this host, or null when Arm built none that runs here. */
export function archiveFor(release: Release, platform: NodeJS.Platform, arch: string): ArchiveChoice | null {
  for (const host of hostCandidates(platform, arch)) {
    const archive = release.hosts[host];
    if (!archive) continue;
    const native = host === `${platform}-${arch}`;
    const emulated = native ? null : platform === 'darwin' ? 'runs under Rosetta 2' : 'runs under x64 emulation';
    return { host, archive, emulated };
  }
  return null;
}

/** Why no archive is usable here, naming the hosts the release does have. */
export function noArchiveMessage(release: Release, platform: NodeJS.Platform, arch: string): string {
  const have = Object.keys(release.hosts).join(', ');
  if (hostCandidates(platform, arch).length === 0) {
    return (
      `Arm publishes no arm-none-eabi toolchain for ${platform}-${arch} (only for ${HOST_KEYS.join(', ')}). ` +
      `Use toolchain: system with a toolchain you installed yourself.`
    );
  }
  return (
    `Arm published no ${platform}-${arch} build of ${release.name} (it has: ${have}). ` +
    `Pick another release (toolchain: latest, or one listed by 'allhw toolchain list'), or use toolchain: system.`
  );
}
