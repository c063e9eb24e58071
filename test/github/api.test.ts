/** The GitHub API wrapper's reading of rate limits, and an API that does not answer. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GitHubApi, rateLimitWaitMs } from '../../src/github/api.js';
import { memoryLogger } from '../../src/common/log.js';

describe('rate limits, as GitHub documents them', () => {
  const now = 1_800_000_000_000;
  it('429 and secondary-limit 403s wait Retry-After; a primary limit waits until x-ratelimit-reset', () => {
    expect(rateLimitWaitMs(429, { 'retry-after': '2' }, '', now)).toBe(2000);
    expect(rateLimitWaitMs(403, { 'retry-after': '30' }, 'You have exceeded a secondary rate limit.', now)).toBe(30_000);
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 42) }, 'API rate limit exceeded', now)).toBe(42_000);
    // A secondary limit without a header: at least a minute.
    expect(rateLimitWaitMs(403, {}, 'You have exceeded a secondary rate limit.', now)).toBe(60_000);
  });

  it('a 403 that is no rate limit (a missing permission) is not waited on', () => {
    expect(rateLimitWaitMs(403, { 'x-ratelimit-remaining': '998' }, 'Resource not accessible by integration', now)).toBeNull();
    expect(rateLimitWaitMs(404, {}, 'Not Found', now)).toBeNull();
  });
});

describe('an API that does not answer', () => {
  it('is retried, then named as unreachable (not as a 500 GitHub never sent)', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const log = memoryLogger();
    const api = new GitHubApi({ token: 'ghs_unreachable0123456789', apiUrl: `http://127.0.0.1:${port}`, log });
    let calls = 0;
    const failed = api.call({ what: 'listing the workflow runs', permission: 'actions: read' }, (o) => {
      calls++;
      return o.request('GET /repos/{owner}/{repo}/actions/runs', { owner: 'a', repo: 'b' });
    });
    await expect(failed).rejects.toThrow(/^GitHub API: listing the workflow runs failed: the API could not be reached/);
    expect(calls).toBe(3);
    expect(log.lines.join('\n')).not.toContain('ghs_unreachable0123456789');
  });

  it('a failure that is no HTTP error is reported as it is, without retries', async () => {
    const api = new GitHubApi({ token: 't', apiUrl: 'http://127.0.0.1:1', log: memoryLogger() });
    let calls = 0;
    const failed = api.call({ what: 'downloading the baseline artifact', permission: 'actions: read' }, async () => {
      calls++;
      throw new Error('Unable to download and extract artifact: bad zip');
    });
    await expect(failed).rejects.toThrow('GitHub API: downloading the baseline artifact failed: Unable to download and extract artifact: bad zip');
    expect(calls).toBe(1);
  });
});
