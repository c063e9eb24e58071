/**
 * A loopback stand-in for GitHub's Actions results service (the two Twirp
 * calls @actions/artifact makes to upload: CreateArtifact, FinalizeArtifact)
 * whose signed upload URLs point at a real azurite blob store, also on
 * loopback. Facts: /work/shared/artifact-testing.md.
 *
 *   const svc = await startArtifactService();
 *   await uploadResults({ ..., env: { ...svc.env } });
 *   const zip = await svc.download('allhw-results');
 *   await svc.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const AZURITE_BLOB = path.join(REPO_ROOT, 'node_modules/azurite/dist/src/blob/main.js');

/** Azurite's well-known development account (published in its README; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';
const SAS_VERSION = '2021-08-06';
const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
/** The results service also hosts the cache (v2): same origin, same token. */
const CACHE_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';

export interface CacheEntry {
  key: string;
  version: string;
  blob: string;
  size: number;
  finalized: boolean;
}

export interface StoredArtifact {
  id: number;
  name: string;
  blob: string;
  runId: string;
  jobId: string;
  size: number;
  hash: string | null;
  expiresAt: string | null;
}

export interface TwirpCall {
  method: string;
  body: Record<string, unknown>;
  status: number;
}

export interface ArtifactService {
  /** What the runner gives a job: pass it as the `env` of uploadResults (or spread it into a child's env). */
  env: { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string };
  /** Finalized artifacts, in upload order. */
  artifacts: StoredArtifact[];
  /** Every Twirp call received, with the status answered. */
  calls: TwirpCall[];
  /** Cache entries (CacheService), in creation order. */
  cacheEntries: CacheEntry[];
  /** Env for @actions/cache (v2 service): `env` plus the flag that selects it. */
  cacheEnv: { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string; ACTIONS_CACHE_SERVICE_V2: string };
  blobEndpoint: string;
  /** The zip of a finalized artifact (the newest of that name), read back from the blob store. */
  download(name: string): Promise<Buffer>;
  /** A read URL of a finalized artifact's zip, as GitHub's /zip endpoint redirects to. */
  blobUrl(artifact: StoredArtifact): string;
  /** Starts another workflow run: later uploads belong to it (names are unique per run only); updates `env`. */
  newRun(): ArtifactService['env'];
  close(): Promise<void>;
}

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

function sign(stringToSign: string): string {
  return createHmac('sha256', Buffer.from(ACCOUNT_KEY, 'base64')).update(stringToSign, 'utf8').digest('base64');
}

const EXPIRY = '2099-01-01T00:00:00Z';

/** Account SAS for the helper's own calls (create the container, read blobs back). */
function accountSas(): string {
  const [sp, ss, srt, spr] = ['rwdlac', 'b', 'sco', 'https,http'];
  const sig = sign([ACCOUNT, sp, ss, srt, '', EXPIRY, '', spr, SAS_VERSION, '', ''].join('\n'));
  return new URLSearchParams({ sv: SAS_VERSION, ss, srt, sp, se: EXPIRY, spr, sig }).toString();
}

/** Service SAS for one blob, create+write only: what the real service hands the runner. */
function blobSas(blob: string): string {
  const [sp, spr, sr] = ['cw', 'https,http', 'b'];
  const canonical = `/blob/${ACCOUNT}/${CONTAINER}/${blob}`;
  const fields = [sp, '', EXPIRY, canonical, '', '', spr, SAS_VERSION, sr, '', '', '', '', '', '', ''];
  return new URLSearchParams({ sv: SAS_VERSION, sr, sp, se: EXPIRY, spr, sig: sign(fields.join('\n')) }).toString();
}

async function startAzurite(location: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const args = [AZURITE_BLOB, '--blobHost', '127.0.0.1', '--blobPort', '0', '--location', location, '--silent', '--skipApiVersionCheck', '--disableTelemetry'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`azurite-blob did not start within 60 s; it said: ${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = output.match(/listens on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}/${ACCOUNT}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite-blob exited with code ${code}: ${output}`));
    });
  });
  const res = await fetch(`${endpoint}/${CONTAINER}?restype=container&${accountSas()}`, {
    method: 'PUT',
    headers: { 'x-ms-version': SAS_VERSION },
  });
  if (res.status !== 201) throw new Error(`azurite: creating the container answered ${res.status}: ${await res.text()}`);
  return { child, endpoint };
}

/** A request's whole body as text (the stand-ins' bodies are small JSON). */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startArtifactService(): Promise<ArtifactService> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'azurite-'));
  const { child, endpoint } = await startAzurite(location);
  let runId = randomUUID();
  let jobId = randomUUID();
  const makeToken = (): string =>
    [
      b64url(JSON.stringify({ alg: 'none', typ: 'JWT' })),
      b64url(JSON.stringify({ scp: `Actions.GenericRead:00000000 Actions.Results:${runId}:${jobId}` })),
      'unsigned',
    ].join('.');
  let token = makeToken();
  const artifacts: StoredArtifact[] = [];
  const pending = new Map<string, StoredArtifact>();
  const calls: TwirpCall[] = [];

  const cacheEntries: CacheEntry[] = [];
  const blobSize = async (blob: string): Promise<number | null> => {
    const head = await fetch(`${endpoint}/${CONTAINER}/${blob}?${accountSas()}`, { method: 'HEAD', headers: { 'x-ms-version': SAS_VERSION } });
    return head.status === 200 ? Number(head.headers.get('content-length')) : null;
  };
  /** CacheService: keys match exactly (with the version); restore keys as prefixes, newest entry first. */
  const cacheCall = async (method: string, body: Record<string, unknown>): Promise<[number, object]> => {
    const key = String(body.key ?? '');
    const version = String(body.version ?? '');
    const done = cacheEntries.filter((e) => e.finalized && e.version === version);
    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = (body.restore_keys as string[] | undefined) ?? [];
      const hit = done.findLast((e) => e.key === key) ?? restoreKeys.map((k) => done.findLast((e) => e.key.startsWith(k))).find(Boolean);
      if (!hit) return [200, { ok: false }];
      return [200, { ok: true, signed_download_url: `${endpoint}/${CONTAINER}/${hit.blob}?${accountSas()}`, matched_key: hit.key }];
    }
    if (method === 'CreateCacheEntry') {
      if (cacheEntries.some((e) => e.key === key && e.version === version)) {
        return [409, { code: 'already_exists', msg: 'cache entry with the same key, version, and scope already exists' }];
      }
      const blob = `cache-${cacheEntries.length + 1}.tzst`;
      cacheEntries.push({ key, version, blob, size: 0, finalized: false });
      return [200, { ok: true, signed_upload_url: `${endpoint}/${CONTAINER}/${blob}?${blobSas(blob)}` }];
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = cacheEntries.find((e) => e.key === key && e.version === version && !e.finalized);
      if (!entry) return [404, { code: 'not_found', msg: `no cache entry '${key}' was created` }];
      const size = await blobSize(entry.blob);
      if (size === null || String(size) !== String(body.size_bytes))
        return [400, { code: 'failed_precondition', msg: `blob size ${size}, claimed ${String(body.size_bytes)}` }];
      Object.assign(entry, { size, finalized: true });
      return [200, { ok: true, entry_id: String(cacheEntries.indexOf(entry) + 1) }];
    }
    return [404, { code: 'bad_route', msg: `unknown method ${method}` }];
  };

  const handle = async (req: http.IncomingMessage): Promise<[number, object]> => {
    if (req.method === 'POST' && req.url?.startsWith(CACHE_PREFIX)) {
      const method = req.url.slice(CACHE_PREFIX.length);
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      const [status, out] =
        req.headers.authorization === `Bearer ${token}` ? await cacheCall(method, body) : [401, { code: 'unauthenticated', msg: 'bad token' }];
      calls.push({ method: `CacheService/${method}`, body, status });
      return [status, out];
    }
    if (req.method !== 'POST' || !req.url?.startsWith(TWIRP_PREFIX)) return [404, { code: 'bad_route', msg: `no route ${req.method} ${req.url}` }];
    const method = req.url.slice(TWIRP_PREFIX.length);
    const text = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return [400, { code: 'malformed', msg: 'body is not JSON' }];
    }
    const answer = (status: number, out: object): [number, object] => {
      calls.push({ method, body, status });
      return [status, out];
    };
    if (req.headers.authorization !== `Bearer ${token}`) return answer(401, { code: 'unauthenticated', msg: 'bad token' });
    if (body.workflow_run_backend_id !== runId || body.workflow_job_run_backend_id !== jobId) {
      return answer(400, { code: 'invalid_argument', msg: 'backend ids do not match the token' });
    }
    const name = String(body.name ?? '');
    if (method === 'CreateArtifact') {
      if (body.version !== 7) return answer(400, { code: 'invalid_argument', msg: `unsupported version ${String(body.version)}` });
      // The real service refuses a second artifact of the same name in a run.
      if (pending.has(name) || artifacts.some((a) => a.name === name && a.runId === runId)) {
        return answer(409, { code: 'already_exists', msg: 'an artifact with this name already exists on the workflow run' });
      }
      const blob = `artifact-${pending.size + artifacts.length + 1}.zip`;
      pending.set(name, { id: 0, name, blob, runId, jobId, size: 0, hash: null, expiresAt: (body.expires_at as string) ?? null });
      return answer(200, { ok: true, signed_upload_url: `${endpoint}/${CONTAINER}/${blob}?${blobSas(blob)}` });
    }
    if (method === 'FinalizeArtifact') {
      const a = pending.get(name);
      if (!a) return answer(404, { code: 'not_found', msg: `no artifact '${name}' was created` });
      // Like the real service, check that the blob is really there and as big as claimed.
      const head = await fetch(`${endpoint}/${CONTAINER}/${a.blob}?${accountSas()}`, { method: 'HEAD', headers: { 'x-ms-version': SAS_VERSION } });
      const size = Number(head.headers.get('content-length'));
      if (head.status !== 200 || String(size) !== String(body.size)) {
        return answer(400, { code: 'failed_precondition', msg: `blob ${a.blob}: status ${head.status}, size ${size}, claimed ${String(body.size)}` });
      }
      pending.delete(name);
      Object.assign(a, { id: artifacts.length + 1, size, hash: (body.hash as string) ?? null });
      artifacts.push(a);
      return answer(200, { ok: true, artifact_id: String(a.id) });
    }
    return answer(404, { code: 'bad_route', msg: `unknown method ${method}` });
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .catch((e: Error): [number, object] => [500, { code: 'internal', msg: e.message }])
      .then(([status, out]) => {
        // Always JSON: the client retries for ~35 s on anything else.
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const env = { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/` };
  return {
    env,
    cacheEntries,
    get cacheEnv() {
      return { ...env, ACTIONS_CACHE_SERVICE_V2: 'true' };
    },
    blobUrl: (a) => `${endpoint}/${CONTAINER}/${a.blob}?${accountSas()}`,
    newRun() {
      runId = randomUUID();
      jobId = randomUUID();
      token = makeToken();
      env.ACTIONS_RUNTIME_TOKEN = token;
      return env;
    },
    artifacts,
    calls,
    blobEndpoint: endpoint,
    async download(name) {
      const a = artifacts.findLast((x) => x.name === name);
      if (!a) throw new Error(`no finalized artifact '${name}' (have: ${artifacts.map((x) => x.name).join(', ') || 'none'})`);
      const res = await fetch(`${endpoint}/${CONTAINER}/${a.blob}?${accountSas()}`, { headers: { 'x-ms-version': SAS_VERSION } });
      if (res.status !== 200) throw new Error(`downloading ${a.blob}: ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(location, { recursive: true, force: true });
    },
  };
}
