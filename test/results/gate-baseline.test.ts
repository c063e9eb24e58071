import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaselineError, compareBaseline, loadBaseline, verdict } from '../../src/results/gate.js';
import type { Results } from '../../src/results/types.js';
import { input, mixedRun, results } from '../report/fixtures.js';
import { itemAt } from '../helpers/item.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'baseline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A run of the synth image with these latencies (µs) and flash/RAM bytes. */
function run(latencies: Record<string, number | null>, flash = 40_000, ram = 12_000): Results {
  const r = results({
    results: Object.entries(latencies).map(([name, us]) => input({ input: name, latencyUs: us, timers: us === null ? null : [us] })),
  });
  itemAt(r.images, 0).size = { ...itemAt(r.images, 0).size!, flash, ram };
  return r;
}

async function saved(r: unknown, name = `b-${Math.random()}.json`): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof r === 'string' ? r : JSON.stringify(r));
  return file;
}

describe('loadBaseline', () => {
  it('reads a results.json, or the directory of an unpacked artifact', async () => {
    const base = run({ 'a.txt': 1000 });
    expect((await loadBaseline(await saved(base))).results[0]?.latencyUs).toBe(1000);
    await mkdir(path.join(dir, 'artifact'), { recursive: true });
    await saved(base, 'artifact/results.json');
    expect((await loadBaseline(path.join(dir, 'artifact'))).version).toBe(1);
  });

  it.each([
    ['a missing file', null, /does not exist: pass the results.json of an earlier allhw-ci run/],
    ['bad JSON', '{"version": 1', /is not valid JSON/],
    ['another version', { version: 2, results: [], images: [] }, /is not an allhw-ci results.json version 1 \("version": 2\)/],
    ['some other JSON', { name: 'package' }, /is not an allhw-ci results.json version 1 \(no "version" field\)/],
    ['a results.json without results', { version: 1, images: [] }, /has no "results" array/],
  ])('refuses %s clearly', async (_name, content, message) => {
    const file = content === null ? path.join(dir, 'absent.json') : await saved(content);
    const p = loadBaseline(file);
    await expect(p).rejects.toBeInstanceOf(BaselineError);
    await expect(p).rejects.toThrow(message);
  });
});

describe('compareBaseline', () => {
  const base = run({ 'a.txt': 1000, 'b.txt': 234 });

  it('passes within tolerance and shows the deltas', () => {
    const gate = compareBaseline(run({ 'a.txt': 1050, 'b.txt': 240 }, 41_000, 12_000), base, { latencyTolerancePct: 10, sizeTolerancePct: 5 });
    expect(gate.passed).toBe(true);
    const byName = Object.fromEntries(gate.checks.map((c) => [c.name, c.detail]));
    expect(byName['total latency']).toBe('total latency 1234 µs → 1290 µs (+4.5% ≤ 10%) over 2 inputs in both runs');
    expect(byName['latency of a.txt']).toBe('a.txt: 1000 µs → 1050 µs (+5.0% ≤ 10%)');
    expect(byName.flash).toBe('flash 40,000 B → 41,000 B (+2.5% ≤ 5%)');
    expect(byName.ram).toBe('RAM 12,000 B → 12,000 B (+0.0% ≤ 5%)');
  });

  it('fails outside tolerance, on total latency, one input and size', () => {
    const gate = compareBaseline(run({ 'a.txt': 1166, 'b.txt': 234 }, 43_000, 11_000), base, {});
    expect(gate.passed).toBe(false);
    const failed = gate.checks.filter((c) => !c.passed).map((c) => c.detail);
    expect(failed).toEqual([
      'total latency 1234 µs → 1400 µs (+13.5% > 10%) over 2 inputs in both runs',
      'flash 40,000 B → 43,000 B (+7.5% > 5%)',
      'a.txt: 1000 µs → 1166 µs (+16.6% > 10%)',
    ]);
    expect(gate.checks.find((c) => c.name === 'ram')!.detail).toBe('RAM 12,000 B → 11,000 B (-8.3% ≤ 5%)');
  });

  it('compares only inputs with a latency in both runs and says what differs', () => {
    const gate = compareBaseline(run({ 'a.txt': 1000, 'c.txt': 99_999, 'b.txt': null }), base, {});
    expect(gate.passed).toBe(true);
    expect(gate.checks[0]?.detail).toBe('total latency 1000 µs → 1000 µs (+0.0% ≤ 10%) over 1 input in both runs');
    expect(gate.checks.find((c) => c.name === 'coverage')!.detail).toBe(
      '1 input not in the baseline, 0 baseline inputs not in this run: only common inputs are compared',
    );
  });

  it('pairs a renamed single image, and notes sizes it cannot compare', () => {
    const cur = run({ 'a.txt': 1000 });
    itemAt(cur.images, 0).name = 'synth-v2';
    for (const r of cur.results) r.image = 'synth-v2';
    const gate = compareBaseline(cur, base, {});
    expect(gate.checks.map((c) => c.name)).toContain('flash synth-v2');
    itemAt(cur.images, 0).size = null;
    expect(compareBaseline(cur, base, {}).checks.find((c) => c.name.startsWith('size'))!.detail).toBe(
      'flash/RAM synth-v2 not compared: size unknown in one of the runs',
    );
  });

  it('treats a run with nothing in common as passing, with a note', () => {
    const gate = compareBaseline(run({ 'z.txt': 5 }), base, {});
    expect(gate.passed).toBe(true);
    expect(gate.checks[0]?.detail).toBe('no input has a latency in both runs: latency not compared');
  });
});

describe('verdict', () => {
  it('fails on a failed or errored input with fail-on any, and only reports with none', () => {
    const r = mixedRun();
    expect(verdict(r, 'any')).toEqual({ failed: true, reason: '1 of 4 inputs failed; 1 of 4 inputs errored (infrastructure)' });
    expect(verdict(r, 'none')).toEqual({
      failed: false,
      reason: "fail-on is 'none', reporting only: 1 of 4 inputs failed; 1 of 4 inputs errored (infrastructure)",
    });
  });

  it('fails on a gate failure and on a run that stopped early', () => {
    const r = run({ 'a.txt': 1 });
    r.gate = compareBaseline(run({ 'a.txt': 2 }), run({ 'a.txt': 1 }), {});
    expect(verdict(run({ 'a.txt': 2 }), 'any').failed).toBe(false);
    const gated = { ...run({ 'a.txt': 2 }), gate: r.gate };
    expect(verdict(gated, 'any')).toEqual({
      failed: true,
      reason: 'the gate failed: total latency 1 µs → 2 µs (+100.0% > 10%) over 1 input in both runs; a.txt: 1 µs → 2 µs (+100.0% > 10%)',
    });
    expect(verdict({ ...run({}), error: 'build failed' }, 'any')).toEqual({ failed: true, reason: 'the run stopped early: build failed' });
  });

  it('passes a clean run', () => {
    expect(verdict(run({ 'a.txt': 1, 'b.txt': 2 }), 'any')).toEqual({ failed: false, reason: 'all 2 inputs passed' });
  });
});
