/**
 * `allhw serve --faults`: the spec, the flags, and each fault kind as a
 * plain HTTP client meets it on a real server with QEMU boards (the tiny
 * fixture firmware: `#code 0` ends it at once).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/allhw/contract.js';
import { parseServeFlags } from '../../src/cli/serve.js';
import { FAULT_JOURNAL, parseFaultSpec, type FaultJournalEntry } from '../../src/serve/faults.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { postTask, tinyFirmware, waitFinished } from '../serve/helpers.js';

const KEY = 'faults-test-key';
const INPUT = 'hello\n#code 0\n';
let firmware: string;
let root: string;

beforeAll(async () => {
  firmware = await tinyFirmware();
  root = await mkdtemp(path.join(os.tmpdir(), 'allhw-faults-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function withServe<T>(spec: string, fn: (serve: RunningServe) => Promise<T>, seed = 1): Promise<T> {
  const dataDir = await mkdtemp(path.join(root, 'data-'));
  const serve = await startServe({ port: 0, boards: 2, keys: [KEY], dataDir, flashMsPerKiB: 0, bootMs: 0, faults: { spec, seed } });
  try {
    return await fn(serve);
  } finally {
    await serve.close();
  }
}

const post = (url: string) => postTask(url, firmware, INPUT, { key: KEY, binary: true, timeout: 10 });

async function get(url: string, id: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}?id=${encodeURIComponent(id)}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A GET that tells a dropped connection from an answer (fetch hides the difference in its message). */
function rawGet(url: string, id: string): Promise<'reset' | number> {
  return new Promise((resolve) => {
    const req = request(`${url}?id=${encodeURIComponent(id)}`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNRESET' || /socket hang up/.test(err.message) ? 'reset' : 0));
    req.end();
  });
}

async function tasksCreated(dataDir: string): Promise<string[]> {
  const ids = await readdir(path.join(dataDir, 'tasks'));
  const made: string[] = [];
  for (const id of ids) if (await readFile(path.join(dataDir, 'tasks', id, 'task.json')).catch(() => null)) made.push(id);
  return made;
}

/** The journal so far (it is appended asynchronously: read it with expect.poll). */
async function journal(dataDir: string): Promise<FaultJournalEntry[]> {
  const text = await readFile(path.join(dataDir, FAULT_JOURNAL), 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FaultJournalEntry);
}

describe('the --faults spec', () => {
  it('reads kinds, values and probabilities', () => {
    expect(parseFaultSpec('503:0.3, reset:0.1,slow=1500:.5,huge:1')).toEqual([
      { kind: '503', probability: 0.3, value: null },
      { kind: 'reset', probability: 0.1, value: null },
      { kind: 'slow', probability: 0.5, value: 1500 },
      { kind: 'huge', probability: 1, value: 50 },
    ]);
  });

  it.each([
    ['', /--faults is empty/],
    ['teapot:0.1', /unknown fault kind "teapot"; known kinds: .*503.*never-finish/],
    ['503:1.5', /probability "1.5" of 503 is not a number from 0 to 1/],
    ['503:-0.1', /probability "-0.1" of 503/],
    ['503', /"503" is not kind\[=value\]:probability/],
    ['reset=2:0.1', /reset takes no =value/],
    ['slow=soon:0.1', /slow=soon is not a number of ms/],
    ['503:0.6,500:0.5', /request faults' probabilities add up to 1.1, more than 1/],
    ['never-finish:0.6,code-255:0.6', /task faults' probabilities .* add up to 1.2/],
    ['503:0.1,503:0.2', /503 is given twice/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });

  it('is a serve flag with a seed; a bad one is a flag error, a seed alone too', () => {
    expect(parseServeFlags(['--faults', '503:0.3', '--faults-seed', '7'], {})).toMatchObject({ faults: { spec: '503:0.3', seed: 7 } });
    expect(parseServeFlags(['--faults=reset:0.1'], {})).toMatchObject({ faults: { spec: 'reset:0.1', seed: 1 } });
    expect(() => parseServeFlags(['--faults', '999:0.1'], {})).toThrow(/unknown fault kind "999"/);
    expect(() => parseServeFlags(['--faults-seed', '3'], {})).toThrow(/--faults-seed needs --faults/);
    expect(() => parseServeFlags(['--faults', '503:0.1', '--faults-seed', 'x'], {})).toThrow(/--faults-seed "x" is not a whole number/);
  });
});

describe('faults on POST', () => {
  it('an HTTP error comes before the task is created, with Retry-After when asked', async () => {
    await withServe('503-retry-after=3:1', async (serve) => {
      const res = await fetch(`${serve.url}?key=${KEY}`, { method: 'POST', body: new FormData() });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(await res.text()).toMatch(/Fault injected by allhw serve --faults: HTTP 503/);
      const answer = await post(serve.url);
      expect(answer.status).toBe(503);
      expect(await tasksCreated(serve.dataDir)).toEqual([]);
    });
  });

  it('a reset after creating leaves a task the client never heard of; reset-upload leaves none', async () => {
    await withServe('reset:1', async (serve) => {
      await expect(post(serve.url)).rejects.toThrow(/fetch failed/);
      await expect.poll(() => tasksCreated(serve.dataDir)).toHaveLength(1);
      const [made] = await tasksCreated(serve.dataDir);
      await expect.poll(() => journal(serve.dataDir)).toContainEqual({ event: 'fault', kind: 'reset', verb: 'POST', id: made });
    });
    await withServe('reset-upload:1', async (serve) => {
      await expect(post(serve.url)).rejects.toThrow(/fetch failed/);
      expect(await tasksCreated(serve.dataDir)).toEqual([]);
    });
  });

  it('empty-id creates the task and answers 200 with nothing, then with whitespace', async () => {
    await withServe('empty-id:1', async (serve) => {
      expect(await post(serve.url)).toEqual({ status: 200, body: '' });
      expect(await post(serve.url)).toEqual({ status: 200, body: ' \r\n' });
      expect(await tasksCreated(serve.dataDir)).toHaveLength(2);
    });
  });
});

describe('faults on GET', () => {
  it('never-finish: the record says running long after the board finished', async () => {
    await withServe('never-finish:1', async (serve) => {
      const id = (await post(serve.url)).body;
      await expect
        .poll(async () => JSON.parse(await readFile(path.join(serve.dataDir, 'tasks', id, 'task.json'), 'utf8')).status, { timeout: 20_000 })
        .toBe('finished');
      const rec = JSON.parse((await get(serve.url, id)).text) as TaskRecord;
      expect(rec).toMatchObject({ status: 'running', code: null, output: null, finished: null });
    });
  });

  it('code-255: finished with 255 and a message saying why', async () => {
    await withServe('code-255:1', async (serve) => {
      const rec = await waitFinished(serve.url, (await post(serve.url)).body);
      expect(rec.code).toBe(255);
      expect(Buffer.from(rec.output!, 'base64').toString()).toMatch(/board could not be started.*code 255/);
    });
  });

  it('huge: the real output first, padded to the size asked', async () => {
    await withServe('huge=2:1', async (serve) => {
      const rec = await waitFinished(serve.url, (await post(serve.url)).body);
      const bytes = Buffer.from(rec.output!, 'base64');
      expect(bytes.length).toBe(2 * 1024 * 1024);
      expect(bytes.subarray(0, 200).toString()).toMatch(/^tinyfw/m);
    });
  });

  it('bad-base64 garbles a finished output; malformed-json cuts the record; both are journaled as not delivered', async () => {
    await withServe('bad-base64:1', async (serve) => {
      const id = (await post(serve.url)).body;
      await expect
        .poll(async () => JSON.parse(await readFile(path.join(serve.dataDir, 'tasks', id, 'task.json'), 'utf8')).status, { timeout: 20_000 })
        .toBe('finished');
      const rec = JSON.parse((await get(serve.url, id)).text) as TaskRecord;
      expect(rec.output).toMatch(/\*/);
      await expect.poll(async () => (await journal(serve.dataDir)).find((e) => e.event === 'finished')).toMatchObject({ id, delivered: false });
    });
    await withServe('malformed-json:1', async (serve) => {
      const id = (await post(serve.url)).body;
      const answer = await get(serve.url, id);
      expect(answer.status).toBe(200);
      expect(() => JSON.parse(answer.text)).toThrow();
    });
  });

  it('reset drops the connection; slow holds the answer back', async () => {
    await withServe('reset:1', async (serve) => {
      expect(await rawGet(serve.url, 'any-id')).toBe('reset');
    });
    await withServe('slow=400:1', async (serve) => {
      const began = performance.now();
      expect((await get(serve.url, 'no-such-id')).status).toBe(404);
      expect(performance.now() - began).toBeGreaterThanOrEqual(390);
    });
  });

  it('the same seed draws the same faults; the key is in no journal line', async () => {
    const statuses = (seed: number) =>
      withServe(
        '503:0.5',
        async (serve) => {
          const seen: number[] = [];
          for (let i = 0; i < 24; i++) seen.push((await get(serve.url, 'no-such-id')).status);
          const text = await readFile(path.join(serve.dataDir, FAULT_JOURNAL), 'utf8');
          expect(text).not.toContain(KEY);
          return seen;
        },
        seed,
      );
    const first = await statuses(42);
    expect(new Set(first)).toEqual(new Set([404, 503]));
    expect(await statuses(42)).toEqual(first);
    expect(await statuses(43)).not.toEqual(first);
  });

  it('close() lets a held answer go and leaves the journal complete', async () => {
    const dataDir = await mkdtemp(path.join(root, 'data-'));
    const serve = await startServe({ port: 0, boards: 1, dataDir, flashMsPerKiB: 0, bootMs: 0, faults: { spec: 'slow=600000:1' } });
    const held = get(serve.url, 'no-such-id').then(
      () => 'answered',
      () => 'dropped',
    );
    await expect.poll(() => journal(dataDir)).toContainEqual({ event: 'fault', kind: 'slow', verb: 'GET', id: 'no-such-id' });
    const began = performance.now();
    await serve.close();
    expect(performance.now() - began).toBeLessThan(10_000); // not the 10 minutes the answer was held for
    expect(await held).toBe('dropped');
    const lines = (await readFile(path.join(dataDir, FAULT_JOURNAL), 'utf8')).split('\n');
    expect(lines.at(-1)).toBe(''); // every line whole
    await rm(dataDir, { recursive: true });
  });
});
