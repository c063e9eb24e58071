/**
 * A loopback stand-in for the part of GitHub's REST API this action uses,
 * answering as api.github.com does:
 *  - tokens as `Authorization: token X` / `Bearer X`; an unknown one is 401
 *    "Bad credentials"; each token has the job permissions it was given;
 *  - a token without `actions: read` gets 404 on a private repository's
 *    Actions resources (GitHub hides what a token may not see), and a write
 *    without `pull-requests: write` is 403 "Resource not accessible by integration";
 *  - lists paginate with `per_page`/`page` and a Link header (first/prev/next/last);
 *  - list endpoints of runs and artifacts wrap their array with `total_count`;
 *  - an artifact's zip is a 302 to its blob URL (azurite behind the artifact stand-in);
 *  - a comment body over 65536 characters is 422 "Validation Failed";
 *  - every answer carries x-ratelimit-* headers and a request id;
 *  - faults can be queued per route: any status with any headers (rate limits
 *    with Retry-After or x-ratelimit-reset, 5xx, 404, 403).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './artifact-service.js';

export interface Permissions {
  actions: 'read' | 'none';
  pullRequests: 'write' | 'read' | 'none';
}

export interface StandInRun {
  id: number;
  workflow: string;
  head_sha: string;
  head_branch: string;
  event: string;
  created_at: string;
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  status: 'completed' | 'in_progress' | 'queued';
  /** owner/name the run's head commit is from (a fork's name for fork PRs). */
  headRepository: string;
}

export interface StandInArtifact {
  id: number;
  name: string;
  runId: number;
  /** Where the 302 of /zip points. */
  blobUrl: string;
  size: number;
  expired?: boolean;
}

export interface StandInComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface Fault {
  method: string;
  /** Matched against the path (no query). */
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many requests it answers (default 1). */
  times?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface GitHubStandIn {
  /** The API's base URL (GITHUB_API_URL). */
  url: string;
  serverUrl: string;
  owner: string;
  repo: string;
  private: boolean;
  tokens: Map<string, Permissions>;
  runs: StandInRun[];
  artifacts: StandInArtifact[];
  comments: StandInComment[];
  pulls: Map<number, { headSha: string; baseRef: string; headRepo: string }>;
  requests: RequestRecord[];
  fault(f: Fault): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
export const COMMENT_LIMIT = 65536;

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

function notFound(): Answer {
  return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
}

export interface StartOptions {
  owner?: string;
  repo?: string;
  private?: boolean;
}

export async function startGitHubApi(options: StartOptions = {}): Promise<GitHubStandIn> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'model';
  const faults: (Fault & { left: number })[] = [];
  let nextId = 9000;
  const state: Omit<GitHubStandIn, 'url' | 'fault' | 'close'> = {
    serverUrl: 'https://github.com',
    owner,
    repo,
    private: options.private ?? false,
    tokens: new Map(),
    runs: [],
    artifacts: [],
    comments: [],
    pulls: new Map(),
    requests: [],
  };
  let base = '';

  /** One page of `items` with GitHub's Link header. */
  const paginate = <T>(url: URL, items: T[]): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string): string => {
      const u = new URL(url.toString());
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${base}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const rels: string[] = [];
    if (pageNo > 1) rels.push(link(pageNo - 1, 'prev'));
    if (pageNo < last) rels.push(link(pageNo + 1, 'next'), link(last, 'last'));
    if (pageNo > 1) rels.push(link(1, 'first'));
    return { page: items.slice((pageNo - 1) * perPage, pageNo * perPage), headers: rels.length ? { link: rels.join(', ') } : {} };
  };

  const runJson = (r: StandInRun) => ({
    id: r.id,
    name: r.workflow,
    head_branch: r.head_branch,
    head_sha: r.head_sha,
    path: `.github/workflows/${r.workflow}`,
    event: r.event,
    status: r.status,
    conclusion: r.conclusion,
    created_at: r.created_at,
    updated_at: r.created_at,
    html_url: `${state.serverUrl}/${owner}/${repo}/actions/runs/${r.id}`,
    head_repository: { full_name: r.headRepository },
    repository: { full_name: `${owner}/${repo}` },
  });

  const artifactJson = (a: StandInArtifact) => {
    const run = state.runs.find((r) => r.id === a.runId);
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.size,
      url: `${base}/repos/${owner}/${repo}/actions/artifacts/${a.id}`,
      archive_download_url: `${base}/repos/${owner}/${repo}/actions/artifacts/${a.id}/zip`,
      expired: Boolean(a.expired),
      created_at: run?.created_at ?? null,
      expires_at: null,
      updated_at: run?.created_at ?? null,
      digest: null,
      workflow_run: run ? { id: run.id, head_branch: run.head_branch, head_sha: run.head_sha } : null,
    };
  };

  const commentJson = (c: StandInComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    html_url: `${state.serverUrl}/${owner}/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
    body: c.body,
    user: { login: c.user, type: c.user.endsWith('[bot]') ? 'Bot' : 'User' },
    created_at: c.created_at,
    updated_at: c.updated_at,
  });

  const route = async (req: http.IncomingMessage, url: URL, perms: Permissions): Promise<Answer> => {
    const method = req.method ?? 'GET';
    const prefix = `/repos/${owner}/${repo}`;
    if (!url.pathname.startsWith(prefix + '/')) return notFound();
    const p = url.pathname.slice(prefix.length);
    const hidden = state.private && perms.actions === 'none';
    let m: RegExpMatchArray | null;

    if (method === 'GET' && (m = p.match(/^\/actions\/workflows\/([^/]+)\/runs$/))) {
      if (hidden) return notFound();
      const wf = decodeURIComponent(m[1] ?? '');
      const q = url.searchParams;
      const runs = state.runs
        .filter((r) => r.workflow === wf)
        .filter((r) => !q.get('branch') || r.head_branch === q.get('branch'))
        .filter((r) => !q.get('event') || r.event === q.get('event'))
        .filter((r) => {
          const s = q.get('status');
          return !s || r.status === s || r.conclusion === s;
        })
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      const { page, headers } = paginate(url, runs);
      return { status: 200, body: { total_count: runs.length, workflow_runs: page.map(runJson) }, headers };
    }
    if (method === 'GET' && (m = p.match(/^\/actions\/runs\/(\d+)$/))) {
      if (hidden) return notFound();
      const run = state.runs.find((r) => r.id === Number(m![1]));
      return run ? { status: 200, body: runJson(run) } : notFound();
    }
    if (method === 'GET' && (m = p.match(/^\/actions\/runs\/(\d+)\/artifacts$/))) {
      if (hidden) return notFound();
      const name = url.searchParams.get('name');
      const list = state.artifacts.filter((a) => a.runId === Number(m![1]) && (!name || a.name === name));
      const { page, headers } = paginate(url, list);
      return { status: 200, body: { total_count: list.length, artifacts: page.map(artifactJson) }, headers };
    }
    if (method === 'GET' && (m = p.match(/^\/actions\/artifacts\/(\d+)\/zip$/))) {
      if (hidden) return notFound();
      const a = state.artifacts.find((x) => x.id === Number(m![1]));
      if (!a) return notFound();
      if (a.expired) return { status: 410, body: { message: 'Artifact has expired', documentation_url: DOCS, status: '410' } };
      return { status: 302, headers: { location: a.blobUrl } };
    }
    if (method === 'GET' && (m = p.match(/^\/pulls\/(\d+)$/))) {
      const pr = state.pulls.get(Number(m[1]));
      if (!pr) return notFound();
      return {
        status: 200,
        body: { number: Number(m[1]), state: 'open', head: { sha: pr.headSha, repo: { full_name: pr.headRepo } }, base: { ref: pr.baseRef } },
      };
    }
    if ((m = p.match(/^\/issues\/(\d+)\/comments$/))) {
      const issue = Number(m[1]);
      if (state.private && perms.pullRequests === 'none') return notFound();
      if (method === 'GET') {
        const { page, headers } = paginate(
          url,
          state.comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id),
        );
        return { status: 200, body: page.map(commentJson), headers };
      }
      if (method === 'POST')
        return writeComment(req, perms, (body) => {
          const now = new Date().toISOString();
          const c: StandInComment = { id: ++nextId, issue, body, user: 'github-actions[bot]', created_at: now, updated_at: now };
          state.comments.push(c);
          return { status: 201, body: commentJson(c), headers: { location: `${base}${prefix}/issues/comments/${c.id}` } };
        });
    }
    if (method === 'PATCH' && (m = p.match(/^\/issues\/comments\/(\d+)$/))) {
      const c = state.comments.find((x) => x.id === Number(m![1]));
      if (!c) return notFound();
      return writeComment(req, perms, (body) => {
        c.body = body;
        c.updated_at = new Date().toISOString();
        return { status: 200, body: commentJson(c) };
      });
    }
    return notFound();
  };

  const writeComment = async (req: http.IncomingMessage, perms: Permissions, apply: (body: string) => Answer): Promise<Answer> => {
    if (perms.pullRequests !== 'write') {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`, status: '403' },
      };
    }
    let data: { body?: unknown };
    try {
      data = JSON.parse(await readBody(req)) as { body?: unknown };
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } };
    }
    if (typeof data.body !== 'string') {
      return { status: 422, body: { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' } };
    }
    if (data.body.length > COMMENT_LIMIT) {
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${COMMENT_LIMIT} characters)` }],
          documentation_url: DOCS,
          status: '422',
        },
      };
    }
    return apply(data.body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (a: Answer): void => {
      state.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status: a.status });
      const reset = String(Math.floor(Date.now() / 1000) + 3600);
      const headers: Record<string, string> = {
        'x-github-request-id': `0000:${state.requests.length}`,
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '999',
        'x-ratelimit-reset': reset,
        'x-ratelimit-used': '1',
        'x-ratelimit-resource': 'core',
        ...(a.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        ...a.headers,
      };
      res.writeHead(a.status, headers);
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    };
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    const perms = state.tokens.get(token);
    if (!perms) {
      // Drain the body so the client sees the answer, not a reset.
      req.resume();
      return send({ status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } });
    }
    const fault = faults.find((f) => f.left > 0 && f.method === req.method && f.path.test(url.pathname));
    if (fault) {
      fault.left--;
      req.resume();
      return send({ status: fault.status, headers: fault.headers, body: fault.body ?? { message: `stand-in fault ${fault.status}`, documentation_url: DOCS } });
    }
    route(req, url, perms).then(send, (e: Error) => send({ status: 500, body: { message: e.message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(state, {
    url: base,
    fault(f: Fault) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** The variables a runner sets that the action reads about its run. */
export function runnerEnv(
  gh: GitHubStandIn,
  run: { id: number; workflow: string; branch: string; sha: string; event: string; eventPath: string; headRef?: string },
): Record<string, string> {
  return {
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
    GITHUB_RUN_ID: String(run.id),
    GITHUB_WORKFLOW_REF: `${gh.owner}/${gh.repo}/.github/workflows/${run.workflow}@refs/heads/${run.branch}`,
    GITHUB_EVENT_NAME: run.event,
    GITHUB_EVENT_PATH: run.eventPath,
    GITHUB_REF_NAME: run.branch,
    GITHUB_HEAD_REF: run.headRef ?? '',
    GITHUB_SHA: run.sha,
  };
}
