import { mkdir, readFile, symlink, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProject, BuildError } from '../../src/build/build.js';
import { gccMatcherFile, toolchainFile } from '../../src/build/assets.js';
import type { MatcherFile } from '../../src/build/matcher.js';
import { memoryLogger } from '../../src/common/log.js';
import { berkeleySize, fixture, removeTempDirs, REPO_ROOT, SYSTEM_TOOLCHAIN, tempDir } from './helpers.js';
import { itemAt } from '../helpers/item.js';

afterAll(removeTempDirs);

const base = { system: 'auto' as const, command: '', board: 'f746_disco', args: [] as string[], image: '', toolchain: SYSTEM_TOOLCHAIN, env: process.env };

/** A toolchain "installed by the action": a bin/ of its own (links to the system's tools). */
async function installedToolchain(): Promise<{ root: string; binDir: string }> {
  const root = await tempDir('allhw-toolchain-');
  const binDir = path.join(root, 'bin');
  await mkdir(binDir);
  for (const tool of (await readdir('/usr/bin')).filter((t) => t.startsWith('arm-none-eabi-'))) {
    await symlink(path.join('/usr/bin', tool), path.join(binDir, tool));
  }
  return { root, binDir };
}

describe('CMake projects', () => {
  it("builds with allhw-ci's toolchain file and the installed toolchain's compiler, finding the extensionless ELF", async () => {
    const { project, results } = await fixture('cmake-app');
    const { root, binDir } = await installedToolchain();
    const log = memoryLogger();
    const build = await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      toolchain: { source: 'cache', release: 'test', path: root, binDir, gccVersion: null },
      log,
    });
    expect(build.system).toBe('cmake');
    expect(build.images).toHaveLength(1);
    expect(build.images[0]).toMatchObject({ name: 'f746_disco-tiny', path: path.join(project, 'build', 'tiny'), format: 'elf' });

    const cache = await readFile(path.join(project, 'build', 'CMakeCache.txt'), 'utf8');
    expect(cache).toContain(`CMAKE_TOOLCHAIN_FILE:FILEPATH=${toolchainFile()}`);
    const versionDir = (await readdir(path.join(project, 'build', 'CMakeFiles'))).find((d) => /^\d+\.\d+/.test(d))!;
    const compiler = await readFile(path.join(project, 'build', 'CMakeFiles', versionDir, 'CMakeCCompiler.cmake'), 'utf8');
    expect(compiler).toContain(`set(CMAKE_C_COMPILER "${binDir}/arm-none-eabi-gcc")`);
    expect(cache).toContain('BOARD:STRING=f746_disco');
    expect(toolchainFile()).toBe(path.join(REPO_ROOT, 'cmake', 'arm-none-eabi.cmake'));

    const berkeley = await berkeleySize(itemAt(build.images, 0).path);
    expect(build.images[0]?.size).toMatchObject({ flash: berkeley.text + berkeley.data, ram: berkeley.data + berkeley.bss });
  });

  it('fails on a compile error: the error names the command, exit code and log; the matcher parses the line; the log is kept', async () => {
    const { project, root, results } = await fixture('cmake-app');
    const log = memoryLogger();
    const error = await buildProject({ ...base, projectDir: project, resultsDir: results, args: ['-DWITH_ERROR=ON'], githubActions: true, log }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    const e = error as BuildError;
    expect(e.message).toMatch(/^Build command failed with exit code \d+: cmake --build /);
    expect(e.message).toContain(path.join(results, 'logs', 'build.log'));
    expect(e.details.exitCode).not.toBe(0);
    expect(e.details.tail!.length).toBeGreaterThan(0);
    expect(e.details.tail!.length).toBeLessThanOrEqual(20);

    const buildLog = await readFile(path.join(results, 'logs', 'build.log'), 'utf8');
    const brokenC = path.join(root, 'fixtures', 'common', 'broken.c');
    const errorLine = buildLog.split('\n').find((l) => l.includes(': error: '));
    const warningLine = buildLog.split('\n').find((l) => l.includes(': warning: '));
    expect(errorLine).toBeDefined();
    expect(warningLine).toBeDefined();
    expect(e.message).toContain(errorLine);

    // The shipped matcher, applied the way the runner does.
    const matcher = itemAt((JSON.parse(await readFile(gccMatcherFile(), 'utf8')) as MatcherFile).problemMatcher, 0);
    const pattern = itemAt(matcher.pattern, 0);
    const regexp = new RegExp(pattern.regexp);
    const fields = (line: string) => {
      const m = regexp.exec(line)!;
      return { file: m[pattern.file!], line: m[pattern.line!], column: m[pattern.column!], severity: m[pattern.severity!], message: m[pattern.message] };
    };
    expect(fields(errorLine!)).toEqual({
      file: brokenC,
      line: '4',
      column: '10',
      severity: 'error',
      message: "'undeclared_variable' undeclared (first use in this function)",
    });
    expect(fields(warningLine!)).toEqual({
      file: brokenC,
      line: '3',
      column: '7',
      severity: 'warning',
      message: "unused variable 'unused' [-Wunused-variable]",
    });

    // Registered around the build, removed after it, even though it failed.
    const add = log.lines.indexOf(`info: ::add-matcher::${gccMatcherFile()}`);
    const remove = log.lines.indexOf(`info: ::remove-matcher owner=${matcher.owner}::`);
    const compiled = log.lines.findIndex((l) => l.includes(': error: '));
    expect(add).toBeGreaterThanOrEqual(0);
    expect(add).toBeLessThan(compiled);
    expect(remove).toBeGreaterThan(compiled);
  });

  it('prints no workflow commands outside GitHub Actions', async () => {
    const { project, results } = await fixture('cmake-app');
    const log = memoryLogger();
    await buildProject({ ...base, projectDir: project, resultsDir: results, log });
    expect(log.lines.some((l) => l.includes('::add-matcher::') || l.includes('::remove-matcher'))).toBe(false);
  });

  it('leaves the toolchain file to build-args when they name one', async () => {
    const { project, results } = await fixture('cmake-app');
    const log = memoryLogger();
    await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      args: [`-DCMAKE_TOOLCHAIN_FILE=${path.join(REPO_ROOT, 'cmake', 'arm-none-eabi.cmake')}`, '-DBOARD=mps2_an500'],
      log,
    });
    const configure = log.lines.find((l) => l.startsWith('info: $ cmake -S'))!;
    expect(configure.match(/CMAKE_TOOLCHAIN_FILE/g)).toHaveLength(1);
    // The user's -DBOARD comes after ours, so theirs wins.
    const cache = await readFile(path.join(project, 'build', 'CMakeCache.txt'), 'utf8');
    expect(cache).toContain('BOARD:STRING=mps2_an500');
  });
});
