/**
 * The pipeline's GitHub steps, each of which may only add to a run, never
 * fail one: choosing the baseline (a file, or `auto`: an earlier run's
 * artifact), checking it was measured like this run, and the PR comment.
 * Any API failure becomes a notice or a warning that says what was skipped.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { compareBaseline, type BaselineTolerances } from '../results/index.js';
import type { BaselineSource, GateResult, Measurement, Results, RunInfo } from '../results/index.js';
import { GitHubApi } from './api.js';
import { findAutoBaseline } from './baseline.js';
import { commentMarker, renderComment, type CommentLinks } from './comment-body.js';
import { upsertComment } from './comment.js';
import { runUrl, type GitHubContext } from './context.js';
import { baselineFigures } from './figures.js';
import { incomparableReason } from './measurement.js';

export type CommentPolicy = 'auto' | 'always' | 'never';

export interface GitHubStepOptions {
  ctx: GitHubContext;
  /** Secret; empty: no API calls (the CLI without GITHUB_TOKEN). */
  token: string;
  log: Logger;
  signal?: AbortSignal;
}

export function githubApi(opts: GitHubStepOptions): GitHubApi {
  return new GitHubApi({ token: opts.token, apiUrl: opts.ctx.apiUrl, log: opts.log, signal: opts.signal });
}

/** What results.json records about the run that wrote it. */
export function runInfoOf(ctx: GitHubContext): RunInfo | null {
  if (!ctx.owner) return null;
  return {
    runId: ctx.runId,
    url: ctx.runId ? runUrl(ctx, ctx.runId) : null,
    repository: `${ctx.owner}/${ctx.repo}`,
    sha: ctx.sha,
    pullRequest: ctx.pullRequest?.number ?? null,
    headSha: ctx.pullRequest?.headSha ?? null,
  };
}

export interface BaselineChoiceOptions extends GitHubStepOptions {
  /** The baseline the user gave as a file (already loaded), if any. */
  file: Results | null;
  auto: boolean;
  artifactName: string;
  downloadDir: string;
  measurement: Measurement;
}

export interface BaselineChoice {
  /** The baseline to gate against; null: no gate. */
  results: Results | null;
  /** What results.json records about it (also when it was skipped). */
  source: BaselineSource | null;
}

const FILE_SOURCE: BaselineSource = { kind: 'file', runId: null, url: null, sha: null, branch: null, date: null, skipped: null };

async function autoBaseline(opts: BaselineChoiceOptions): Promise<BaselineChoice> {
  if (!opts.token) {
    opts.log.notice("baseline 'auto': no 'github-token', so earlier runs cannot be looked up; latency and size are not gated in this run.");
    return { results: null, source: null };
  }
  try {
    const found = await findAutoBaseline({
      api: githubApi(opts),
      ctx: opts.ctx,
      token: opts.token,
      artifactName: opts.artifactName,
      downloadDir: opts.downloadDir,
    });
    if (found.found) return { results: found.results, source: found.source };
    opts.log.notice(`baseline 'auto': no baseline: ${found.reason}. Latency and size are not gated in this run.`);
  } catch (e) {
    opts.log.warning(`baseline 'auto': no baseline, the lookup failed: ${(e as Error).message} Latency and size are not gated in this run.`);
  }
  return { results: null, source: null };
}

/** The baseline to gate against, checked to be measured like this run. */
export async function chooseBaseline(opts: BaselineChoiceOptions, current: Results): Promise<BaselineChoice> {
  const chosen = opts.auto ? await autoBaseline(opts) : { results: opts.file, source: opts.file ? { ...FILE_SOURCE } : null };
  if (!chosen.results || !chosen.source) return chosen;
  const why = incomparableReason(opts.measurement, chosen.results);
  if (why) {
    opts.log.notice(`Baseline skipped: ${why}.`);
    return { results: null, source: { ...chosen.source, skipped: why } };
  }
  if (chosen.source.kind === 'run') {
    opts.log.info(`Baseline: run ${chosen.source.runId} (commit ${chosen.source.sha?.slice(0, 7)}, ${chosen.source.date})`);
  }
  return { results: chosen.results, source: { ...chosen.source, figures: baselineFigures(current, chosen.results) } };
}

export interface BaselineGateOptions extends BaselineChoiceOptions {
  /** Every threshold of the gate (results/gate.ts), passed through as given. */
  tolerances: BaselineTolerances;
}

/** The baseline chosen and checked (chooseBaseline), and the gate against it (null: none to gate against). */
export async function gateAgainstBaseline(current: Results, opts: BaselineGateOptions): Promise<{ source: BaselineSource | null; gate: GateResult | null }> {
  const choice = await chooseBaseline(opts, current);
  return { source: choice.source, gate: choice.results ? compareBaseline(current, choice.results, opts.tolerances) : null };
}

export interface CommentStepOptions extends GitHubStepOptions {
  policy: CommentPolicy;
  resultsDir: string;
  artifactName: string;
  artifactId: number | null;
  /** The PR to comment on; null: the one this run is for. */
  pullRequest?: number | null;
  /** Where the run's page is (mode: comment: the PR run's). */
  runId?: number | null;
  verdict: { failed: boolean; reason: string };
  latencyTolerancePct: number;
}

export interface CommentOutcome {
  body: string;
  /** comment.md, written when a comment was due but not posted (fork, read-only token, API error). */
  file: string | null;
  posted: 'created' | 'updated' | null;
}

export function commentLinks(ctx: GitHubContext, runId: number | null, artifactName: string, artifactId: number | null): CommentLinks {
  const run = runId ? runUrl(ctx, runId) : null;
  return { runUrl: run, artifactUrl: run && artifactId ? `${run}/artifacts/${artifactId}` : null, artifactName };
}

/** Why the comment is not posted (a notice), or null to post it. */
function skipReason(opts: CommentStepOptions, prNumber: number | null): string | null {
  if (opts.policy === 'never') return null;
  if (!prNumber) return opts.policy === 'always' ? "comment 'always': this run is not for a pull request, so there is nothing to comment on" : '';
  if (!opts.token) return "no 'github-token': the PR comment is not posted";
  const pr = opts.ctx.pullRequest;
  const fork = pr && pr.headRepo && pr.headRepo.toLowerCase() !== `${opts.ctx.owner}/${opts.ctx.repo}`.toLowerCase();
  if (fork && opts.policy === 'auto') {
    return 'this pull request comes from a fork, whose token is read-only: the PR comment is not posted (use the workflow_run pattern: mode: comment, README "Fork pull requests")';
  }
  return null;
}

/**
 * Renders the comment and posts or updates it when the policy and the token
 * allow; when it was due but could not be posted, the body goes to comment.md.
 */
export async function commentStep(results: Results, opts: CommentStepOptions): Promise<CommentOutcome> {
  const runId = opts.runId ?? opts.ctx.runId;
  const marker = commentMarker(opts.artifactName);
  const body = renderComment(results, {
    marker,
    links: commentLinks(opts.ctx, runId, opts.artifactName, opts.artifactId),
    verdict: opts.verdict,
    latencyTolerancePct: opts.latencyTolerancePct,
  });
  const out: CommentOutcome = { body, file: null, posted: null };
  if (opts.policy === 'never') return out;
  const prNumber = opts.pullRequest ?? opts.ctx.pullRequest?.number ?? null;
  const notPosted = async (why: string): Promise<CommentOutcome> => {
    out.file = path.join(opts.resultsDir, 'comment.md');
    await writeFile(out.file, body);
    opts.log.notice(`${why} Its body is in ${out.file} and in the 'comment-body' output.`);
    return out;
  };
  const why = skipReason(opts, prNumber);
  if (why === '') return out;
  if (why !== null) return notPosted(`${why}.`);
  try {
    const done = await upsertComment({ api: githubApi(opts), owner: opts.ctx.owner, repo: opts.ctx.repo, issueNumber: prNumber!, marker, body });
    opts.log.info(`PR comment ${done.action}: ${done.url}`);
    out.posted = done.action;
  } catch (e) {
    return notPosted(`The PR comment was not posted: ${(e as Error).message}`);
  }
  return out;
}
