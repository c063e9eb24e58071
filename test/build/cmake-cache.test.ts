/**
 * A build directory configured with a toolchain file that has since moved:
 * real cmake fails on it, and after dropStaleCmakeCache it configures again.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropStaleCmakeCache } from '../../src/build/cmake-cache.js';
import { memoryLogger } from '../../src/common/log.js';
import { REPO_ROOT } from '../helpers/firmware.js';

const cmake = (args: string[]): { ok: boolean; out: string } => {
  try {
    return { ok: true, out: execFileSync('cmake', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? '') };
  }
};

describe('a stale CMake cache', () => {
  it('is dropped when its toolchain file no longer exists, and cmake configures again', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'allhw-cmake-cache-'));
    const src = path.join(dir, 'src');
    const build = path.join(dir, 'build');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.20)\nproject(p C)\nadd_library(p STATIC p.c)\n');
    await writeFile(path.join(src, 'p.c'), 'int p(void) { return 1; }\n');
    const moved = path.join(dir, 'old-toolchain.cmake');
    await copyFile(path.join(REPO_ROOT, 'firmware/cmake/arm-none-eabi.cmake'), moved);
    expect(cmake(['-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${moved}`]).ok).toBe(true);
    const log = memoryLogger();
    expect(await dropStaleCmakeCache(build, log)).toBe(false);

    await rm(moved);
    const stale = cmake(['-S', src, '-B', build]);
    expect(stale.ok).toBe(false);
    expect(stale.out).toContain('old-toolchain.cmake');
    expect(await dropStaleCmakeCache(build, log)).toBe(true);
    expect(log.lines.join('\n')).toContain('names a toolchain file that no longer exists');
    const fresh = cmake(['-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(REPO_ROOT, 'firmware/cmake/arm-none-eabi.cmake')}`]);
    expect(fresh.ok, fresh.out).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});
