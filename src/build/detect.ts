/**
 * What the project looks like (read from its files and the PATH it will get)
 * and which build system that means.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { listInput, type BuildSystem } from '../config.js';
import { findExecutable } from '../common/process.js';
import { BuildError } from './errors.js';

export type ResolvedSystem = Exclude<BuildSystem, 'auto'>;

export interface ProjectFacts {
  /** Top-level CMakeLists.txt exists. */
  cmakeLists: boolean;
  /** CMakeLists.txt calls find_package(Zephyr ...). */
  zephyrApp: boolean;
  /** CMakeLists.txt sets CMAKE_TOOLCHAIN_FILE itself (before project()). */
  cmakeSetsToolchain: boolean;
  /** Name of the makefile make would read (GNUmakefile, makefile, Makefile), or null. */
  makefile: string | null;
  /** The makefile refers to CROSS_COMPILE. */
  makefileUsesCrossCompile: boolean;
  /** The makefile assigns CC itself (=, :=, ::=, +=; not ?=). */
  makefileSetsCC: boolean;
  /** Path of `west` on the build's PATH, or null. */
  west: string | null;
  /** Path of arm-none-eabi-gcc on the build's PATH, or null. */
  gcc: string | null;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Strips CMake and make comments so a commented-out line does not count. */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
}

export async function probeProject(projectDir: string, pathVar: string | undefined): Promise<ProjectFacts> {
  const cmake = await readIfExists(path.join(projectDir, 'CMakeLists.txt'));
  const cmakeCode = cmake === null ? '' : withoutComments(cmake);
  let makefile: string | null = null;
  let makeCode = '';
  for (const name of ['GNUmakefile', 'makefile', 'Makefile']) {
    const text = await readIfExists(path.join(projectDir, name));
    if (text !== null) {
      makefile = name;
      makeCode = withoutComments(text);
      break;
    }
  }
  return {
    cmakeLists: cmake !== null,
    zephyrApp: /find_package\s*\(\s*Zephyr\b/i.test(cmakeCode),
    cmakeSetsToolchain: /\bset\s*\(\s*CMAKE_TOOLCHAIN_FILE\b/i.test(cmakeCode),
    makefile,
    makefileUsesCrossCompile: /\bCROSS_COMPILE\b/.test(makeCode),
    makefileSetsCC: /^\s*(override\s+)?CC\s*(=|:=|::=|\+=)/m.test(makeCode),
    west: await findExecutable('west', pathVar ?? ''),
    gcc: await findExecutable('arm-none-eabi-gcc', pathVar ?? ''),
  };
}

export interface Detection {
  system: ResolvedSystem;
  /** Why, for the log. */
  reason: string;
}

const WHAT_TO_SET =
  "Set 'project-dir' to the firmware project's directory, 'build-command' to the command that builds it, " +
  "or 'build-system: none' with 'image' naming the prebuilt image(s).";

/** Resolves 'auto' and checks that the chosen system has what it needs. */
export function detectSystem(requested: BuildSystem, command: string, projectDir: string, facts: ProjectFacts): Detection {
  switch (requested) {
    case 'auto':
      if (command) return { system: 'command', reason: "'build-command' is set" };
      if (facts.zephyrApp) return { system: 'zephyr', reason: 'CMakeLists.txt calls find_package(Zephyr)' };
      if (facts.cmakeLists) return { system: 'cmake', reason: 'CMakeLists.txt found' };
      if (facts.makefile) return { system: 'make', reason: `${facts.makefile} found` };
      throw new BuildError(
        `'build-system' is 'auto' but nothing to build was found in ${projectDir}: no CMakeLists.txt, no Makefile, and 'build-command' is empty. ${WHAT_TO_SET}`,
      );
    case 'command':
      if (!command) {
        throw new BuildError("'build-system' is 'command' but 'build-command' is empty: set 'build-command' to the shell command that builds the image.");
      }
      return { system: 'command', reason: "'build-system' is 'command'" };
    case 'cmake':
    case 'zephyr':
      if (!facts.cmakeLists) {
        throw new BuildError(`'build-system' is '${requested}' but ${projectDir} has no CMakeLists.txt: set 'project-dir' to the directory that holds it.`);
      }
      return { system: requested, reason: `'build-system' is '${requested}'` };
    case 'make':
      if (!facts.makefile) {
        throw new BuildError(`'build-system' is 'make' but ${projectDir} has no Makefile: set 'project-dir' to the directory that holds it.`);
      }
      return { system: 'make', reason: "'build-system' is 'make'" };
    case 'none':
      return { system: 'none', reason: "'build-system' is 'none'" };
  }
}

export function notADirectory(projectDir: string): BuildError {
  return new BuildError(`'project-dir' is ${projectDir}, which is not a directory: set 'project-dir' to the firmware project's directory.`);
}

export const NONE_WITHOUT_IMAGE =
  "'build-system' is 'none' but 'image' is empty: set 'image' to the prebuilt image(s) (a path or glob relative to 'project-dir').";

export interface ProjectCheck {
  projectDir: string;
  system: BuildSystem;
  command: string;
  image: string;
}

/**
 * What can be checked of the project without a toolchain, run before the
 * toolchain stage: a wrong 'project-dir' must not cost a toolchain download.
 * The build stage checks the same again (it also runs alone, from `allhw build`).
 */
export async function checkProject(c: ProjectCheck): Promise<void> {
  if (!(await stat(c.projectDir).catch(() => null))?.isDirectory()) throw notADirectory(c.projectDir);
  if (c.system === 'none' && listInput(c.image).length === 0) throw new BuildError(NONE_WITHOUT_IMAGE);
  // The detection reads the project's files only, not the PATH facts (west, gcc).
  detectSystem(c.system, c.command, c.projectDir, await probeProject(c.projectDir, ''));
}
