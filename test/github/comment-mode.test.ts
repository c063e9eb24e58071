/**
 * mode: comment, the workflow_run job of the fork pattern: it reads the PR
 * run's artifact (uploaded for real), checks the PR's current head is the
 * commit that run tested, and posts or updates the one comment.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { mixedRun } from '../report/fixtures.js';
import { WRITE_TOKEN, startWorld, type World } from './world.js';

let world: World;
let mode: typeof import('../../src/github/comment-mode.js');
const HEAD = 'c'.repeat(40);

beforeAll(async () => {
  world = await startWorld();
  mode = await import('../../src/github/comment-mode.js');
  const fromFork = mixedRun();
  fromFork.run = { runId: 700, url: null, repository: 'acme/model', sha: 'm'.repeat(40), pullRequest: 21, headSha: HEAD };
  await world.addRun({ id: 700, event: 'pull_request', head_branch: 'patch-1', head_sha: HEAD, headRepository: 'mallory/model' }, fromFork);
  world.gh.pulls.set(21, { headSha: HEAD, baseRef: 'main', headRepo: 'mallory/model' });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

function commentMode(workflowRun: Record<string, unknown> | undefined) {
  const log = memoryLogger();
  const ctx = world.context({ eventName: 'workflow_run', pullRequest: null, runId: 701, payload: workflowRun ? { workflow_run: workflowRun } : {} });
  const run = () =>
    mode.runCommentMode({
      ctx,
      token: WRITE_TOKEN,
      log,
      artifactName: 'allhw-results',
      policy: 'auto',
      resultsDir: path.join(world.work, `cm-${Math.random()}`),
      failOn: 'any',
      latencyTolerancePct: 10,
    });
  return { log, run };
}

// A fork PR's workflow_run has no pull_requests: the PR number comes from the artifact.
const event = { id: 700, head_sha: HEAD, event: 'pull_request', pull_requests: [] };

describe('mode: comment', () => {
  it("posts the PR run's results from its artifact, then updates the same comment", async () => {
    const first = commentMode(event);
    const out = await first.run();
    expect(out.posted).toBe('created');
    const again = await commentMode(event).run();
    expect(again.posted).toBe('updated');
    const comments = world.gh.comments.filter((c) => c.issue === 21);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('❌ All-HW CI: 1 of 4 inputs failed');
    // Links point at the PR's run and its artifact, not at this workflow_run job.
    expect(comments[0]?.body).toMatch(
      /\[the run\]\(https:\/\/github.com\/acme\/model\/actions\/runs\/700\) · \[artifact `allhw-results`\]\(https:\/\/github.com\/acme\/model\/actions\/runs\/700\/artifacts\/\d+\)/,
    );
  });

  it("refuses when the PR's head moved on since the run (or the artifact names another PR)", async () => {
    world.gh.pulls.set(21, { headSha: 'd'.repeat(40), baseRef: 'main', headRepo: 'mallory/model' });
    try {
      const before = world.gh.comments.find((c) => c.issue === 21)!.body;
      const { log, run } = commentMode(event);
      const out = await run();
      expect(out.posted).toBeNull();
      expect(out.skipped).toMatch(/pull request #21's head is now ddddddd, but run 700 tested ccccccc/);
      expect(log.lines).toContainEqual(expect.stringMatching(/^notice: mode 'comment': nothing posted: pull request #21's head/));
      expect(world.gh.comments.find((c) => c.issue === 21)!.body).toBe(before);
    } finally {
      world.gh.pulls.set(21, { headSha: HEAD, baseRef: 'main', headRepo: 'mallory/model' });
    }
  });

  it('refuses an artifact whose recorded head differs from the run it came from', async () => {
    const out = await commentMode({ ...event, head_sha: 'b'.repeat(40) }).run();
    expect(out.skipped).toMatch(/the artifact says it tested ccccccc, but run 700 was for bbbbbbb/);
  });

  it('outside workflow_run it is a usage error; a push run or API errors are notices', async () => {
    await expect(commentMode(undefined).run()).rejects.toThrow(/use it in a workflow triggered by `on: workflow_run`/);
    expect((await commentMode({ ...event, event: 'push' }).run()).skipped).toMatch(/'push' event, not a pull request/);
    world.gh.fault({ method: 'GET', path: /\/pulls\/21$/, status: 404 });
    expect((await commentMode(event).run()).skipped).toMatch(/reading the pull request failed with 404/);
    world.gh.fault({ method: 'GET', path: /\/runs\/700\/artifacts$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await commentMode(event).run()).skipped).toMatch(/listing a run's artifacts failed with 403.*actions: read/);
  });
});
