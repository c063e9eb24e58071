/** Finding programs on a search path and running them (always asynchronously). */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The first `name` on `searchPath` that is an executable file, or null.
 * On Windows the PATHEXT extensions (.exe, .cmd, ...) are tried too.
 */
export async function findExecutable(name: string, searchPath: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const delimiter = platform === 'win32' ? ';' : ':';
  const extensions = platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      try {
        if (!(await stat(candidate)).isFile()) continue;
        if (platform !== 'win32') await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB of stderr, for messages. */
  stderr: string;
}

/** Resolves when the process has exited (or failed to start: code null, stderr says why). */
export function exitOf(child: ChildProcess): Promise<Exit> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4096);
  });
  return new Promise((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, stderr: `${stderr}${e.message}` }));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

export interface RunResult extends Exit {
  stdout: string;
}

/** Runs a program to completion, collecting its output (stdout up to 1 MB). */
export async function runProcess(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<RunResult> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env, timeout: options.timeoutMs });
  let stdout = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    if (stdout.length < 1 << 20) stdout += text;
    if (options.onLine) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    }
  });
  const exit = await exitOf(child);
  if (options.onLine && partial) options.onLine(partial);
  return { ...exit, stdout };
}

/** Stops a child this module started, if it is still running, and waits for it. */
export async function stop(child: ChildProcess, exit: Promise<Exit>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exit;
}
