/**
 * Processes for the fault suite and the serve benches: the bundled CLI (made
 * from the current sources into .test-work, never dist/), `allhw serve` as a
 * process of its own, and child processes collected asynchronously.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, WORK_DIR } from '../helpers/firmware.js';

export const NODE = path.join(REPO_ROOT, 'node_modules/.bin/node');
const BUNDLE_DIR = path.join(WORK_DIR, 'faults-cli');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed because it ran past its time limit. */
  timedOut: boolean;
  ms: number;
}

/** Runs a command to its end (asynchronously: a server may run in this process); SIGKILL after timeoutMs. */
export function runCollect(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<Finished> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - began });
    });
  });
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * The CLI bundle to run: $ALLHW_CLI when set (e.g. dist/cli.js), else a
 * bundle of the current sources in .test-work/faults-cli, remade when any
 * file under src/ is newer (a directory lock keeps parallel callers apart).
 */
export async function ensureCli(): Promise<string> {
  if (process.env.ALLHW_CLI) return path.resolve(process.env.ALLHW_CLI);
  const cli = path.join(BUNDLE_DIR, 'cli.js');
  mkdirSync(WORK_DIR, { recursive: true });
  const lock = `${BUNDLE_DIR}.lock`;
  for (const giveUp = Date.now() + 300_000; ;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 5 minutes was left by a killed process.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > giveUp) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const built = statSync(cli, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built > (await newestMtime(path.join(REPO_ROOT, 'src')))) return cli;
    const run = await runCollect(path.join(REPO_ROOT, 'node_modules/.bin/rollup'), ['-c', 'rollup.config.js'], {
      env: { ...process.env, ALLHW_BUNDLE_DIR: BUNDLE_DIR },
      timeoutMs: 300_000,
    });
    if (run.code !== 0) throw new Error(`bundling the CLI into ${BUNDLE_DIR} failed:\n${run.stderr}${run.stdout}`);
    return cli;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ServeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** What serve printed so far, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `allhw serve` from the bundle as its own process; resolves once it prints its URL. */
export function startServeProcess(cli: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const child = spawn(NODE, [cli, 'serve', '--port', '0', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let ready = false;
    const onData = (d: Buffer): void => {
      out += d.toString();
      const match = /allhw serve listening on (\S+)/.exec(out);
      if (match && !ready) {
        ready = true;
        resolve({
          url: match[1]!,
          pid: child.pid!,
          child,
          output: () => out,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            const code = await exited;
            clearTimeout(timer);
            return code;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    void exited.then((code) => {
      if (!ready) reject(new Error(`allhw serve exited with ${code} before listening:\n${out}`));
    });
  });
}
