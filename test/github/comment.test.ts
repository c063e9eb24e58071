/**
 * The PR comment against the REST stand-in: one comment, found by its marker
 * among many (paginated) and edited in place; a read-only or fork token gets
 * a notice and the body in comment.md; the body stays under GitHub's limit.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import type { Results } from '../../src/results/types.js';
import { COMMENT_LIMIT } from '../helpers/github-api.js';
import { input, mixedRun, results } from '../report/fixtures.js';
import { READ_TOKEN, WRITE_TOKEN, startWorld, type World } from './world.js';

let world: World;
let prLoop: typeof import('../../src/github/pr-loop.js');

beforeAll(async () => {
  world = await startWorld();
  prLoop = await import('../../src/github/pr-loop.js');
}, 60_000);
afterAll(async () => {
  await world?.close();
});

function step(r: Results, over: Partial<Parameters<typeof prLoop.commentStep>[1]> = {}) {
  const log = memoryLogger();
  const opts = {
    ctx: world.context(),
    token: WRITE_TOKEN,
    log,
    policy: 'auto' as const,
    resultsDir: world.work,
    artifactName: 'allhw-results',
    artifactId: 42,
    verdict: { failed: true, reason: '1 of 4 inputs failed' },
    latencyTolerancePct: 10,
    ...over,
  };
  return { log, run: () => prLoop.commentStep(r, opts) };
}

const onPr = (n: number) => world.gh.comments.filter((c) => c.issue === n);

describe('the PR comment', () => {
  it('the second run of a PR edits the first comment instead of adding one, among many others', async () => {
    // 120 comments by people first: a page holds 100, so the second run finds the marked one on page 2.
    for (let i = 0; i < 120; i++) world.gh.comments.push({ id: i + 1, issue: 7, body: `review ${i}`, user: 'octocat', created_at: '', updated_at: '' });
    const first = step(mixedRun());
    expect((await first.run()).posted).toBe('created');
    expect(onPr(7)).toHaveLength(121);
    for (let i = 0; i < 40; i++) world.gh.comments.push({ id: 20_000 + i, issue: 7, body: `later ${i}`, user: 'octocat', created_at: '', updated_at: '' });
    const fixed = mixedRun();
    fixed.results = fixed.results.map((r) => ({ ...r, status: 'passed' as const, reason: null }));
    const second = step(fixed, { verdict: { failed: false, reason: 'all 4 inputs passed' } });
    const out = await second.run();
    expect(out.posted).toBe('updated');
    const marked = onPr(7).filter((c) => c.body.includes('<!-- allhw-ci:report:allhw-results -->'));
    expect(marked).toHaveLength(1);
    expect(marked[0]?.body).toContain('✅ All-HW CI: all 4 inputs passed');
    expect(second.log.lines.join('\n')).toMatch(/PR comment updated: https:\/\/github.com\/acme\/model\/pull\/7#issuecomment-\d+/);
    // Found by listing pages with the Link header, then one PATCH.
    const calls = world.gh.requests.filter((r) => r.path.includes('/comments'));
    expect(calls.some((c) => c.method === 'GET' && new URLSearchParams(c.query).get('page') === '2')).toBe(true);
    expect(calls.at(-1)!.method).toBe('PATCH');
  });

  it('holds the verdict, a row per input with golden and latency delta, flash/RAM deltas, run and artifact links', async () => {
    const r = mixedRun();
    r.baseline = {
      kind: 'run',
      runId: 103,
      url: 'https://github.com/acme/model/actions/runs/103',
      sha: 'abcdef0123',
      branch: 'main',
      date: '2026-01-01T01:43:00.000Z',
      skipped: null,
      figures: { latencyUs: { synth: { 'input-00.txt': 1000, 'input-01.txt': 1250 } }, size: { synth: { flash: 50_000, ram: 12_000 } } },
    };
    const { run } = step(r, { pullRequest: 8 });
    const body = (await run()).body;
    expect(body).toContain('Baseline: run [103](https://github.com/acme/model/actions/runs/103) (commit `abcdef0` on `main`, 2026-01-01T01:43:00.000Z)');
    expect(body).toContain('**Flash** 40,000 B (-20.0%) · **RAM** 12,000 B (+0.0%)');
    expect(body).toMatch(/\| `input-00.txt` \| ✅ passed \| match \(max err 0\) \| 1.234 \| \+23.4% \|/);
    expect(body).toMatch(/\| `input-03.txt` \| ⚠️ error \| — \| — \| — \|/);
    // Failures first.
    expect(body.indexOf('input-02.txt')).toBeLessThan(body.indexOf('input-00.txt'));
    expect(body).toContain(
      '[the run](https://github.com/acme/model/actions/runs/5000) · [artifact `allhw-results`](https://github.com/acme/model/actions/runs/5000/artifacts/42)',
    );
  });

  it('a read-only token gives a notice, and the body is in comment.md and the output', async () => {
    const { log, run } = step(mixedRun(), { token: READ_TOKEN, pullRequest: 9 });
    const out = await run();
    expect(out.posted).toBeNull();
    expect(onPr(9)).toHaveLength(0);
    expect(await readFile(out.file!, 'utf8')).toBe(out.body);
    expect(log.lines).toContainEqual(
      expect.stringMatching(
        /^notice: The PR comment was not posted: GitHub API: posting the pull request comment failed with 403 \(GitHub said: Resource not accessible by integration\).*pull-requests: write.*'comment-body' output/,
      ),
    );
    expect(log.lines.join('\n')).not.toContain(READ_TOKEN);
  });

  it('a fork PR is not even tried (its token is read-only): notice pointing at mode: comment', async () => {
    const before = world.gh.requests.length;
    const ctx = world.context({ pullRequest: { number: 10, baseRef: 'main', headSha: 'e'.repeat(40), headRepo: 'mallory/model' } });
    const { log, run } = step(mixedRun(), { ctx });
    const out = await run();
    expect(out.posted).toBeNull();
    expect(await readFile(out.file!, 'utf8')).toBe(out.body);
    expect(world.gh.requests.length).toBe(before);
    expect(log.lines).toContainEqual(expect.stringMatching(/^notice: this pull request comes from a fork.*mode: comment/));
  });

  it("comment: never posts nothing and says nothing; outside a PR 'auto' is silent", async () => {
    const before = world.gh.requests.length;
    const never = step(mixedRun(), { policy: 'never' });
    expect(await never.run()).toMatchObject({ posted: null, file: null });
    const push = step(mixedRun(), { ctx: world.context({ pullRequest: null }) });
    expect((await push.run()).posted).toBeNull();
    expect(world.gh.requests.length).toBe(before);
    expect([...never.log.lines, ...push.log.lines]).toEqual([]);
  });

  it('stays under 65536 characters with thousands of inputs, failures and changes first, the rest counted', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      input({
        input: `inputs/a-rather-long-input-file-name-${String(i).padStart(5, '0')}.npy`,
        status: i % 997 === 5 ? 'failed' : 'passed',
        reason: i % 997 === 5 ? 'output[1] = 3, expected 2' : null,
        latencyUs: 1000 + (i === 2999 ? 500 : 0),
      }),
    );
    const r = results({ results: rows });
    r.baseline = {
      kind: 'run',
      runId: 1,
      url: 'u',
      sha: 's',
      branch: 'main',
      date: 'd',
      skipped: null,
      figures: { latencyUs: { synth: Object.fromEntries(rows.map((x) => [x.input, 1000])) }, size: {} },
    };
    const { run } = step(r, { pullRequest: 11 });
    const out = await run();
    expect(out.body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(out.posted).toBe('created'); // the stand-in refuses > 65536 with 422
    const failed = rows.filter((x) => x.status === 'failed');
    for (const f of failed) expect(out.body).toContain(f.input);
    expect(out.body).toContain('a-rather-long-input-file-name-02999.npy'); // +50 %: changed
    expect(out.body).toMatch(/_\d+ more inputs of `synth` not shown \(all passed, no latency change beyond the tolerance\)/);
  });

  it('a rate limit and a 5xx on the way are waited out; a 404 listing is a notice', async () => {
    world.gh.fault({ method: 'GET', path: /\/issues\/12\/comments$/, status: 429, headers: { 'retry-after': '1' } });
    world.gh.fault({ method: 'POST', path: /\/issues\/12\/comments$/, status: 500 });
    const ok = step(mixedRun(), { pullRequest: 12 });
    expect((await ok.run()).posted).toBe('created');
    world.gh.fault({ method: 'GET', path: /\/issues\/13\/comments$/, status: 404 });
    const gone = step(mixedRun(), { pullRequest: 13 });
    expect((await gone.run()).posted).toBeNull();
    expect(gone.log.lines).toContainEqual(
      expect.stringMatching(/^notice: The PR comment was not posted: GitHub API: listing the pull request's comments failed with 404/),
    );
  });
});
