/**
 * `allhw build`: the build stage alone, from a terminal. The toolchain is
 * whatever arm-none-eabi-gcc is on PATH.
 */
import { printable } from '../common/printable.js';
import path from 'node:path';
import {
  AS_FLAG,
  BOARDS,
  ConfigError,
  INPUT_DEFAULTS,
  boardValue,
  buildSystemValue,
  byteSizeValue,
  splitArgs,
  type BuildSystem,
  type InputName,
} from '../config.js';
import { FlagError, flag, parseFlags, type ParsedFlags } from './flags.js';
import type { Logger } from '../common/log.js';
import type { Toolchain } from '../toolchain/index.js';
import { buildProject } from '../build/index.js';
import { BuildError } from '../build/index.js';
import { projectMemorySplit } from '../mlf/index.js';

const FLAGS = [
  'project-dir',
  'board',
  'flash-size',
  'ram-size',
  'build-system',
  'build-command',
  'build-args',
  'image',
  'results-dir',
] as const satisfies readonly InputName[];

const USAGE = `usage: allhw build [--project-dir DIR] [--board ${BOARDS.join('|')}|NAME]
                   [--flash-size BYTES] [--ram-size BYTES]
                   [--build-system auto|cmake|make|zephyr|command|none] [--build-command CMD]
                   [--build-args ARGS] [--image GLOB] [--results-dir DIR]
Builds the project with the arm-none-eabi-gcc on PATH, finds its image(s) and sizes them;
the build log goes to <results-dir>/logs/build.log.`;

export const SYSTEM_TOOLCHAIN: Toolchain = { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null };

export async function buildCommand(argv: string[], log: Logger): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(USAGE);
    return 0;
  }
  let parsed: ParsedFlags;
  try {
    parsed = parseFlags(argv, FLAGS);
    if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE}`);
  } catch (e) {
    log.error((e as Error).message);
    return 2;
  }
  const given = (name: (typeof FLAGS)[number]): string => (flag(parsed, name) ?? INPUT_DEFAULTS[name]).trim();
  // config's checks of these values, not parseConfig, which also insists
  // on the run's inputs (inputs, golden, ...) that a build alone does not need.
  let system: BuildSystem;
  let board: string;
  let flashSize: number | null;
  let ramSize: number | null;
  try {
    system = buildSystemValue(given('build-system'), AS_FLAG);
    board = boardValue(given('board'), AS_FLAG);
    flashSize = byteSizeValue(given('flash-size'), 'flash-size', AS_FLAG);
    ramSize = byteSizeValue(given('ram-size'), 'ram-size', AS_FLAG);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.error(e.message);
    return 2;
  }
  try {
    const build = await buildProject({
      projectDir: given('project-dir'),
      system,
      command: given('build-command'),
      board,
      flashSize,
      ramSize,
      args: splitArgs(given('build-args'), AS_FLAG),
      image: given('image'),
      resultsDir: path.resolve(given('results-dir')),
      toolchain: SYSTEM_TOOLCHAIN,
      githubActions: false,
      env: process.env,
      // A project `allhw generate` wrote is sized the way a model engineer reads it.
      memorySplit: projectMemorySplit,
      log,
    });
    // buildProject has already printed each image and its size.
    log.info(`${build.images.length} image(s): ${build.images.map((i) => printable(i.name)).join(', ')}. Build log: ${build.logPath}`);
    return 0;
  } catch (e) {
    if (e instanceof BuildError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
}
