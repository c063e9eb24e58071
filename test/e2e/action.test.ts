import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/firmware.js';
import { actionEnv, copyExample, runNode } from './run-dist.js';
import { entryOf } from '../helpers/item.js';

/** Parses a GITHUB_OUTPUT file (name<<DELIM ... DELIM blocks). */
function readOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const [, name = '', , value = ''] of text.matchAll(re)) out[name] = value;
  return out;
}

describe('dist/index.js as a runner runs it', () => {
  it('fails with a clear message when the required input is missing', async () => {
    const r = await runNode('dist/index.js', [], actionEnv({}));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("::error::Input 'inputs' is required");
  });

  it('fails naming the input on a bad value', async () => {
    const r = await runNode('dist/index.js', [], actionEnv({ inputs: 'x.txt', 'ci-timeout': 'abc' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("::error::Input 'ci-timeout' has value 'abc'");
  });

  it('builds the example, runs it on the emulated board and reports', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-action-'));
    const summary = path.join(work, 'summary.md');
    const output = path.join(work, 'output.txt');
    await writeFile(summary, '');
    await writeFile(output, '');
    const example = await copyExample(work);
    const r = await runNode(
      'dist/index.js',
      [],
      actionEnv(
        {
          toolchain: 'system',
          'project-dir': example,
          inputs: path.join(example, 'inputs/*.txt'),
          golden: path.join(example, 'golden.json'),
          'exit-line': '#exit',
          'results-dir': path.join(work, 'results'),
          // As on a repository's first run: no baseline yet.
          baseline: path.join(work, 'baseline/results.json'),
        },
        { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, GITHUB_WORKSPACE: work, RUNNER_TEMP: work },
      ),
      work,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("::warning::No baseline at '");
    const outputs = readOutputs(await readFile(output, 'utf8'));
    // Every output action.yml declares is set.
    const declared = Object.keys((parse(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { outputs: object }).outputs);
    expect(Object.keys(outputs).sort()).toEqual(declared.sort());
    expect(outputs['gcc-version']).toMatch(/arm-none-eabi-gcc .*\d+\.\d+\.\d+/);
    expect(outputs['toolchain-path']).not.toBe('');
    expect(Number(outputs['flash-used'])).toBeGreaterThan(0);
    expect(outputs.passed).toBe('10');
    expect(outputs.failed).toBe('0');
    expect(outputs.errors).toBe('0');
    expect(Object.keys(JSON.parse(entryOf(outputs, 'latency-ms')))).toHaveLength(10);
    const results = JSON.parse(await readFile(entryOf(outputs, 'results'), 'utf8'));
    expect(results.version).toBe(1);
    expect(results.results).toHaveLength(10);
    expect(await readFile(summary, 'utf8')).toContain('input-00.txt');
  });
});
