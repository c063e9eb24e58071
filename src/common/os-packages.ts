/**
 * A program the job needs from the operating system (arm-none-eabi-gcc for
 * `toolchain: system`, qemu-system-arm for the emulated board): found on the
 * search path, or, when it is missing and this machine can install OS
 * packages (Linux with apt-get, as root or with passwordless sudo), installed
 * from the distribution; otherwise a clear error naming what to install and
 * what else the user can do. An action should work on a fresh runner alone.
 */
import type { Logger } from './log.js';
import { findExecutable, runProcess } from './process.js';

export class OsPackageError extends Error {
  override name = 'OsPackageError';
}

export interface EnsureCommandOptions {
  /** The program to find, e.g. `qemu-system-arm`. */
  command: string;
  /** Debian/Ubuntu packages that provide it (installed together). */
  packages: string[];
  /** Who needs it, for messages: "mode 'emulator'" → "mode 'emulator' needs qemu-system-arm". */
  why: string;
  /** What else the user can do, for messages: "give 'ci-api-key' to run on All-HW". */
  otherwise: string;
  /** Install hints for other systems, e.g. `macOS: brew install qemu`. */
  otherHints?: string[];
  /** May the packages be installed when the program is missing? */
  allowInstall: boolean;
  /** Where to look for the program, apt-get and sudo (a PATH-style list). */
  searchPath: string;
  platform: NodeJS.Platform;
  log: Logger;
}

/** How apt-get runs as root here: directly, or behind `sudo -n`. */
export interface AptRunner {
  apt: string;
  /** `[]` as root, `[sudo, '-n']` otherwise. */
  prefix: string[];
}

/**
 * The way to run apt-get as root on this machine, or why there is none
 * (the reason finishes "this runner cannot install OS packages: ...").
 */
export async function aptRunner(searchPath: string, platform: NodeJS.Platform): Promise<AptRunner | { cannot: string }> {
  if (platform !== 'linux') return { cannot: `installing them is automated only on Linux with apt-get (this is ${platform})` };
  const apt = await findExecutable('apt-get', searchPath, platform);
  if (!apt) return { cannot: 'no apt-get on PATH' };
  if (process.getuid?.() === 0) return { apt, prefix: [] };
  const sudo = await findExecutable('sudo', searchPath, platform);
  if (!sudo) return { cannot: 'not root, and no sudo on PATH' };
  // -n: fail instead of prompting for a password nobody can type.
  const probe = await runProcess(sudo, ['-n', 'true'], { timeoutMs: 10_000 });
  return probe.code === 0 ? { apt, prefix: [sudo, '-n'] } : { cannot: 'not root, and sudo asks for a password' };
}

/** The package lists are refreshed once per process, however many programs are installed. */
let listsUpdated = false;

/** `Setting up qemu-system-arm (1:8.2.2+ds-0ubuntu1) ...` lines from dpkg: what was installed. */
const SETTING_UP = /^Setting up (\S+) \(([^)]+)\)/;

/**
 * Installs packages with apt-get (no recommends: only what they need) and
 * returns what dpkg set up, as `name version` strings.
 */
export async function aptInstall(runner: AptRunner, packages: string[], log: Logger): Promise<string[]> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Waits for a dpkg lock held by another apt (e.g. unattended upgrades on a fresh VM) instead of failing at once.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=120'];
  const steps: string[][] = [
    ...(listsUpdated ? [] : [['update', '-q', ...lockWait]]),
    ['install', '-y', '-q', '--no-install-recommends', ...lockWait, ...packages],
  ];
  const installed: string[] = [];
  for (const step of steps) {
    // sudo drops most of the environment: the variable goes through env(1).
    const argv = [...runner.prefix, ...(runner.prefix.length ? ['env', 'DEBIAN_FRONTEND=noninteractive'] : []), runner.apt, ...step];
    log.info(`$ ${argv.join(' ')}`);
    const r = await runProcess(argv[0]!, argv.slice(1), {
      env,
      timeoutMs: 15 * 60_000,
      onLine: (line) => {
        const m = SETTING_UP.exec(line);
        if (m) installed.push(`${m[1]} ${m[2]}`);
        log.debug(line);
      },
    });
    if (r.code !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-5).join(' | ');
      throw new OsPackageError(`'${argv.join(' ')}' failed (exit ${r.code ?? r.signal})${tail ? `: ${tail}` : ''}.`);
    }
    if (step[0] === 'update') listsUpdated = true;
  }
  return installed;
}

function installHint(o: EnsureCommandOptions): string {
  return [`Debian/Ubuntu: apt-get install ${o.packages.join(' ')}`, ...(o.otherHints ?? [])].join('; ');
}

/**
 * The path of `command`: from the search path, else installed with apt-get
 * when allowed and possible. Throws OsPackageError saying what to install
 * and what else to do when it cannot be had.
 */
export async function ensureCommand(o: EnsureCommandOptions): Promise<string> {
  const found = await findExecutable(o.command, o.searchPath, o.platform);
  if (found) {
    o.log.debug(`${o.command}: ${found}`);
    return found;
  }
  const advice = `Install it (${installHint(o)}), or ${o.otherwise}.`;
  const runner = o.allowInstall ? await aptRunner(o.searchPath, o.platform) : null;
  if (!runner || 'cannot' in runner) {
    const cannot = runner ? `, and this runner cannot install OS packages: ${runner.cannot}` : '';
    throw new OsPackageError(`${o.why} needs ${o.command}, which is not on PATH${cannot}. ${advice}`);
  }

  const packages = o.packages.join(' ');
  o.log.info(`${o.why} needs ${o.command}, which is not on PATH: installing ${packages} with apt-get (without recommends)`);
  const started = performance.now();
  let installed: string[];
  try {
    installed = await aptInstall(runner, o.packages, o.log);
  } catch (e) {
    throw new OsPackageError(`${o.why} needs ${o.command}, which is not on PATH, and installing ${packages} failed: ${(e as Error).message} ${advice}`, {
      cause: e,
    });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  o.log.info(
    installed.length > 0
      ? `Installed ${installed.length} package(s) in ${seconds} s: ${installed.join(', ')}`
      : `apt-get installed nothing new in ${seconds} s (${packages} already installed)`,
  );
  const path = await findExecutable(o.command, o.searchPath, o.platform);
  if (!path) {
    throw new OsPackageError(
      `apt-get installed ${packages}, but ${o.command} is still not on PATH (${o.searchPath}): add the directory it is in to PATH. ` + `Or ${o.otherwise}.`,
    );
  }
  o.log.info(`${o.command}: ${path}`);
  return path;
}
