import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOutcome } from '../../src/results/parse.js';
import { JOURNAL_FILE, ResultsStore } from '../../src/results/store.js';
import type { Results } from '../../src/results/types.js';
import type { TaskOutcome } from '../../src/run/types.js';

const KEY = 'super-secret-key-4242';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outcome(extra: Partial<TaskOutcome>): TaskOutcome {
  return {
    planIndex: 0,
    image: 'synth',
    inputs: ['a', 'b'],
    attempt: 1,
    id: 'id-1',
    end: 'finished',
    status: 'finished',
    code: 0,
    reservation: 2,
    created: '2024-01-01T00:00:00Z',
    started: '2024-01-01T00:00:01Z',
    finished: '2024-01-01T00:00:02Z',
    uart: Buffer.from('banner\n#result:1,2:10\n#result:3,4:20\n'),
    reason: null,
    ...extra,
  };
}

const read = async (): Promise<Results> => JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;

describe('ResultsStore', () => {
  it('writes results.json at once, then tasks, logs and results as they arrive', async () => {
    const store = await ResultsStore.create(dir, { mode: 'emulator', config: { run: { retries: 2 } } });
    expect(await read()).toMatchObject({ version: 1, mode: 'emulator', finishedAt: null, tasks: [], results: [] });

    const o = outcome({});
    const log = await store.writeUartLog(o);
    expect(log).toBe('logs/synth/id-1.uart.log');
    expect((await readFile(path.join(dir, log!))).equals(o.uart)).toBe(true);
    store.addTask(o, parseOutcome(o, { outputCount: 2 }));
    await store.save();
    const saved = await read();
    expect(saved.tasks).toEqual([
      {
        id: 'id-1',
        image: 'synth',
        inputs: ['a', 'b'],
        attempt: 1,
        status: 'finished',
        end: 'finished',
        code: 0,
        reservation: 2,
        created: '2024-01-01T00:00:00Z',
        started: '2024-01-01T00:00:01Z',
        finished: '2024-01-01T00:00:02Z',
        log: 'logs/synth/id-1.uart.log',
        reason: null,
      },
    ]);
    expect(saved.results.map((r) => [r.input, r.status, r.outputs])).toEqual([
      ['a', 'passed', [1, 2]],
      ['b', 'passed', [3, 4]],
    ]);
    expect(saved.totals).toEqual({ inputs: 2, passed: 2, failed: 0, errors: 0, tasks: 1 });

    store.setError('cancelled');
    await store.finish();
    const final = await read();
    expect(final.finishedAt).not.toBeNull();
    expect(final.error).toBe('cancelled');
    expect(final).toEqual(store.snapshot());
  });

  it('keeps every attempt, logs failed ones and tasks never created, and replaces results of a retried task', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} });
    const first = outcome({ id: 'id-1', end: 'infra', code: 255, uart: Buffer.from('no board\n'), reason: 'code 255' });
    const second = outcome({ id: 'id/2?', attempt: 2 });
    const never = outcome({ id: null, planIndex: 4, inputs: ['c'], attempt: 1, end: 'error', uart: Buffer.alloc(0), reason: 'HTTP 500' });
    const logs = new Map<TaskOutcome, string | null>();
    for (const o of [first, second, never]) {
      logs.set(o, await store.writeUartLog(o));
      store.addTask(o, parseOutcome(o, { outputCount: null }));
    }
    await store.save();
    // An id unsafe in a path keeps its plain characters and gains a hash: 'id/2?' and 'id_2_' never share a log.
    expect(logs.get(second)).toMatch(/^logs\/synth\/id_2_-[0-9a-f]{8}\.uart\.log$/);
    expect(logs.get(never)).toBe('logs/synth/plan-5-attempt-1.uart.log');
    expect((await readdir(path.join(dir, 'logs/synth'))).sort()).toEqual(['id-1.uart.log', path.basename(logs.get(second)!), 'plan-5-attempt-1.uart.log']);
    const saved = await read();
    expect(saved.tasks.map((t) => [t.id, t.attempt, t.end])).toEqual([
      ['id-1', 1, 'infra'],
      ['id/2?', 2, 'finished'],
      [null, 1, 'error'],
    ]);
    // The retry's results replace the failed attempt's.
    expect(saved.results.map((r) => [r.input, r.status, r.attempt])).toEqual([
      ['a', 'passed', 2],
      ['b', 'passed', 2],
      ['c', 'error', 1],
    ]);
    expect(saved.totals).toMatchObject({ inputs: 3, passed: 2, errors: 1, tasks: 3 });
  });

  it('never writes a secret, even one hidden in a reason or a URL', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: { allhw: { apiKey: KEY } } }, { secrets: [KEY] });
    const o = outcome({ end: 'error', reason: `POST https://h/ci?key=other-key&timeout=5 failed; key ${KEY}` });
    await store.writeUartLog(o);
    store.addTask(o);
    await store.save();
    const text = await readFile(path.join(dir, 'results.json'), 'utf8');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('other-key');
    expect(text).toContain('key=***&timeout=5');
  });

  it('journals through the same redactor: no spelling of the key in tasks.jsonl, nor in a log file name', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { secrets: [KEY] });
    // A hostile service answering the key (base64) as the task id, and echoing it \u-escaped in the reason.
    const id = Buffer.from(KEY).toString('base64');
    store.recordCreated({ planIndex: 0, attempt: 1, image: 'synth', inputs: ['a'], id });
    const o = outcome({ id, end: 'error', reason: `refused ${KEY.replace(/-/g, '\\u002d')}` });
    const log = await store.writeUartLog(o);
    store.addTask(o);
    const journal = await readFile(path.join(dir, JOURNAL_FILE), 'utf8');
    expect(
      journal
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event),
    ).toEqual(['created', 'ended']);
    for (const text of [journal, log!]) {
      expect(text).not.toContain(id);
      expect(text).not.toContain('4242');
    }
    expect(log).toMatch(/^logs\/synth\/masked-[0-9a-f]{16}\.uart\.log$/);
  });

  it('masks the secrets in a UART log, and writes any other log byte for byte', async () => {
    const secrets = [KEY, encodeURIComponent('k3y/with+chars')];
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { secrets });
    const leaky = outcome({ id: 'leaky', uart: Buffer.from(`banner ${KEY}\n${KEY}${KEY} k3y%2Fwith%2Bchars\xff\n`, 'latin1') });
    const log = await readFile(path.join(dir, (await store.writeUartLog(leaky))!), 'latin1');
    expect(log).toBe('banner ***\n****** ***\xff\n');
    const bytes = Buffer.from([...Array(256).keys()]);
    const clean = outcome({ id: 'clean', uart: Buffer.concat([bytes, Buffer.from(KEY.slice(0, -1))]) });
    expect((await readFile(path.join(dir, (await store.writeUartLog(clean))!))).equals(clean.uart)).toBe(true);
  });

  it('masks values, never property names, so a short key leaves results.json whole', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { secrets: ['k', 's'] });
    const o = outcome({ end: 'error', reason: 'keys leak' });
    store.addTask(o, parseOutcome(o, { outputCount: null }));
    await store.save();
    const r = await read();
    expect(r.tasks).toHaveLength(1);
    expect(r.totals.tasks).toBe(1);
    expect(r.tasks[0]?.reason).toBe('***ey*** lea***');
  });

  it('leaves a complete results.json whatever the order concurrent saves finish in', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} });
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      store.addTask(outcome({ id: `id-${i}` }));
      saves.push(store.save());
    }
    await Promise.all(saves);
    expect((await read()).tasks).toHaveLength(20);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
