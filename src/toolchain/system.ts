/**
 * `toolchain: system`: the arm-none-eabi-gcc already on PATH, or, when there
 * is none and the runner can install OS packages (apt-get, as root or with
 * passwordless sudo), the distribution's package (src/common/os-packages.ts).
 */
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { ensureCommand, OsPackageError } from '../common/os-packages.js';
import { ToolchainError } from './errors.js';
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

export async function systemToolchain(o: SystemOptions): Promise<Toolchain> {
  let gcc: string;
  try {
    gcc = await ensureCommand({
      command: 'arm-none-eabi-gcc',
      packages: APT_PACKAGES,
      why: 'toolchain: system',
      otherwise: 'set toolchain to an Arm release (e.g. latest) to download one',
      otherHints: ['macOS: brew install --cask gcc-arm-embedded'],
      allowInstall: o.allowOsInstall,
      searchPath: o.searchPath,
      platform: o.platform,
      log: o.log,
    });
  } catch (e) {
    // The stage's failures are ToolchainErrors: `allhw toolchain install` prints those and exits 1.
    if (e instanceof OsPackageError) throw new ToolchainError(e.message, { cause: e });
    throw e;
  }
  const line = await gccVersionLine(gcc);
  const binDir = path.dirname(gcc);
  o.log.info(`Using the system toolchain: ${gcc} (${line})`);
  return { source: 'system', release: 'system', path: path.dirname(binDir), binDir, gccVersion: line };
}
