/**
 * The commands and environment a build will run with, decided from plain
 * data alone (no files, no processes), so every build system's command line
 * can be checked without its tools, Zephyr included.
 */
import path from 'node:path';
import type { Toolchain } from '../toolchain/index.js';
import { zephyrBoard } from './boards.js';
import type { ProjectFacts, ResolvedSystem } from './detect.js';

export interface BuildStep {
  /** Program and arguments (no shell, except for 'command' builds: sh -c). */
  argv: string[];
  cwd: string;
}

export interface BuildPlan {
  system: ResolvedSystem;
  /** Where the build writes its output. */
  buildDir: string;
  /** Where to look for images the build produced. */
  searchDir: string;
  /** Zephyr's fixed image paths, when the system names them. */
  knownImages: string[] | null;
  /** Variables set or changed for the build (on top of the base environment). */
  envChanges: Record<string, string>;
  /** The whole environment the commands get. */
  env: Record<string, string>;
  steps: BuildStep[];
  /** Things worth telling the user before the build starts. */
  notes: string[];
}

export interface PlanInput {
  system: ResolvedSystem;
  projectDir: string;
  buildDir: string;
  board: string;
  args: string[];
  command: string;
  toolchain: Toolchain;
  facts: ProjectFacts;
  /** The environment the build inherits. */
  baseEnv: Record<string, string | undefined>;
  /** Parallel jobs for make / cmake --build. */
  jobs: number;
  /** Our CMake toolchain file (cmake/arm-none-eabi.cmake). */
  toolchainFile: string;
}

export const CROSS_PREFIX = 'arm-none-eabi-';

/**
 * Colour-free output, so that the problem matchers see plain lines: gcc (an
 * empty GCC_COLORS), CMake and Ninja (CLICOLOR_FORCE, CMAKE_COLOR_DIAGNOSTICS)
 * and tools that honour NO_COLOR. A project's own -fdiagnostics-color=always
 * still wins: the build stage strips the codes from the lines it prints too.
 */
export const COLOUR_FREE_ENV: Readonly<Record<string, string>> = { GCC_COLORS: '', NO_COLOR: '1', CLICOLOR_FORCE: '0', CMAKE_COLOR_DIAGNOSTICS: 'OFF' };

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The user names the toolchain file in build-args (-DCMAKE_TOOLCHAIN_FILE=..., --toolchain ...). */
export function argsSetToolchain(args: string[]): boolean {
  return args.some((a) => /^-DCMAKE_TOOLCHAIN_FILE(:[A-Za-z]+)?=/.test(a) || a === '--toolchain' || a.startsWith('--toolchain='));
}

/** Root of the GNU Arm toolchain (the directory holding bin/), as Zephyr's gnuarmemb variant wants it. */
export function toolchainRoot(toolchain: Toolchain, gccOnPath: string | null): string | null {
  if (toolchain.path) return toolchain.path;
  if (toolchain.binDir) return path.dirname(toolchain.binDir);
  return gccOnPath ? path.dirname(path.dirname(gccOnPath)) : null;
}

export function planBuild(input: PlanInput): BuildPlan {
  const { system, buildDir, toolchain, facts, baseEnv } = input;
  const notes: string[] = [];
  const changes: Record<string, string> = { ...COLOUR_FREE_ENV };

  if (toolchain.binDir) {
    const current = baseEnv.PATH ?? '';
    changes.PATH = current ? `${toolchain.binDir}${path.delimiter}${current}` : toolchain.binDir;
    changes.ARM_NONE_EABI_BIN = toolchain.binDir;
  }
  if (!facts.gcc && system !== 'none' && system !== 'command') {
    notes.push(`arm-none-eabi-gcc is not on the build's PATH: the build will likely fail (set the 'toolchain' input).`);
  }
  const { steps, searchDir, knownImages } = systemPlan(input, changes, notes);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  Object.assign(env, changes);
  return { system, buildDir, searchDir, knownImages, envChanges: changes, env, steps, notes };
}

/** One build system's part of a plan: its steps, and where its image is looked for. */
interface SystemPlan {
  steps: BuildStep[];
  searchDir: string;
  knownImages: string[] | null;
}

/** The build system's steps; it adds its environment to changes and what it chose to notes. */
function systemPlan(input: PlanInput, changes: Record<string, string>, notes: string[]): SystemPlan {
  switch (input.system) {
    case 'cmake':
      return { steps: cmakeSteps(input, notes), searchDir: input.buildDir, knownImages: null };
    case 'zephyr':
      return zephyrPlan(input, changes, notes);
    case 'make':
      return { steps: makeSteps(input, changes), searchDir: input.projectDir, knownImages: null };
    case 'command':
      return { steps: commandSteps(input, changes), searchDir: input.projectDir, knownImages: null };
    case 'none':
      return { steps: [], searchDir: input.projectDir, knownImages: null };
  }
}

function cmakeSteps(input: PlanInput, notes: string[]): BuildStep[] {
  const { projectDir, buildDir, board, args, facts, baseEnv, jobs } = input;
  const configure = ['cmake', '-S', projectDir, '-B', buildDir, `-DBOARD=${board}`];
  if (argsSetToolchain(args)) {
    notes.push('CMake toolchain file: the one named in build-args.');
  } else if (facts.cmakeSetsToolchain) {
    notes.push("CMake toolchain file: the project's own (its CMakeLists.txt sets CMAKE_TOOLCHAIN_FILE).");
  } else if (baseEnv.CMAKE_TOOLCHAIN_FILE) {
    notes.push(`CMake toolchain file: ${baseEnv.CMAKE_TOOLCHAIN_FILE} (from the CMAKE_TOOLCHAIN_FILE environment variable).`);
  } else {
    configure.push(`-DCMAKE_TOOLCHAIN_FILE=${input.toolchainFile}`);
    notes.push(`CMake toolchain file: ${input.toolchainFile} (allhw-ci's arm-none-eabi file).`);
  }
  // The user's arguments come last so that theirs win (-DBOARD=..., -G ...).
  return [
    { argv: [...configure, ...args], cwd: projectDir },
    { argv: ['cmake', '--build', buildDir, '--parallel', String(jobs)], cwd: projectDir },
  ];
}

function zephyrPlan(input: PlanInput, changes: Record<string, string>, notes: string[]): SystemPlan {
  const { projectDir, buildDir, board, args, toolchain, facts, baseEnv, jobs } = input;
  const zboard = zephyrBoard(board);
  changes.ZEPHYR_TOOLCHAIN_VARIANT = 'gnuarmemb';
  const root = toolchainRoot(toolchain, facts.gcc);
  if (root) changes.GNUARMEMB_TOOLCHAIN_PATH = root;
  else notes.push('GNUARMEMB_TOOLCHAIN_PATH is not set: arm-none-eabi-gcc was not found.');
  let steps: BuildStep[];
  if (facts.west) {
    // -p auto: start afresh only when the board or the source dir changed.
    const west = ['west', 'build', '-p', 'auto', '-b', zboard, '-d', buildDir, projectDir];
    steps = [{ argv: args.length ? [...west, '--', ...args] : west, cwd: projectDir }];
    notes.push(`Zephyr: west build for board ${zboard}.`);
  } else {
    // microTVM's own way: cmake -DBOARD=... then make (cmake --build runs make with the default generator).
    steps = [
      { argv: ['cmake', '-S', projectDir, '-B', buildDir, `-DBOARD=${zboard}`, ...args], cwd: projectDir },
      { argv: ['cmake', '--build', buildDir, '--parallel', String(jobs)], cwd: projectDir },
    ];
    notes.push(`Zephyr: west is not on PATH, building with cmake -DBOARD=${zboard} as microTVM does.`);
    if (!baseEnv.ZEPHYR_BASE) notes.push('ZEPHYR_BASE is not set: find_package(Zephyr) needs it (or a registered Zephyr CMake package).');
  }
  const knownImages = [path.join(buildDir, 'zephyr', 'zephyr.elf'), path.join(buildDir, 'zephyr', 'zephyr.hex')];
  return { steps, searchDir: buildDir, knownImages };
}

function makeSteps(input: PlanInput, changes: Record<string, string>): BuildStep[] {
  const { projectDir, board, args, facts, baseEnv, jobs } = input;
  changes.BOARD = board;
  if (!baseEnv.CROSS_COMPILE) changes.CROSS_COMPILE = CROSS_PREFIX;
  const argv = ['make', '-C', projectDir, `-j${jobs}`];
  // Command-line variables override the makefile's own assignments: pass
  // them only where the makefile asks for them (CROSS_COMPILE) or would
  // otherwise fall back to the host compiler (make's built-in CC = cc).
  if (facts.makefileUsesCrossCompile) argv.push(`CROSS_COMPILE=${baseEnv.CROSS_COMPILE ?? CROSS_PREFIX}`);
  if (!facts.makefileSetsCC) argv.push(`CC=${CROSS_PREFIX}gcc`);
  return [{ argv: [...argv, ...args], cwd: projectDir }];
}

function commandSteps(input: PlanInput, changes: Record<string, string>): BuildStep[] {
  changes.BOARD = input.board;
  if (!input.baseEnv.CROSS_COMPILE) changes.CROSS_COMPILE = CROSS_PREFIX;
  changes.ALLHW_CMAKE_TOOLCHAIN_FILE = input.toolchainFile;
  const line = [input.command, ...input.args.map(shellQuote)].join(' ');
  return [{ argv: ['sh', '-c', line], cwd: input.projectDir }];
}

/** A step as a shell-like line for the log. */
export function showStep(step: BuildStep): string {
  return step.argv.map(shellQuote).join(' ');
}
