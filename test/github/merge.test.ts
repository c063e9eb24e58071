/**
 * mode: merge against the stand-ins: the shard artifacts of this run are
 * listed through the REST API (paginated), downloaded by the real client and
 * merged; the merged report is gated, uploaded and commented once; a failed
 * shard fails the merge; several boards get one table each in the comment.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import type { Results } from '../../src/results/types.js';
import { input, results } from '../report/fixtures.js';
import { WRITE_TOKEN, startWorld, type World } from './world.js';

let world: World;
let merge: typeof import('../../src/github/merge-run.js');
const EMU = { mode: 'emulated' as const, board: 'mps2_an500', timing: 'icount shift=2' };

function shard(index: number, count: number, inputs: string[], over: Partial<Results> = {}): Results {
  return results({ shard: { index, count }, measurement: EMU, results: inputs.map((i) => input({ input: i, latencyUs: 1000 })), ...over });
}

beforeAll(async () => {
  world = await startWorld();
  merge = await import('../../src/github/merge-run.js');
  // Run 900: three shards, plus unrelated artifacts (one page holds 100: 120 make two pages).
  await world.addRun({ id: 900, status: 'in_progress', conclusion: null }, shard(1, 3, ['a.txt', 'd.txt']), 'allhw-results-shard-1-of-3');
  await world.addRun({ id: 900, status: 'in_progress', conclusion: null }, shard(2, 3, ['b.txt']), 'allhw-results-shard-2-of-3');
  world.gh.runs.pop();
  await world.addRun({ id: 900, status: 'in_progress', conclusion: null }, shard(3, 3, ['c.txt']), 'allhw-results-shard-3-of-3');
  world.gh.runs.pop();
  for (let i = 0; i < 120; i++) world.gh.artifacts.push({ id: 5000 + i, name: `coverage-${i}`, runId: 900, blobUrl: 'http://127.0.0.1:1/none', size: 1 });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

function mergeRun(runId: number, over: Partial<Parameters<typeof merge.runMerge>[0]> = {}) {
  const log = memoryLogger();
  const ctx = world.context({ runId, pullRequest: { number: 31, baseRef: 'main', headSha: 'e'.repeat(40), headRepo: 'acme/model' } });
  return {
    log,
    run: () =>
      merge.runMerge({
        dirs: null,
        resultsDir: path.join(world.work, `merged-${runId}-${Math.random()}`),
        artifactName: 'allhw-results',
        retentionDays: null,
        baseline: '',
        tolerances: { latencyTolerancePct: 10, sizeTolerancePct: 5 },
        failOn: 'any',
        comment: 'auto',
        ctx,
        token: WRITE_TOKEN,
        env: { ...world.artifacts.newRun(), RUNNER_TEMP: world.work },
        log,
        ...over,
      }),
  };
}

describe('mode: merge', () => {
  it('downloads every shard artifact of this run and writes one report, one comment', async () => {
    const { log, run } = mergeRun(900);
    const out = await run();
    expect(out.failed, out.reason).toBe(false);
    expect(out.results.results.map((r) => r.input)).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt']);
    expect(out.results.totals).toMatchObject({ inputs: 4, passed: 4 });
    expect(log.lines.join('\n')).toContain('Merging 3 shard artifact(s): allhw-results-shard-1-of-3, allhw-results-shard-2-of-3, allhw-results-shard-3-of-3');
    expect(world.artifacts.artifacts.at(-1)!.name).toBe('allhw-results');
    expect(world.gh.comments.filter((c) => c.issue === 31)).toHaveLength(1);
    expect(out.outputs['comment-body']).toContain('4 inputs passed');
  });

  it('fails when a shard stopped early, naming it, and still reports the rest', async () => {
    await world.addRun({ id: 910 }, shard(1, 2, ['a.txt']), 'allhw-results-shard-1-of-2');
    await world.addRun({ id: 910 }, shard(2, 2, [], { error: 'Build command failed (exit code 2)' }), 'allhw-results-shard-2-of-2');
    const out = await mergeRun(910).run();
    expect(out.failed).toBe(true);
    expect(out.reason).toContain('shard 2/2: Build command failed');
    expect(out.results.results.map((r) => r.input)).toEqual(['a.txt']);
  });

  it('several boards in one matrix: image names kept apart, one table per board', async () => {
    const f746 = shard(1, 1, ['a.txt'], {
      images: [{ name: 'synth', path: '', board: 'f746_disco', size: null }],
      measurement: { mode: 'farm', board: 'f746_disco', timing: null },
    });
    const emu = shard(1, 1, ['a.txt'], { measurement: EMU });
    await world.addRun({ id: 920 }, f746, 'allhw-results-f746_disco');
    await world.addRun({ id: 920 }, emu, 'allhw-results-mps2_an500');
    const out = await mergeRun(920).run();
    expect(out.results.images.map((i) => i.name)).toEqual(['synth@f746_disco', 'synth@mps2_an500']);
    expect(out.results.results).toHaveLength(2);
    const body = out.outputs['comment-body'];
    expect(body).toContain('### Board `f746_disco`');
    expect(body).toContain('### Board `mps2_an500`');
  });

  it('a run with no shard artifacts says how to make them', async () => {
    await expect(mergeRun(999).run()).rejects.toThrow(/This run has no artifacts named 'allhw-results-…' to merge: run the shards with 'shard: i\/n'/);
  });
});
