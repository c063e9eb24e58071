/**
 * The PR gate end to end: a run against a baseline from an earlier run of the
 * same firmware passes (the emulated boards count guest time in instructions,
 * so timers repeat); against a baseline that was twice as fast it fails,
 * showing the deltas.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { copyExample, runExample } from './run-dist.js';

let work: string;
let project: string;
let first: Results;

function run(resultsDir: string, extra: string[] = []) {
  return runExample(project, resultsDir, extra, work);
}

const load = async (dir: string): Promise<Results> => JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'allhw-gate-'));
  project = await copyExample(work);
  const r = await run(path.join(work, 'first'));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  first = await load(path.join(work, 'first'));
});

describe('gate against a baseline', () => {
  it('passes against an earlier run of the same firmware, whose timers it repeats', async () => {
    const r = await run(path.join(work, 'second'), ['--baseline', path.join(work, 'first/results.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const second = await load(path.join(work, 'second'));
    expect(second.gate?.passed).toBe(true);
    expect(second.gate?.checks.length).toBeGreaterThan(0);
    for (const res of second.results) {
      const before = first.results.find((x) => x.input === res.input)!.latencyUs!;
      expect(Math.abs(res.latencyUs! - before) / before).toBeLessThan(0.01);
    }
  });

  it('fails when latency grew past the tolerance, and says by how much', async () => {
    const faster: Results = structuredClone(first);
    for (const res of faster.results) {
      res.latencyUs = Math.round(res.latencyUs! / 2);
      if (res.timers) res.timers[res.timers.length - 1] = res.latencyUs;
    }
    const baseline = path.join(work, 'faster.json');
    await writeFile(baseline, JSON.stringify(faster));
    const r = await run(path.join(work, 'third'), ['--baseline', baseline]);
    expect(r.code).toBe(1);
    const third = await load(path.join(work, 'third'));
    expect(third.gate?.passed).toBe(false);
    const failing = third.gate!.checks.filter((c) => !c.passed);
    expect(failing.some((c) => /total latency .*\+\d+(\.\d+)?% > 10%/.test(c.detail))).toBe(true);
    expect(third.totals.passed).toBe(10); // the outputs are still right: only the gate failed
    expect(await readFile(path.join(work, 'third/summary.md'), 'utf8')).toMatch(/latency/i);
  });
});
