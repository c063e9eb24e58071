import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode } from './run-dist.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe('dist/cli.js', () => {
  it('runs the demo: the example on the emulated board, a table, a results directory', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-demo-'));
    const r = await runNode('dist/cli.js', ['demo', '--results-dir', path.join(work, 'results')], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^input-09\.txt\s+passed/m);
    expect(r.stdout).toContain('10 inputs: 10 passed, 0 failed, 0 errors');
    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    expect(results.totals).toMatchObject({ inputs: 10, passed: 10, failed: 0, errors: 0 });
    expect(results.images[0].size.flash).toBeGreaterThan(0);
    expect(results.tasks.every((t: { code: number }) => t.code === 0)).toBe(true);
  });

  it('prints usage, and refuses an unknown command or flag', async () => {
    const help = await runNode('dist/cli.js', ['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: allhw <command>/);
    const unknown = await runNode('dist/cli.js', ['deploy'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command 'deploy'/);
    const flag = await runNode('dist/cli.js', ['run', '--inputs', 'x', '--timeout', '3'], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown flag '--timeout'. Did you mean '--ci-timeout'\? Known flags: .*--ci-timeout/);
  });
});
