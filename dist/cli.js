#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { D as DEFAULT_PORT, a as DEFAULT_BOARDS, b as DEFAULT_FLASH_MS_PER_KIB, c as DEFAULT_BOOT_MS, d as DEFAULT_ICOUNT_SHIFT, e as DEFAULT_FAULT_SEED, f as DEFAULT_MAX_IMAGE_BYTES, g as DEFAULT_MAX_INPUT_BYTES, F as FAULT_KINDS, h as ensureCommand, Q as QEMU_COMMAND, O as OsPackageError, s as startServe, p as parseFaultSpec, i as FaultSpecError, B as BOARDS, j as parseFlags, k as FlagError$1, l as BUILD_SYSTEMS, m as buildProject, n as splitArgs, o as BuildError, I as INPUT_DEFAULTS, q as flag, r as consoleLogger, t as toolchainCommand, C as ConfigError, u as parseConfig, v as runPipeline, w as INPUT_NAMES } from './chunks/pipeline.js';
import 'node:crypto';
import 'node:fs/promises';
import 'node:timers/promises';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:util';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:sqlite';
import 'node:buffer';
import 'node:tls';
import 'node:stream/web';
import 'node:async_hooks';
import 'node:console';
import 'node:timers';
import 'node:dns';
import 'node:os';
import 'node:child_process';
import 'node:string_decoder';
import 'node:readline';
import './chunks/core.js';
import 'os';
import 'crypto';
import 'fs';
import 'path';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'assert';
import 'util';
import 'string_decoder';
import 'child_process';
import 'timers';
import 'stream';
import 'node:stream/promises';

/** Comma-separated keys the service accepts, besides --key. */
const KEYS_ENV = 'ALLHW_SERVE_KEYS';
const LISTENING_PREFIX = 'allhw serve listening on ';
const MIB = 1024 * 1024;
const SERVE_HELP = `Usage: allhw serve [options]

An All-HW-compatible CI service whose boards are firmware run in QEMU
(mps2-an500, a Cortex-M7). Clients talk to the printed URL exactly as to
https://cloud.all-hw.com/ci/usertask (POST a task, GET ?id= until finished).

Options:
  --host HOST             address to listen on (default 127.0.0.1)
  --port N                port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --boards N              emulated boards, i.e. tasks running at once (default ${DEFAULT_BOARDS})
  --key KEY               accept this API key; repeatable. Also ${KEYS_ENV}=k1,k2.
                          With no key at all, any key is accepted.
  --data-dir DIR          keep tasks, images, inputs and UART logs here
                          (default: a temp dir, removed on exit)
  --flash-ms-per-kib MS   flash time per KiB of image (default ${DEFAULT_FLASH_MS_PER_KIB}: ST-LINK on the F746)
  --boot-ms MS            time from reset to the first input byte (default ${DEFAULT_BOOT_MS})
  --icount SHIFT|off      guest time from the instruction count, 2^SHIFT ns each, so
                          the firmware's timers repeat (default ${DEFAULT_ICOUNT_SHIFT}); off: host time
  --max-image-mb MB       largest firmware image accepted (default ${DEFAULT_MAX_IMAGE_BYTES / MIB})
  --max-input-mb MB       largest input file accepted (default ${DEFAULT_MAX_INPUT_BYTES / MIB})
  --live-output           fill "output" while a task runs (All-HW only promises it once finished)
  --qemu PATH             the qemu-system-arm to run (default: from PATH)
  --faults SPEC           inject failures, e.g. 503:0.3,reset:0.1,slow=1500:0.2
                          (kind[=value]:probability; kinds: ${Object.keys(FAULT_KINDS).join(', ')};
                          see README "Fault injection")
  --faults-seed N         seed of the fault draws (default ${DEFAULT_FAULT_SEED}): same seed, same faults
  -h, --help              show this help

Task codes: the firmware's exit code; 156 timeout; 255 the image could not run.
See src/serve/README.md.`;
class FlagError extends Error {
}
/** Parses `allhw serve` flags; throws FlagError naming the flag at fault. */
function parseServeFlags(argv, env) {
    const opts = {};
    const keys = [];
    let faultSpec;
    let faultSeed;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '-h' || arg === '--help')
            return 'help';
        const match = /^(--[a-z-]+)(?:=(.*))?$/s.exec(arg);
        if (!match)
            throw new FlagError(`unexpected argument ${JSON.stringify(arg)}: allhw serve takes only flags (see --help)`);
        const flag = match[1];
        const value = () => {
            if (match[2] !== undefined)
                return match[2];
            const next = argv[i + 1];
            if (next === undefined || next.startsWith('--'))
                throw new FlagError(`${flag} needs a value (see --help)`);
            i++;
            return next;
        };
        switch (flag) {
            case '--host':
                opts.host = value();
                break;
            case '--port':
                opts.port = wholeNumber(flag, value(), 0, 65535);
                break;
            case '--boards':
                opts.boards = wholeNumber(flag, value(), 1, 64);
                break;
            case '--key': {
                const key = value();
                if (key.trim() === '')
                    throw new FlagError('--key is empty: pass the API key clients must send');
                keys.push(key);
                break;
            }
            case '--data-dir':
                opts.dataDir = value();
                break;
            case '--flash-ms-per-kib':
                opts.flashMsPerKiB = decimal(flag, value(), 0, 10_000);
                break;
            case '--boot-ms':
                opts.bootMs = wholeNumber(flag, value(), 0, 600_000);
                break;
            case '--icount': {
                const v = value();
                opts.icountShift = v === 'off' ? null : wholeNumber(flag, v, 0, 10);
                break;
            }
            case '--max-image-mb':
                opts.maxImageBytes = Math.round(decimal(flag, value(), 0.001, 4096) * MIB);
                break;
            case '--max-input-mb':
                opts.maxInputBytes = Math.round(decimal(flag, value(), 0.001, 4096) * MIB);
                break;
            case '--live-output':
                if (match[2] !== undefined)
                    throw new FlagError('--live-output takes no value');
                opts.liveOutput = true;
                break;
            case '--qemu':
                opts.qemuPath = value();
                break;
            case '--faults':
                faultSpec = value();
                try {
                    parseFaultSpec(faultSpec); // checked here so a bad spec is a flag error (exit 2)
                }
                catch (err) {
                    if (err instanceof FaultSpecError)
                        throw new FlagError(err.message);
                    throw err;
                }
                break;
            case '--faults-seed':
                faultSeed = wholeNumber(flag, value(), 0, 0xffffffff);
                break;
            default:
                throw new FlagError(`unknown flag ${flag} (see --help)`);
        }
    }
    if (faultSeed !== undefined && faultSpec === undefined)
        throw new FlagError('--faults-seed needs --faults (the faults to draw)');
    if (faultSpec !== undefined)
        opts.faults = { spec: faultSpec, seed: faultSeed ?? DEFAULT_FAULT_SEED };
    const fromEnv = (env[KEYS_ENV] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
    keys.push(...fromEnv);
    if (keys.length > 0)
        opts.keys = keys;
    return opts;
}
function wholeNumber(flag, raw, min, max) {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
        throw new FlagError(`${flag} ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
    }
    return value;
}
function decimal(flag, raw, min, max) {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(value) || value < min || value > max) {
        throw new FlagError(`${flag} ${JSON.stringify(raw)} is not a number from ${min} to ${max}`);
    }
    return value;
}
async function serveCommand(argv, log) {
    let opts;
    try {
        opts = parseServeFlags(argv, process.env);
    }
    catch (err) {
        if (!(err instanceof FlagError))
            throw err;
        log.error(`allhw serve: ${err.message}`);
        return 2;
    }
    if (opts === 'help') {
        log.info(SERVE_HELP);
        return 0;
    }
    for (const key of opts.keys ?? [])
        log.secret(key);
    if (!opts.qemuPath) {
        // Checked now, not at the first task: a server without QEMU is no farm.
        try {
            opts.qemuPath = await ensureCommand({
                ...QEMU_COMMAND,
                why: 'allhw serve',
                otherwise: 'pass its path with --qemu',
                allowInstall: false, // a local command does not install system packages behind the user's back
                searchPath: process.env.PATH ?? '',
                platform: process.platform,
                log,
            });
        }
        catch (err) {
            if (!(err instanceof OsPackageError))
                throw err;
            log.error(err.message);
            return 1;
        }
    }
    let serve;
    try {
        serve = await startServe({ ...opts, log });
    }
    catch (err) {
        log.error(err.message);
        return 1;
    }
    log.info(`${LISTENING_PREFIX}${serve.url}`); // first stdout line: scripts parse the URL from it
    log.info(`boards: ${opts.boards ?? DEFAULT_BOARDS} × qemu mps2-an500; data: ${serve.dataDir}; keys: ${opts.keys ? opts.keys.length : 'any'}; stop with Ctrl-C`);
    const signals = waitForSignals();
    const first = await signals.next;
    log.info(`allhw serve: ${first}: stopping every board`);
    // A second signal while boards stop ends the wait; QEMU still dies with us (PR_SET_PDEATHSIG).
    const outcome = await Promise.race([serve.close().then(() => 'closed'), signals.next]);
    signals.dispose();
    if (outcome !== 'closed') {
        log.warning(`allhw serve: ${outcome} again: not waiting for the boards to stop`);
        return 1;
    }
    log.info('allhw serve: stopped');
    return 0;
}
/** SIGINT/SIGTERM as a sequence: `next` resolves at the next one. */
function waitForSignals() {
    let resolveNext = () => undefined;
    let next = new Promise((r) => (resolveNext = r));
    const on = (signal) => {
        const resolve = resolveNext;
        next = new Promise((r) => (resolveNext = r));
        resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    return {
        get next() {
            return next;
        },
        dispose() {
            process.off('SIGINT', on);
            process.off('SIGTERM', on);
        },
    };
}

/**
 * `allhw build`: the build stage alone, from a terminal. The toolchain is
 * whatever arm-none-eabi-gcc is on PATH.
 */
const FLAGS = ['project-dir', 'board', 'build-system', 'build-command', 'build-args', 'image', 'results-dir'];
const USAGE$1 = `usage: allhw build [--project-dir DIR] [--board ${BOARDS.join('|')}]
                   [--build-system auto|cmake|make|zephyr|command|none] [--build-command CMD]
                   [--build-args ARGS] [--image GLOB] [--results-dir DIR]
Builds the project with the arm-none-eabi-gcc on PATH, finds its image(s) and sizes them;
the build log goes to <results-dir>/logs/build.log.`;
const SYSTEM_TOOLCHAIN = { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null };
async function buildCommand(argv, log) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(USAGE$1);
        return 0;
    }
    let parsed;
    try {
        parsed = parseFlags(argv, FLAGS);
        if (parsed.positionals.length)
            throw new FlagError$1(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE$1}`);
    }
    catch (e) {
        log.error(e.message);
        return 2;
    }
    const given = (name) => (flag(parsed, name) ?? INPUT_DEFAULTS[name]).trim();
    // Checked here rather than with parseConfig, which also insists on the
    // run's inputs (inputs, golden, ...) that a build alone does not need.
    const system = given('build-system');
    const board = given('board');
    const problem = !BUILD_SYSTEMS.includes(system)
        ? `Flag --build-system has value '${system}': allowed values are ${BUILD_SYSTEMS.map((b) => `'${b}'`).join(', ')}.`
        : !BOARDS.includes(board)
            ? `Flag --board has value '${board}': known boards are ${BOARDS.map((b) => `'${b}'`).join(', ')}.`
            : null;
    if (problem) {
        log.error(problem);
        return 2;
    }
    try {
        const build = await buildProject({
            projectDir: given('project-dir'),
            system: system,
            command: given('build-command'),
            board,
            args: splitArgs(given('build-args')),
            image: given('image'),
            resultsDir: path.resolve(given('results-dir')),
            toolchain: SYSTEM_TOOLCHAIN,
            githubActions: false,
            log,
        });
        // buildProject has already printed each image and its size.
        log.info(`${build.images.length} image(s): ${build.images.map((i) => i.name).join(', ')}. Build log: ${build.logPath}`);
        return 0;
    }
    catch (e) {
        if (e instanceof BuildError) {
            log.error(e.message);
            return 1;
        }
        throw e;
    }
}

/**
 * The CLI: the same pipeline as the action, from a terminal.
 *   allhw run [--<input> value ...]   build, run on All-HW or the emulator, report
 *   allhw demo                        the example model on the emulated board
 *   allhw serve [...]                 the local All-HW-compatible farm (QEMU boards)
 *   allhw build [...]                 build a firmware project
 *   allhw toolchain install [...]     install the GNU Arm toolchain
 */
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
  toolchain list      the Arm releases it knows, with checksums

Run 'allhw <command> --help' for a command's flags.`;
/** The CLI runs where a developer has a toolchain: 'system' unless told otherwise. */
const CLI_DEFAULTS = { toolchain: 'system' };
function repoRoot() {
    // dist/cli.js and src/cli.ts are both one level below the root.
    return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}
function demoArgs(root = repoRoot()) {
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
/** `allhw run --help`: every flag with the default the CLI uses. */
function runUsage() {
    const width = Math.max(...INPUT_NAMES.map((n) => n.length));
    const shownDefault = (name) => {
        if (name === 'inputs')
            return '(required)';
        if (name === 'ci-api-key')
            return '(empty; or the ALLHW_API_KEY environment variable)';
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
function demoUsage() {
    const quoted = demoArgs('<repo>').map((a) => (/[*#<]/.test(a) ? `'${a}'` : a));
    return `usage: allhw demo [run flags]

Runs the example model (examples/synth) on the emulated board: the same as
  allhw run ${quoted.join(' ')}
Flags given here are added to those (e.g. --results-dir DIR, --verbose).`;
}
/** Advice for a positional argument: most often a glob the shell expanded. */
function unexpectedArgument(arg) {
    const glob = arg.includes('/') || arg.includes('.')
        ? ` If it is a file your shell expanded from a glob, quote the glob (--inputs 'model/inputs/*.txt') or list files with commas.`
        : '';
    return new FlagError$1(`Unexpected argument '${arg}': flags are --name value.${glob} 'allhw run --help' lists the flags.`);
}
/** The config's messages name action inputs; on the command line each is a flag of that name. */
function withFlagHint(e) {
    const how = e.input === 'ci-api-key'
        ? 'On the command line: --ci-api-key KEY, or the ALLHW_API_KEY environment variable.'
        : e.input === 'inputs'
            ? "On the command line: --inputs 'model/inputs/*.txt'."
            : `On the command line: --${e.input}.`;
    return new ConfigError(e.input, `${e.message} ${how}`);
}
async function runCommand(argv, log, env) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(runUsage());
        return 0;
    }
    const parsed = parseFlags(argv, INPUT_NAMES, ['verbose']);
    if (parsed.positionals.length)
        throw unexpectedArgument(parsed.positionals[0]);
    const key = flag(parsed, 'ci-api-key') ?? env.ALLHW_API_KEY ?? '';
    log.secret(key);
    let config;
    try {
        config = parseConfig((name) => {
            if (name === 'ci-api-key')
                return key;
            const values = parsed.values.get(name);
            if (values)
                return values.join('\n');
            return CLI_DEFAULTS[name];
        });
    }
    catch (e) {
        throw e instanceof ConfigError ? withFlagHint(e) : e;
    }
    const controller = new AbortController();
    const onSignal = (signal) => {
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
        // A run that stopped before any input has no table to show: the error says it all.
        if (outcome.results.results.length > 0)
            log.info(outcome.textTable);
        if (outcome.failed) {
            log.error(outcome.reason);
            return 1;
        }
        return 0;
    }
    finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
    }
}
/**
 * @actions/* libraries (the tool cache) print `::debug::` workflow commands
 * that only a runner reads; in a terminal they are noise unless --verbose.
 */
function hideRunnerDebugLines() {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk, ...rest) => typeof chunk === 'string' && chunk.startsWith('::debug::') ? true : write(chunk, ...rest));
}
async function main(argv, env = process.env) {
    const verbose = argv.includes('--verbose');
    if (!verbose && !env.GITHUB_ACTIONS)
        hideRunnerDebugLines();
    const log = consoleLogger({ verbose });
    const [command, ...rest] = argv;
    try {
        switch (command) {
            case 'run':
                return await runCommand(rest, log, env);
            case 'demo':
                if (rest.includes('--help') || rest.includes('-h')) {
                    log.info(demoUsage());
                    return 0;
                }
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
    }
    catch (e) {
        if (e instanceof ConfigError || e instanceof FlagError$1) {
            log.error(e.message);
            return 2;
        }
        log.error(e.message);
        return 1;
    }
}
function isEntryPoint() {
    const script = process.argv[1];
    if (!script)
        return false;
    try {
        return realpathSync(script) === fileURLToPath(import.meta.url);
    }
    catch {
        return false;
    }
}
if (isEntryPoint())
    process.exitCode = await main(process.argv.slice(2));

export { demoArgs, main, runUsage };
//# sourceMappingURL=cli.js.map
