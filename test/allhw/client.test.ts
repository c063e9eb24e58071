import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AllhwClient, AllhwError, decodeOutput, redactUrl, retryAfterMs } from '../../src/allhw/client.js';
import { memoryLogger } from '../../src/common/log.js';
import { freePort, type Loopback, parseMultipart, record, startLoopback } from './loopback.js';
import { itemAt } from '../helpers/item.js';

const KEY = 'k3y-5ecret-7b00ab0c-8566';
const FAST = { baseDelayMs: 20, maxDelayMs: 50 };

let dir: string;
let image: string;
let imageBytes: Buffer;
const servers: Loopback[] = [];
const clients: AllhwClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-client-'));
  // Odd size, every byte value: nothing may be re-encoded or cut.
  imageBytes = randomBytes(3 * 1024 * 1024 + 17);
  image = path.join(dir, 'synth.elf');
  await writeFile(image, imageBytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startLoopback>[0]): Promise<Loopback> {
  const s = await startLoopback(handler);
  servers.push(s);
  return s;
}

function client(url: string, extra: Partial<ConstructorParameters<typeof AllhwClient>[0]> = {}): AllhwClient {
  const c = new AllhwClient({ baseUrl: url, apiKey: KEY, timeoutS: 20, rate: 115200, log: '0', retry: FAST, ...extra });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<AllhwError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AllhwError);
  expect((e as Error).message).not.toContain(KEY);
  return e as AllhwError;
}

const allBytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('#input:1,2\r\n#exit\n')]);

describe('AllhwClient.createTask', () => {
  it('streams a multipart body that arrives intact, with every query parameter', async () => {
    const s = await serve((_req, res) => res.end('  7b00ab0c-8566-46ae-ada8-45bc2bdc81d4 \n'));
    const id = await client(s.url, { core: 'M55_0', log: 'DEBUG' }).createTask({ path: image, name: 'synth.elf' }, allBytes);
    expect(id).toBe('7b00ab0c-8566-46ae-ada8-45bc2bdc81d4');
    expect(s.requests).toHaveLength(1);
    const req = itemAt(s.requests, 0);
    expect(req.method).toBe('POST');
    expect(Object.fromEntries(req.url.searchParams)).toEqual({
      key: KEY,
      timeout: '20',
      version: 'V3',
      rate: '115200',
      log: 'DEBUG',
      binary: 'true',
      core: 'M55_0',
    });
    expect(req.headers['transfer-encoding']).toBeUndefined();
    expect(Number(req.headers['content-length'])).toBe(req.body.length);
    const parts = parseMultipart(req.body, String(req.headers['content-type']));
    expect(parts.map((p) => p.name)).toEqual(['firmware', 'input']);
    expect(parts[0]?.filename).toBe('synth.elf');
    expect(parts[0]?.contentType).toBeNull();
    expect(parts[0]?.data.equals(imageBytes)).toBe(true);
    expect(parts[1]?.data.equals(allBytes)).toBe(true);
  });

  it('sends no core parameter when none is set, and an empty input as an empty part', async () => {
    const s = await serve((_req, res) => res.end('id-1'));
    await client(s.url).createTask({ path: image, name: 'synth.elf' }, Buffer.alloc(0));
    const req = itemAt(s.requests, 0);
    expect(req.url.searchParams.has('core')).toBe(false);
    const parts = parseMultipart(req.body, String(req.headers['content-type']));
    expect(parts[1]?.data.length).toBe(0);
  });

  it('retries a POST answered 429/503, honouring Retry-After', async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) {
        res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      } else if (i === 1) {
        res.writeHead(503, { 'retry-after': '0' }).end('busy');
      } else res.end('task-3');
    });
    const log = memoryLogger();
    const started = Date.now();
    const id = await client(s.url, { logger: log }).createTask({ path: image, name: 'synth.elf' }, allBytes);
    expect(id).toBe('task-3');
    expect(s.requests).toHaveLength(3);
    // Coarse: the 1 s Retry-After was waited for, not the 20 ms backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(2);
    expect(log.lines.join('\n')).not.toContain(KEY);
    expect(log.lines.join('\n')).toContain('key=***');
  });

  it('gives up on 429 after the bounded number of attempts', async () => {
    const s = await serve((_req, res) => res.writeHead(429).end('no'));
    const e = await failure(client(s.url, { retry: { ...FAST, postAttempts: 3 } }).createTask({ path: image, name: 'a.hex' }, allBytes));
    expect(s.requests).toHaveLength(3);
    expect(e.message).toMatch(/HTTP 429.*after 3 attempts/);
  });

  it('retries a POST whose connection was refused, and succeeds once the service is up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/ci/usertask`;
    let started: Promise<Loopback> | null = null;
    const log = memoryLogger();
    const warn = log.warning.bind(log);
    // The service comes up right after the first refusal.
    log.warning = (m) => {
      warn(m);
      started ??= startLoopback((_req, res) => res.end('late-task'), port).then((s) => (servers.push(s), s));
    };
    const c = client(url, { logger: log, retry: { ...FAST, baseDelayMs: 300 } });
    const id = await c.createTask({ path: image, name: 'synth.elf' }, allBytes);
    expect(id).toBe('late-task');
    expect(log.lines.some((l) => /ECONNREFUSED/.test(l))).toBe(true);
    expect((await started!).requests).toHaveLength(1);
  });

  it('reports a refused connection after the bounded attempts, saying nothing was sent', async () => {
    const port = await freePort();
    const e = await failure(client(`http://127.0.0.1:${port}/x`).createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/nothing was sent/);
    expect(e.message).toContain('key=***');
  });

  it('retries a POST whose host name does not resolve, then says nothing was sent', async () => {
    const log = memoryLogger();
    const c = client('http://allhw-ci-test.invalid/ci/usertask', { logger: log, retry: { ...FAST, postAttempts: 2 } });
    const e = await failure(c.createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(e.message).toMatch(/(ENOTFOUND|EAI_AGAIN).*after 2 attempts; nothing was sent/);
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1);
  });

  it('does not retry a POST answered 500 (a task may exist)', async () => {
    const s = await serve((_req, res) => res.writeHead(500).end(`internal error for key=${KEY}`));
    const e = await failure(client(s.url).createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(s.requests).toHaveLength(1);
    expect(e.kind).toBe('http');
    expect(e.status).toBe(500);
    expect(e.message).toContain('HTTP 500');
  });

  it('does not retry a POST whose connection was reset after the body was sent', async () => {
    const s = await serve((_req, res) => res.socket?.destroy());
    const e = await failure(client(s.url).createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]?.body.length).toBeGreaterThan(imageBytes.length);
    expect(e.message).toMatch(/not repeated/);
  });

  it('rejects the key on 401/403 with a clear message, without retrying', async () => {
    const s = await serve((_req, res) => res.writeHead(401).end('bad key'));
    const e = await failure(client(s.url).createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(s.requests).toHaveLength(1);
    expect(e.kind).toBe('key-rejected');
    expect(e.message).toMatch(/rejected the API key.*ci-api-key/);
  });

  it('refuses an empty task id', async () => {
    const s = await serve((_req, res) => res.end(' \r\n'));
    const e = await failure(client(s.url).createTask({ path: image, name: 'synth.elf' }, allBytes));
    expect(e.message).toMatch(/empty task id/);
    expect(s.requests).toHaveLength(1);
  });

  it('names a missing image file', async () => {
    const s = await serve((_req, res) => res.end('x'));
    await expect(client(s.url).createTask({ path: path.join(dir, 'nope.elf'), name: 'nope.elf' }, allBytes)).rejects.toThrow(/nope\.elf/);
    expect(s.requests).toHaveLength(0);
  });
});

describe('AllhwClient.getTask', () => {
  it('reads and validates a task record', async () => {
    const out = Buffer.from('banner\r\n#result:1,2:3\n\x00\xff', 'latin1');
    const s = await serve((req, res) =>
      res.end(record({ status: 'finished', code: 156, output: out.toString('base64'), reservation: '7', id: req.url.searchParams.get('id') })),
    );
    const rec = await client(s.url).getTask('abc');
    expect(s.requests[0]?.url.searchParams.get('id')).toBe('abc');
    expect(s.requests[0]?.url.searchParams.has('key')).toBe(false);
    expect(rec).toMatchObject({ status: 'finished', code: 156, reservation: 7, started: null });
    expect(decodeOutput(rec.output)?.bytes.equals(out)).toBe(true);
  });

  it('keeps timestamps of any JSON form as given (their format is not documented), rather than failing the task', async () => {
    // A Java service's default serializer writes a date-time as an array, or an object.
    const s = await serve((_req, res) =>
      res.end(record({ status: 'finished', code: 0, created: [2024, 1, 5, 10, 0, 0], started: { epochSecond: 1704448800 }, finished: 1704448805 })),
    );
    const rec = await client(s.url, { retry: { ...FAST, getAttempts: 1 } }).getTask('abc');
    expect(rec).toMatchObject({ status: 'finished', code: 0, created: '[2024,1,5,10,0,0]', started: '{"epochSecond":1704448800}', finished: '1704448805' });
  });

  it('retries a GET on 503, 500 and a reset connection', async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) res.writeHead(503).end();
      else if (i === 1) res.writeHead(500).end();
      else if (i === 2) res.socket?.destroy();
      else res.end(record({ status: 'running' }));
    });
    const rec = await client(s.url).getTask('abc');
    expect(rec.status).toBe('running');
    expect(s.requests).toHaveLength(4);
  });

  it('reports bad JSON with a redacted snippet, after bounded attempts', async () => {
    const s = await serve((_req, res) => res.end(`<html>Gateway error for ?key=${KEY}&id=1</html>`));
    const e = await failure(client(s.url, { retry: { ...FAST, getAttempts: 2 } }).getTask('abc'));
    expect(s.requests).toHaveLength(2);
    expect(e.message).toMatch(/not JSON: '<html>Gateway error for \?key=\*\*\*/);
  });

  it('reports a record without status, and a 404 without retrying', async () => {
    const s = await serve((req, res) => (req.url.searchParams.get('id') === 'gone' ? res.writeHead(404).end('no such task') : res.end('{"code":1}')));
    const c = client(s.url, { retry: { ...FAST, getAttempts: 1 } });
    expect((await failure(c.getTask('abc'))).message).toMatch(/without a "status"/);
    const e = await failure(c.getTask('gone'));
    expect(e.message).toMatch(/HTTP 404: 'no such task'/);
    expect(s.requests.filter((r) => r.url.searchParams.get('id') === 'gone')).toHaveLength(1);
  });

  it('stops waiting between attempts when aborted', async () => {
    const s = await serve((_req, res) => res.writeHead(503, { 'retry-after': '30' }).end());
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const e = await failure(client(s.url, { retry: { ...FAST, maxRetryAfterMs: 60_000 } }).getTask('abc', ac.signal));
    expect(e.kind).toBe('aborted');
  });
});

describe('redaction and helpers', () => {
  it('redactUrl hides the key and keeps the rest', () => {
    expect(redactUrl(`https://cloud.all-hw.com/ci/usertask?key=${KEY}&timeout=10`)).toBe('https://cloud.all-hw.com/ci/usertask?key=***&timeout=10');
    expect(redactUrl('https://h/x?id=1')).toBe('https://h/x?id=1');
    expect(redactUrl(`not a url ?key=${KEY}&a=1`)).toBe('not a url ?key=***&a=1');
  });

  it('retryAfterMs reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(undefined)).toBeNull();
  });

  it('retryAfterMs reads fractional seconds, and ignores forms it cannot read rather than retrying at once', () => {
    expect(retryAfterMs('1.5')).toBe(1500);
    expect(retryAfterMs('0.25')).toBe(250);
    // Date.parse reads these as dates in years long past (a wait of 0): they are no Retry-After.
    expect(retryAfterMs('-1')).toBeNull();
    expect(retryAfterMs('12 s')).toBeNull();
    expect(retryAfterMs('1.5.2')).toBeNull();
    // The obsolete HTTP-date forms stay readable.
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 30))).toBe(7000);
    expect(retryAfterMs('Sun Nov  6 08:49:37 1994', Date.parse('Sun Nov  6 08:49:30 1994'))).toBe(7000);
  });

  it('decodeOutput keeps plain text that is not base64', () => {
    expect(decodeOutput('hello world\n')).toEqual({ bytes: Buffer.from('hello world\n'), plainText: true });
    expect(decodeOutput(null)).toBeNull();
  });
});
