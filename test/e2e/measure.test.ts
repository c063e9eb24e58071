/**
 * Repeats, warm-ups and the noise-tolerant gate end to end: the CLI on the
 * emulated farm sends each input warm-up + repeat times in one task; results.json
 * keeps every run's timers and what the run learned of the farm's timing; a
 * gate that only warns reports a regression without failing the step.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { copyExample, loadResults, runExample } from './run-dist.js';

let work: string;
let project: string;

const MEASURE = ['--uart-buffer', '16384', '--warmup', '1', '--repeat', '2'];
const run = (resultsDir: string, extra: string[] = []) => runExample(project, work, resultsDir, 'inputs/input-0[0-2].txt', [...MEASURE, ...extra]);
const load = loadResults;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'allhw-measure-'));
  project = await copyExample(work);
});

describe('repeat and warm-up on the emulated farm', () => {
  it('keeps every run, gates the medians, and only warns with gate: warn', async () => {
    const r = await run(path.join(work, 'first'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const first = await load(path.join(work, 'first'));
    expect(first.results).toHaveLength(3);
    for (const res of first.results) {
      expect(res.status, res.reason ?? '').toBe('passed');
      expect(res.repeats?.timers).toHaveLength(3);
      expect(res.repeats).toMatchObject({ warmup: 1, repeat: 2 });
      expect(res.latencyUs).toBe(res.repeats!.medianUs);
    }
    // What the run learned of the emulated farm's timing, for the next run.
    expect(first.timing).toMatchObject({ service: 'emulator', board: 'mps2_an500' });
    expect(Object.values(first.timing!.images)[0]?.overheadMs).toBeGreaterThan(0);
    expect(await readFile(path.join(work, 'first/summary.md'), 'utf8')).toMatch(/median of 2; p90 [\d.]+, min [\d.]+, cold [\d.]+/);

    const faster: Results = structuredClone(first);
    for (const res of faster.results) res.latencyUs = Math.round(res.latencyUs! / 2);
    await writeFile(path.join(work, 'faster.json'), JSON.stringify(faster));
    const warned = await run(path.join(work, 'second'), ['--baseline', path.join(work, 'faster.json'), '--gate', 'warn']);
    expect(warned.code, warned.stdout + warned.stderr).toBe(0);
    const second = await load(path.join(work, 'second'));
    expect(second.gate).toMatchObject({ passed: false, mode: 'warn' });
    const summary = await readFile(path.join(work, 'second/summary.md'), 'utf8');
    expect(summary).toMatch(/Gate against the baseline: ⚠️ failed checks/);
    expect(summary).toMatch(/Thresholds: latency \(each input's median/);
    const failing = await run(path.join(work, 'third'), ['--baseline', path.join(work, 'faster.json')]);
    expect(failing.code).toBe(1);
  });
});
