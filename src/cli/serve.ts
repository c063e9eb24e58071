/**
 * `allhw serve [flags]`: parses the flags (and ALLHW_SERVE_KEYS, read here
 * and nowhere else), finds QEMU on PATH (or fails at once, saying how to get
 * it), starts the service, prints its base URL as the first line of stdout,
 * and runs until SIGINT/SIGTERM, then stops every board.
 */
import type { Logger } from '../common/log.js';
import { decimalIn, wholeNumberIn } from '../config.js';
import { FlagError, flag, parseFlags, type FlagMessages } from './flags.js';
import { ensureCommand, OsPackageError } from '../common/os-packages.js';
import { FAULT_KINDS, FaultSpecError, parseFaultSpec } from '../serve/index.js';
import { QEMU_COMMAND } from '../serve/index.js';
import {
  DEFAULT_BOARDS,
  DEFAULT_BOOT_MS,
  DEFAULT_ICOUNT_SHIFT,
  DEFAULT_FAULT_SEED,
  DEFAULT_FLASH_MS_PER_KIB,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_PORT,
  startServe,
  type ServeOptions,
} from '../serve/index.js';
import { stopSignalSequence } from '../common/signals.js';

/** Comma-separated keys the service accepts, besides --key. */
export const KEYS_ENV = 'ALLHW_SERVE_KEYS';
export const LISTENING_PREFIX = 'allhw serve listening on ';

const MIB = 1024 * 1024;

export const SERVE_HELP = `Usage: allhw serve [options]

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
] as const;

/** serve's words for the parser's mistakes (its messages predate the shared parser; tests and scripts match them). */
const SERVE_FLAG_MESSAGES: Partial<FlagMessages> = {
  unknown: (name) => `unknown flag --${name} (see --help)`,
  needsValue: (name) => `--${name} needs a value (see --help)`,
  takesNoValue: (name) => `--${name} takes no value`,
};

/** Parses `allhw serve` flags; throws FlagError naming the flag at fault. */
export function parseServeFlags(argv: string[], env: Record<string, string | undefined>): ServeOptions | 'help' {
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  const parsed = parseFlags(argv, SERVE_FLAGS, { booleans: ['live-output'], strictBooleans: true, dashesMeanMissing: true, messages: SERVE_FLAG_MESSAGES });
  if (parsed.positionals.length) {
    throw new FlagError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}: allhw serve takes only flags (see --help)`);
  }
  const given = (name: (typeof SERVE_FLAGS)[number]): string | undefined => flag(parsed, name);
  const whole = (name: (typeof SERVE_FLAGS)[number], min: number, max: number): number | undefined => {
    const raw = given(name);
    return raw === undefined ? undefined : wholeNumberFlag(name, raw, min, max);
  };
  const mib = (name: 'max-image-mb' | 'max-input-mb'): number | undefined => {
    const raw = given(name);
    return raw === undefined ? undefined : Math.round(decimalFlag(name, raw, 0.001, 4096) * MIB);
  };
  const icount = given('icount');
  const flashMs = given('flash-ms-per-kib');
  const opts: ServeOptions = {
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
  for (const key of Object.keys(opts) as (keyof ServeOptions)[]) if (opts[key] === undefined) delete opts[key];
  const faultSpec = given('faults');
  if (faultSpec !== undefined) {
    try {
      parseFaultSpec(faultSpec); // checked here so a bad spec is a flag error (exit 2)
    } catch (err) {
      if (err instanceof FaultSpecError) throw new FlagError(err.message);
      throw err;
    }
  }
  const faultSeed = whole('faults-seed', 0, 0xffffffff);
  if (faultSeed !== undefined && faultSpec === undefined) throw new FlagError('--faults-seed needs --faults (the faults to draw)');
  if (faultSpec !== undefined) opts.faults = { spec: faultSpec, seed: faultSeed ?? DEFAULT_FAULT_SEED };
  const keys = parsed.values.get('key') ?? [];
  if (keys.some((k) => k.trim() === '')) throw new FlagError('--key is empty: pass the API key clients must send');
  const fromEnv = (env[KEYS_ENV] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  keys.push(...fromEnv);
  if (keys.length > 0) opts.keys = keys;
  return opts;
}

/** `--name "raw" is not a whole number from min to max` (serve's wording), on config's one check. */
function wholeNumberFlag(name: string, raw: string, min: number, max: number): number {
  const value = wholeNumberIn(raw, min, max);
  if (value === null) throw new FlagError(`--${name} ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  return value;
}

function decimalFlag(name: string, raw: string, min: number, max: number): number {
  const value = decimalIn(raw, min, max);
  if (value === null) throw new FlagError(`--${name} ${JSON.stringify(raw)} is not a number from ${min} to ${max}`);
  return value;
}

export async function serveCommand(argv: string[], log: Logger): Promise<number> {
  let opts: ServeOptions | 'help';
  try {
    opts = parseServeFlags(argv, process.env);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    log.error(`allhw serve: ${err.message}`);
    return 2;
  }
  if (opts === 'help') {
    log.info(SERVE_HELP);
    return 0;
  }
  for (const key of opts.keys ?? []) log.secret(key);

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
    } catch (err) {
      if (!(err instanceof OsPackageError)) throw err;
      log.error(err.message);
      return 1;
    }
  }

  let serve;
  try {
    serve = await startServe({ ...opts, log });
  } catch (err) {
    log.error((err as Error).message);
    return 1;
  }
  log.info(`${LISTENING_PREFIX}${serve.url}`); // first stdout line: scripts parse the URL from it
  log.info(
    `boards: ${opts.boards ?? DEFAULT_BOARDS} × qemu mps2-an500; data: ${serve.dataDir}; keys: ${opts.keys ? opts.keys.length : 'any'}; stop with Ctrl-C`,
  );

  const signals = stopSignalSequence();
  const first = await signals.next;
  log.info(`allhw serve: ${first}: stopping every board`);
  // A second signal while boards stop ends the wait; QEMU still dies with us (PR_SET_PDEATHSIG).
  const outcome = await Promise.race([serve.close().then(() => 'closed' as const), signals.next]);
  signals.dispose();
  if (outcome !== 'closed') {
    log.warning(`allhw serve: ${outcome} again: not waiting for the boards to stop`);
    return 1;
  }
  log.info('allhw serve: stopped');
  return 0;
}
