/**
 * Streams an archive from a list of URLs into a sink (the extractor), hashing
 * it on the way. A cut-short transfer resumes with a Range request where the
 * server allows it (else starts over with a fresh sink); a URL that fails for
 * good (404, checksum mismatch, unusable archive) hands over to the next one
 * with a warning. Nothing here trusts the bytes: the caller only keeps what
 * the sink produced once downloadVerified returns.
 */
import { createHash, type Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import type { Logger } from '../common/log.js';
import { redactUrl } from '../common/redact.js';
import { ToolchainError } from './errors.js';
import type { Checksum } from './table-shape.js';
import { formatSize } from '../common/text.js';

/** Where the downloaded bytes go. A failed write means the archive is unusable. */
export interface DownloadSink {
  write(chunk: Buffer): Promise<void>;
  /** All bytes arrived and matched the checksum: complete the work (e.g. wait for tar). */
  finish(): Promise<void>;
  /** Throw away everything this sink made. */
  abort(): Promise<void>;
}

export interface DownloadTuning {
  /** Tries per URL, resumes included, for transient failures (connection drops, 5xx). Default 5. */
  attempts?: number;
  /** First wait between tries; doubles each time, at most 30 s. Default 2000 ms. */
  retryDelayMs?: number;
  /** A connection that sends nothing for this long is dropped and retried. Default 60 s. */
  stallTimeoutMs?: number;
}

export interface DownloadRequest extends DownloadTuning {
  /** File name, for messages. */
  label: string;
  urls: string[];
  checksum: Checksum;
  openSink: () => Promise<DownloadSink>;
  log: Logger;
  /** Largest archive accepted. Default MAX_ARCHIVE_BYTES. */
  maxBytes?: number;
}

/** Arm's largest toolchain archives are a few hundred MB: a server sending more is sending something else. */
export const MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;

function maxBytes(req: DownloadRequest): number {
  return req.maxBytes ?? MAX_ARCHIVE_BYTES;
}

/** A failure that another try of the same URL will not fix. */
class UrlFailed extends Error {}

const mb = (bytes: number): string => formatSize(bytes, 'MB');

class Progress {
  private readonly start = performance.now();
  private nextMark = 0;
  private readonly log: Logger;
  private readonly label: string;
  constructor(log: Logger, label: string) {
    this.log = log;
    this.label = label;
  }
  update(received: number, total: number | null): void {
    if (received < this.nextMark) return;
    const seconds = (performance.now() - this.start) / 1000;
    const rate = seconds > 0 ? `, ${mb(received / seconds)}/s` : '';
    if (total) {
      const percent = Math.floor((received / total) * 100);
      this.log.info(`  ${this.label}: ${mb(received)} of ${mb(total)} (${percent}%${rate})`);
      this.nextMark = Math.ceil(((Math.floor(percent / 10) + 1) * total) / 10);
    } else {
      this.log.info(`  ${this.label}: ${mb(received)}${rate}`);
      this.nextMark = received + 25e6;
    }
  }
}

/**
 * Downloads `urls[0]` (then each next URL when one fails) into fresh sinks
 * until the bytes match `checksum` and the sink finishes. Returns the URL that
 * worked; throws a ToolchainError naming every URL's failure otherwise.
 */
export async function downloadVerified(req: DownloadRequest): Promise<{ url: string; bytes: number }> {
  const stall = req.stallTimeoutMs ?? 60_000;
  const dispatcher = new EnvHttpProxyAgent({ headersTimeout: stall, bodyTimeout: stall }).compose(interceptors.redirect({ maxRedirections: 10 }));
  const failures: string[] = [];
  try {
    for (const [i, url] of req.urls.entries()) {
      req.log.info(`Downloading ${req.label} from ${redactUrl(url)}`);
      try {
        return await fromOneUrl(req, url, dispatcher);
      } catch (e) {
        // Only a failure of this URL moves on; anything else (no xz here, say) would fail for every URL.
        if (!(e instanceof UrlFailed)) throw e;
        const reason = e.message;
        failures.push(`${redactUrl(url)}: ${reason}`);
        const next = req.urls[i + 1];
        if (next) req.log.warning(`Could not use ${redactUrl(url)} (${reason}); trying ${redactUrl(next)}`);
      }
    }
  } finally {
    await dispatcher.close();
  }
  throw new ToolchainError(
    `Could not install ${req.label}; every source failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n` +
      `Nothing was installed. If Arm's servers are unreachable from this runner, serve the archive yourself and set toolchain-mirror to its base URL.`,
  );
}

interface Transfer {
  sink: DownloadSink;
  hash: Hash;
  received: number;
  total: number | null;
  /** ETag or Last-Modified: a resumed request must get the same file. */
  validator: string | null;
  /** Set when the sink failed: the rest is only hashed, to tell a corrupt download from a bad archive. */
  sinkError: Error | null;
}

async function fromOneUrl(req: DownloadRequest, url: string, dispatcher: Dispatcher): Promise<{ url: string; bytes: number }> {
  const attempts = req.attempts ?? 5;
  const progress = new Progress(req.log, req.label);
  const fresh = async (): Promise<Transfer> => ({
    sink: await req.openSink(),
    hash: createHash(req.checksum.algorithm),
    received: 0,
    total: null,
    validator: null,
    sinkError: null,
  });
  let t = await fresh();
  try {
    for (let attempt = 1; ; attempt++) {
      const problem = await oneRequest(req, url, dispatcher, t, progress, async () => {
        await t.sink.abort();
        t = await fresh();
        return t;
      });
      if (problem === null) break;
      if (attempt >= attempts) throw new UrlFailed(`${problem}; gave up after ${attempts} tries`);
      const wait = Math.min((req.retryDelayMs ?? 2000) * 2 ** (attempt - 1), 30_000);
      const from = t.received > 0 ? `resuming at ${mb(t.received)}` : 'starting over';
      req.log.warning(`Download of ${req.label} interrupted (${problem}); ${from} in ${(wait / 1000).toFixed(1)} s (try ${attempt + 1} of ${attempts})`);
      await sleep(wait);
    }
    const digest = t.hash.digest('hex');
    if (digest !== req.checksum.value) {
      throw new UrlFailed(
        `checksum mismatch: expected ${req.checksum.algorithm} ${req.checksum.value}, got ${digest} for ${t.received} bytes ` +
          `(the server sent a different file: an error page, a re-uploaded or tampered archive)`,
      );
    }
    if (t.sinkError) throw new UrlFailed(t.sinkError.message);
    await t.sink.finish();
    progress.update(t.received, t.received);
    return { url, bytes: t.received };
  } catch (e) {
    await t.sink.abort();
    throw e instanceof UrlFailed ? e : new UrlFailed((e as Error).message);
  }
}

/**
 * One GET (a Range GET when resuming). Returns null when the whole file has
 * arrived, or a description of a transient problem worth another try; throws
 * UrlFailed for problems another try will not fix.
 */
async function oneRequest(
  req: DownloadRequest,
  url: string,
  dispatcher: Dispatcher,
  t: Transfer,
  progress: Progress,
  restart: () => Promise<Transfer>,
): Promise<string | null> {
  const headers: Record<string, string> = { 'user-agent': 'allhw-ci (toolchain installer)' };
  if (t.received > 0) {
    headers.range = `bytes=${t.received}-`;
    if (t.validator) headers['if-range'] = t.validator;
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { dispatcher, headers });
  } catch (e) {
    return `no response: ${(e as Error).message}`;
  }
  const { statusCode: status } = res;
  if (status >= 400 || (status !== 200 && status !== 206)) {
    await res.body.dump().catch(() => undefined);
    const why = `HTTP ${status}`;
    if (status === 408 || status === 429 || status >= 500) return why;
    throw new UrlFailed(status === 404 || status === 410 ? `${why} (not found)` : why);
  }
  const contentRange = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
  if (t.received > 0 && !(status === 206 && contentRange && Number(contentRange[1]) === t.received)) {
    t = await restart();
    if (status !== 200) {
      await res.body.dump().catch(() => undefined);
      return `the server resumed at the wrong offset (${String(res.headers['content-range'])})`;
    }
    // The whole file again (no Range support, or it changed since): start over on it.
    req.log.info(`  ${req.label}: the server did not resume the download; starting over`);
  } else if (t.received === 0 && status === 206) {
    await res.body.dump().catch(() => undefined);
    return 'the server sent part of the file unasked (HTTP 206)';
  }
  if (t.received === 0) {
    const length = Number(res.headers['content-length']);
    t.total = status === 200 && Number.isFinite(length) && length > 0 ? length : null;
    if (contentRange && contentRange[2] !== '*') t.total = Number(contentRange[2]);
    const etag = String(res.headers.etag ?? '');
    t.validator = etag && !etag.startsWith('W/') ? etag : res.headers['last-modified'] ? String(res.headers['last-modified']) : null;
    if (t.total !== null && t.total > maxBytes(req)) {
      await res.body.dump().catch(() => undefined);
      throw new UrlFailed(`the server announces ${mb(t.total)}, more than any toolchain archive (the limit is ${mb(maxBytes(req))})`);
    }
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith('text/html')) req.log.warning(`${redactUrl(url)} answered with an HTML page, not an archive`);
  }
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      t.hash.update(chunk);
      t.received += chunk.length;
      if (t.received > maxBytes(req)) {
        res.body.destroy();
        throw new UrlFailed(`the server sent more than ${mb(maxBytes(req))}, more than any toolchain archive`);
      }
      if (!t.sinkError) {
        try {
          await t.sink.write(chunk);
        } catch (e) {
          t.sinkError = e as Error;
        }
      }
      progress.update(t.received, t.total);
    }
  } catch (e) {
    if (e instanceof UrlFailed) throw e;
    return `connection lost after ${mb(t.received)}: ${(e as Error).message}`;
  }
  if (t.total !== null && t.received < t.total) return `cut short at ${t.received} of ${t.total} bytes`;
  if (t.total !== null && t.received > t.total) throw new UrlFailed(`received ${t.received} bytes, more than the announced ${t.total}`);
  return null;
}
