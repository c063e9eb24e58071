/**
 * baseline: auto against the REST stand-in and the artifact stand-in: the
 * base branch's newest successful run of this workflow from this repository
 * is found, its artifact downloaded by the real client, and measured-alike
 * checked; API errors at each step become a message, never a throw.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import type { Measurement } from '../../src/results/types.js';
import { input, results } from '../report/fixtures.js';
import { READ_TOKEN, WRITE_TOKEN, startWorld, type World } from './world.js';

let world: World;
let prLoop: typeof import('../../src/github/pr-loop.js');
const EMULATED: Measurement = { mode: 'emulated', board: 'mps2_an500', timing: 'icount shift=2' };

const baseResults = (latencyUs: number, over = {}) =>
  results({ results: [input({ input: 'a.txt', latencyUs }), input({ input: 'b.txt', latencyUs: latencyUs * 2 })], measurement: EMULATED, ...over });

beforeAll(async () => {
  world = await startWorld();
  prLoop = await import('../../src/github/pr-loop.js');
  // Oldest first: the one to find is 103 (newest success from this repository on main).
  await world.addRun({ id: 101 }, baseResults(1000));
  await world.addRun({ id: 103 }, baseResults(1100));
  await world.addRun({ id: 104, conclusion: 'failure' }, baseResults(9));
  await world.addRun({ id: 105, event: 'pull_request', headRepository: 'mallory/model' }, baseResults(1));
  await world.addRun({ id: 106, head_branch: 'feature' }, baseResults(2));
  // Many runs of other workflows: the list is paginated and filtered by workflow.
  for (let i = 0; i < 40; i++) await world.addRun({ id: 200 + i, workflow: 'docs.yml' });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

function choose(over: Partial<Parameters<typeof prLoop.chooseBaseline>[0]> = {}) {
  const log = memoryLogger();
  const current = baseResults(1200);
  const opts = {
    ctx: world.context(),
    token: READ_TOKEN,
    log,
    file: null,
    auto: true,
    artifactName: 'allhw-results',
    downloadDir: path.join(world.work, `dl-${Math.random()}`),
    measurement: EMULATED,
    ...over,
  };
  return { log, run: () => prLoop.chooseBaseline(opts, current) };
}

describe('baseline: auto', () => {
  it("takes the base branch's newest successful run of this workflow, skipping failed, fork and other-branch runs", async () => {
    const { log, run } = choose();
    const choice = await run();
    expect(choice.source).toMatchObject({ kind: 'run', runId: 103, sha: '103'.padStart(40, 'a'), branch: 'main', skipped: null });
    expect(choice.source!.url).toBe('https://github.com/acme/model/actions/runs/103');
    expect(choice.source!.date).toBe(world.gh.runs.find((r) => r.id === 103)!.created_at);
    expect(choice.results!.results.map((r) => r.latencyUs)).toEqual([1100, 2200]);
    expect(choice.source!.figures!.latencyUs.synth).toEqual({ 'a.txt': 1100, 'b.txt': 2200 });
    expect(log.lines.join('\n')).toContain('Baseline: run 103');
    // The runs were asked for by branch and status, as GitHub filters them.
    const listed = world.gh.requests.find((r) => r.path.endsWith('/actions/workflows/allhw.yml/runs'))!;
    expect(new URLSearchParams(listed.query).get('branch')).toBe('main');
    expect(new URLSearchParams(listed.query).get('status')).toBe('success');
  });

  it('outside a pull request takes the previous successful run of the same branch, never the current one', async () => {
    const { run } = choose({ ctx: world.context({ pullRequest: null, eventName: 'push', refName: 'feature', runId: 106 }) });
    const choice = await run();
    // 106 is this run itself; no other run on 'feature' succeeded.
    expect(choice.results).toBeNull();
    const { run: onMain } = choose({ ctx: world.context({ pullRequest: null, eventName: 'push', refName: 'main', runId: 103 }) });
    expect((await onMain()).source?.runId).toBe(101);
  });

  it('walks back past a run whose artifact is missing', async () => {
    await world.addRun({ id: 107 }); // newest on main, no artifact
    try {
      const { run } = choose();
      expect((await run()).source?.runId).toBe(103);
    } finally {
      world.gh.runs.pop();
    }
  });

  it('no earlier run is a notice, not a failure', async () => {
    const { log, run } = choose({ ctx: world.context({ pullRequest: { number: 7, baseRef: 'release', headSha: 'e'.repeat(40), headRepo: 'acme/model' } }) });
    const choice = await run();
    expect(choice).toEqual({ results: null, source: null });
    expect(log.lines).toContainEqual(
      expect.stringMatching(/^notice: baseline 'auto': no baseline: no earlier successful run of allhw.yml on the base branch 'release'/),
    );
  });

  it('a baseline measured on the farm, or with another timing model, is skipped with a notice saying why', async () => {
    const farm = await world.addRun(
      { id: 300, head_branch: 'farm' },
      baseResults(500, { mode: 'allhw', measurement: { mode: 'farm', board: 'f746_disco', timing: null } }),
    );
    const ctx = world.context({ pullRequest: { number: 7, baseRef: farm.head_branch, headSha: 'e'.repeat(40), headRepo: 'acme/model' } });
    const { log, run } = choose({ ctx });
    const choice = await run();
    expect(choice.results).toBeNull();
    expect(choice.source).toMatchObject({
      runId: 300,
      skipped: expect.stringContaining('on the All-HW farm (board f746_disco), this run on the emulated board (board mps2_an500, icount shift=2)'),
    });
    expect(log.lines).toContainEqual(expect.stringMatching(/^notice: Baseline skipped: the baseline was measured on the All-HW farm/));

    const { log: log2, run: run2 } = choose({ measurement: { ...EMULATED, timing: 'icount shift=4' } });
    expect((await run2()).results).toBeNull();
    expect(log2.lines.join('\n')).toContain('icount shift=2');
  });

  it('an older results.json without a measurement is judged by its mode and board', async () => {
    const { run } = choose({ auto: false, file: baseResults(1000, { measurement: undefined, mode: 'allhw' }) });
    const choice = await run();
    expect(choice.results).toBeNull();
    expect(choice.source?.skipped).toMatch(/on the All-HW farm/);
  });
});

describe('baseline: auto when the API fails', () => {
  const cases: {
    name: string;
    path: RegExp;
    method?: string;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    times?: number;
    expect: RegExp | null;
  }[] = [
    {
      name: 'runs 404 (private repository, no actions: read)',
      path: /\/runs$/,
      status: 404,
      expect: /listing the workflow runs failed with 404 .*permissions: actions: read/,
    },
    {
      name: 'runs 403',
      path: /\/runs$/,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
      expect: /403 \(GitHub said: Resource not accessible by integration\).*permissions: actions: read/,
    },
    { name: 'runs 401', path: /\/runs$/, status: 401, body: { message: 'Bad credentials' }, expect: /401 .*check 'github-token'/ },
    { name: 'runs 5xx throughout', path: /\/runs$/, status: 502, times: 3, expect: /listing the workflow runs failed: GitHub answered 502 after retries/ },
    { name: 'artifacts 404', path: /\/runs\/\d+\/artifacts$/, status: 404, expect: /listing a run's artifacts failed with 404/ },
    { name: 'zip 403', path: /\/zip$/, status: 403, expect: /downloading the baseline artifact failed with 403/ },
    {
      name: 'rate limit longer than the step waits',
      path: /\/runs$/,
      status: 429,
      headers: { 'retry-after': '3600' },
      expect: /rate limited \(429.*3600 s more/,
    },
    // Recovered: the call is retried after the wait GitHub asks for.
    { name: 'one 429 with Retry-After', path: /\/runs$/, status: 429, headers: { 'retry-after': '1' }, expect: null },
    {
      name: 'one primary rate limit 403 with x-ratelimit-reset',
      path: /\/artifacts$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
      expect: null,
    },
    {
      name: 'one secondary rate limit 403 with Retry-After',
      path: /\/zip$/,
      status: 403,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      expect: null,
    },
    { name: 'two 503s', path: /\/runs$/, status: 503, times: 2, expect: null },
  ];
  for (const c of cases) {
    it(
      c.name,
      async () => {
        world.gh.fault({ method: c.method ?? 'GET', path: c.path, status: c.status, headers: c.headers, body: c.body, times: c.times });
        const { log, run } = choose({ token: WRITE_TOKEN });
        const choice = await run();
        const text = log.lines.join('\n');
        expect(text).not.toContain(WRITE_TOKEN);
        if (c.expect) {
          expect(choice.results).toBeNull();
          expect(log.lines).toContainEqual(expect.stringMatching(/^warning: baseline 'auto': no baseline, the lookup failed: GitHub API: /));
          expect(text).toMatch(c.expect);
          expect(text).toMatch(/Latency and size are not gated in this run\./);
        } else {
          expect(choice.source?.runId, text).toBe(103);
        }
      },
      30_000,
    );
  }
});
