import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProject, BuildError } from '../../src/build/build.js';
import { buildCommand } from '../../src/cli/build.js';
import { memoryLogger } from '../../src/common/log.js';
import { fixture, removeTempDirs, SYSTEM_TOOLCHAIN } from '../build/helpers.js';

afterAll(removeTempDirs);

const base = { system: 'auto' as const, command: '', board: 'f746_disco', args: [] as string[], image: '', toolchain: SYSTEM_TOOLCHAIN, env: process.env };

describe('build-command projects', () => {
  it('runs the command through sh in the project dir, with BOARD and CROSS_COMPILE set and the args appended', async () => {
    const { project, results } = await fixture('command-app');
    const log = memoryLogger();
    const build = await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      command: 'sh build.sh',
      args: ['--fast', 'two words'],
      log,
    });
    expect(build.system).toBe('command');
    expect(build.images).toEqual([
      expect.objectContaining({ name: 'f746_disco-app-f746_disco', path: path.join(project, 'out', 'app-f746_disco.axf'), format: 'elf' }),
    ]);
    expect(build.images[0]?.size!.flash).toBeGreaterThan(0);
    expect(log.lines).toContain('info: built out/app-f746_disco.axf; args: --fast two words');
    expect(await readFile(build.logPath, 'utf8')).toContain('built out/app-f746_disco.axf');
  });

  it("says 'build-command' is missing when build-system is 'command'", async () => {
    const { project, results } = await fixture('command-app');
    await expect(buildProject({ ...base, system: 'command', projectDir: project, resultsDir: results, log: memoryLogger() })).rejects.toThrow(
      "'build-system' is 'command' but 'build-command' is empty: set 'build-command'",
    );
  });

  it('reports a command that cannot run with its exit code and the log', async () => {
    const { project, results } = await fixture('command-app');
    const error = (await buildProject({
      ...base,
      projectDir: project,
      resultsDir: results,
      command: 'echo about to fail; exit 7',
      log: memoryLogger(),
    }).catch((e: unknown) => e)) as BuildError;
    expect(error).toBeInstanceOf(BuildError);
    expect(error.details.exitCode).toBe(7);
    expect(error.message).toContain("failed with exit code 7: sh -c 'echo about to fail; exit 7'");
    expect(error.message).toContain('about to fail');
    expect(await readFile(path.join(results, 'logs', 'build.log'), 'utf8')).toContain('about to fail');
  });
});

describe('what to set when nothing fits', () => {
  it('auto finds nothing: the error names the directory and the inputs to set, and the log says so too', async () => {
    const { project, results } = await fixture('nothing');
    const error = (await buildProject({ ...base, projectDir: project, resultsDir: results, log: memoryLogger() }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(BuildError);
    expect(error.message).toContain(`nothing to build was found in ${project}`);
    for (const input of ["'project-dir'", "'build-command'", "'build-system: none'", "'image'"]) expect(error.message).toContain(input);
    expect(await readFile(path.join(results, 'logs', 'build.log'), 'utf8')).toContain('nothing to build was found');
  });

  it('a project dir that does not exist', async () => {
    const { root, results } = await fixture('nothing');
    await expect(buildProject({ ...base, projectDir: path.join(root, 'nope'), resultsDir: results, log: memoryLogger() })).rejects.toThrow(
      /'project-dir' is .*nope, which is not a directory/,
    );
  });

  it("'none' takes prebuilt images named by 'image' and refuses without one", async () => {
    const built = await fixture('make-app');
    await buildProject({ ...base, projectDir: built.project, resultsDir: built.results, log: memoryLogger() });

    const none = { ...base, system: 'none' as const, projectDir: built.project, resultsDir: built.results };
    await expect(buildProject({ ...none, log: memoryLogger() })).rejects.toThrow("'build-system' is 'none' but 'image' is empty");
    const build = await buildProject({ ...none, image: 'app.*', log: memoryLogger() });
    expect(build.images.map((i) => [i.name, i.format])).toEqual([['f746_disco-app', 'elf']]);

    await expect(buildProject({ ...none, image: 'missing/*.elf', log: memoryLogger() })).rejects.toThrow(
      /'image' pattern 'missing\/\*\.elf' matched no file .*Images there: app\.elf, app\.hex/,
    );
    await expect(buildProject({ ...none, image: 'Makefile', log: memoryLogger() })).rejects.toThrow(/neither ELF nor Intel HEX/);
  });
});

describe('allhw build (CLI)', () => {
  it('builds with the toolchain on PATH and prints the images and sizes', async () => {
    const { project, results } = await fixture('make-app');
    const log = memoryLogger();
    const code = await buildCommand(['--project-dir', project, '--results-dir', results, '--board', 'mps2_an500'], log);
    expect(code).toBe(0);
    expect(log.lines.some((l) => /^info: Image mps2_an500-app: .*app\.elf \(elf\), flash [\d.]+ KiB of 4 MiB \([\d.]+%\), RAM /.test(l))).toBe(true);
    expect(log.lines.at(-1)).toBe(`info: 1 image(s): mps2_an500-app. Build log: ${path.join(results, 'logs', 'build.log')}`);
  });

  it('builds for a board outside the table, checking sizes against --flash-size and --ram-size', async () => {
    const { project, results } = await fixture('make-app');
    const log = memoryLogger();
    const code = await buildCommand(
      ['--project-dir', project, '--results-dir', results, '--board', 'frdm_k64f', '--flash-size', '1M', '--ram-size', '256K'],
      log,
    );
    expect(code).toBe(0);
    expect(
      log.lines.some((l) => /^info: Image frdm_k64f-app: .*app\.elf \(elf\), flash [\d.]+ KiB of 1 MiB \([\d.]+%\), RAM [\d.]+ KiB of 256 KiB/.test(l)),
    ).toBe(true);
    expect(log.lines.some((l) => l.includes('not checked'))).toBe(false);
  });

  it('rejects bad flags and values with the input names, and fails with 1 on a build error', async () => {
    const log = memoryLogger();
    expect(await buildCommand(['--build-system', 'scons'], log)).toBe(2);
    expect(log.lines.at(-1)).toMatch(/^error: Flag --build-system has value 'scons': allowed values are 'auto', 'cmake'/);
    expect(await buildCommand(['--bogus', 'x'], log)).toBe(2);
    expect(log.lines.at(-1)).toContain("Unknown flag '--bogus'");
    // The action's checks of board and sizes, under the flags' names.
    expect(await buildCommand(['--board', 'my board'], log)).toBe(2);
    expect(log.lines.at(-1)).toMatch(
      /^error: Flag --board has value 'my board': expected a board name of letters, digits and _ - \. \/ \(the table knows 'f746_disco'/,
    );
    expect(await buildCommand(['--board', 'frdm_k64f', '--ram-size', '12 GB'], log)).toBe(2);
    expect(log.lines.at(-1)).toMatch(/^error: Flag --ram-size has value '12 GB': expected a size in bytes, e\.g\. 1048576, 1024K or 1M/);

    const { project, results } = await fixture('nothing');
    expect(await buildCommand(['--project-dir', project, '--results-dir', results], log)).toBe(1);
    expect(log.lines.at(-1)).toContain('nothing to build was found');
  });
});
