/**
 * A hostile All-HW: a real HTTP server on loopback that speaks the contract
 * (../shared/allhw-api.md) but turns the key against the client. It echoes
 * the key in 401/403/500 bodies as it arrived, JSON-escaped, HTML-escaped and
 * in base64; answers the key (or a string holding it) as the task id; puts
 * the key and the GitHub token into the UART output and the record's fields;
 * redirects to a URL carrying it; answers slowly; cuts responses mid-key.
 *
 * The real bundled action (dist/index.js with INPUT_* variables, a job
 * summary and an outputs file) and the real bundled CLI (dist/cli.js) run
 * against it with keys full of special characters, and every output is
 * searched for every spelling of the key and the token: stdout (less the
 * ::add-mask:: commands the runner consumes), stderr, the content and the
 * name of every file in the workspace, the summary and the outputs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import type { Results } from '../../src/results/types.js';
import { record, startLoopback, type Loopback, type Recorded } from '../allhw/loopback.js';
import { exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { listTree, makeWorkspace, prebuiltOnFarm, runAction, runCli, type BadInputCase, type Entry, type Workspace } from './cases.js';
import type { Run } from './run-dist.js';

/** Every character a URL, a form, JSON or HTML treats specially, white space and non-ASCII (the config trims the ends). */
const KEY_SPACED = `K!'()~*+/=&%?# "<>\\é€𝄞;:@$,[]{}|^\`z`;
/** No white space: the service may answer it as a task id, which the client accepts. */
const KEY_PLAIN = `p!'()~*-._=+/&%?#é€"<>\\q`;
const KEYS = [KEY_SPACED, KEY_PLAIN];
const TOKEN = 'ghs_T0ken/with+special=chars!~';

/** The key's value in a URL as our client sends it (URLSearchParams: ! ' ( ) ~ as %21 %27 %28 %29 %7E, space as +). */
function asSent(key: string): string {
  return new URLSearchParams({ key }).toString().slice('key='.length);
}

const html = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const htmlHex = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
const json = (s: string): string => JSON.stringify(s).slice(1, -1);
const b64At = (s: string, offset: number): string => Buffer.concat([Buffer.alloc(offset, 0x41), Buffer.from(s)]).toString('base64');

/** The bits of base64 that depend on the secret's bytes alone, at each offset in a stream (what a leak would show). */
function base64Cores(s: string): string[] {
  const n = Buffer.byteLength(s);
  return [0, 1, 2].flatMap((o) => {
    const core = b64At(s, o).slice(Math.ceil((8 * o) / 6), Math.floor((8 * (o + n)) / 6));
    return [core, core.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/** Every spelling that would be a leak, by name. */
function leakForms(secret: string): Record<string, string> {
  const sent = asSent(secret);
  return {
    raw: secret,
    'as sent': sent,
    'as sent, lower-case hex': sent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent: encodeURIComponent(secret),
    'encodeURIComponent, lower-case hex': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'JSON-escaped': json(secret),
    'JSON-escaped with \\/': json(secret).replace(/\//g, '\\/'),
    'HTML-escaped': html(secret),
    'HTML hex references': htmlHex(secret),
    ...Object.fromEntries(base64Cores(secret).map((c, i) => [`base64 core ${i}`, c])),
    // A cut response must not show the key's first half either.
    'first half': [...secret].slice(0, Math.ceil([...secret].length / 2)).join(''),
    'first half as sent': asSent([...secret].slice(0, Math.ceil([...secret].length / 2)).join('')),
  };
}

/** A small deterministic PRNG: timings vary from mode to mode and request to request, the same every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The key's value exactly as it arrived in the query string (no decoding). */
function sentKey(req: Recorded): string {
  return /[?&]key=([^&]*)/.exec(req.url.search)?.[1] ?? '';
}

/** The key in every way a careless service might echo it, in one text. */
function echoes(req: Recorded): string {
  const raw = req.url.searchParams.get('key') ?? '';
  return [
    `invalid key ${sentKey(req)}`,
    `"key":"${json(raw).replace(/\//g, '\\/')}"`,
    `<p>key ${html(raw)} / ${htmlHex(raw)}</p>`,
    `b64 ${Buffer.from(raw).toString('base64')} / ${b64At(raw, 1)} / ${b64At(raw, 2)}`,
  ].join('\n');
}

/** A UART output that holds the key and the token in many spellings among real result lines. */
function hostileUart(req: Recorded, id: string): Buffer {
  const raw = req.url.searchParams.get('key') ?? id;
  return Buffer.from(
    [
      'Zephyr AOT Runtime',
      `key=${raw}`,
      `sent ${asSent(raw)} json ${json(raw)} html ${html(raw)}`,
      `b64 ${b64At(raw, 0)} ${b64At(raw, 2)}`,
      `token ${TOKEN} ${encodeURIComponent(TOKEN)} ${Buffer.from(TOKEN).toString('base64')}`,
      `id ${id}`,
      '#result:1,2,3:100',
      '#exit',
      '',
    ].join('\n'),
  );
}

type Mode = 'echo-401' | 'echo-403' | 'echo-500' | 'id-as-sent' | 'id-raw' | 'id-containing' | 'uart' | 'redirect' | 'slow' | 'cut-socket' | 'cut-body';
const MODES: Mode[] = ['echo-401', 'echo-403', 'echo-500', 'id-as-sent', 'id-raw', 'id-containing', 'uart', 'redirect', 'slow', 'cut-socket', 'cut-body'];

interface Hostile {
  server: Loopback;
  /** POST keys by task id: the GET answers with what the POST carried. */
  posts: Map<string, Recorded>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A finished record whose every field but code carries the key somehow. */
function finishedRecord(post: Recorded, id: string): string {
  const raw = post.url.searchParams.get('key') ?? '';
  return record({
    status: 'finished',
    created: `2026-01-01T00:00:00Z ${raw}`,
    started: `2026-01-01T00:00:01Z ${asSent(raw)}`,
    finished: '2026-01-01T00:00:02Z',
    code: 0,
    output: hostileUart(post, id).toString('base64'),
    reservation: 7,
  });
}

async function handle(mode: Mode, hostile: Hostile, req: Recorded, res: ServerResponse, random: () => number): Promise<void> {
  if (mode === 'slow') await sleep(100 + random() * 900);
  if (req.method === 'POST') {
    const raw = req.url.searchParams.get('key') ?? '';
    let id = `7b00ab0c-8566-46ae-ada8-${String(hostile.posts.size).padStart(12, '0')}`;
    switch (mode) {
      case 'echo-401':
        return send(res, 401, echoes(req));
      case 'echo-403':
        return send(res, 403, `<html><body>${echoes(req)}</body></html>`, { 'content-type': 'text/html' });
      case 'echo-500':
        return send(res, 500, JSON.stringify({ error: echoes(req) }), { 'content-type': 'application/json' });
      case 'redirect':
        return send(res, 307, `moved to /elsewhere?key=${sentKey(req)}`, { location: `/elsewhere?key=${sentKey(req)}&raw=${sentKey(req)}` });
      case 'cut-socket':
        res.writeHead(200, { 'content-length': '4096' });
        res.write([...raw].slice(0, 6).join(''));
        await sleep(20);
        res.socket?.destroy();
        return;
      case 'cut-body':
        // A complete response whose body was cut by the service itself, mid-key.
        return send(res, 400, `{"error":"unknown key ${[...raw].slice(0, Math.ceil([...raw].length / 2)).join('')}`);
      case 'id-as-sent':
        id = sentKey(req);
        break;
      case 'id-raw':
        id = raw;
        break;
      case 'id-containing':
        id = `task-${Buffer.from(raw).toString('base64url')}-${encodeURIComponent(raw)}`;
        break;
      default:
        break;
    }
    hostile.posts.set(id, req);
    return send(res, 200, `${id}\n`);
  }
  const id = req.url.searchParams.get('id') ?? '';
  const post = hostile.posts.get(id);
  if (!post) return send(res, 404, `no task ${id}`);
  if (mode === 'slow') {
    const polls = [...hostile.server.requests].filter((r) => r.method === 'GET' && r.url.searchParams.get('id') === id).length;
    if (polls === 1) return send(res, 503, `busy, key ${sentKey(post)}`, { 'retry-after': '1' });
    if (polls < 3) return send(res, 200, record({ status: 'running', started: '2026-01-01T00:00:01Z' }), { 'content-type': 'application/json' });
  }
  return send(res, 200, finishedRecord(post, id), { 'content-type': 'application/json' });
}

async function startHostile(mode: Mode, seed: number): Promise<Hostile> {
  const random = prng(seed);
  const hostile: Hostile = { server: undefined as unknown as Loopback, posts: new Map() };
  hostile.server = await startLoopback((req, res) => handle(mode, hostile, req, res, random));
  return hostile;
}

/** Everything a run printed or wrote, by where; file contents as bytes, file names as text. */
async function outputs(r: Run, ws: Workspace, entry: Entry): Promise<Map<string, Buffer>> {
  const seen = new Map<string, Buffer>();
  seen.set(
    'stdout',
    Buffer.from(
      r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ),
  );
  seen.set('stderr', Buffer.from(r.stderr));
  const files = await listTree(ws.dir);
  seen.set('file names', Buffer.from(files.join('\n')));
  for (const rel of files) seen.set(rel, await readFile(path.join(ws.dir, rel)));
  if (entry === 'action') {
    seen.set('job summary', await readFile(ws.summary));
    seen.set('step outputs', await readFile(ws.output));
  }
  return seen;
}

function expectNoLeak(expect: ExpectStatic, seen: Map<string, Buffer>, secrets: string[]): void {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const [how, form] of Object.entries(leakForms(secret))) {
      for (const [where, bytes] of seen) if (bytes.includes(Buffer.from(form))) found.push(`${where}: ${how} (${form})`);
    }
  }
  expect(found).toEqual([]);
}

function hostileCase(firmware: FirmwareImages, url: string): BadInputCase {
  return prebuiltOnFarm(
    'hostile farm',
    firmware.dir,
    url,
    { inputs: 'in/*.txt', 'exit-line': '#exit', 'max-parallel': '2', retries: '1', 'ci-timeout': '10' },
    { 'in/b.txt': '#input:4,5,6\n' },
  );
}

async function results(ws: Workspace): Promise<Results> {
  return JSON.parse(await readFile(path.join(ws.dir, 'results', 'results.json'), 'utf8')) as Results;
}

/** What each mode must have made the run do: the test reached the path it is about. */
async function expectPathTaken(expect: ExpectStatic, mode: Mode, key: string, ws: Workspace, r: Run): Promise<void> {
  const res = await results(ws);
  const all = `${r.stdout}\n${r.stderr}`;
  if (mode === 'id-raw' && /\s/.test(key)) {
    // A key with white space is no task id: the client says so, the key masked.
    expect(all).toContain('the body is not a task id');
    return;
  }
  switch (mode) {
    case 'echo-401':
    case 'echo-403':
      expect(all).toContain('All-HW rejected the API key');
      expect(r.code).not.toBe(0);
      break;
    case 'echo-500':
    case 'redirect':
    case 'cut-body':
      expect(all).toMatch(mode === 'echo-500' ? /HTTP 500/ : mode === 'redirect' ? /HTTP 307/ : /HTTP 400/);
      expect(res.totals.errors).toBe(2);
      break;
    case 'cut-socket':
      expect(res.totals.errors).toBe(2);
      break;
    case 'id-raw':
    case 'id-as-sent':
    case 'id-containing': {
      expect(res.tasks.length).toBeGreaterThan(0);
      for (const t of res.tasks) {
        expect(t.id).toContain('***');
        expect(t.log).toMatch(/^logs\/[^/]+\/masked-[0-9a-f]{16}\.uart\.log$/);
        const log = await readFile(path.join(ws.dir, 'results', t.log!), 'utf8');
        expect(log).toContain('#result:1,2,3:100');
      }
      break;
    }
    case 'uart':
    case 'slow':
      expect(res.totals).toMatchObject({ inputs: 2, errors: 0 });
      for (const t of res.tasks) {
        const log = await readFile(path.join(ws.dir, 'results', t.log!), 'utf8');
        expect(log).toContain('#result:1,2,3:100');
        expect(log).toContain('key=***');
        expect(log).toContain('token ***');
        expect(t.created).toBe('2026-01-01T00:00:00Z ***');
      }
      break;
  }
}

describe('a hostile All-HW never gets the key or the token into any output', () => {
  let firmware: FirmwareImages;
  const servers: Hostile[] = [];

  beforeAll(async () => {
    firmware = await exampleFirmware('mps2_an500');
  });
  afterAll(async () => {
    await Promise.all(servers.map((h) => h.server.close()));
  });

  for (const [i, mode] of MODES.entries()) {
    for (const [j, entry] of (['action', 'cli'] as Entry[]).entries()) {
      // Each mode meets both keys, one per entry point.
      const key = KEYS[(i + j) % 2]!;
      const label = key === KEY_SPACED ? 'a key with white space' : 'a key without white space';
      it.concurrent(`${entry}, ${mode}, ${label}`, async ({ expect }) => {
        const hostile = await startHostile(mode, 1000 * i + j);
        servers.push(hostile);
        const c = hostileCase(firmware, hostile.server.url);
        const ws = await makeWorkspace(c);
        const r =
          entry === 'action'
            ? await runAction(c, ws, { 'ci-api-key': key }, { GITHUB_TOKEN: TOKEN })
            : await runCli(c, ws, { ALLHW_API_KEY: key, GITHUB_TOKEN: TOKEN });
        // The server did get the key as the client sends it: the search below looks for what was there to leak.
        expect(hostile.server.requests.some((q) => sentKey(q) === asSent(key))).toBe(true);
        await expectPathTaken(expect, mode, key, ws, r);
        expectNoLeak(expect, await outputs(r, ws, entry), [key, TOKEN]);
      });
    }
  }

  it.concurrent('action and cli: a build that prints its environment and the token gets no key, and the build log masks the token', async ({ expect }) => {
    const hostile = await startHostile('uart', 11);
    servers.push(hostile);
    const base = hostileCase(firmware, hostile.server.url);
    const c: BadInputCase = {
      ...base,
      inputs: { ...base.inputs, 'build-system': 'command', 'build-command': 'env; printf "%s\\n" "$GITHUB_TOKEN"; printf "%s" "$GITHUB_TOKEN" | base64' },
    };
    for (const entry of ['action', 'cli'] as Entry[]) {
      const ws = await makeWorkspace(c);
      const r =
        entry === 'action'
          ? await runAction(c, ws, { 'ci-api-key': KEY_SPACED }, { GITHUB_TOKEN: TOKEN })
          : await runCli(c, ws, { ALLHW_API_KEY: KEY_SPACED, GITHUB_TOKEN: TOKEN });
      const buildLog = await readFile(path.join(ws.dir, 'results', 'logs', 'build.log'), 'utf8');
      // The command ran and printed the token's variable (masked) and the rest of the environment.
      expect(buildLog, entry).toContain('GITHUB_TOKEN=***');
      expect(buildLog, entry).toMatch(/^PATH=/m);
      expect(buildLog, entry).not.toMatch(/CI-API-KEY|ALLHW_API_KEY/);
      expectNoLeak(expect, await outputs(r, ws, entry), [KEY_SPACED, TOKEN]);
    }
  });

  it.concurrent('cli: --ci-api-key works, warns that ps shows it, and the key leaks nowhere', async ({ expect }) => {
    const hostile = await startHostile('echo-401', 7);
    servers.push(hostile);
    const c = hostileCase(firmware, hostile.server.url);
    const ws = await makeWorkspace(c);
    const r = await runCli(c, ws, {}, { 'ci-api-key': KEY_SPACED });
    expect(r.stderr).toContain('--ci-api-key puts the key on the command line');
    expect(r.stderr).toContain('set the ALLHW_API_KEY environment variable instead');
    expect(r.stderr).toContain('All-HW rejected the API key');
    expectNoLeak(expect, await outputs(r, ws, 'cli'), [KEY_SPACED]);
  });
});
