/**
 * `allhw serve`: an All-HW-compatible CI service whose boards are firmware
 * run in QEMU. startServe() checks QEMU, opens the data dir, listens, and
 * returns the base URL and a close() that leaves no QEMU process behind.
 * The command layer (src/cli/serve.ts) turns flags and signals into this call.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { USERTASK_PATH } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import { createApiHandler, type RequestHandler } from './api.js';
import { Farm } from './farm.js';
import { FAULT_JOURNAL, formatFaultSpec, parseFaultSpec, withFaults, type FaultLayer, type FaultRule } from './faults.js';
import { QEMU_COMMAND } from './qemu-board.js';

export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Emulated boards running tasks at once. Default 2. */
  boards?: number;
  /** Accepted API keys; none: any key is accepted. */
  keys?: string[];
  /** Where tasks, images, inputs and UART logs are kept. Default: a temp dir, removed by close(). */
  dataDir?: string;
  /** Flash time per KiB written. Default DEFAULT_FLASH_MS_PER_KIB. */
  flashMsPerKiB?: number;
  /** Reset to first input byte. Default DEFAULT_BOOT_MS. */
  bootMs?: number;
  /**
   * QEMU `-icount shift` (guest time = instructions × 2^shift ns), so that
   * timers repeat run after run; null: host time. Default DEFAULT_ICOUNT_SHIFT.
   */
  icountShift?: number | null;
  /** Largest firmware part accepted. Default DEFAULT_MAX_IMAGE_BYTES. */
  maxImageBytes?: number;
  /** Largest input part accepted. Default DEFAULT_MAX_INPUT_BYTES. */
  maxInputBytes?: number;
  /** UART bytes kept per task. Default DEFAULT_MAX_OUTPUT_BYTES. */
  maxOutputBytes?: number;
  /** Fill `output` while a task runs (the real service promises it only once finished). */
  liveOutput?: boolean;
  /** Default `qemu-system-arm` from PATH. */
  qemuPath?: string;
  /**
   * The `setpriv` (util-linux >= 2.33) that makes the kernel kill a board's
   * QEMU when the server dies, even by SIGKILL. Default: `setpriv` from PATH
   * when it works here; `false`: none, QEMU is stopped by close() only.
   */
  setpriv?: string | false;
  /** Inject failures (README "Fault injection"): a spec like `503:0.3,reset:0.1`, or parsed rules. */
  faults?: { spec: string | FaultRule[]; seed?: number };
  log?: Logger;
}

export interface RunningServe {
  /** Full base URL incl. path, e.g. http://127.0.0.1:PORT/ci/usertask */
  url: string;
  /** Where tasks are kept (removed by close() when it was a temp dir). */
  dataDir: string;
  /** Kills every QEMU, waits for them, closes the server. */
  close(): Promise<void>;
}

/**
 * ST-LINK programming of the F746's flash, erase + write + verify: about
 * 30 KiB/s (a GDB load over ST-LINK to an STM32F7 reports ~48 KB/s for the
 * write alone; the F746 erases a 32 KiB sector in ~250 ms typical; reading
 * back runs at ~100 KiB/s).
 */
export const DEFAULT_FLASH_MS_PER_KIB = 32;
/** Reset, firmware start-up and the service opening the UART before it writes the input. */
export const DEFAULT_BOOT_MS = 300;
/** 4 ns per instruction: 250 M instructions/s, the order of the F746's 216 MHz (not a cycle model). */
export const DEFAULT_ICOUNT_SHIFT = 2;
export const DEFAULT_BOARDS = 2;
export const DEFAULT_PORT = 8080;
/** An ELF with debug info can be tens of MiB though the F746 holds 1 MiB of code. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_INPUT_BYTES = 16 * 1024 * 1024;
/**
 * A task's UART output is kept up to this much (6 minutes of a board
 * printing without pause at 115200 baud; a model's #result lines are a few
 * KB). The rest is dropped and the output ends with a line saying so,
 * which keeps the data dir and each GET's memory bounded.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** `--faults-seed` when not given: runs with the same spec and no seed pick the same faults. */
export const DEFAULT_FAULT_SEED = 1;

export async function startServe(opts: ServeOptions = {}): Promise<RunningServe> {
  const log = opts.log ?? silentLogger();
  const boards = opts.boards ?? DEFAULT_BOARDS;
  if (!Number.isInteger(boards) || boards < 1) throw new Error(`serve: boards must be a whole number >= 1 (got ${boards})`);
  const faultRules = opts.faults ? (typeof opts.faults.spec === 'string' ? parseFaultSpec(opts.faults.spec) : opts.faults.spec) : null;
  const qemuPath = opts.qemuPath ?? QEMU_COMMAND.command;
  await checkQemu(qemuPath);
  const setprivPath = await deathSignalWrapper(opts.setpriv, qemuPath, log);

  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'allhw-serve-')));
  await mkdir(path.join(dataDir, 'tasks'), { recursive: true });

  const farm = new Farm({
    boards,
    dataDir,
    flashMsPerKiB: opts.flashMsPerKiB ?? DEFAULT_FLASH_MS_PER_KIB,
    bootMs: opts.bootMs ?? DEFAULT_BOOT_MS,
    icountShift: opts.icountShift === undefined ? DEFAULT_ICOUNT_SHIFT : opts.icountShift,
    qemuPath,
    setprivPath,
    liveOutput: opts.liveOutput ?? false,
    maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    log,
  });
  let handler: RequestHandler = createApiHandler({
    farm,
    keys: new Set(opts.keys ?? []),
    maxImageBytes: opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    maxInputBytes: opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES,
    log,
  });
  let faults: FaultLayer | null = null;
  if (faultRules) {
    const seed = opts.faults?.seed ?? DEFAULT_FAULT_SEED;
    faults = withFaults(handler, { rules: faultRules, seed, journalFile: path.join(dataDir, FAULT_JOURNAL), log });
    handler = faults.handler;
    log.warning(`serve: injecting faults ${formatFaultSpec(faultRules)} (seed ${seed}); journal ${path.join(dataDir, FAULT_JOURNAL)}`);
  }
  const server = createServer();
  server.on('request', (req, res) => void handler(req, res));
  // Expect: 100-continue goes to the same handler, which checks the query before saying "continue".
  server.on('checkContinue', (req, res) => void handler(req, res));

  const host = opts.host ?? '127.0.0.1';
  try {
    await listen(server, opts.port ?? DEFAULT_PORT, host);
  } catch (err) {
    await farm.close();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}${USERTASK_PATH}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await farm.close();
      await faults?.close();
      await closed;
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    })());
  return { url, dataDir, close };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`serve: port ${port} on ${host} is already in use: pick another with --port, or --port 0 for a free one`)
          : new Error(`serve: cannot listen on ${host}:${port}: ${err.message}`),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A host as it goes in a URL: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function checkQemu(qemuPath: string): Promise<void> {
  const problem = await runProblem(qemuPath, ['--version']);
  if (problem) {
    throw new Error(
      `serve: cannot run ${qemuPath} (${problem}): install QEMU's Arm system emulator (apt-get install qemu-system-arm) or pass its path with --qemu`,
    );
  }
}

/**
 * The setpriv to run QEMU under, or null. Probed with what a board runs
 * (`setpriv --pdeathsig KILL -- qemu`): setpriv from util-linux before 2.33
 * or busybox has no --pdeathsig, and would turn every task into a 255.
 * Without it the server still works; only a SIGKILL of the server would
 * leave its QEMU running.
 */
async function deathSignalWrapper(setpriv: string | false | undefined, qemuPath: string, log: Logger): Promise<string | null> {
  const fallback = 'QEMU runs without it: close() and SIGINT/SIGTERM stop it, a SIGKILL of the server would not';
  if (setpriv === false) {
    log.debug(`serve: setpriv not used (turned off); ${fallback}`);
    return null;
  }
  if (process.platform !== 'linux') {
    log.debug(`serve: setpriv --pdeathsig is Linux-only (this is ${process.platform}); ${fallback}`);
    return null;
  }
  const command = setpriv ?? 'setpriv';
  const problem = await runProblem(command, ['--pdeathsig', 'KILL', '--', qemuPath, '--version']);
  if (!problem) return command;
  const line = `serve: ${command} --pdeathsig cannot be used (${problem}); ${fallback}`;
  // Asked for by name, its failure is news; the default one missing (macOS, minimal images) is not.
  if (setpriv) log.warning(line);
  else log.debug(line);
  return null;
}

/**
 * Why the program does not start and exit 0, or null when it does (spawned
 * asynchronously: a server may run in this process).
 */
function runProblem(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(0, 2000)));
    child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? 'not found' : e.message));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(null);
      const first = stderr.trim().split('\n')[0];
      resolve(`exit ${code ?? signal}${first ? `: ${first}` : ''}`);
    });
  });
}

function silentLogger(): Logger {
  const nothing = (): void => undefined;
  return { debug: nothing, info: nothing, notice: nothing, warning: nothing, error: nothing, secret: nothing, group: (_name, fn) => fn() };
}
