/**
 * One run of one image on one emulated board: QEMU's mps2-an500 (a
 * Cortex-M7), its UART0 on QEMU's stdio pipes, the input paced in at the
 * link rate after boot, every byte the board writes appended to a log file
 * as it arrives. Ends when the firmware exits through semihosting, at the
 * timeout, or when the server stops.
 *
 * Why stdio pipes and not a unix-socket chardev: both keep a 115200-baud
 * pacing exact (10 KB in 877 ms either way, 868 ms ideal); the socket is
 * only faster above QEMU's own UART ceiling (~27–31 kB/s), and pipes need no
 * socket path (108-byte limit) nor a connect-retry loop.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ImageFormat } from '../common/elf.js';
import { sleep } from '../common/sleep.js';
import { paceInputIntoUart, type UartPacer } from './uart-pacer.js';

export const QEMU_MACHINE = 'mps2-an500';

/** The emulator a board runs and where it comes from, for finding or installing it (src/common/os-packages.ts). */
export const QEMU_COMMAND = {
  command: 'qemu-system-arm',
  packages: ['qemu-system-arm'],
  otherHints: ['macOS: brew install qemu'],
};

export interface QemuRunOptions {
  qemuPath: string;
  /**
   * `setpriv` to make the kernel kill QEMU when this process dies (even by
   * SIGKILL): PR_SET_PDEATHSIG survives setpriv's exec of QEMU. Null when
   * the host has none; then only close() and the signal handlers stop QEMU.
   */
  setprivPath: string | null;
  imageFile: string;
  format: ImageFormat;
  inputFile: string;
  baud: number;
  /** Reset to first input byte: the firmware's startup, and QEMU's (30–55 ms). */
  bootMs: number;
  /** Counted from the board's reset (QEMU's start). */
  timeoutMs: number;
  uartLogFile: string;
  stderrLogFile: string;
  signal: AbortSignal;
  /** QEMU's `-icount shift`: guest time counts instructions (2^shift ns each); null: host time. */
  icountShift: number | null;
  /** UART bytes kept in the log; the rest is read and dropped (the board is not slowed down). */
  maxUartBytes: number;
}

export interface QemuRun {
  end: QemuRunEnd;
  /** Every byte the board wrote, kept or not. */
  uartBytes: number;
}

export type QemuRunEnd =
  | { kind: 'exited'; code: number }
  /** `lockup`: the core locked up first (QEMU aborts; a real board hangs until the timeout). */
  | { kind: 'timeout'; lockup?: string }
  /** The image could not run: an infrastructure failure (code 255). */
  | { kind: 'failed'; reason: string }
  | { kind: 'aborted' };

/** QEMU's own arguments for an image (exported for the README's and the bench's sake). */
export function qemuArgs(imageFile: string, format: ImageFormat, icountShift: number | null = null): string[] {
  const load = format === 'elf' ? ['-kernel', imageFile] : ['-device', `loader,file=${imageFile.replace(/,/g, ',,')},cpu-num=0`]; // ',,' escapes a comma in QEMU options
  return [
    '-M',
    QEMU_MACHINE,
    '-display',
    'none',
    '-monitor',
    'none', // never -nographic: a 0x01 byte in the input would reach the monitor
    '-nodefaults',
    '-serial',
    'stdio',
    '-semihosting-config',
    'enable=on,target=native',
    // Guest time from the instruction count: the firmware's timers give the
    // same figures run after run, whatever else the host is doing.
    ...(icountShift === null ? [] : ['-icount', `shift=${icountShift},align=off,sleep=off`]),
    ...load,
  ];
}

const STDERR_KEEP = 64 * 1024;

export async function runOnQemu(opts: QemuRunOptions): Promise<QemuRun> {
  const counted = { uartBytes: 0 };
  const end = await runCounting(opts, counted);
  return { end, uartBytes: counted.uartBytes };
}

async function runCounting(opts: QemuRunOptions, counted: { uartBytes: number }): Promise<QemuRunEnd> {
  if (opts.signal.aborted) return { kind: 'aborted' };
  const args = qemuArgs(opts.imageFile, opts.format, opts.icountShift);
  const [command, argv] = opts.setprivPath ? [opts.setprivPath, ['--pdeathsig', 'KILL', '--', opts.qemuPath, ...args]] : [opts.qemuPath, args];
  const startedAt = performance.now();
  // Own process group: a terminal's Ctrl-C reaches the server, which stops
  // QEMU and records why, and a kill of -pid takes QEMU and any wrapper.
  const child = spawn(command, argv, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const uartLog = createWriteStream(opts.uartLogFile, { flags: 'a' });
  const stderrLog = createWriteStream(opts.stderrLogFile, { flags: 'a' });
  let stderrText = '';
  let spawnError: Error | undefined;
  let timedOut = false;
  let aborted = false;
  let pacer: UartPacer | undefined;

  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL'); // SIGTERM would make QEMU exit 0: indistinguishable from a firmware exit
    } catch {
      /* already gone */
    }
  };
  child.on('error', (err) => {
    spawnError = err;
  });
  child.stdin.on('error', () => {
    /* EPIPE once QEMU is gone: the end is read from its exit */
  });
  child.stdout.on('data', (chunk: Buffer) => {
    const room = opts.maxUartBytes - counted.uartBytes;
    counted.uartBytes += chunk.length;
    if (room > 0) uartLog.write(room >= chunk.length ? chunk : chunk.subarray(0, room));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderrLog.write(chunk);
    if (stderrText.length < STDERR_KEEP) stderrText += chunk.toString('utf8');
  });

  const bootTimer = setTimeout(() => {
    pacer = paceInputIntoUart(opts.inputFile, child.stdin, opts.baud);
    pacer.done.catch(() => {
      /* the input file vanished or QEMU closed its end: the run's end says why */
    });
  }, opts.bootMs);
  const timeoutTimer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    killGroup();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
    child.once('error', () => resolve({ code: null, signal: null })); // never spawned: no 'close' follows
  });
  clearTimeout(bootTimer);
  clearTimeout(timeoutTimer);
  opts.signal.removeEventListener('abort', onAbort);
  pacer?.stop();
  await Promise.all([endStream(uartLog), endStream(stderrLog)]);

  return howRunEnded(opts, { aborted, timedOut, spawnError, stderrText, code, signal }, counted.uartBytes, startedAt);
}

/** What was seen of one QEMU run once it was over. */
interface RunSeen {
  aborted: boolean;
  timedOut: boolean;
  spawnError: Error | undefined;
  stderrText: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How the run ended, from what was seen of it; a lockup waits out the task's timeout first. */
async function howRunEnded(opts: QemuRunOptions, seen: RunSeen, uartBytes: number, startedAt: number): Promise<QemuRunEnd> {
  const { aborted, timedOut, spawnError, stderrText, code, signal } = seen;
  if (aborted) return { kind: 'aborted' };
  if (timedOut) return { kind: 'timeout' };
  if (spawnError) {
    return { kind: 'failed', reason: `The service could not start QEMU (${opts.qemuPath}): ${spawnError.message}.` };
  }
  const fatal = /qemu: fatal: (.*)/.exec(stderrText);
  if (fatal) {
    // The firmware locked the core up. A real board would sit there until the
    // task's timeout: so does this one, so that codes and times stay those of
    // the real farm.
    const left = opts.timeoutMs - (performance.now() - startedAt);
    if (left > 0 && !(await sleep(left, opts.signal))) return { kind: 'aborted' };
    return { kind: 'timeout', lockup: fatal[1]!.trim() };
  }
  if (signal) return { kind: 'failed', reason: `QEMU ended unexpectedly (signal ${signal}).` };
  if (code !== 0 && uartBytes === 0 && hasQemuError(stderrText)) {
    return { kind: 'failed', reason: `QEMU could not start the image:\n${withoutWarnings(stderrText).slice(0, 2000)}` };
  }
  return { kind: 'exited', code: code ?? 0 };
}

/** An error line of QEMU's (or of setpriv's, if QEMU could not be executed); not its warnings. */
function hasQemuError(stderr: string): boolean {
  return stderr.split('\n').some((l) => /^(qemu[\w-]*|setpriv):/.test(l) && !/warning:/.test(l));
}

/** QEMU's stderr without the warnings it always prints (e.g. "nic lan9118.0 has no peer"). */
function withoutWarnings(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^qemu[\w-]*: warning:/.test(l))
    .join('\n')
    .trim();
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.end(() => resolve());
    stream.once('error', () => resolve());
  });
}
