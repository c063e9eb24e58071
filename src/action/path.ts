import path from 'node:path';
import * as core from '@actions/core';

/**
 * Puts a directory on PATH for this process and, on GitHub, for the job's
 * following steps (core.addPath writes GITHUB_PATH). Without GITHUB_PATH,
 * core.addPath would print a workflow command: only this process's PATH changes.
 */
export function addToPath(dir: string): void {
  if (process.env.GITHUB_PATH) core.addPath(dir);
  else process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ''}`;
}
