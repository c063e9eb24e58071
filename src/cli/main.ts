/**
 * The CLI: the same pipeline as the action, from a terminal.
 *   allhw run [--<input> value ...]   build, run on All-HW or the emulator, report
 *   allhw demo                        the example model on the emulated board
 *   allhw serve [...]                 the local All-HW-compatible farm (QEMU boards)
 *   allhw build [...]                 build a firmware project
 *   allhw generate [...]              an MLF tarball -> a CMake project for a board
 *   allhw toolchain install [...]     install the GNU Arm toolchain
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, INPUT_DEFAULTS, INPUT_NAMES, parseConfig, type Config, type InputName } from '../config.js';
import { FlagError, flag, parseFlags } from './flags.js';
import { consoleLogger, type Logger } from '../common/log.js';
import { environmentTokens, Redactor } from '../common/secrets.js';
import { runPipeline } from '../pipeline.js';
import { serveCommand } from './serve.js';
import { buildCommand } from './build.js';
import { generateCommand } from './generate.js';
import { toolchainCommand } from './toolchain.js';
import { abortOnStopSignals } from '../common/signals.js';
import { mergeCommand } from './merge.js';

const USAGE = `usage: allhw <command> [flags]

commands:
  run                 build the project, run every image with every input on All-HW
                      (or the emulated board), check and report; flags are the
                      action's inputs: --ci-url, --ci-timeout, --inputs, --golden, ...
                      The API key comes from the ALLHW_API_KEY environment variable
                      (--ci-api-key also works, but any user of the machine can
                      read a command line, e.g. with ps).
  demo                the example model (examples/synth) on the emulated board;
                      with --model examples/mlf/letscope.tar, the MLF example
  serve               the local All-HW-compatible CI service (boards run in QEMU)
  build               build a firmware project and find its images
  generate            write a CMake project for a board from an MLF tarball (--model, --out, --board)
  toolchain install   install the GNU Arm toolchain (--toolchain, --toolchain-mirror)
  toolchain list      the Arm releases it knows, with checksums
  merge DIR...        merge the results folders of 'run --shard i/n' jobs into one report

Run 'allhw <command> --help' for a command's flags.`;

/** The CLI runs where a developer has a toolchain: 'system' unless told otherwise. */
const CLI_DEFAULTS: Partial<Record<InputName, string>> = { toolchain: 'system' };

function repoRoot(): string {
  // dist/cli.js is one level below the root, src/cli/main.ts two: the root is the first folder up with package.json.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** An example of examples/ run on the emulated board with the system toolchain, against its own golden outputs. */
function exampleArgs(example: string, project: string[], extra: string[]): string[] {
  const run = ['--mode', 'emulator', '--toolchain', 'system', ...project];
  return [...run, '--inputs', path.join(example, 'inputs/*.txt'), '--golden', path.join(example, 'golden.json'), ...extra, '--ci-timeout', '30'];
}

export function demoArgs(root = repoRoot()): string[] {
  const example = path.join(root, 'examples/synth');
  return exampleArgs(example, ['--project-dir', example], ['--exit-line', '#exit']);
}

/** `allhw demo --model examples/mlf/letscope.tar`: the MLF example (a real microTVM tarball) on the emulated board. */
export function mlfDemoArgs(root = repoRoot()): string[] {
  return exampleArgs(path.join(root, 'examples/mlf'), [], []);
}

/** `allhw run --help`: every flag with the default the CLI uses. */
export function runUsage(): string {
  const width = Math.max(...INPUT_NAMES.map((n) => n.length));
  const shownDefault = (name: InputName): string => {
    if (name === 'inputs') return '(required)';
    if (name === 'ci-api-key') return '(empty) prefer the ALLHW_API_KEY environment variable: a command line is visible in ps';
    if (name === 'github-token') return '(empty; or the GITHUB_TOKEN environment variable)';
    const value = CLI_DEFAULTS[name] ?? INPUT_DEFAULTS[name];
    return value === '' ? '(empty)' : value;
  };
  return [
    "usage: allhw run --inputs 'GLOB' [--project-dir DIR] [--golden FILE] [flags]",
    '',
    'Builds the project, runs every image with every input on All-HW (with a key) or on',
    'the emulated board (without one), checks the outputs and writes the results directory.',
    'Each flag is the action input of the same name (README, "Inputs"); quote globs so that',
    'the shell leaves them alone. Flags and their defaults here:',
    ...INPUT_NAMES.map((n) => `  --${n.padEnd(width)}  ${shownDefault(n)}`),
    `  --${'verbose'.padEnd(width)}  also print debug lines`,
  ].join('\n');
}

function demoUsage(): string {
  const quoted = demoArgs('<repo>').map((a) => (/[*#<]/.test(a) ? `'${a}'` : a));
  return `usage: allhw demo [run flags]

Runs the example model (examples/synth) on the emulated board: the same as
  allhw run ${quoted.join(' ')}
Flags given here are added to those (e.g. --results-dir DIR, --verbose).
With --model examples/mlf/letscope.tar it runs the MLF example instead (a real
microTVM tarball, generated into a project, built and run on the emulated board).`;
}

/** Advice for a positional argument: most often a glob the shell expanded. */
function unexpectedArgument(arg: string): FlagError {
  const glob =
    arg.includes('/') || arg.includes('.')
      ? ` If it is a file your shell expanded from a glob, quote the glob (--inputs 'model/inputs/*.txt') or list files with commas.`
      : '';
  return new FlagError(`Unexpected argument '${arg}': flags are --name value.${glob} 'allhw run --help' lists the flags.`);
}

/** The config's messages name action inputs; on the command line each is a flag of that name. */
function withFlagHint(e: ConfigError): ConfigError {
  const how =
    e.input === 'ci-api-key'
      ? 'From a terminal: set the ALLHW_API_KEY environment variable (or --ci-api-key KEY, which others can see in ps).'
      : e.input === 'inputs'
        ? "On the command line: --inputs 'model/inputs/*.txt'."
        : `On the command line: --${e.input}.`;
  return new ConfigError(e.input, `${e.message} ${how}`);
}

/** The key from the environment or, with a warning, from the command line (which every user of the machine can read). */
function apiKey(parsed: ReturnType<typeof parseFlags>, env: NodeJS.ProcessEnv, log: Logger): string {
  const fromFlag = flag(parsed, 'ci-api-key');
  if (fromFlag === undefined) return env.ALLHW_API_KEY ?? '';
  log.secret(fromFlag);
  log.warning(
    '--ci-api-key puts the key on the command line, where any user of this machine can read it (ps, /proc): ' +
      'set the ALLHW_API_KEY environment variable instead.',
  );
  return fromFlag;
}

async function runCommand(argv: string[], log: Logger, env: NodeJS.ProcessEnv, redactor: Redactor): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(runUsage());
    return 0;
  }
  const parsed = parseFlags(argv, INPUT_NAMES, ['verbose']);
  const [stray] = parsed.positionals;
  if (stray !== undefined) throw unexpectedArgument(stray);
  const key = apiKey(parsed, env, log);
  log.secret(key);
  const token = flag(parsed, 'github-token') ?? env.GITHUB_TOKEN ?? '';
  log.secret(token);
  let config: Config;
  try {
    config = parseConfig((name) => {
      if (name === 'ci-api-key') return key;
      if (name === 'github-token') return token;
      const values = parsed.values.get(name);
      if (values) return values.join('\n');
      return CLI_DEFAULTS[name];
    });
  } catch (e) {
    throw e instanceof ConfigError ? withFlagHint(e) : e;
  }
  const stop = abortOnStopSignals((name) => log.warning(`${name}: stopping; writing what is known so far`));
  try {
    const outcome = await runPipeline(config, log, {
      githubActions: false,
      env,
      workspace: process.cwd(),
      signal: stop.signal,
      redactor,
    });
    // A run that stopped before any input has no table to show: the error says it all.
    if (outcome.results.results.length > 0) log.info(outcome.textTable);
    if (outcome.failed) {
      log.error(outcome.reason);
      return 1;
    }
    return 0;
  } finally {
    stop.dispose();
  }
}

/**
 * @actions/* libraries (the tool cache) print `::debug::` workflow commands
 * that only a runner reads; in a terminal they are noise unless --verbose.
 */
function hideRunnerDebugLines(): void {
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('::debug::') ? true : write(chunk, ...rest)) as typeof process.stdout.write;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const verbose = argv.includes('--verbose');
  if (!verbose && !env.GITHUB_ACTIONS) hideRunnerDebugLines();
  // One redactor for the process: every line printed and every file written goes through it.
  const redactor = new Redactor();
  const log = consoleLogger({ verbose, redactor });
  // Before any flag is read: a mistake's message must not show the key either.
  for (const secret of [env.ALLHW_API_KEY ?? '', ...environmentTokens(env)]) log.secret(secret);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, log, env, redactor);
      case 'demo':
        if (rest.includes('--help') || rest.includes('-h')) {
          log.info(demoUsage());
          return 0;
        }
        // With --model (npm run demo -- --model examples/mlf/letscope.tar): the MLF example's inputs and golden outputs.
        return await runCommand([...(rest.includes('--model') ? mlfDemoArgs() : demoArgs()), ...rest], log, env, redactor);
      case 'serve':
        return await serveCommand(rest, log);
      case 'build':
        return await buildCommand(rest, log);
      case 'generate':
        return await generateCommand(rest, log);
      case 'toolchain':
        return await toolchainCommand(rest, log);
      case 'merge':
        return await mergeCommand(rest, log, env);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        log.info(USAGE);
        return command === undefined ? 2 : 0;
      default:
        log.error(`Unknown command '${command}'.\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof FlagError) {
      log.error(e.message);
      return 2;
    }
    log.error((e as Error).message);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
