/**
 * `allhw serve [flags]`: parses the flags (and ALLHW_SERVE_KEYS, read here
 * and nowhere else), finds QEMU on PATH (or fails at once, saying how to get
 * it), starts the service, prints its base URL as the first line of stdout,
 * and runs until SIGINT/SIGTERM, then stops every board.
 */
import type { Logger } from '../common/log.js';
import { ensureCommand, OsPackageError } from '../common/os-packages.js';
import { FAULT_KINDS, FaultSpecError, parseFaultSpec } from './faults.js';
import { QEMU_COMMAND } from './qemu-board.js';
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
} from './server.js';
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

class FlagError extends Error {}

/** Parses `allhw serve` flags; throws FlagError naming the flag at fault. */
export function parseServeFlags(argv: string[], env: Record<string, string | undefined>): ServeOptions | 'help' {
  const opts: ServeOptions = {};
  const keys: string[] = [];
  let faultSpec: string | undefined;
  let faultSeed: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const match = /^(--[a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}: allhw serve takes only flags (see --help)`);
    const flag = match[1]!;
    const value = (): string => {
      if (match[2] !== undefined) return match[2];
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new FlagError(`${flag} needs a value (see --help)`);
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
        if (key.trim() === '') throw new FlagError('--key is empty: pass the API key clients must send');
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
        if (match[2] !== undefined) throw new FlagError('--live-output takes no value');
        opts.liveOutput = true;
        break;
      case '--qemu':
        opts.qemuPath = value();
        break;
      case '--faults':
        faultSpec = value();
        try {
          parseFaultSpec(faultSpec); // checked here so a bad spec is a flag error (exit 2)
        } catch (err) {
          if (err instanceof FaultSpecError) throw new FlagError(err.message);
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
  if (faultSeed !== undefined && faultSpec === undefined) throw new FlagError('--faults-seed needs --faults (the faults to draw)');
  if (faultSpec !== undefined) opts.faults = { spec: faultSpec, seed: faultSeed ?? DEFAULT_FAULT_SEED };
  const fromEnv = (env[KEYS_ENV] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  keys.push(...fromEnv);
  if (keys.length > 0) opts.keys = keys;
  return opts;
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FlagError(`${flag} ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function decimal(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new FlagError(`${flag} ${JSON.stringify(raw)} is not a number from ${min} to ${max}`);
  }
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
