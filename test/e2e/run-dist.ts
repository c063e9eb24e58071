/** Runs the bundled action or CLI as a runner or a user would: a child process on Node 24. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Results } from '../../src/results/types.js';
import { copyExampleProject, REPO_ROOT } from '../helpers/firmware.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const NODE = path.join(REPO_ROOT, 'node_modules/.bin/node');

export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.resolve(REPO_ROOT, script), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A runner-like environment: inputs as INPUT_* variables, no Actions runtime (no artifact upload). */
export function actionEnv(inputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/**
 * A private copy of the example project: runs build it in <project>/build, and
 * test files running at once must not share a build directory.
 */
export async function copyExample(work: string): Promise<string> {
  return copyExampleProject(work);
}

/** `allhw run` of the example project on the emulated board, checked against its golden file, into `resultsDir`. */
export function runExample(project: string, work: string, resultsDir: string, inputsGlob: string, extra: string[] = []): Promise<Run> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const args = ['run', '--mode', 'emulator', '--project-dir', project, '--inputs', path.join(project, inputsGlob)];
  args.push('--golden', path.join(project, 'golden.json'), '--exit-line', '#exit', '--results-dir', resultsDir, ...extra);
  return runNode('dist/cli.js', args, env, work);
}

/** A results directory's results.json. */
export async function loadResults(dir: string): Promise<Results> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;
}
