/**
 * `toolchain: system`: the arm-none-eabi-gcc already on PATH, or, when there
 * is none and the runner can install OS packages (apt-get, as root or with
 * passwordless sudo), the distribution's package.
 */
import path from 'node:path';
import type { Logger } from '../log.js';
import { ToolchainError } from './errors.js';
import { findExecutable, runProcess } from './proc.js';
import type { Toolchain } from './types.js';
import { gccVersionLine } from './verify.js';

export const APT_PACKAGES = ['gcc-arm-none-eabi', 'libnewlib-arm-none-eabi'];

export interface SystemOptions {
  log: Logger;
  platform: NodeJS.Platform;
  /** Where to look for arm-none-eabi-gcc (a PATH-style list). */
  searchPath: string;
  /** May the OS package be installed when gcc is missing? */
  allowOsInstall: boolean;
}

/** The command prefix that runs apt-get as root here, or null when it cannot. */
async function aptRunner(o: SystemOptions): Promise<{ apt: string; prefix: string[] } | null> {
  if (o.platform !== 'linux') return null;
  const apt = await findExecutable('apt-get', o.searchPath, o.platform);
  if (!apt) return null;
  if (process.getuid?.() === 0) return { apt, prefix: [] };
  const sudo = await findExecutable('sudo', o.searchPath, o.platform);
  if (!sudo) return null;
  // -n: fail instead of prompting for a password nobody can type.
  const probe = await runProcess(sudo, ['-n', 'true'], { timeoutMs: 10_000 });
  return probe.code === 0 ? { apt, prefix: [sudo, '-n'] } : null;
}

async function aptInstall(runner: { apt: string; prefix: string[] }, log: Logger): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps: string[][] = [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...APT_PACKAGES],
  ];
  for (const step of steps) {
    const argv = [...runner.prefix, ...(runner.prefix.length ? ['env', 'DEBIAN_FRONTEND=noninteractive'] : []), runner.apt, ...step];
    log.info(`$ ${argv.join(' ')}`);
    const r = await runProcess(argv[0], argv.slice(1), { env, timeoutMs: 15 * 60_000, onLine: (l) => log.debug(l) });
    if (r.code !== 0) {
      throw new ToolchainError(
        `'${argv.join(' ')}' failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}. ` +
          `Install ${APT_PACKAGES.join(' ')} yourself, or set toolchain to an Arm release (e.g. latest) to download it.`,
      );
    }
  }
}

export async function systemToolchain(o: SystemOptions): Promise<Toolchain> {
  let gcc = await findExecutable('arm-none-eabi-gcc', o.searchPath, o.platform);
  if (!gcc) {
    const runner = o.allowOsInstall ? await aptRunner(o) : null;
    if (!runner) {
      throw new ToolchainError(
        `toolchain: system, but arm-none-eabi-gcc is not on PATH` +
          (o.allowOsInstall ? ' and this runner cannot install OS packages (needs apt-get as root or passwordless sudo)' : '') +
          `. Install it (Debian/Ubuntu: apt-get install ${APT_PACKAGES.join(' ')}; macOS: brew install --cask gcc-arm-embedded), ` +
          `or set toolchain to an Arm release (e.g. latest) to download one.`,
      );
    }
    o.log.info(`arm-none-eabi-gcc is not on PATH: installing ${APT_PACKAGES.join(' ')} with apt-get`);
    await aptInstall(runner, o.log);
    gcc = await findExecutable('arm-none-eabi-gcc', o.searchPath, o.platform);
    if (!gcc) throw new ToolchainError(`apt-get installed ${APT_PACKAGES.join(' ')}, but arm-none-eabi-gcc is still not on PATH (${o.searchPath}).`);
  }
  const line = await gccVersionLine(gcc);
  const binDir = path.dirname(gcc);
  o.log.info(`Using the system toolchain: ${gcc} (${line})`);
  return { source: 'system', release: 'system', path: path.dirname(binDir), binDir, gccVersion: line };
}
