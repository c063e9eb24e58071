/**
 * Where a run stands on GitHub: repository, workflow, run, and the pull
 * request it is for. Made from the runner's variables and the event payload
 * (GITHUB_EVENT_PATH); the environment is passed in, never read here.
 */
import { readFileSync } from 'node:fs';

export interface PullRequestInfo {
  number: number;
  baseRef: string;
  headSha: string;
  /** owner/name of the repository the PR's branch lives in. */
  headRepo: string;
}

export interface GitHubContext {
  owner: string;
  repo: string;
  serverUrl: string;
  apiUrl: string;
  eventName: string;
  /** The workflow file name (e.g. ci.yml), usable as the API's workflow_id. */
  workflowFile: string | null;
  runId: number | null;
  /** The branch pushed to, or the PR's head branch. */
  refName: string;
  sha: string;
  pullRequest: PullRequestInfo | null;
  /** The event payload as read (mode: comment reads workflow_run from it). */
  payload: Record<string, unknown>;
}

function readPayload(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  } catch {
    // An unreadable payload leaves the PR unknown: the PR features then say so.
    return {};
  }
}

function pullRequestOf(payload: Record<string, unknown>): PullRequestInfo | null {
  const pr = payload.pull_request as { number?: number; base?: { ref?: string }; head?: { sha?: string; repo?: { full_name?: string } | null } } | undefined;
  if (!pr || typeof pr.number !== 'number') return null;
  return {
    number: pr.number,
    baseRef: pr.base?.ref ?? '',
    headSha: pr.head?.sha ?? '',
    headRepo: pr.head?.repo?.full_name ?? '',
  };
}

/** `owner/repo/.github/workflows/ci.yml@refs/heads/main` → `ci.yml`. */
export function workflowFileOf(workflowRef: string | undefined): string | null {
  const m = workflowRef?.match(/\/\.github\/workflows\/([^/@]+)@/);
  return m?.[1] ?? null;
}

export function githubContext(env: NodeJS.ProcessEnv): GitHubContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const runId = Number(env.GITHUB_RUN_ID);
  return {
    owner,
    repo,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    workflowFile: workflowFileOf(env.GITHUB_WORKFLOW_REF),
    runId: Number.isSafeInteger(runId) && runId > 0 ? runId : null,
    refName: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    sha: env.GITHUB_SHA ?? '',
    pullRequest: pullRequestOf(payload),
    payload,
  };
}

export function runUrl(ctx: GitHubContext, runId: number): string {
  return `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${runId}`;
}
