import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AllhwClient } from '../../src/allhw/client.js';
import type { Image } from '../../src/build/types.js';
import { memoryLogger } from '../../src/common/log.js';
import { runTasks, type RunTasksOptions } from '../../src/run/runner.js';
import type { InputItem, TaskOutcome } from '../../src/run/types.js';
import { freePort } from '../allhw/loopback.js';
import { fakeFirmware, startFarm, type Farm, type TaskScript } from './farm.js';
import { itemAt } from '../helpers/item.js';

let dir: string;
let images: Image[];
const farms: Farm[] = [];
const clients: AllhwClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-runner-'));
  images = [];
  for (const name of ['alpha', 'beta']) {
    const p = path.join(dir, `${name}.elf`);
    await writeFile(p, `firmware ${name}`);
    images.push({ name, path: p, format: 'elf', board: 'mps2_an500', size: null });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(farms.splice(0).map((f) => f.close()));
});

const inputs: InputItem[] = Array.from({ length: 6 }, (_, k) => ({ name: `in-${k}`, source: 'in.txt', line: `#input:${k},${k + 1},2` }));

async function farm(script: (input: string, index: number) => TaskScript): Promise<Farm> {
  const f = await startFarm(script);
  farms.push(f);
  return f;
}

function client(f: Farm, timeoutS = 2): AllhwClient {
  const c = new AllhwClient({ baseUrl: f.url, apiKey: f.key, timeoutS, rate: 115200, log: '0', retry: { baseDelayMs: 10, maxDelayMs: 20, getAttempts: 2 } });
  clients.push(c);
  return c;
}

function options(f: Farm, extra: Partial<RunTasksOptions> = {}): RunTasksOptions & { ended: TaskOutcome[] } {
  const ended: TaskOutcome[] = [];
  return {
    client: client(f, extra.timeoutS ?? 2),
    images: images.slice(0, 1),
    inputs,
    inputsPerTask: 'auto',
    uartBuffer: 8192,
    exitLine: '',
    maxParallel: 4,
    retries: 2,
    timeoutS: 2,
    queueTimeoutS: 0,
    deadlineMarginS: 1,
    log: memoryLogger(),
    onTaskEnd: async (o) => {
      ended.push({ ...o });
    },
    ended,
    ...extra,
  };
}

describe('runTasks', () => {
  it('runs every image with every input, one task per group, and collects the UART output', async () => {
    const f = await farm(() => ({ runMs: 300 }));
    const opts = options(f, { images, inputsPerTask: 2, exitLine: '#exit', maxParallel: 2 });
    const out = await runTasks(opts);
    expect(out.map((o) => [o.image, o.inputs.join('+'), o.end, o.code])).toEqual([
      ['alpha', 'in-0+in-1', 'finished', 0],
      ['alpha', 'in-2+in-3', 'finished', 0],
      ['alpha', 'in-4+in-5', 'finished', 0],
      ['beta', 'in-0+in-1', 'finished', 0],
      ['beta', 'in-2+in-3', 'finished', 0],
      ['beta', 'in-4+in-5', 'finished', 0],
    ]);
    expect(f.tasks).toHaveLength(6);
    expect(f.maxInFlight).toBeLessThanOrEqual(2);
    expect(f.tasks[0]?.input).toBe('#input:0,1,2\n#input:1,2,2\n#exit\n');
    expect(f.tasks[3]?.firmwareName).toBe('beta.elf');
    expect(f.tasks[3]?.firmware.toString()).toBe('firmware beta');
    expect(out[0]?.uart.toString()).toBe(fakeFirmware(itemAt(f.tasks, 0).input));
    expect(out[0]).toMatchObject({ reservation: 7, attempt: 1, reason: null });
    expect(itemAt(out, 0).started).not.toBeNull();
    expect(opts.ended).toHaveLength(6);
  });

  it('retries an infrastructure failure (255), keeping each attempt, and reports it after the last', async () => {
    // The first task fails twice then runs; the second always fails.
    const f = await farm((input, i) => {
      const first = input.startsWith('#input:0');
      return { code: (first && i < 2) || !first ? 255 : 0, output: (x) => (first ? fakeFirmware(x) : 'board not responding\n') };
    });
    const opts = options(f, { inputsPerTask: 3, maxParallel: 1, retries: 2 });
    const out = await runTasks(opts);
    expect(out.map((o) => [o.end, o.attempt])).toEqual([
      ['finished', 3],
      ['infra', 3],
    ]);
    expect(out[1]?.reason).toMatch(/could not run the task on a board \(code 255\): board not responding, on each of 3 attempts/);
    expect(opts.ended.map((o) => `${o.planIndex}:${o.attempt}:${o.end}`)).toEqual([
      '0:1:infra',
      '0:2:infra',
      '0:3:finished',
      '1:1:infra',
      '1:2:infra',
      '1:3:infra',
    ]);
    expect(new Set(opts.ended.map((o) => o.id)).size).toBe(6);
  });

  it('reads 156 as ended by the timeout, and keeps polling through unknown status values', async () => {
    const f = await farm(() => ({ runMs: 600, code: 156, runningStatus: 'flashing' }));
    const log = memoryLogger();
    const out = await runTasks(options(f, { inputsPerTask: 'all', log }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ end: 'timeout', code: 156, status: 'finished' });
    expect(log.lines.filter((l) => l.includes("status 'flashing'"))).toHaveLength(1);
  });

  it('gives up at the deadline with the partial output seen, and goes on with the other tasks', async () => {
    const f = await farm((input) => (input.startsWith('#input:0') ? { hang: true, liveOutput: true, runMs: 1000 } : {}));
    const started = Date.now();
    const out = await runTasks(options(f, { inputsPerTask: 3, timeoutS: 1, deadlineMarginS: 1 }));
    expect(out.map((o) => o.end)).toEqual(['deadline', 'finished']);
    expect(out[0]?.reason).toMatch(/no end within 2 s \(ci-timeout 1 s \+ queue-timeout 0 s \+ 1 s margin\); last status 'running'/);
    expect(out[0]?.uart.toString()).toContain('#result:3,3');
    // Coarse: it stopped at its deadline, not at some later time.
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('counts the queue time in the deadline: a task queued past it is reported as such', async () => {
    const f = await farm(() => ({ queueMs: 60_000 }));
    const out = await runTasks(options(f, { inputsPerTask: 'all', timeoutS: 1, queueTimeoutS: 1, deadlineMarginS: 0 }));
    expect(out[0]?.end).toBe('deadline');
    expect(out[0]?.reason).toMatch(/last status 'queued'; 0 UART bytes/);
  });

  it('reports a task that could not be created as an error, and runs the rest', async () => {
    const f = await farm(() => ({}));
    let posts = 0;
    const real = f.server.handle;
    f.server.handle = (req, res, i) => (req.method === 'POST' && posts++ === 0 ? res.writeHead(500).end('boom') : real(req, res, i));
    const out = await runTasks(options(f, { inputsPerTask: 3, maxParallel: 1 }));
    expect(out.map((o) => o.end)).toEqual(['error', 'finished']);
    expect(out[0]?.id).toBeNull();
    expect(out[0]?.reason).toMatch(/could not create the task: POST .*key=\*\*\*.* answered HTTP 500/);
    expect(f.tasks).toHaveLength(1);
  });

  it('reports a service that stops answering status reads, without hanging', async () => {
    const f = await farm(() => ({ runMs: 60_000 }));
    const real = f.server.handle;
    f.server.handle = (req, res, i) => (req.method === 'GET' ? res.writeHead(502).end('bad gateway') : real(req, res, i));
    const out = await runTasks(options(f, { inputsPerTask: 'all', maxPollFailures: 2, timeoutS: 30 }));
    expect(out[0]?.end).toBe('error');
    expect(out[0]?.reason).toMatch(/could not read the task's status: GET .* answered HTTP 502/);
  });

  it('keeps the deadline while the status read is being retried or hangs (Retry-After: 30, or no answer)', async () => {
    for (const misbehave of ['retry-after', 'hang'] as const) {
      const f = await farm(() => ({ runMs: 60_000 }));
      const real = f.server.handle;
      f.server.handle = (req, res, i) => {
        if (req.method !== 'GET') return real(req, res, i);
        if (misbehave === 'retry-after') return res.writeHead(503, { 'retry-after': '30' }).end('busy');
        return undefined; // never answers
      };
      // The client's own patience is far longer than the task's deadline (2 s).
      const c = new AllhwClient({ baseUrl: f.url, apiKey: f.key, timeoutS: 1, rate: 115200, log: '0', retry: { maxRetryAfterMs: 60_000 } });
      clients.push(c);
      const started = Date.now();
      const out = await runTasks({ ...options(f, { inputsPerTask: 'all', timeoutS: 1, deadlineMarginS: 1 }), client: c });
      expect(out[0]?.end).toBe('deadline');
      expect(out[0]?.reason).toMatch(/no end within 2 s .*; last error: the status read was cut short by the deadline \(GET /);
      if (misbehave === 'retry-after') expect(out[0]?.reason).toMatch(/answered HTTP 503: 'busy'\)/);
      // Coarse: given up at its deadline (+ the 5 s the last read may take), not when the client's retries ran out (minutes later).
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  }, 40_000);

  it('reports every task as an error when the farm is unreachable', async () => {
    const port = await freePort();
    const c = new AllhwClient({ baseUrl: `http://127.0.0.1:${port}/`, apiKey: 'k', timeoutS: 1, rate: 1, log: '0', retry: { baseDelayMs: 5, maxDelayMs: 5 } });
    clients.push(c);
    const out = await runTasks({ ...options(await farm(() => ({}))), client: c, inputsPerTask: 2 });
    expect(out.map((o) => o.end)).toEqual(['error', 'error', 'error']);
    expect(out[0]?.reason).toMatch(/ECONNREFUSED/);
  });

  it('stops when cancelled, leaving outcomes for what is known', async () => {
    const f = await farm(() => ({ runMs: 60_000, liveOutput: true }));
    const ac = new AbortController();
    const opts = options(f, { inputsPerTask: 1, maxParallel: 2, timeoutS: 120, signal: ac.signal });
    opts.onTaskCreated = () => {
      if (f.tasks.length === 2) setTimeout(() => ac.abort(), 300);
    };
    const out = await runTasks(opts);
    expect(out).toHaveLength(6);
    expect(out.slice(0, 2).map((o) => [o.end, o.id !== null])).toEqual([
      ['error', true],
      ['error', true],
    ]);
    expect(out[0]?.reason).toMatch(/cancelled while the task was running/);
    expect(out.slice(2).every((o) => o.id === null && /stopped before this task was created \(cancelled\)/.test(o.reason ?? ''))).toBe(true);
    expect(f.tasks).toHaveLength(2);
    expect(opts.ended).toHaveLength(2);
  });
});
