/** The example project (examples/synth) through `auto`, for both boards. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../src/build/build.js';
import type { Build } from '../../src/build/types.js';
import { memoryLogger } from '../../src/common/log.js';
import { berkeleySize, exampleCopy, removeTempDirs, sysvSections, SYSTEM_TOOLCHAIN } from './helpers.js';
import { itemAt } from '../helpers/item.js';

afterAll(removeTempDirs);

async function buildExample(board: string): Promise<{ build: Build; project: string; log: ReturnType<typeof memoryLogger> }> {
  const { project, results } = await exampleCopy();
  const log = memoryLogger();
  const build = await buildProject({
    projectDir: project,
    system: 'auto',
    command: '',
    board,
    args: [],
    image: '',
    resultsDir: results,
    toolchain: SYSTEM_TOOLCHAIN,
    env: process.env,
    log,
  });
  return { build, project, log };
}

describe('examples/synth', () => {
  it('builds for mps2_an500 through auto; synth.elf (with synth.hex beside it) is the one image', async () => {
    const { build, project, log } = await buildExample('mps2_an500');
    expect(build.system).toBe('cmake');
    // The example brings its own toolchain file: ours is not forced on it.
    expect(log.lines).toContain("info: CMake toolchain file: the project's own (its CMakeLists.txt sets CMAKE_TOOLCHAIN_FILE).");
    expect(build.images).toEqual([
      {
        name: 'mps2_an500-synth',
        path: path.join(project, 'build', 'synth.elf'),
        format: 'elf',
        board: 'mps2_an500',
        size: expect.objectContaining({ flashCapacity: 4194304 }),
      },
    ]);
    expect(existsSync(path.join(project, 'build', 'synth.hex'))).toBe(true);
    expect(await readFile(build.logPath, 'utf8')).toContain('Built target synth');
  });

  it('builds for f746_disco through auto, and its size report matches arm-none-eabi-size', async () => {
    const { build } = await buildExample('f746_disco');
    expect(build.images).toHaveLength(1);
    const image = itemAt(build.images, 0);
    expect(image.name).toBe('f746_disco-synth');

    const berkeley = await berkeleySize(image.path);
    expect(image.size).toMatchObject({
      flash: berkeley.text + berkeley.data,
      ram: berkeley.data + berkeley.bss,
      flashCapacity: 1024 * 1024,
      ramCapacity: 320 * 1024,
    });
    // Every allocated section, with the sizes `size -A` gives (which also lists debug sections).
    const sysv = await sysvSections(image.path);
    expect(Object.keys(image.size!.sections).length).toBeGreaterThan(0);
    for (const [name, bytes] of Object.entries(image.size!.sections)) expect(sysv[name]).toBe(bytes);
    expect(Object.keys(image.size!.sections).some((s) => s.startsWith('.debug'))).toBe(false);
    expect(image.size!.flash).toBeGreaterThan(0);
    expect(image.size!.ram).toBeGreaterThan(0);
  });
});
