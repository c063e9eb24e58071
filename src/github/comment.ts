/**
 * One PR comment per report, found again by its hidden marker and edited in
 * place, so a PR gets one comment however many times it is pushed to.
 * Issue comments are the PR's conversation (a PR is an issue for this API).
 */
import type { GitHubApi } from './api.js';

export interface UpsertOptions {
  api: GitHubApi;
  owner: string;
  repo: string;
  issueNumber: number;
  marker: string;
  body: string;
}

export interface UpsertedComment {
  action: 'created' | 'updated';
  id: number;
  url: string;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
}

const LIST = { what: "listing the pull request's comments", permission: 'pull-requests: read' };
const CREATE = { what: 'posting the pull request comment', permission: 'pull-requests: write' };
const UPDATE = { what: 'updating the pull request comment', permission: 'pull-requests: write' };

/** The comment carrying `marker`, the oldest if several do (the one first posted). */
export async function findMarkedComment(opts: Omit<UpsertOptions, 'body'>): Promise<IssueComment | null> {
  const comments = await opts.api.call(LIST, (o) =>
    o.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      per_page: 100,
    }),
  );
  const marked = (comments as IssueComment[]).filter((c) => (c.body ?? '').includes(opts.marker));
  return marked.sort((a, b) => a.id - b.id)[0] ?? null;
}

export async function upsertComment(opts: UpsertOptions): Promise<UpsertedComment> {
  const existing = await findMarkedComment(opts);
  if (existing) {
    const { data } = await opts.api.call(UPDATE, (o) =>
      o.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: opts.owner, repo: opts.repo, comment_id: existing.id, body: opts.body }),
    );
    return { action: 'updated', id: Number(data.id), url: data.html_url };
  }
  const { data } = await opts.api.call(CREATE, (o) =>
    o.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      body: opts.body,
    }),
  );
  return { action: 'created', id: Number(data.id), url: data.html_url };
}
