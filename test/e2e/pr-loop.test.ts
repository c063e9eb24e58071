/**
 * The PR loop through the bundled action, as a runner runs it: a push to
 * main uploads its results (real @actions/artifact, artifact stand-in); a PR
 * run with `baseline: auto` finds that run through the GitHub REST stand-in,
 * downloads its artifact, gates against it and posts one comment; the next
 * push to the PR edits that comment; a read-only token gets a notice and the
 * `comment-body` output. The token appears nowhere.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { runnerEnv } from '../helpers/github-api.js';
import { READ_TOKEN, WORKFLOW, WRITE_TOKEN, startWorld, type World } from '../github/world.js';
import { actionEnv, copyExample, runNode } from './run-dist.js';
import { itemAt } from '../helpers/item.js';

let world: World;
let project: string;
let elf = '';

beforeAll(async () => {
  world = await startWorld();
  project = await copyExample(world.work);
}, 60_000);
afterAll(async () => {
  await world?.close();
});

interface ActionRun {
  id: number;
  event: 'push' | 'pull_request';
  token: string;
  sha: string;
}

async function runAction(run: ActionRun) {
  const dir = path.join(world.work, `run-${run.id}`);
  const eventPath = path.join(world.work, `event-${run.id}.json`);
  const pr = { number: 5, base: { ref: 'main' }, head: { sha: run.sha, ref: 'feature', repo: { full_name: 'acme/model' } } };
  await writeFile(eventPath, JSON.stringify(run.event === 'pull_request' ? { pull_request: pr } : { ref: 'refs/heads/main' }));
  const output = path.join(world.work, `output-${run.id}.txt`);
  await writeFile(output, '');
  world.artifacts.newRun();
  const branch = run.event === 'pull_request' ? 'feature' : 'main';
  const env = actionEnv(
    {
      mode: 'emulator',
      toolchain: 'system',
      'project-dir': project,
      ...(elf ? { 'build-system': 'none', image: elf } : {}),
      inputs: path.join(project, 'inputs/*.txt'),
      golden: path.join(project, 'golden.json'),
      'exit-line': '#exit',
      'results-dir': path.join(dir, 'results'),
      baseline: 'auto',
      'github-token': run.token,
    },
    {
      ...world.artifacts.env,
      ...runnerEnv(world.gh, {
        id: run.id,
        workflow: WORKFLOW,
        branch,
        sha: run.sha,
        event: run.event,
        eventPath,
        headRef: run.event === 'pull_request' ? 'feature' : '',
      }),
      GITHUB_OUTPUT: output,
      GITHUB_WORKSPACE: world.work,
      RUNNER_TEMP: dir,
    },
  );
  const r = await runNode('dist/index.js', [], env, world.work);
  const results = JSON.parse(await readFile(path.join(dir, 'results/results.json'), 'utf8')) as Results;
  // The run is now a completed run on GitHub, with its artifact.
  const stored = world.artifacts.artifacts.at(-1)!;
  world.gh.runs.push({
    id: run.id,
    workflow: WORKFLOW,
    head_sha: run.sha,
    head_branch: branch,
    event: run.event,
    created_at: new Date().toISOString(),
    conclusion: r.code === 0 ? 'success' : 'failure',
    status: 'completed',
    headRepository: 'acme/model',
  });
  world.gh.artifacts.push({ id: 1000 + run.id, name: stored.name, runId: run.id, blobUrl: world.artifacts.blobUrl(stored), size: stored.size });
  return { ...r, results, output: await readFile(output, 'utf8'), dir };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function expectNoToken(r: { stdout: string; stderr: string; output: string; dir: string }, token: string): Promise<void> {
  // The runner consumes ::add-mask:: commands (that is how the token gets masked) and never shows them.
  const shown = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
  expect(r.stdout).toContain(`::add-mask::${token}`);
  expect(shown.join('\n') + r.stderr + r.output).not.toContain(token);
  for (const f of await filesUnder(r.dir)) expect(await readFile(f, 'utf8'), f).not.toContain(token);
}

describe('the PR loop through the action', () => {
  it("main's first run has no baseline: a notice, and the run passes", async () => {
    const r = await runAction({ id: 801, event: 'push', token: WRITE_TOKEN, sha: '1'.repeat(40) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/::notice::baseline 'auto': no baseline: no earlier successful run of allhw.yml on the branch 'main'/);
    expect(r.results.measurement).toEqual({ mode: 'emulated', board: 'mps2_an500', timing: 'icount shift=2' });
    elf = itemAt(r.results.images, 0).path;
    await expectNoToken(r, WRITE_TOKEN);
  });

  it("a PR run gates against main's last successful run and posts one comment naming it", async () => {
    const r = await runAction({ id: 802, event: 'pull_request', token: WRITE_TOKEN, sha: '2'.repeat(40) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.results.baseline).toMatchObject({ kind: 'run', runId: 801, sha: '1'.repeat(40), branch: 'main' });
    expect(r.results.gate?.passed).toBe(true);
    expect(r.results.run).toMatchObject({ runId: 802, pullRequest: 5, headSha: '2'.repeat(40) });
    const comments = world.gh.comments.filter((c) => c.issue === 5);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('Baseline: run [801](https://github.com/acme/model/actions/runs/801)');
    // The summary names it too: run, commit, date.
    const summary = await readFile(path.join(r.dir, 'results/summary.md'), 'utf8');
    expect(summary).toContain(
      `Baseline: run [801](https://github.com/acme/model/actions/runs/801) (commit \`1111111\` on \`main\`, ${r.results.baseline!.date})`,
    );
    expect(comments[0]?.body).toContain('✅ All-HW CI');
    expect(r.output).toMatch(/comment-body<</);
    await expectNoToken(r, WRITE_TOKEN);
  });

  it('the second run of the PR edits that comment', async () => {
    const r = await runAction({ id: 803, event: 'pull_request', token: WRITE_TOKEN, sha: '3'.repeat(40) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const comments = world.gh.comments.filter((c) => c.issue === 5);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('actions/runs/803');
    expect(r.stdout).toMatch(/PR comment updated/);
  });

  it('API errors on the way (503 listing runs, 502 listing comments, each past the retries) never fail a passing run', async () => {
    world.gh.fault({ method: 'GET', path: /\/actions\/workflows\/[^/]+\/runs$/, status: 503, times: 3 });
    world.gh.fault({ method: 'GET', path: /\/issues\/5\/comments$/, status: 502, times: 3 });
    const r = await runAction({ id: 805, event: 'pull_request', token: WRITE_TOKEN, sha: '5'.repeat(40) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /::warning::baseline 'auto': no baseline, the lookup failed: GitHub API: listing the workflow runs failed: GitHub answered 503 after retries/,
    );
    expect(r.stdout).toMatch(
      /::notice::The PR comment was not posted: GitHub API: listing the pull request's comments failed: GitHub answered 502 after retries/,
    );
    expect(r.results.gate).toBeNull();
    await expectNoToken(r, WRITE_TOKEN);
  });

  it('a read-only token: notice, the body in comment-body and comment.md, the run still passes', async () => {
    const before = world.gh.comments.find((c) => c.issue === 5)!.body;
    const r = await runAction({ id: 804, event: 'pull_request', token: READ_TOKEN, sha: '4'.repeat(40) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/::notice::The PR comment was not posted: GitHub API: posting|updating the pull request comment failed with 403/);
    const body = await readFile(path.join(r.dir, 'results/comment.md'), 'utf8');
    expect(body).toContain('<!-- allhw-ci:report:allhw-results -->');
    expect(r.output).toContain(body.trim().split('\n')[1]);
    expect(world.gh.comments.find((c) => c.issue === 5)!.body).toBe(before);
    await expectNoToken(r, READ_TOKEN);
  });
});
