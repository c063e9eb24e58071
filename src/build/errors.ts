/** Why the build stage stopped: always says what failed and what to do about it. */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly details: {
      /** The command line that failed, when a command failed. */
      command?: string;
      exitCode?: number | null;
      /** The build log (kept even when the build fails). */
      logPath?: string;
      /** The last lines of the build output. */
      tail?: string[];
    } = {},
  ) {
    super(message);
    this.name = 'BuildError';
  }
}
