/**
 * A matrix is one report: the example run whole, then as three shards
 * (`--shard i/3`, at once, on the image the whole run built), merged with
 * `allhw merge`: the merged results.json and JUnit equal the whole run's.
 * A merge missing a shard fails, naming it.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { copyExample, runExample, runNode } from './run-dist.js';
import { itemAt } from '../helpers/item.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
let work: string;
let project: string;

function run(resultsDir: string, extra: string[] = []) {
  return runExample(project, work, resultsDir, 'inputs/*.txt', ['--inputs-per-task', '2', ...extra]);
}

const load = async (dir: string): Promise<Results> => JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;
/** What must be equal: everything about each input but its task and the timer's last digits. */
const essence = (r: Results) =>
  r.results.map((x) => ({ image: x.image, input: x.input, status: x.status, outputs: x.outputs, expected: x.expected, top1: x.top1, reason: x.reason }));
const testcases = (xml: string) => [...xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]);

let whole: Results;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'allhw-shards-'));
  project = await copyExample(work);
  const r = await run(path.join(work, 'whole'));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  whole = await load(path.join(work, 'whole'));
  const elf = itemAt(whole.images, 0).path;
  const shards = await Promise.all([1, 2, 3].map((i) => run(path.join(work, `s${i}`), ['--shard', `${i}/3`, '--build-system', 'none', '--image', elf])));
  for (const s of shards) expect(s.code, s.stdout + s.stderr).toBe(0);
}, 240_000);

describe('shards merged', () => {
  it('each shard ran a third of the inputs, none twice', async () => {
    const parts = await Promise.all([1, 2, 3].map((i) => load(path.join(work, `s${i}`))));
    const counts = parts.map((p) => p.results.length);
    expect(counts.reduce((a, b) => a + b)).toBe(whole.results.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(new Set(parts.flatMap((p) => p.results.map((x) => x.input))).size).toBe(whole.results.length);
    expect(parts.map((p) => p.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
  });

  it('give one report equal to the unsharded run', async () => {
    const out = path.join(work, 'merged');
    const r = await runNode('dist/cli.js', ['merge', '--results-dir', out, ...[3, 1, 2].map((i) => path.join(work, `s${i}`))], env, work);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const merged = await load(out);
    expect(essence(merged)).toEqual(essence(whole));
    expect(merged.totals).toEqual({ ...whole.totals, tasks: merged.tasks.length });
    expect(merged.images.map((i) => [i.name, i.board, i.size?.flash])).toEqual(whole.images.map((i) => [i.name, i.board, i.size?.flash]));
    expect(merged.measurement).toEqual(whole.measurement);
    // The emulated board counts instructions: latency repeats within a fraction of a percent.
    merged.results.forEach((x, n) =>
      expect(Math.abs(x.latencyUs! - itemAt(whole.results, n).latencyUs!)).toBeLessThanOrEqual(itemAt(whole.results, n).latencyUs! * 0.02),
    );
    const [mj, wj] = await Promise.all([readFile(path.join(out, 'junit.xml'), 'utf8'), readFile(path.join(work, 'whole/junit.xml'), 'utf8')]);
    expect(testcases(mj)).toEqual(testcases(wj));
    expect(await readFile(path.join(out, 'summary.md'), 'utf8')).toMatch(/All-HW CI: 10 passed, 0 failed, 0 errors of 10 inputs/);
  });

  it('gated against the whole run as a baseline, the merge passes', async () => {
    const out = path.join(work, 'merged-gated');
    const r = await runNode(
      'dist/cli.js',
      ['merge', '--results-dir', out, '--baseline', path.join(work, 'whole'), ...[1, 2, 3].map((i) => path.join(work, `s${i}`))],
      env,
      work,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const merged = await load(out);
    expect(merged.gate?.passed).toBe(true);
    expect(merged.baseline?.kind).toBe('file');
  });

  it('a missing shard fails the merge, naming it', async () => {
    const out = path.join(work, 'merged-2');
    const r = await runNode('dist/cli.js', ['merge', '--results-dir', out, path.join(work, 's1'), path.join(work, 's3')], env, work);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('shard 2/3 left no results');
    expect((await load(out)).error).toContain('shard 2/3');
  });
});
