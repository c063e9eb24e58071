#!/usr/bin/env node
import { realpathSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { f as editDistance, R as Redactor, t as terminalSafe, D as DEFAULT_PORT, g as DEFAULT_BOARDS, h as DEFAULT_FLASH_MS_PER_KIB, i as DEFAULT_BOOT_MS, j as DEFAULT_ICOUNT_SHIFT, k as DEFAULT_FAULT_SEED, l as DEFAULT_MAX_IMAGE_BYTES, m as DEFAULT_MAX_INPUT_BYTES, F as FAULT_KINDS, n as ensureCommand, Q as QEMU_COMMAND, O as OsPackageError, s as startServe, o as parseFaultSpec, q as FaultSpecError, w as wholeNumberIn, x as decimalIn, B as BOARDS, y as buildSystemValue, A as AS_FLAG, z as boardValue, E as byteSizeValue, C as ConfigError, G as buildProject, H as projectMemorySplit, I as splitArgs, J as printable, K as BuildError, L as INPUT_DEFAULTS, M as modelValue, N as generateProject, P as MlfError, S as defaultTable, T as archiveFor, U as setupToolchain, V as toolchainMirrorValue, W as ToolchainError, d as reportConfig, X as renderTextTable, e as environmentTokens, p as parseConfig, r as runPipeline, Y as INPUT_NAMES } from './chunks/pipeline.js';
import { parseArgs } from 'node:util';
import 'node:crypto';
import 'node:fs/promises';
import 'node:readline';
import { s as stopSignalSequence, r as runReportMode, a as abortOnStopSignals } from './chunks/signals.js';
import 'node:child_process';
import os from 'node:os';
import 'node:timers/promises';
import 'node:events';
import 'node:stream/promises';
import 'node:zlib';
import 'node:string_decoder';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:querystring';
import 'node:diagnostics_channel';
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
import 'events';
import 'fs';
import 'path';
import 'assert';
import 'buffer';
import 'zlib';
import './chunks/core.js';
import 'os';
import 'crypto';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'util';
import 'string_decoder';
import 'child_process';
import 'timers';
import './chunks/index.js';
import 'stream';
import './chunks/github.js';

/**
 * The one flag parser of every `allhw` command: node:util parseArgs reads
 * `--name value` and `--name=value`, repeated flags collect; this module adds
 * the messages (an unknown flag names the one most likely meant) and the few
 * rules parseArgs leaves to its caller, checked on its tokens.
 */
/** A flag the user got wrong: the commands print the message and exit 2. */
class FlagError extends Error {
    name = 'FlagError';
}
const DEFAULT_MESSAGES = {
    unknown: (name, near, known) => `Unknown flag '--${name}'.${near ? ` Did you mean '--${near}'?` : ''} Known flags: ${known.map((k) => `--${k}`).join(', ')}.`,
    needsValue: (name) => `Flag '--${name}' needs a value.`,
    takesNoValue: (name) => `Flag '--${name}' takes no value.`,
};
function parseFlags(argv, known, rules = {}) {
    const r = Array.isArray(rules) ? { booleans: rules } : rules;
    const booleans = r.booleans ?? [];
    const say = { ...DEFAULT_MESSAGES, ...r.messages };
    const options = Object.fromEntries([
        ...known.map((k) => [k, { type: 'string', multiple: true }]),
        ...booleans.map((k) => [k, { type: 'boolean' }]),
    ]);
    // strict: false, so that every mistake reaches the checks below and gets this module's message.
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    const values = new Map();
    const positionals = [];
    const seenAt = new Set();
    for (const t of tokens) {
        if (t.kind !== 'option' || !t.rawName.startsWith('--')) {
            // Single-dash groups (-abc) yield one token per letter: the argument counts once, as written.
            if (!seenAt.has(t.index))
                positionals.push(argv[t.index]);
            seenAt.add(t.index);
            continue;
        }
        const { name } = t;
        if (booleans.includes(name)) {
            if (t.value !== undefined && r.strictBooleans)
                throw new FlagError(say.takesNoValue(name));
            values.set(name, [t.value ?? 'true']);
            continue;
        }
        if (!known.includes(name)) {
            const all = [...known, ...booleans];
            throw new FlagError(say.unknown(name, closest(name, all), all));
        }
        const missing = t.value === undefined || (r.dashesMeanMissing && !t.inlineValue && t.value.startsWith('--'));
        if (missing)
            throw new FlagError(say.needsValue(name));
        values.set(name, [...(values.get(name) ?? []), t.value]);
    }
    return { values, positionals };
}
/** The last value of a flag, or undefined. */
function flag(parsed, name) {
    const v = parsed.values.get(name);
    return v ? v[v.length - 1] : undefined;
}
/** The known name a typo most likely meant: a close edit, or one that contains it. */
function closest(name, known) {
    let best = null;
    let bestScore = Infinity;
    for (const k of known) {
        const score = k.endsWith(`-${name}`) || k.startsWith(`${name}-`) ? 1 : editDistance(name, k);
        if (score < bestScore) {
            best = k;
            bestScore = score;
        }
    }
    return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/**
 * The one logging interface every stage uses. The action maps it to
 * @actions/core (annotations, groups, masking); the CLI to the terminal.
 * Stages never know which.
 */
/** Terminal logger for the CLI, the server and tests. */
function consoleLogger(options = {}) {
    const redactor = options.redactor ?? new Redactor();
    const out = options.out ?? process.stdout;
    const err = options.err ?? process.stderr;
    const where = (p) => p?.file ? `${p.file}${p.startLine ? `:${p.startLine}` : ''}${p.startColumn ? `:${p.startColumn}` : ''}: ` : '';
    const write = (stream, line) => {
        stream.write(terminalSafe(redactor.redact(line)) + '\n');
    };
    return {
        debug: (m) => {
            if (options.verbose)
                write(err, `debug: ${m}`);
        },
        info: (m) => write(out, m),
        notice: (m, p) => write(out, `notice: ${where(p)}${m}`),
        warning: (m, p) => write(err, `warning: ${where(p)}${m}`),
        error: (m, p) => write(err, `error: ${where(p)}${m}`),
        group: async (name, fn) => {
            write(out, `== ${name}`);
            return fn();
        },
        secret: (v) => redactor.add(v),
    };
}

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
const SERVE_FLAGS = [
    'host',
    'port',
    'boards',
    'key',
    'data-dir',
    'flash-ms-per-kib',
    'boot-ms',
    'icount',
    'max-image-mb',
    'max-input-mb',
    'qemu',
    'faults',
    'faults-seed',
];
/** serve's words for the parser's mistakes (its messages predate the shared parser; tests and scripts match them). */
const SERVE_FLAG_MESSAGES = {
    unknown: (name) => `unknown flag --${name} (see --help)`,
    needsValue: (name) => `--${name} needs a value (see --help)`,
    takesNoValue: (name) => `--${name} takes no value`,
};
/** Parses `allhw serve` flags; throws FlagError naming the flag at fault. */
function parseServeFlags(argv, env) {
    if (argv.includes('-h') || argv.includes('--help'))
        return 'help';
    const parsed = parseFlags(argv, SERVE_FLAGS, { booleans: ['live-output'], strictBooleans: true, dashesMeanMissing: true, messages: SERVE_FLAG_MESSAGES });
    if (parsed.positionals.length) {
        throw new FlagError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}: allhw serve takes only flags (see --help)`);
    }
    const given = (name) => flag(parsed, name);
    const whole = (name, min, max) => {
        const raw = given(name);
        return raw === undefined ? undefined : wholeNumberFlag(name, raw, min, max);
    };
    const mib = (name) => {
        const raw = given(name);
        return raw === undefined ? undefined : Math.round(decimalFlag(name, raw, 0.001, 4096) * MIB);
    };
    const icount = given('icount');
    const flashMs = given('flash-ms-per-kib');
    const opts = {
        host: given('host'),
        port: whole('port', 0, 65535),
        boards: whole('boards', 1, 64),
        dataDir: given('data-dir'),
        flashMsPerKiB: flashMs === undefined ? undefined : decimalFlag('flash-ms-per-kib', flashMs, 0, 10_000),
        bootMs: whole('boot-ms', 0, 600_000),
        icountShift: icount === undefined ? undefined : icount === 'off' ? null : wholeNumberFlag('icount', icount, 0, 10),
        maxImageBytes: mib('max-image-mb'),
        maxInputBytes: mib('max-input-mb'),
        liveOutput: parsed.values.has('live-output') ? true : undefined,
        qemuPath: given('qemu'),
    };
    for (const key of Object.keys(opts))
        if (opts[key] === undefined)
            delete opts[key];
    const faultSpec = given('faults');
    if (faultSpec !== undefined) {
        try {
            parseFaultSpec(faultSpec); // checked here so a bad spec is a flag error (exit 2)
        }
        catch (err) {
            if (err instanceof FaultSpecError)
                throw new FlagError(err.message);
            throw err;
        }
    }
    const faultSeed = whole('faults-seed', 0, 0xffffffff);
    if (faultSeed !== undefined && faultSpec === undefined)
        throw new FlagError('--faults-seed needs --faults (the faults to draw)');
    if (faultSpec !== undefined)
        opts.faults = { spec: faultSpec, seed: faultSeed ?? DEFAULT_FAULT_SEED };
    const keys = parsed.values.get('key') ?? [];
    if (keys.some((k) => k.trim() === ''))
        throw new FlagError('--key is empty: pass the API key clients must send');
    const fromEnv = (env[KEYS_ENV] ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== '');
    keys.push(...fromEnv);
    if (keys.length > 0)
        opts.keys = keys;
    return opts;
}
/** `--name "raw" is not a whole number from min to max` (serve's wording), on config's one check. */
function wholeNumberFlag(name, raw, min, max) {
    const value = wholeNumberIn(raw, min, max);
    if (value === null)
        throw new FlagError(`--${name} ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
    return value;
}
function decimalFlag(name, raw, min, max) {
    const value = decimalIn(raw, min, max);
    if (value === null)
        throw new FlagError(`--${name} ${JSON.stringify(raw)} is not a number from ${min} to ${max}`);
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
    const signals = stopSignalSequence();
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

/**
 * `allhw build`: the build stage alone, from a terminal. The toolchain is
 * whatever arm-none-eabi-gcc is on PATH.
 */
const FLAGS$1 = [
    'project-dir',
    'board',
    'flash-size',
    'ram-size',
    'build-system',
    'build-command',
    'build-args',
    'image',
    'results-dir',
];
const USAGE$2 = `usage: allhw build [--project-dir DIR] [--board ${BOARDS.join('|')}|NAME]
                   [--flash-size BYTES] [--ram-size BYTES]
                   [--build-system auto|cmake|make|zephyr|command|none] [--build-command CMD]
                   [--build-args ARGS] [--image GLOB] [--results-dir DIR]
Builds the project with the arm-none-eabi-gcc on PATH, finds its image(s) and sizes them;
the build log goes to <results-dir>/logs/build.log.`;
const SYSTEM_TOOLCHAIN = { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null };
async function buildCommand(argv, log) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(USAGE$2);
        return 0;
    }
    let parsed;
    try {
        parsed = parseFlags(argv, FLAGS$1);
        if (parsed.positionals.length)
            throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE$2}`);
    }
    catch (e) {
        log.error(e.message);
        return 2;
    }
    const given = (name) => (flag(parsed, name) ?? INPUT_DEFAULTS[name]).trim();
    // config's checks of these values, not parseConfig, which also insists
    // on the run's inputs (inputs, golden, ...) that a build alone does not need.
    let system;
    let board;
    let flashSize;
    let ramSize;
    try {
        system = buildSystemValue(given('build-system'), AS_FLAG);
        board = boardValue(given('board'), AS_FLAG);
        flashSize = byteSizeValue(given('flash-size'), 'flash-size', AS_FLAG);
        ramSize = byteSizeValue(given('ram-size'), 'ram-size', AS_FLAG);
    }
    catch (e) {
        if (!(e instanceof ConfigError))
            throw e;
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
    }
    catch (e) {
        if (e instanceof BuildError) {
            log.error(e.message);
            return 1;
        }
        throw e;
    }
}

/** `allhw generate`: an MLF tarball → a CMake project for a board, written to a directory. */
const USAGE$1 = `usage: allhw generate --model FILE --out DIR [--board ${BOARDS.join('|')}]
Writes a plain CMake project for the board from an MLF tarball (.tar, .tar.gz, .tgz) or an
unpacked MLF directory, as 'tvmc compile --executor=aot --runtime=crt --output-format=mlf' writes it.
Build it with 'allhw build --project-dir DIR --board BOARD', or by hand (DIR/README.md).
Regenerating into the same DIR rewrites only files whose content changed. Default board: f746_disco.`;
/** Flag mistakes are thrown (FlagError, ConfigError) for main to print with exit code 2; a tarball that cannot become a project exits 1. */
async function generateCommand(argv, log) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(USAGE$1);
        return 0;
    }
    const parsed = parseFlags(argv, ['model', 'out', 'board']);
    if (parsed.positionals.length)
        throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE$1}`);
    const given = flag(parsed, 'model');
    const out = flag(parsed, 'out');
    if (!given || !out)
        throw new FlagError(`${!given ? '--model FILE' : '--out DIR'} is required.\n${USAGE$1}`);
    const model = modelValue(given, AS_FLAG);
    const board = boardValue(flag(parsed, 'board') ?? 'f746_disco', AS_FLAG);
    try {
        const project = await generateProject({ model: path.resolve(model), board, outDir: path.resolve(out) });
        const m = project.model;
        log.info(`Generated ${project.dir} for ${board} from ${model} (MLF v${m.metadataVersion}, module ${m.module}, entry point ${m.entry.symbol}).`);
        if (project.note)
            log.warning(project.note);
        log.info(`${project.files.written.length} file(s) written, ${project.files.unchanged} unchanged, ${project.files.removed.length} removed.`);
        log.info(`Build it: allhw build --project-dir ${out} --board ${board}`);
        return 0;
    }
    catch (e) {
        if (e instanceof MlfError) {
            log.error(e.message);
            return 1;
        }
        throw e;
    }
}

/** `allhw toolchain install|list`: the toolchain stage alone, from a terminal. */
const COMMAND_USAGE = `usage: allhw toolchain install [--toolchain RELEASE|latest|system|none] [--toolchain-mirror URL] [--tool-cache-dir DIR]
       allhw toolchain list`;
/** `allhw toolchain install|list`. Returns the exit code. */
async function toolchainCommand(argv, log) {
    const [sub, ...rest] = argv;
    if (sub === 'list') {
        const table = defaultTable();
        const here = `${process.platform}-${os.arch()}`;
        log.info(`Arm GNU toolchain releases (newest first); this host: ${here}`);
        for (const r of table.releases) {
            const choice = archiveFor(r, process.platform, os.arch());
            const note = choice
                ? `${choice.archive.checksum?.algorithm ?? 'no checksum'}${choice.emulated ? `, ${choice.host} build ${choice.emulated}` : ''}`
                : `no ${here} build`;
            log.info(`  ${r.name.padEnd(18)} gcc ${r.gccVersion.padEnd(8)} ${note}`);
        }
        return 0;
    }
    if (sub !== 'install' || rest.includes('--help') || rest.includes('-h')) {
        log.info(COMMAND_USAGE);
        return sub === 'install' || sub === '--help' || sub === '-h' || sub === 'help' ? 0 : 2;
    }
    const parsed = parseFlags(rest, ['toolchain', 'toolchain-mirror', 'tool-cache-dir'], ['verbose']);
    if (parsed.positionals.length)
        throw new FlagError(`Unexpected argument '${parsed.positionals[0]}'.\n${COMMAND_USAGE}`);
    try {
        const t = await setupToolchain({
            spec: flag(parsed, 'toolchain') ?? 'latest',
            mirror: toolchainMirrorValue((flag(parsed, 'toolchain-mirror') ?? '').trim(), AS_FLAG) || undefined,
            toolCacheDir: flag(parsed, 'tool-cache-dir'),
            log,
            searchPath: process.env.PATH ?? '',
            env: process.env,
        });
        if (t.binDir)
            log.info(`To use it in this shell: export PATH="${t.binDir}${path.delimiter}$PATH"`);
        return 0;
    }
    catch (e) {
        if (!(e instanceof ToolchainError))
            throw e;
        log.error(e.message);
        return 1;
    }
}

/**
 * `allhw merge [--results-dir DIR] [--baseline FILE] [...] SHARD_DIR...`:
 * the shards' results folders (from `allhw run --shard i/n`) become one
 * report, as `mode: merge` makes one from a run's artifacts.
 */
const FLAGS = ['results-dir', 'baseline', 'latency-tolerance', 'size-tolerance', 'fail-on', 'artifact-name', 'comment', 'github-token'];
const MERGE_USAGE = `usage: allhw merge [--results-dir DIR] [--baseline FILE|auto] [--fail-on any|none] SHARD_DIR...

Merges the results folders of 'allhw run --shard i/n' runs into one results.json,
summary.md and junit.xml in --results-dir (default allhw-results), gated against
--baseline when given. Exit code 1 when the merged run fails.
Flags: ${FLAGS.map((f) => `--${f}`).join(', ')}`;
async function mergeCommand(argv, log, env) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(MERGE_USAGE);
        return 0;
    }
    const parsed = parseFlags(argv, FLAGS);
    if (parsed.positionals.length === 0)
        throw new ConfigError('merge', `allhw merge needs the shard results folders to merge.\n${MERGE_USAGE}`);
    const token = flag(parsed, 'github-token') ?? env.GITHUB_TOKEN ?? '';
    log.secret(token);
    const config = reportConfig((name) => (name === 'github-token' ? token : parsed.values.get(name)?.join('\n')));
    const out = await runReportMode('merge', { ...config, github: { ...config.github, comment: 'never' } }, { env, workspace: process.cwd(), log, dirs: parsed.positionals });
    if (out.results)
        log.info(renderTextTable(out.results, { withError: false }));
    if (!out.failed)
        return 0;
    log.error(out.reason);
    return 1;
}

/**
 * The CLI: the same pipeline as the action, from a terminal.
 *   allhw run [--<input> value ...]   build, run on All-HW or the emulator, report
 *   allhw demo                        the example model on the emulated board
 *   allhw serve [...]                 the local All-HW-compatible farm (QEMU boards)
 *   allhw build [...]                 build a firmware project
 *   allhw generate [...]              an MLF tarball -> a CMake project for a board
 *   allhw toolchain install [...]     install the GNU Arm toolchain
 */
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
const CLI_DEFAULTS = { toolchain: 'system' };
function repoRoot() {
    // dist/cli.js is one level below the root, src/cli/main.ts two: the root is the first folder up with package.json.
    let dir = path.dirname(fileURLToPath(import.meta.url));
    while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir)
        dir = path.dirname(dir);
    return dir;
}
/** An example of examples/ run on the emulated board with the system toolchain, against its own golden outputs. */
function exampleArgs(example, project, extra) {
    const run = ['--mode', 'emulator', '--toolchain', 'system', ...project];
    return [...run, '--inputs', path.join(example, 'inputs/*.txt'), '--golden', path.join(example, 'golden.json'), ...extra, '--ci-timeout', '30'];
}
function demoArgs(root = repoRoot()) {
    const example = path.join(root, 'examples/synth');
    return exampleArgs(example, ['--project-dir', example], ['--exit-line', '#exit']);
}
/** `allhw demo --model examples/mlf/letscope.tar`: the MLF example (a real microTVM tarball) on the emulated board. */
function mlfDemoArgs(root = repoRoot()) {
    return exampleArgs(path.join(root, 'examples/mlf'), [], []);
}
/** `allhw run --help`: every flag with the default the CLI uses. */
function runUsage() {
    const width = Math.max(...INPUT_NAMES.map((n) => n.length));
    const shownDefault = (name) => {
        if (name === 'inputs')
            return '(required)';
        if (name === 'ci-api-key')
            return '(empty) prefer the ALLHW_API_KEY environment variable: a command line is visible in ps';
        if (name === 'github-token')
            return '(empty; or the GITHUB_TOKEN environment variable)';
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
Flags given here are added to those (e.g. --results-dir DIR, --verbose).
With --model examples/mlf/letscope.tar it runs the MLF example instead (a real
microTVM tarball, generated into a project, built and run on the emulated board).`;
}
/** Advice for a positional argument: most often a glob the shell expanded. */
function unexpectedArgument(arg) {
    const glob = arg.includes('/') || arg.includes('.')
        ? ` If it is a file your shell expanded from a glob, quote the glob (--inputs 'model/inputs/*.txt') or list files with commas.`
        : '';
    return new FlagError(`Unexpected argument '${arg}': flags are --name value.${glob} 'allhw run --help' lists the flags.`);
}
/** The config's messages name action inputs; on the command line each is a flag of that name. */
function withFlagHint(e) {
    const how = e.input === 'ci-api-key'
        ? 'From a terminal: set the ALLHW_API_KEY environment variable (or --ci-api-key KEY, which others can see in ps).'
        : e.input === 'inputs'
            ? "On the command line: --inputs 'model/inputs/*.txt'."
            : `On the command line: --${e.input}.`;
    return new ConfigError(e.input, `${e.message} ${how}`);
}
/** The key from the environment or, with a warning, from the command line (which every user of the machine can read). */
function apiKey(parsed, env, log) {
    const fromFlag = flag(parsed, 'ci-api-key');
    if (fromFlag === undefined)
        return env.ALLHW_API_KEY ?? '';
    log.secret(fromFlag);
    log.warning('--ci-api-key puts the key on the command line, where any user of this machine can read it (ps, /proc): ' +
        'set the ALLHW_API_KEY environment variable instead.');
    return fromFlag;
}
async function runCommand(argv, log, env, redactor) {
    if (argv.includes('--help') || argv.includes('-h')) {
        log.info(runUsage());
        return 0;
    }
    const parsed = parseFlags(argv, INPUT_NAMES, ['verbose']);
    const [stray] = parsed.positionals;
    if (stray !== undefined)
        throw unexpectedArgument(stray);
    const key = apiKey(parsed, env, log);
    log.secret(key);
    const token = flag(parsed, 'github-token') ?? env.GITHUB_TOKEN ?? '';
    log.secret(token);
    let config;
    try {
        config = parseConfig((name) => {
            if (name === 'ci-api-key')
                return key;
            if (name === 'github-token')
                return token;
            const values = parsed.values.get(name);
            if (values)
                return values.join('\n');
            return CLI_DEFAULTS[name];
        });
    }
    catch (e) {
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
        if (outcome.results.results.length > 0)
            log.info(outcome.textTable);
        if (outcome.failed) {
            log.error(outcome.reason);
            return 1;
        }
        return 0;
    }
    finally {
        stop.dispose();
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
    // One redactor for the process: every line printed and every file written goes through it.
    const redactor = new Redactor();
    const log = consoleLogger({ verbose, redactor });
    // Before any flag is read: a mistake's message must not show the key either.
    for (const secret of [env.ALLHW_API_KEY ?? '', ...environmentTokens(env)])
        log.secret(secret);
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
    }
    catch (e) {
        if (e instanceof ConfigError || e instanceof FlagError) {
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

export { demoArgs, main, mlfDemoArgs, runUsage };
//# sourceMappingURL=cli.js.map
