/**
 * The entry points as @github/local-action uses them: it runs
 * `npm exec tsx <its index.ts>` in the action's directory (npm asks before
 * fetching a tsx the project does not have, so tsx must be ours), then
 * imports the main and post files and calls their exported run().
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/firmware.js';

const exec = promisify(execFile);
const NPM_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}` };
delete NPM_ENV.npm_config_yes;

/** Imports `file` under tsx as local-action does and reports the type of its `run` export, and whether importing printed anything. */
async function probe(file: string): Promise<{ run: string; printed: string }> {
  const script =
    `(async () => { let printed = ''; const write = process.stdout.write.bind(process.stdout);` +
    `process.stdout.write = (c, ...a) => { printed += String(c); return true; };` +
    `const m = await import(${JSON.stringify(path.join(REPO_ROOT, file))});` +
    `await new Promise((r) => setTimeout(r, 200));` +
    `process.stdout.write = write; console.log(JSON.stringify({ run: typeof m.run, printed })); })();`;
  // --no: fail rather than ask (or download) when tsx is not the project's own.
  const { stdout } = await exec('npm', ['exec', '--no', '--', 'tsx', '--eval', script], { cwd: REPO_ROOT, env: NPM_ENV, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { run: string; printed: string };
}

describe('@github/local-action entry points', () => {
  it('src/action/main.ts and src/action/post.ts export run() and do nothing on import; tsx is the project own (no npm_config_yes)', async () => {
    expect(await probe('src/action/main.ts')).toEqual({ run: 'function', printed: '' });
    // Before, the post step ran on import (a "::warning::Post step: ..." line) and exported nothing.
    expect(await probe('src/action/post.ts')).toEqual({ run: 'function', printed: '' });
  }, 120_000);
});
