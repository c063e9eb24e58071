/** Asking an installed arm-none-eabi-gcc what it is. */
import path from 'node:path';
import { ToolchainError } from './errors.js';
import { runProcess } from '../common/process.js';

export function gccExecutable(binDir: string, platform: NodeJS.Platform): string {
  return path.join(binDir, platform === 'win32' ? 'arm-none-eabi-gcc.exe' : 'arm-none-eabi-gcc');
}

/** The first line of `arm-none-eabi-gcc --version`. */
export async function gccVersionLine(gcc: string): Promise<string> {
  const r = await runProcess(gcc, ['--version'], { timeoutMs: 60_000 });
  const first = r.stdout.split(/\r?\n/)[0]?.trim() ?? '';
  if (r.code !== 0 || !first) {
    throw new ToolchainError(
      `Could not run '${gcc} --version' (exit ${r.code ?? r.signal}): ${r.stderr.trim() || 'no output'}. ` +
        `The toolchain may be built for another host, or miss a library it needs.`,
    );
  }
  return first;
}

/**
 * Whether a --version line is from the GCC version a release ships. Arm's
 * lines vary ("(GNU Arm Embedded Toolchain 10.3-2021.10) 10.3.1 20210824
 * (release)", "(Arm GNU Toolchain 13.2.rel1 (Build arm-13.7)) 13.2.1
 * 20231009"; Debian: "(15:12.2.rel1-1) 12.2.1 20221205"), but the GCC
 * version always stands alone after the package name in parentheses.
 */
export function reportsVersion(line: string, gccVersion: string): boolean {
  const escaped = gccVersion.replace(/\./g, '\\.');
  return new RegExp(`\\)\\s+${escaped}(\\s|$)`).test(line);
}
