/**
 * A CMake build directory remembers its toolchain file in CMakeCache.txt.
 * When that file has moved since (a project's or allhw-ci's own update),
 * every configure fails on the missing include until the cache is dropped:
 * drop it then, saying so, and configure afresh.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/log.js';

/** Drops a cache whose toolchain file no longer exists; true when it did. */
export async function dropStaleCmakeCache(buildDir: string, log: Pick<Logger, 'info'>): Promise<boolean> {
  const cacheFile = path.join(buildDir, 'CMakeCache.txt');
  const text = await readFile(cacheFile, 'utf8').catch(() => null);
  if (text === null) return false;
  const toolchain = /^CMAKE_TOOLCHAIN_FILE:[A-Z]+=(.*)$/m.exec(text)?.[1]?.trim() ?? '';
  if (!toolchain || existsSync(path.resolve(buildDir, toolchain))) return false;
  await rm(cacheFile, { force: true });
  await rm(path.join(buildDir, 'CMakeFiles'), { recursive: true, force: true });
  log.info(`Build directory ${buildDir}: its CMake cache names a toolchain file that no longer exists (${toolchain}): configuring afresh.`);
  return true;
}
