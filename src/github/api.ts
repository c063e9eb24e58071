/**
 * The GitHub REST API as this action uses it: Octokit (from @actions/github)
 * for requests and Link-header pagination, wrapped so that every call
 *  - waits out a rate limit (429, or 403 with `x-ratelimit-remaining: 0` or a
 *    secondary-limit message) as GitHub asks: `Retry-After`, else
 *    `x-ratelimit-reset`, else a minute; longer than `maxWaitS` is given up;
 *  - retries a 5xx or a dropped connection a few times with backoff;
 *  - fails with a GitHubApiError that says which step failed, why, and which
 *    workflow permission fixes it (GitHub answers 404, not 403, where a token
 *    may not see a private repository's resources).
 * No message quotes the token: Octokit redacts it from its own errors, and
 * ours are written from the status and GitHub's `message` only.
 */
import { getOctokit } from '@actions/github';
import { retryAfterMs } from '../allhw/index.js';
import type { Logger } from '../common/log.js';
import { sleep } from '../common/sleep.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface GitHubApiOptions {
  /** Secret: never printed. */
  token: string;
  /** e.g. https://api.github.com (GITHUB_API_URL). */
  apiUrl: string;
  log: Logger;
  /** Longest rate-limit wait accepted, in seconds (default 60). */
  maxWaitS?: number;
  /** Tries of a call that met a 5xx or a network error (default 3). */
  attempts?: number;
  signal?: AbortSignal;
}

/** What a call is for, in words, and the `permissions:` entry it needs. */
export interface ApiStep {
  what: string;
  permission: string;
}

export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

interface HttpFailure {
  name?: string;
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function githubMessage(e: HttpFailure): string {
  const data = e.response?.data as { message?: unknown } | undefined;
  const text = typeof data?.message === 'string' ? data.message : (e.message ?? '');
  // One line, bounded: it goes into notices and the summary.
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Milliseconds to wait before retrying a rate-limited call, or null when the answer is not a rate limit. */
export function rateLimitWaitMs(status: number, headers: Record<string, string | undefined>, message: string, now = Date.now()): number | null {
  const remaining = headers['x-ratelimit-remaining'];
  const limited = status === 429 || (status === 403 && (remaining === '0' || /rate limit/i.test(message)));
  if (!limited) return null;
  const asked = retryAfterMs(headers['retry-after'], now);
  if (asked !== null) return asked;
  const reset = Number(headers['x-ratelimit-reset']);
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  // GitHub's advice for a secondary limit without a header: at least a minute.
  return 60_000;
}

/** The sentence for a failed call: what, GitHub's words, and the fix. */
export function describeFailure(step: ApiStep, status: number | null, message: string): string {
  const said = message ? ` (GitHub said: ${message})` : '';
  const base = `GitHub API: ${step.what} failed`;
  switch (status) {
    case null:
      return `${base}: the API could not be reached${said}.`;
    case 401:
      return `${base} with 401${said}: the token was refused; check 'github-token' (default: the workflow's token).`;
    case 403:
      return `${base} with 403${said}: the token may not do this; give the job \`permissions: ${step.permission}\` (a pull request from a fork gets a read-only token whatever the workflow asks).`;
    case 404:
      return `${base} with 404${said}: not found, or (on a private repository) the token lacks \`permissions: ${step.permission}\`.`;
    default:
      return status >= 500 ? `${base}: GitHub answered ${status} after retries${said}; try again later.` : `${base} with ${status}${said}.`;
  }
}

export class GitHubApi {
  readonly octokit: Octokit;
  private readonly opts: GitHubApiOptions;

  constructor(opts: GitHubApiOptions) {
    this.opts = opts;
    opts.log.secret(opts.token);
    this.octokit = getOctokit(opts.token, { baseUrl: opts.apiUrl.replace(/\/+$/, '') });
  }

  /** Runs one request (or a paginated walk) with the waits and retries above. */
  async call<T>(step: ApiStep, request: (o: Octokit) => Promise<T>): Promise<T> {
    const attempts = this.opts.attempts ?? 3;
    const maxWaitMs = (this.opts.maxWaitS ?? 60) * 1000;
    let failures = 0;
    for (;;) {
      try {
        return await request(this.octokit);
      } catch (e) {
        const err = e as HttpFailure;
        // Octokit reports a request that got no answer (refused, reset) as a 500 without a response.
        const http = err.name === 'HttpError' || typeof err.status === 'number';
        const status = http && err.response ? (err.status ?? null) : null;
        const message = githubMessage(err);
        if (!http) throw new GitHubApiError(`GitHub API: ${step.what} failed: ${message}`, null);
        const wait = status === null ? null : rateLimitWaitMs(status, err.response?.headers ?? {}, message);
        if (wait !== null) {
          if (wait > maxWaitMs) {
            throw new GitHubApiError(
              `GitHub API: ${step.what} was rate limited (${status}${message ? `: ${message}` : ''}) for ${Math.ceil(wait / 1000)} s more, longer than the ${maxWaitMs / 1000} s this step waits.`,
              status,
            );
          }
          this.opts.log.info(`GitHub API rate limit while ${step.what}: waiting ${(wait / 1000).toFixed(1)} s as GitHub asks`);
          if (!(await sleep(wait, this.opts.signal))) throw new GitHubApiError(`GitHub API: ${step.what} was cancelled.`, status);
          continue;
        }
        const transient = status === null || status >= 500;
        if (transient && ++failures < attempts) {
          const backoff = 500 * 2 ** (failures - 1);
          this.opts.log.debug(`GitHub API ${status ?? 'network error'} while ${step.what}: retry ${failures} in ${backoff} ms`);
          if (!(await sleep(backoff, this.opts.signal))) throw new GitHubApiError(`GitHub API: ${step.what} was cancelled.`, status);
          continue;
        }
        throw new GitHubApiError(describeFailure(step, status, message), status);
      }
    }
  }
}
