/**
 * Zephyr cannot be installed here: these tests check the command line and
 * environment a Zephyr build gets, with a fake `west` on PATH, and with the
 * real cmake (no west) on a stand-in app that prints what it was given.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, BuildError } from '../../src/build/build.js';
import { findExecutable } from '../../src/common/process.js';
import { memoryLogger } from '../../src/common/log.js';
import { fixture, removeTempDirs, SYSTEM_TOOLCHAIN, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const base = { system: 'auto' as const, command: '', board: 'f746_disco', args: [] as string[], image: '', toolchain: SYSTEM_TOOLCHAIN, env: process.env };

/** The environment without Zephyr settings the machine might have, and without west. */
function cleanEnv(extraPath?: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.ZEPHYR_BASE;
  delete env.ZEPHYR_TOOLCHAIN_VARIANT;
  delete env.GNUARMEMB_TOOLCHAIN_PATH;
  if (extraPath) env.PATH = `${extraPath}${path.delimiter}${env.PATH}`;
  return env;
}

describe('Zephyr builds', () => {
  let prebuilt: { elf: string; hex: string };
  let fakeBin: string;
  let record: string;

  beforeAll(async () => {
    // A real Arm image for the fake west to "produce".
    const made = await fixture('make-app');
    await buildProject({ ...base, projectDir: made.project, resultsDir: made.results, log: memoryLogger() });
    prebuilt = { elf: path.join(made.project, 'app.elf'), hex: path.join(made.project, 'app.hex') };

    fakeBin = await tempDir('allhw-fake-west-');
    record = path.join(fakeBin, 'record');
    const west = [
      '#!/bin/sh',
      '# A fake west: records how it was called, then writes what `west build` would.',
      `printf '%s\\n' "$@" > '${record}.args'`,
      `printf 'ZEPHYR_TOOLCHAIN_VARIANT=%s\\nGNUARMEMB_TOOLCHAIN_PATH=%s\\ncwd=%s\\n' "$ZEPHYR_TOOLCHAIN_VARIANT" "$GNUARMEMB_TOOLCHAIN_PATH" "$PWD" > '${record}.env'`,
      'while [ $# -gt 0 ]; do [ "$1" = -d ] && dir=$2; shift; done',
      'mkdir -p "$dir/zephyr"',
      `cp '${prebuilt.elf}' "$dir/zephyr/zephyr.elf"`,
      `cp '${prebuilt.hex}' "$dir/zephyr/zephyr.hex"`,
      'echo "fake west: done"',
      '',
    ].join('\n');
    await writeFile(path.join(fakeBin, 'west'), west);
    await chmod(path.join(fakeBin, 'west'), 0o755);
  });

  it('with west on PATH: west build -b <Zephyr board> with the gnuarmemb variant, and zephyr.elf as the image', async () => {
    const { project, results } = await fixture('zephyr-app');
    const log = memoryLogger();
    const build = await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      args: ['-DCONFIG_DEBUG=y'],
      env: cleanEnv(fakeBin),
      log,
    });
    expect(build.system).toBe('zephyr');
    const args = (await readFile(`${record}.args`, 'utf8')).trimEnd().split('\n');
    expect(args).toEqual(['build', '-p', 'auto', '-b', 'stm32f746g_disco', '-d', path.join(project, 'build'), project, '--', '-DCONFIG_DEBUG=y']);
    const env = await readFile(`${record}.env`, 'utf8');
    // The system toolchain: the root above the bin/ holding arm-none-eabi-gcc.
    const gcc = await findExecutable('arm-none-eabi-gcc', process.env.PATH ?? '');
    expect(env).toContain('ZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb\n');
    expect(env).toContain(`GNUARMEMB_TOOLCHAIN_PATH=${path.dirname(path.dirname(gcc!))}\n`);
    expect(env).toContain(`cwd=${project}\n`);

    expect(build.images).toHaveLength(1);
    expect(build.images[0]).toMatchObject({ name: 'f746_disco-zephyr', path: path.join(project, 'build', 'zephyr', 'zephyr.elf'), format: 'elf' });
    expect(build.images[0]?.size!.flash).toBeGreaterThan(0);
    expect(log.lines).toContain('info: fake west: done');
  });

  it("points GNUARMEMB_TOOLCHAIN_PATH at the action's toolchain when it installed one", async () => {
    const { project, results } = await fixture('zephyr-app');
    await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      toolchain: { source: 'cache', release: '13.2.Rel1', path: '/opt/arm-gnu-toolchain-13.2', binDir: '/opt/arm-gnu-toolchain-13.2/bin', gccVersion: null },
      env: cleanEnv(fakeBin),
      log: memoryLogger(),
    });
    expect(await readFile(`${record}.env`, 'utf8')).toContain('GNUARMEMB_TOOLCHAIN_PATH=/opt/arm-gnu-toolchain-13.2\n');
  });

  it('without west: cmake -DBOARD=<Zephyr board> as microTVM does, with the same environment', async () => {
    const env = cleanEnv();
    expect(await findExecutable('west', env.PATH ?? '')).toBeNull();
    const { project, results } = await fixture('zephyr-app');
    const log = memoryLogger();
    const error = (await buildProject({ ...base, projectDir: project, resultsDir: results, env, log }).catch((e: unknown) => e)) as BuildError;
    // Zephyr is not installed: the stand-in app gets as far as find_package(Zephyr).
    expect(error).toBeInstanceOf(BuildError);
    expect(error.details.command).toBe(`cmake -S ${project} -B ${path.join(project, 'build')} -DBOARD=stm32f746g_disco`);
    expect(error.message).toContain('Zephyr');
    const buildLog = await readFile(path.join(results, 'logs', 'build.log'), 'utf8');
    expect(buildLog).toContain('allhw-test: BOARD=stm32f746g_disco');
    expect(buildLog).toContain('allhw-test: ZEPHYR_TOOLCHAIN_VARIANT=gnuarmemb');
    expect(buildLog).toMatch(/allhw-test: GNUARMEMB_TOOLCHAIN_PATH=\/\S+/);
    expect(log.lines).toContain('info: Zephyr: west is not on PATH, building with cmake -DBOARD=stm32f746g_disco as microTVM does.');
    expect(log.lines.some((l) => l.includes('ZEPHYR_BASE is not set'))).toBe(true);
  });

  it('explains a board Zephyr does not know, and for the emulated board points at model:', async () => {
    const noBoard = await tempDir('allhw-west-no-board-');
    const west = [
      '#!/bin/sh',
      '# A west whose Zephyr lacks the board: what Zephyr prints, then hundreds of board names.',
      'while [ $# -gt 0 ]; do [ "$1" = -b ] && board=$2; shift; done',
      `echo "-- Zephyr version: 3.5.0 (/zephyr)"`,
      `echo "No board named '$board' found."`,
      'echo "Please choose one of the following boards:"',
      'i=0; while [ $i -lt 300 ]; do echo "  board_$i"; i=$((i+1)); done',
      'echo "CMake Error at /zephyr/cmake/modules/boards.cmake:200 (message): Invalid BOARD; see above." >&2',
      'exit 1',
      '',
    ].join('\n');
    await writeFile(path.join(noBoard, 'west'), west);
    await chmod(path.join(noBoard, 'west'), 0o755);

    const { project, results } = await fixture('zephyr-app');
    const emulated = (await buildProject({
      ...base,
      board: 'mps2_an500',
      projectDir: project,
      resultsDir: results,
      env: cleanEnv(noBoard),
      log: memoryLogger(),
    }).catch((e: unknown) => e)) as BuildError;
    expect(emulated).toBeInstanceOf(BuildError);
    const first = emulated.message.split('\n')[0];
    expect(first).toMatch(/^Zephyr has no board named 'mps2\/an500' \(the board allhw-ci maps 'mps2_an500' to\)/);
    expect(first).toMatch(/QEMU's mps2-an500 machine/);
    expect(first).toMatch(/Give 'model:'/);

    const real = (await buildProject({ ...base, board: 'l562', projectDir: project, resultsDir: results, env: cleanEnv(noBoard), log: memoryLogger() }).catch(
      (e: unknown) => e,
    )) as BuildError;
    expect(real.message.split('\n')[0]).toMatch(/^Zephyr has no board named 'stm32l562e_dk' .*Set 'board'/);
    expect(real.message).not.toMatch(/model:/);
  });
});
