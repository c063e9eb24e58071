import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, exampleFirmware } from '../helpers/firmware.js';
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

  it('stops sending tasks when the service cannot be reached, and says to check ci-url', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-unreachable-'));
    const example = path.join(REPO_ROOT, 'examples/synth');
    const fw = await exampleFirmware('mps2_an500');
    const r = await runNode(
      'dist/cli.js',
      [
        'run',
        '--mode',
        'allhw',
        '--ci-url',
        'http://127.0.0.1:1/ci/usertask',
        '--build-system',
        'none',
        '--image',
        fw.elf,
        '--board',
        'mps2_an500',
        '--inputs',
        path.join(example, 'inputs/*.txt'),
        '--max-parallel',
        '1',
        '--results-dir',
        path.join(work, 'results'),
      ],
      { ...env, ALLHW_API_KEY: 'unreachable-test-key' },
      work,
      60_000,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No task was sent after the first failure to reach the service (check ci-url)');
    // One task tried (with its own retries); the other four were never sent.
    expect((r.stderr.match(/after \d+ attempts; nothing was sent/g) ?? []).length).toBeGreaterThanOrEqual(1);
    const results = JSON.parse(await readFile(path.join(work, 'results/results.json'), 'utf8'));
    expect(results.totals).toMatchObject({ inputs: 10, errors: 10 });
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
