/**
 * Client and runner fixes found by the fault suite:
 *  - a finished output garbled on the way (not base64 though binary=true was
 *    asked) is read again, as a GET is safe to repeat; a service that really
 *    answers in plain text still gets its text kept once the reads are spent
 *    (scripted loopback server);
 *  - a run cancelled while a POST is in flight does not claim the task was
 *    never created: serve (`slow` holds the answer after creating) shows it was;
 *  - a run of unreadable status answers (more than one read's retries) counts
 *    as a failed poll, tolerated like a network error, not the task's end.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AllhwClient, decodeOutput } from '../../src/allhw/client.js';
import { memoryLogger } from '../../src/common/log.js';
import { runTasks } from '../../src/run/runner.js';
import { startServe } from '../../src/serve/server.js';
import { startLoopback, type Loopback } from '../allhw/loopback.js';
import { tinyFirmware } from '../serve/helpers.js';

const UART = Buffer.from('banner\r\n#result:1,2,3:456\r\n');
const record = (output: string) => JSON.stringify({ status: 'finished', created: 'c', started: 's', finished: 'f', code: 0, output, reservation: 1 });

let server: Loopback | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function client(url: string): AllhwClient {
  return new AllhwClient({ baseUrl: url, apiKey: 'k', timeoutS: 10, rate: 115200, log: '0', retry: { baseDelayMs: 10, maxDelayMs: 20 } });
}

describe('a finished output that is not base64', () => {
  it('is read again until it is', async () => {
    const good = UART.toString('base64');
    const garbled = `${good.slice(0, 10)}*${good.slice(11, -1)}`;
    server = await startLoopback((_req, res, i) => res.end(record(i === 0 ? garbled : good)));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(2);
    expect(decodeOutput(rec.output)).toEqual({ bytes: UART, plainText: false });
  });

  it('is kept as plain text when the service sends the same text on every read', async () => {
    server = await startLoopback((_req, res) => res.end(record(UART.toString('utf8'))));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(5); // the GET budget (getAttempts), then the text rather than an error
    expect(decodeOutput(rec.output)).toEqual({ bytes: UART, plainText: true });
  });

  it('is not re-read while the task runs (partial output is a bonus)', async () => {
    server = await startLoopback((_req, res) => res.end(JSON.stringify({ status: 'running', code: null, output: 'partial text' })));
    const rec = await client(server.url).getTask('t1');
    expect(server.requests).toHaveLength(1);
    expect(rec.output).toBe('partial text');
  });
});

describe('a run cancelled while a POST is in flight', () => {
  it('says the service may have created the task (it did)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'allhw-cancel-post-'));
    const serve = await startServe({ port: 0, boards: 1, keys: ['k'], dataDir, flashMsPerKiB: 0, bootMs: 0, faults: { spec: 'slow=10000:1' } });
    const allhw = new AllhwClient({ baseUrl: serve.url, apiKey: 'k', timeoutS: 5, rate: 115200, log: '0' });
    const cancel = new AbortController();
    try {
      const elf = await tinyFirmware();
      const log = memoryLogger();
      const running = runTasks({
        client: allhw,
        images: [{ name: 'tinyfw', path: elf, format: 'elf', board: 'mps2_an500', size: null }],
        inputs: [{ name: 'a', source: 'a.txt', line: '#input:1,2' }],
        inputsPerTask: 'auto',
        uartBuffer: 8192,
        exitLine: '#code 0',
        maxParallel: 1,
        retries: 0,
        timeoutS: 5,
        queueTimeoutS: 5,
        log,
        signal: cancel.signal,
      });
      // The task exists once serve has its record; the answer is still held back by `slow`.
      await expect.poll(async () => (await readdir(path.join(dataDir, 'tasks'))).length, { timeout: 10_000 }).toBe(1);
      cancel.abort();
      const [outcome] = await running;
      expect(outcome!.id).toBeNull();
      expect(outcome!.reason).toMatch(/cancelled while the task was being created: the service may have created it/);
    } finally {
      await allhw.close();
      await serve.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('status answers that are not JSON', () => {
  async function runAgainst(badReads: number): Promise<{ end: string; reason: string | null; gets: number }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'allhw-bad-json-'));
    const image = path.join(dir, 'fw.elf');
    await writeFile(image, 'firmware');
    let gets = 0;
    server = await startLoopback((req, res) => {
      if (req.method === 'POST') return res.end('task-1');
      gets++;
      res.end(gets <= badReads ? '{"status":"runn' : record(UART.toString('base64')));
    });
    const allhw = new AllhwClient({ baseUrl: server.url, apiKey: 'k', timeoutS: 5, rate: 115200, log: '0', retry: { baseDelayMs: 5, maxDelayMs: 10 } });
    try {
      const [outcome] = await runTasks({
        client: allhw,
        images: [{ name: 'fw', path: image, format: 'elf', board: 'mps2_an500', size: null }],
        inputs: [{ name: 'a', source: 'a.txt', line: '#input:1' }],
        inputsPerTask: 1,
        uartBuffer: 8192,
        exitLine: '',
        maxParallel: 1,
        retries: 0,
        timeoutS: 5,
        queueTimeoutS: 5,
        log: memoryLogger(),
        pollTiming: { firstMs: 10, minMs: 10, maxMs: 20, dueMs: 10, queuedMaxMs: 20 },
      });
      return { end: outcome!.end, reason: outcome!.reason, gets };
    } finally {
      await allhw.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('more bad answers than one read retries do not end the task', async () => {
    const got = await runAgainst(7); // one read gives up after 5 (getAttempts); the next poll goes on
    expect(got.end).toBe('finished');
    expect(got.gets).toBe(8);
  });

  it('answers that stay unreadable end the task with a clear reason, after the allowed poll failures', async () => {
    const got = await runAgainst(Number.POSITIVE_INFINITY);
    expect(got.end).toBe('error');
    expect(got.reason).toMatch(/could not read the task's status: GET .* answered 200 with a body that is not JSON: .*\(after 5 attempts\)/);
    expect(got.gets).toBe(15); // 3 polls (maxPollFailures) × 5 reads
  });
});
