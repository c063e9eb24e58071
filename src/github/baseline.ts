/**
 * `baseline: auto`: the results of an earlier run of the same workflow.
 *  - On a pull request: the newest successful run on the PR's base branch.
 *  - Elsewhere: the previous successful run on the same branch.
 * Runs from forks are skipped (their results are whatever a fork's code
 * wrote), and so are pull-request runs (a PR branch may share the base's
 * name). The artifact is listed through the REST API and downloaded with
 * @actions/artifact's `findBy` (which redirects to the blob store).
 * Finding nothing is a normal first run: the caller gets null and a reason.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadBaseline } from '../results/index.js';
import type { BaselineSource, Results } from '../results/index.js';
import type { GitHubApi } from './api.js';
import { runUrl, type GitHubContext } from './context.js';

export interface WorkflowRun {
  id: number;
  html_url: string;
  head_sha: string;
  head_branch: string | null;
  event: string;
  created_at: string;
  head_repository: { full_name: string } | null;
}

interface ArtifactEntry {
  id: number;
  name: string;
  expired: boolean;
}

export interface AutoBaselineOptions {
  api: GitHubApi;
  ctx: GitHubContext;
  /** Secret: handed to @actions/artifact only. */
  token: string;
  artifactName: string;
  /** Where the artifact is unpacked (a folder per run is made in it). */
  downloadDir: string;
  /** Runs whose artifact is looked for before giving up (default 5). */
  maxRuns?: number;
}

export type AutoBaseline = { found: true; results: Results; source: BaselineSource } | { found: false; reason: string };

const LIST_RUNS = { what: 'listing the workflow runs', permission: 'actions: read' };
const LIST_ARTIFACTS = { what: "listing a run's artifacts", permission: 'actions: read' };
const DOWNLOAD = { what: 'downloading the baseline artifact', permission: 'actions: read' };

/** The branch to take the baseline from, or a reason there is none. */
function baselineBranch(ctx: GitHubContext): string | null {
  if (ctx.pullRequest) return ctx.pullRequest.baseRef || null;
  return ctx.refName || null;
}

/** The successful runs a baseline may come from, newest first. */
export async function candidateRuns(api: GitHubApi, ctx: GitHubContext, branch: string, pages = 3): Promise<WorkflowRun[]> {
  const own = `${ctx.owner}/${ctx.repo}`.toLowerCase();
  const runs: WorkflowRun[] = [];
  await api.call(LIST_RUNS, async (o) => {
    runs.length = 0;
    let page = 0;
    const iterator = o.paginate.iterator('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
      owner: ctx.owner,
      repo: ctx.repo,
      workflow_id: ctx.workflowFile!,
      branch,
      status: 'success',
      per_page: 30,
    });
    for await (const response of iterator) {
      runs.push(...(response.data as unknown as WorkflowRun[]));
      if (++page >= pages) break;
    }
  });
  return runs
    .filter((r) => r.id !== ctx.runId)
    .filter((r) => (r.head_repository?.full_name ?? '').toLowerCase() === own)
    .filter((r) => !r.event.startsWith('pull_request'))
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

export async function artifactOf(api: GitHubApi, ctx: GitHubContext, runId: number, name: string): Promise<ArtifactEntry | null> {
  const data = await api.call(
    LIST_ARTIFACTS,
    async (o) =>
      (await o.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', { owner: ctx.owner, repo: ctx.repo, run_id: runId, name, per_page: 100 }))
        .data,
  );
  const matching = (data.artifacts as ArtifactEntry[]).filter((a) => a.name === name && !a.expired);
  return matching.sort((a, b) => b.id - a.id)[0] ?? null;
}

/** Downloads and unpacks one artifact with the real client; returns the folder. */
export async function downloadRunArtifact(
  api: GitHubApi,
  ctx: GitHubContext,
  token: string,
  artifact: { id: number; runId: number },
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  // Loaded only here: most runs never download (see report/artifact.ts).
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const findBy = { token, workflowRunId: artifact.runId, repositoryOwner: ctx.owner, repositoryName: ctx.repo };
  await api.call(DOWNLOAD, () => new DefaultArtifactClient().downloadArtifact(artifact.id, { path: dir, findBy }));
  return dir;
}

export function sourceOf(ctx: GitHubContext, run: WorkflowRun): BaselineSource {
  return {
    kind: 'run',
    runId: run.id,
    url: run.html_url || runUrl(ctx, run.id),
    sha: run.head_sha,
    branch: run.head_branch,
    date: run.created_at,
    skipped: null,
  };
}

export async function findAutoBaseline(opts: AutoBaselineOptions): Promise<AutoBaseline> {
  const { api, ctx } = opts;
  if (!ctx.owner || !ctx.workflowFile) {
    return {
      found: false,
      reason: 'not running in a GitHub Actions workflow (no GITHUB_REPOSITORY/GITHUB_WORKFLOW_REF), so there are no earlier runs to look in',
    };
  }
  const branch = baselineBranch(ctx);
  if (!branch) return { found: false, reason: 'the branch of this run is unknown' };
  const runs = await candidateRuns(api, ctx, branch);
  const where = ctx.pullRequest ? `the base branch '${branch}'` : `the branch '${branch}'`;
  if (runs.length === 0) return { found: false, reason: `no earlier successful run of ${ctx.workflowFile} on ${where} (the first run there makes one)` };
  for (const run of runs.slice(0, opts.maxRuns ?? 5)) {
    const artifact = await artifactOf(api, ctx, run.id, opts.artifactName);
    if (!artifact) continue;
    const dir = await downloadRunArtifact(api, ctx, opts.token, { id: artifact.id, runId: run.id }, path.join(opts.downloadDir, `run-${run.id}`));
    const results = await loadBaseline(path.join(dir, 'results.json'));
    return { found: true, results, source: sourceOf(ctx, run) };
  }
  return {
    found: false,
    reason: `the ${Math.min(runs.length, opts.maxRuns ?? 5)} newest successful run(s) on ${where} have no unexpired artifact '${opts.artifactName}' (set the same 'artifact-name' there)`,
  };
}
