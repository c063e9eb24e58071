/**
 * `mode: comment`: the safe pattern for pull requests from forks. The PR's
 * own run has a read-only token, so it only uploads its results; a second
 * workflow, triggered by `workflow_run` in the base repository (with a
 * token that may write), runs this mode. It never checks out or runs PR
 * code: it reads the PR run's artifact (data only), checks that the PR's
 * current head is the commit that run tested (else the results are stale,
 * or the artifact names another PR), and posts or updates the one comment.
 */
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { loadBaseline, verdict, type FailOn } from '../results/index.js';
import type { Results } from '../results/index.js';
import { artifactOf, downloadRunArtifact } from './baseline.js';
import type { GitHubContext } from './context.js';
import { commentStep, githubApi, type CommentPolicy } from './pr-loop.js';

export interface CommentModeOptions {
  ctx: GitHubContext;
  /** Secret. */
  token: string;
  log: Logger;
  artifactName: string;
  policy: CommentPolicy;
  /** Where the artifact is unpacked and comment.md written. */
  resultsDir: string;
  failOn: FailOn;
  latencyTolerancePct: number;
  signal?: AbortSignal;
}

export interface CommentModeOutcome {
  body: string | null;
  posted: 'created' | 'updated' | null;
  /** Why nothing was posted (also logged), or null. */
  skipped: string | null;
}

interface TriggeringRun {
  id: number;
  headSha: string;
  event: string;
  pullRequests: number[];
}

/** A usage mistake: the step fails with this (API trouble never does). */
export class CommentModeError extends Error {}

function triggeringRun(payload: Record<string, unknown>): TriggeringRun {
  const run = payload.workflow_run as { id?: number; head_sha?: string; event?: string; pull_requests?: { number?: number }[] } | undefined;
  if (!run || typeof run.id !== 'number' || !run.head_sha) {
    throw new CommentModeError(
      "mode 'comment' reads the results of another workflow's run: use it in a workflow triggered by `on: workflow_run` (README, \"Fork pull requests\"); this event has no workflow_run.",
    );
  }
  return { id: run.id, headSha: run.head_sha, event: run.event ?? '', pullRequests: (run.pull_requests ?? []).map((p) => p.number ?? 0).filter((n) => n > 0) };
}

const GET_PULL = { what: 'reading the pull request', permission: 'pull-requests: read' };

/** Null when the PR's head is the tested commit, else why not. */
async function staleReason(opts: CommentModeOptions, prNumber: number, run: TriggeringRun, results: Results): Promise<string | null> {
  if (results.run?.headSha && results.run.headSha !== run.headSha) {
    return `the artifact says it tested ${results.run.headSha.slice(0, 7)}, but run ${run.id} was for ${run.headSha.slice(0, 7)}`;
  }
  const { data } = await githubApi(opts).call(GET_PULL, (o) =>
    o.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: opts.ctx.owner, repo: opts.ctx.repo, pull_number: prNumber }),
  );
  if (data.head.sha !== run.headSha) {
    return `pull request #${prNumber}'s head is now ${data.head.sha.slice(0, 7)}, but run ${run.id} tested ${run.headSha.slice(0, 7)} (a newer push, or results of another PR): not posting them`;
  }
  return null;
}

async function fetchResults(opts: CommentModeOptions, run: TriggeringRun): Promise<{ results: Results; artifactId: number } | string> {
  const api = githubApi(opts);
  const artifact = await artifactOf(api, opts.ctx, run.id, opts.artifactName);
  if (!artifact) return `run ${run.id} has no artifact '${opts.artifactName}' (set the same 'artifact-name' in both workflows)`;
  const dir = await downloadRunArtifact(api, opts.ctx, opts.token, { id: artifact.id, runId: run.id }, path.join(opts.resultsDir, `run-${run.id}`));
  return { results: await loadBaseline(path.join(dir, 'results.json')), artifactId: artifact.id };
}

export async function runCommentMode(opts: CommentModeOptions): Promise<CommentModeOutcome> {
  const run = triggeringRun(opts.ctx.payload);
  const skip = (why: string): CommentModeOutcome => {
    opts.log.notice(`mode 'comment': nothing posted: ${why}.`);
    return { body: null, posted: null, skipped: why };
  };
  if (!run.event.startsWith('pull_request')) return skip(`run ${run.id} was for a '${run.event}' event, not a pull request`);
  let results: Results;
  let prNumber: number;
  let artifactId: number;
  try {
    const fetched = await fetchResults(opts, run);
    if (typeof fetched === 'string') return skip(fetched);
    ({ results, artifactId } = fetched);
    // Fork PRs are missing from workflow_run.pull_requests: the PR run recorded its number.
    prNumber = results.run?.pullRequest ?? run.pullRequests[0] ?? 0;
    if (!prNumber) return skip(`run ${run.id}'s results name no pull request`);
    const stale = await staleReason(opts, prNumber, run, results);
    if (stale) return skip(stale);
  } catch (e) {
    return skip((e as Error).message);
  }
  const v = verdict(results, opts.failOn);
  const out = await commentStep(results, {
    ctx: { ...opts.ctx, pullRequest: null },
    token: opts.token,
    log: opts.log,
    signal: opts.signal,
    policy: opts.policy === 'never' ? 'never' : 'always',
    resultsDir: opts.resultsDir,
    artifactName: opts.artifactName,
    artifactId,
    pullRequest: prNumber,
    runId: run.id,
    verdict: { failed: v.failed, reason: v.reason },
    latencyTolerancePct: opts.latencyTolerancePct,
  });
  return { body: out.body, posted: out.posted, skipped: null };
}
