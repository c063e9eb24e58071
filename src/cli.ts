/**
 * The CLI: the same pipeline as the action, from a terminal.
 *   allhw run [--<input> value ...]   build, run on All-HW or the emulator, report
 *   allhw demo                        the example model on the emulated board
 *   allhw serve [...]                 the local All-HW-compatible farm (QEMU boards)
 *   allhw build [...]                 build a firmware project
 *   allhw toolchain install [...]     install the GNU Arm toolchain
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, INPUT_NAMES, parseConfig, type InputName } from './config.js';
import { FlagError, flag, parseFlags } from './cli-flags.js';
import { consoleLogger, type Logger } from './log.js';
import { runPipeline } from './pipeline.js';
import { serveCommand } from './serve/command.js';
import { buildCommand } from './build/command.js';
import { toolchainCommand } from './toolchain/install.js';

const USAGE = `usage: allhw <command> [flags]

commands:
  run                 build the project, run every image with every input on All-HW
                      (or the emulated board), check and report; flags are the
                      action's inputs: --ci-url, --ci-timeout, --inputs, --golden, ...
                      The API key comes from --ci-api-key or ALLHW_API_KEY.
  demo                the example model (examples/synth) on the emulated board
  serve               the local All-HW-compatible CI service (boards run in QEMU)
  build               build a firmware project and find its images
  toolchain install   install the GNU Arm toolchain (--toolchain, --toolchain-mirror)

Run 'allhw <command> --help' for a command's flags.`;

/** The CLI runs where a developer has a toolchain: 'system' unless told otherwise. */
const CLI_DEFAULTS: Partial<Record<InputName, string>> = { toolchain: 'system' };

function repoRoot(): string {
  // dist/cli.js and src/cli.ts are both one level below the root.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

export function demoArgs(root = repoRoot()): string[] {
  const example = path.join(root, 'examples/synth');
  return [
    '--mode', 'emulator',
    '--toolchain', 'system',
    '--project-dir', example,
    '--inputs', path.join(example, 'inputs/*.txt'),
    '--golden', path.join(example, 'golden.json'),
    '--exit-line', '#exit',
    '--ci-timeout', '30',
  ];
}

async function runCommand(argv: string[], log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help')) {
    log.info(`usage: allhw run ${INPUT_NAMES.map((n) => `[--${n} V]`).join(' ')}`);
    return 0;
  }
  const parsed = parseFlags(argv, INPUT_NAMES, ['verbose']);
  if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.`);
  const key = flag(parsed, 'ci-api-key') ?? env.ALLHW_API_KEY ?? '';
  log.secret(key);
  const config = parseConfig((name) => {
    if (name === 'ci-api-key') return key;
    const values = parsed.values.get(name);
    if (values) return values.join('\n');
    return CLI_DEFAULTS[name];
  });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.warning(`${signal}: stopping; writing what is known so far`);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcome = await runPipeline(config, log, {
      githubActions: false,
      env,
      workspace: process.cwd(),
      signal: controller.signal,
    });
    log.info(outcome.textTable);
    if (outcome.failed) {
      log.error(outcome.reason);
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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
  const log = consoleLogger({ verbose });
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, log, env);
      case 'demo':
        return await runCommand([...demoArgs(), ...rest], log, env);
      case 'serve':
        return await serveCommand(rest, log);
      case 'build':
        return await buildCommand(rest, log);
      case 'toolchain':
        return await toolchainCommand(rest, log);
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
