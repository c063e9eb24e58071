/** What the toolchain stage hands to the build stage. */
export interface Toolchain {
  /** How it was obtained. */
  source: 'cache' | 'download' | 'system' | 'none';
  /** The release name asked for (e.g. 13.2.Rel1), or 'system' / 'none'. */
  release: string;
  /** Root directory of the toolchain, or null (none). */
  path: string | null;
  /** Directory holding arm-none-eabi-gcc, or null (none). */
  binDir: string | null;
  /** First line of `arm-none-eabi-gcc --version`, or null (none). */
  gccVersion: string | null;
}
