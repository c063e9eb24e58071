import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProject, BuildError } from '../../src/build/build.js';
import { memoryLogger } from '../../src/common/log.js';
import { berkeleySize, fixture, removeTempDirs, SYSTEM_TOOLCHAIN } from './helpers.js';
import { itemAt } from '../helpers/item.js';

afterAll(removeTempDirs);

const base = { system: 'auto' as const, command: '', board: 'f746_disco', args: [] as string[], image: '', toolchain: SYSTEM_TOOLCHAIN, env: process.env };

describe('plain Make projects', () => {
  it('builds through auto, finds one image (the ELF of app.elf/app.hex) and sizes it', async () => {
    const { project, results } = await fixture('make-app');
    const log = memoryLogger();
    const build = await buildProject({ ...base, projectDir: project, resultsDir: results, log });

    expect(build.system).toBe('make');
    expect(build.images).toHaveLength(1);
    const image = itemAt(build.images, 0);
    expect(image).toMatchObject({ name: 'f746_disco-app', path: path.join(project, 'app.elf'), format: 'elf', board: 'f746_disco' });
    // The makefile asks for CROSS_COMPILE: it is on the command line.
    expect(log.lines.some((l) => l.includes('make -C') && l.includes('CROSS_COMPILE=arm-none-eabi-'))).toBe(true);

    const berkeley = await berkeleySize(image.path);
    expect(image.size).toMatchObject({ flash: berkeley.text + berkeley.data, ram: berkeley.data + berkeley.bss, flashCapacity: 1048576, ramCapacity: 327680 });
    // The linker script reserves a 4 KiB .stack section: it is RAM.
    expect(image.size!.sections['.stack']).toBeGreaterThanOrEqual(0x1000);
    expect(image.size!.ram).toBeGreaterThan(0x1000);

    const buildLog = await readFile(build.logPath, 'utf8');
    expect(build.logPath).toBe(path.join(results, 'logs', 'build.log'));
    expect(buildLog).toContain('arm-none-eabi-objcopy -O ihex app.elf app.hex');
  });

  it('hands CC=arm-none-eabi-gcc to a makefile that uses $(CC) without setting it', async () => {
    const { project, results } = await fixture('make-plain-cc');
    const log = memoryLogger();
    const build = await buildProject({ ...base, projectDir: project, resultsDir: results, log });
    expect(build.images.map((i) => i.name)).toEqual(['f746_disco-app']);
    expect(log.lines.some((l) => l.includes('CC=arm-none-eabi-gcc'))).toBe(true);
  });

  it('refuses to guess between two images, and takes both when image says so', async () => {
    const { project, results } = await fixture('make-app');
    const twoImages = { ...base, projectDir: project, resultsDir: results, args: ['EXTRA=1'] };
    const error = await buildProject({ ...twoImages, log: memoryLogger() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const message = (error as Error).message;
    expect(message).toContain('produced 2 images');
    expect(message).toContain('app.elf');
    expect(message).toContain('extra.elf');
    expect(message).toContain("Set 'image'");

    const build = await buildProject({ ...twoImages, image: '*.elf', log: memoryLogger() });
    expect(build.images.map((i) => [i.name, path.basename(i.path)])).toEqual([
      ['f746_disco-app', 'app.elf'],
      ['f746_disco-extra', 'extra.elf'],
    ]);
    expect(build.images.every((i) => i.size !== null)).toBe(true);
  });

  it('submits the HEX when the image glob names it, sized by the ELF beside it', async () => {
    const { project, results } = await fixture('make-app');
    const build = await buildProject({ ...base, projectDir: project, resultsDir: results, image: 'app.hex', log: memoryLogger() });
    expect(build.images).toHaveLength(1);
    expect(build.images[0]).toMatchObject({ format: 'hex', path: path.join(project, 'app.hex') });
    const berkeley = await berkeleySize(path.join(project, 'app.elf'));
    expect(build.images[0]?.size?.flash).toBe(berkeley.text + berkeley.data);
  });

  it('anchors make-relative compiler paths to absolute ones in the echoed lines under GitHub Actions', async () => {
    const { project, root, results } = await fixture('make-app');
    const log = memoryLogger();
    const error = await buildProject({ ...base, projectDir: project, resultsDir: results, args: ['BROKEN=1'], githubActions: true, log }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    const brokenC = path.join(root, 'fixtures', 'common', 'broken.c');
    expect(log.lines).toContain(`info: ${brokenC}:4:10: error: 'undeclared_variable' undeclared (first use in this function)`);
    // The raw log keeps what the compiler printed.
    const buildLog = await readFile(path.join(results, 'logs', 'build.log'), 'utf8');
    expect(buildLog).toContain("../common/broken.c:4:10: error: 'undeclared_variable' undeclared");
  });

  it('says which program is missing when make is not on PATH', async () => {
    const { project, results } = await fixture('make-app');
    const error = (await buildProject({ ...base, projectDir: project, resultsDir: results, env: { PATH: '/nonexistent' }, log: memoryLogger() }).catch(
      (e: unknown) => e,
    )) as BuildError;
    expect(error).toBeInstanceOf(BuildError);
    expect(error.message).toMatch(/^Could not start the build command make -C .*: 'make' is not on PATH \(install GNU make/);
  });
});
