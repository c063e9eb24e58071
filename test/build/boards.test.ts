/** The board table, and builds for a board it does not know. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boardInfo, zephyrBoard } from '../../src/build/boards.js';
import { buildProject } from '../../src/build/build.js';
import { memoryLogger } from '../../src/common/log.js';
import { fixture, REPO_ROOT, removeTempDirs, SYSTEM_TOOLCHAIN } from './helpers.js';

afterAll(removeTempDirs);

const base = { system: 'auto' as const, command: '', args: [] as string[], image: '', toolchain: SYSTEM_TOOLCHAIN, env: process.env };

describe('the board table', () => {
  it("has the STM32 boards All-HW's microTVM example builds for, with the data sheets' flash and RAM", () => {
    expect(boardInfo('f746_nucleo')).toMatchObject({ cpu: 'cortex-m7', flash: 1024 * 1024, ram: 320 * 1024, zephyr: 'nucleo_f746zg' });
    expect(boardInfo('l562')).toMatchObject({ cpu: 'cortex-m33', flash: 512 * 1024, ram: 256 * 1024, zephyr: 'stm32l562e_dk' });
    expect(boardInfo('f746_nucleo')!.description).toMatch(/STM32F746ZG/);
    expect(boardInfo('l562')!.description).toMatch(/STM32L562QE/);
  });

  it('names the part number of every board in the build README', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'src/build/README.md'), 'utf8');
    for (const part of ['STM32F746NG', 'STM32F746ZG', 'STM32L562QE']) expect(readme).toContain(part);
  });

  it("gives Zephyr a board's own name for one the table does not know", () => {
    expect(zephyrBoard('l562')).toBe('stm32l562e_dk');
    // Zephyr 3.7 moved to hardware-model names: the MPS2 AN500 is mps2/an500 there.
    expect(zephyrBoard('mps2_an500')).toBe('mps2/an500');
    expect(zephyrBoard('frdm_k64f')).toBe('frdm_k64f');
  });
});

describe('a board the table does not know', () => {
  it('builds, with a notice that flash and RAM are not checked', async () => {
    const { project, results } = await fixture('make-app');
    const log = memoryLogger();
    const build = await buildProject({ ...base, board: 'frdm_k64f', projectDir: project, resultsDir: results, log });
    expect(build.images[0]?.size).toMatchObject({ flashCapacity: null, ramCapacity: null });
    expect(log.lines).toContainEqual(
      "notice: Board 'frdm_k64f' is not in allhw-ci's board table: flash and RAM use are not checked against the board. Set 'flash-size' and 'ram-size' to check them.",
    );
  });

  it("checks against 'flash-size' and 'ram-size' when given, and warns when the image does not fit", async () => {
    const { project, results } = await fixture('make-app');
    const log = memoryLogger();
    const build = await buildProject({ ...base, board: 'frdm_k64f', flashSize: 64, ramSize: 1024 * 1024, projectDir: project, resultsDir: results, log });
    expect(build.images[0]?.size).toMatchObject({ flashCapacity: 64, ramCapacity: 1024 * 1024 });
    expect(log.lines.some((l) => l.startsWith('notice: Board'))).toBe(false);
    expect(log.lines).toContainEqual(
      expect.stringMatching(/^warning: Image frdm_k64f-app uses \d+ B of flash but the board has 64 B: it will not fit on frdm_k64f\.$/),
    );
  });

  it('lets the limits override the table for a known board', async () => {
    const { project, results } = await fixture('make-app');
    const build = await buildProject({ ...base, board: 'f746_disco', ramSize: 2048, projectDir: project, resultsDir: results, log: memoryLogger() });
    expect(build.images[0]?.size).toMatchObject({ flashCapacity: 1024 * 1024, ramCapacity: 2048 });
  });
});
