/** The planned commands and environment, per build system (pure: no tools run). */
import { describe, expect, it } from 'vitest';
import type { ProjectFacts } from '../../src/build/detect.js';
import { detectSystem } from '../../src/build/detect.js';
import { COLOUR_FREE_ENV, planBuild, type PlanInput } from '../../src/build/plan.js';

const facts = (over: Partial<ProjectFacts> = {}): ProjectFacts => ({
  cmakeLists: false,
  zephyrApp: false,
  cmakeSetsToolchain: false,
  makefile: null,
  makefileUsesCrossCompile: false,
  makefileSetsCC: false,
  west: null,
  gcc: '/usr/bin/arm-none-eabi-gcc',
  ...over,
});

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  system: 'cmake',
  projectDir: '/w/app',
  buildDir: '/w/app/build',
  board: 'f746_disco',
  args: [],
  command: '',
  toolchain: { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null },
  facts: facts({ cmakeLists: true }),
  baseEnv: { PATH: '/usr/bin:/bin', HOME: '/home/u' },
  jobs: 4,
  toolchainFile: '/action/cmake/arm-none-eabi.cmake',
  ...over,
});

const installed = { source: 'cache' as const, release: '13.2.Rel1', path: '/t/arm', binDir: '/t/arm/bin', gccVersion: null };

describe('planBuild', () => {
  it('cmake: configure with BOARD and our toolchain file, user args last, then build in parallel', () => {
    const plan = planBuild(input({ args: ['-DFOO=1'] }));
    expect(plan.steps.map((s) => s.argv)).toEqual([
      ['cmake', '-S', '/w/app', '-B', '/w/app/build', '-DBOARD=f746_disco', '-DCMAKE_TOOLCHAIN_FILE=/action/cmake/arm-none-eabi.cmake', '-DFOO=1'],
      ['cmake', '--build', '/w/app/build', '--parallel', '4'],
    ]);
    expect(plan.searchDir).toBe('/w/app/build');
    expect(plan.envChanges).toEqual({ ...COLOUR_FREE_ENV });
  });

  it('cmake: no toolchain file of ours when the project, the args or the environment name one', () => {
    for (const over of [
      { facts: facts({ cmakeLists: true, cmakeSetsToolchain: true }) },
      { args: ['-DCMAKE_TOOLCHAIN_FILE:FILEPATH=/x.cmake'] },
      { args: ['--toolchain', '/x.cmake'] },
      { baseEnv: { PATH: '/usr/bin', CMAKE_TOOLCHAIN_FILE: '/x.cmake' } },
    ]) {
      const plan = planBuild(input(over));
      expect(plan.steps[0]?.argv.filter((a) => a.includes('/action/cmake'))).toEqual([]);
    }
  });

  it('puts the installed toolchain first on PATH and tells CMake where it is', () => {
    const plan = planBuild(input({ toolchain: installed }));
    expect(plan.envChanges).toEqual({ ...COLOUR_FREE_ENV, PATH: '/t/arm/bin:/usr/bin:/bin', ARM_NONE_EABI_BIN: '/t/arm/bin' });
    expect(plan.env).toMatchObject({ PATH: '/t/arm/bin:/usr/bin:/bin', HOME: '/home/u' });
  });

  it('make: CROSS_COMPILE and CC on the command line only where the makefile wants them', () => {
    const make = (f: Partial<ProjectFacts>) => planBuild(input({ system: 'make', facts: facts({ makefile: 'Makefile', ...f }), args: ['V=1'] }));
    expect(make({ makefileUsesCrossCompile: true, makefileSetsCC: true }).steps[0]?.argv).toEqual([
      'make',
      '-C',
      '/w/app',
      '-j4',
      'CROSS_COMPILE=arm-none-eabi-',
      'V=1',
    ]);
    expect(make({}).steps[0]?.argv).toEqual(['make', '-C', '/w/app', '-j4', 'CC=arm-none-eabi-gcc', 'V=1']);
    expect(make({ makefileSetsCC: true }).steps[0]?.argv).toEqual(['make', '-C', '/w/app', '-j4', 'V=1']);
    const plan = make({});
    expect(plan.envChanges).toEqual({ ...COLOUR_FREE_ENV, BOARD: 'f746_disco', CROSS_COMPILE: 'arm-none-eabi-' });
    expect(plan.searchDir).toBe('/w/app');
  });

  it('make: a CROSS_COMPILE the workflow set is kept', () => {
    const plan = planBuild(
      input({
        system: 'make',
        facts: facts({ makefile: 'Makefile', makefileUsesCrossCompile: true, makefileSetsCC: true }),
        baseEnv: { PATH: '/usr/bin', CROSS_COMPILE: 'arm-zephyr-eabi-' },
      }),
    );
    expect(plan.envChanges.CROSS_COMPILE).toBeUndefined();
    expect(plan.steps[0]?.argv).toContain('CROSS_COMPILE=arm-zephyr-eabi-');
  });

  it('command: sh -c with the args quoted, BOARD, CROSS_COMPILE and our toolchain file in the environment', () => {
    const plan = planBuild(input({ system: 'command', command: './build.sh --release', args: ['a b', "it's"] }));
    expect(plan.steps).toEqual([{ argv: ['sh', '-c', `./build.sh --release 'a b' 'it'\\''s'`], cwd: '/w/app' }]);
    expect(plan.envChanges).toEqual({
      ...COLOUR_FREE_ENV,
      BOARD: 'f746_disco',
      CROSS_COMPILE: 'arm-none-eabi-',
      ALLHW_CMAKE_TOOLCHAIN_FILE: '/action/cmake/arm-none-eabi.cmake',
    });
  });

  it('zephyr with west: west build -p auto -b <Zephyr board>, extra args after --', () => {
    const plan = planBuild(
      input({
        system: 'zephyr',
        facts: facts({ cmakeLists: true, zephyrApp: true, west: '/usr/local/bin/west' }),
        args: ['-DOVERLAY_CONFIG=x.conf'],
        toolchain: installed,
      }),
    );
    expect(plan.steps).toEqual([
      { argv: ['west', 'build', '-p', 'auto', '-b', 'stm32f746g_disco', '-d', '/w/app/build', '/w/app', '--', '-DOVERLAY_CONFIG=x.conf'], cwd: '/w/app' },
    ]);
    expect(plan.envChanges).toMatchObject({ ZEPHYR_TOOLCHAIN_VARIANT: 'gnuarmemb', GNUARMEMB_TOOLCHAIN_PATH: '/t/arm', PATH: '/t/arm/bin:/usr/bin:/bin' });
    expect(plan.knownImages).toEqual(['/w/app/build/zephyr/zephyr.elf', '/w/app/build/zephyr/zephyr.hex']);
  });

  it('zephyr without west: cmake -DBOARD=<Zephyr board> (the emulated board: Zephyr 3.7+ names it mps2/an500) then build; the system toolchain root comes from gcc on PATH', () => {
    const plan = planBuild(input({ system: 'zephyr', board: 'mps2_an500', facts: facts({ cmakeLists: true, zephyrApp: true }) }));
    expect(plan.steps.map((s) => s.argv)).toEqual([
      ['cmake', '-S', '/w/app', '-B', '/w/app/build', '-DBOARD=mps2/an500'],
      ['cmake', '--build', '/w/app/build', '--parallel', '4'],
    ]);
    expect(plan.envChanges).toEqual({ ...COLOUR_FREE_ENV, ZEPHYR_TOOLCHAIN_VARIANT: 'gnuarmemb', GNUARMEMB_TOOLCHAIN_PATH: '/usr' });
    expect(plan.notes.some((n) => n.includes('ZEPHYR_BASE is not set'))).toBe(true);
  });

  it('none: nothing to run', () => {
    expect(planBuild(input({ system: 'none' })).steps).toEqual([]);
  });
});

describe('detectSystem', () => {
  it('auto: command, then Zephyr, then CMake, then Make', () => {
    const all = facts({ cmakeLists: true, zephyrApp: true, makefile: 'Makefile' });
    expect(detectSystem('auto', 'make firmware', '/p', all).system).toBe('command');
    expect(detectSystem('auto', '', '/p', all).system).toBe('zephyr');
    expect(detectSystem('auto', '', '/p', facts({ cmakeLists: true, makefile: 'Makefile' })).system).toBe('cmake');
    expect(detectSystem('auto', '', '/p', facts({ makefile: 'GNUmakefile' }))).toEqual({ system: 'make', reason: 'GNUmakefile found' });
  });

  it('an explicit system without its file says which directory to set', () => {
    expect(() => detectSystem('cmake', '', '/p', facts())).toThrow("'build-system' is 'cmake' but /p has no CMakeLists.txt: set 'project-dir'");
    expect(() => detectSystem('make', '', '/p', facts())).toThrow("'build-system' is 'make' but /p has no Makefile");
  });
});
