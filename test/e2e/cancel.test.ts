import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/firmware.js';
import { NODE, copyExample } from './run-dist.js';

describe('cancelling a run (SIGINT)', () => {
  it('writes partial results, names the tasks in flight and exits non-zero', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-cancel-'));
    const example = await copyExample(work);
    // No exit line: the firmware never returns, so tasks run to their 60 s timeout.
    const child = spawn(
      NODE,
      [
        path.join(REPO_ROOT, 'dist/cli.js'),
        'run',
        '--mode',
        'emulator',
        '--project-dir',
        example,
        '--inputs',
        path.join(example, 'inputs/*.txt'),
        '--golden',
        path.join(example, 'golden.json'),
        '--ci-timeout',
        '60',
        '--results-dir',
        path.join(work, 'results'),
      ],
      { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        // Two boards: wait until two tasks run, then cancel.
        if ((stdout.match(/: created /g) ?? []).length >= 2) resolve();
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', () => reject(new Error(`exited before any task was created:\n${stdout}\n${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await exited;
    const elapsed = Date.now() - started;

    expect(code).not.toBe(0);
    expect(elapsed).toBeLessThan(55_000); // it did not wait for the 60 s timeout
    expect(stderr).toMatch(/cancelled/);
    expect(stderr).toMatch(/still in flight: [0-9a-f-]{36}/);
    expect(stderr).toMatch(/no cancel call/);

    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    expect(results.error).toMatch(/cancelled/);
    expect(results.results).toHaveLength(10);
    expect(results.results.every((r: { status: string }) => r.status !== 'passed')).toBe(true);
    // Every task that was created has its (partial) UART log on disk.
    const created = results.tasks.filter((t: { id: string | null }) => t.id);
    expect(created.length).toBeGreaterThanOrEqual(2);
    for (const t of created) expect(existsSync(path.join(work, 'results', t.log))).toBe(true);
    expect(await readdir(path.join(work, 'results'))).toEqual(expect.arrayContaining(['results.json', 'junit.xml', 'summary.md']));
  });
});
