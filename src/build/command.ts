/**
 * `allhw build`: the build stage alone, from a terminal. The toolchain is
 * whatever arm-none-eabi-gcc is on PATH.
 */
import path from 'node:path';
import { BOARDS, ConfigError, INPUT_DEFAULTS, parseConfig, type InputName } from '../config.js';
import { FlagError, flag, parseFlags } from '../cli-flags.js';
import type { Logger } from '../log.js';
import type { Toolchain } from '../toolchain/types.js';
import { buildProject } from './build.js';
import { BuildError } from './errors.js';
import { describeSize } from './size.js';

const FLAGS = ['project-dir', 'board', 'build-system', 'build-command', 'build-args', 'image', 'results-dir'] as const satisfies readonly InputName[];

const USAGE = `usage: allhw build [--project-dir DIR] [--board ${BOARDS.join('|')}]
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
  let parsedValues: Map<string, string[]>;
  try {
    const parsed = parseFlags(argv, FLAGS);
    if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE}`);
    parsedValues = parsed.values;
  } catch (e) {
    log.error((e as Error).message);
    return 2;
  }
  const given = (name: InputName): string | undefined => flag({ values: parsedValues, positionals: [] }, name);
  let config;
  try {
    // The same checks and messages as the action's inputs. The emulator mode
    // keeps parseConfig from asking for an API key; the board given here is
    // taken as is (parseConfig has already checked it against the table).
    config = parseConfig((name) => (name === 'mode' ? 'emulator' : (FLAGS as readonly string[]).includes(name) ? given(name) : undefined));
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message.replace(/Input '([a-z-]+)'/, 'Flag --$1'));
      return 2;
    }
    throw e;
  }
  const board = (given('board') ?? '').trim() || INPUT_DEFAULTS.board;
  try {
    const build = await buildProject({
      ...config.build,
      board,
      resultsDir: path.resolve(config.results.dir),
      toolchain: SYSTEM_TOOLCHAIN,
      githubActions: false,
      log,
    });
    for (const image of build.images) {
      log.info(`${image.name}: ${image.path}${image.size ? ` — ${describeSize(image.size)}` : ''}`);
    }
    log.info(`Build log: ${build.logPath}`);
    return 0;
  } catch (e) {
    if (e instanceof BuildError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
}
