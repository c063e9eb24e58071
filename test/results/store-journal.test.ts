/**
 * The journal and the throttled snapshot: a task's id is on disk the moment
 * it is created, every end is appended, and results.json is rewritten at most
 * once per snapshot interval during a run (whole at the end).
 * The full-disk behaviour runs on a real, tiny tmpfs (mounting needs root,
 * which CI has).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cutMarker, FileWriteError, writeFileAtomic, writeLogFile } from '../../src/common/disk-write.js';
import { parseOutcome } from '../../src/results/parse.js';
import { JOURNAL_FILE, ResultsStore } from '../../src/results/store.js';
import type { Results } from '../../src/results/types.js';
import type { TaskOutcome } from '../../src/run/types.js';
import { itemAt } from '../helpers/item.js';

const KEY = 'journal-secret-key-77';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outcome(i: number, extra: Partial<TaskOutcome> = {}): TaskOutcome {
  return {
    planIndex: i,
    image: 'synth',
    inputs: [`in-${i}`],
    attempt: 1,
    id: `id-${i}`,
    end: 'finished',
    status: 'finished',
    code: 0,
    reservation: 2,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.from(`banner\n#result:${i},2:10\n`),
    reason: null,
    ...extra,
  };
}

const journal = async (d = dir): Promise<Record<string, unknown>[]> =>
  (await readFile(path.join(d, JOURNAL_FILE), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const results = async (d = dir): Promise<Results> => JSON.parse(await readFile(path.join(d, 'results.json'), 'utf8')) as Results;

describe('the task journal', () => {
  it('holds a created task id synchronously, before any await, with the key masked', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { secrets: [KEY] });
    store.recordCreated({ planIndex: 0, attempt: 1, image: 'synth', inputs: ['a.txt'], id: `task-${KEY}` });
    // No await between the call and the read: a kill -9 here would find it.
    const text = execFileSync('cat', [path.join(dir, JOURNAL_FILE)], { encoding: 'utf8' });
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toMatchObject({ event: 'created', id: 'task-***', image: 'synth', inputs: ['a.txt'], attempt: 1 });
  });

  it('appends every end with its entry and results; results.json catches up on finish', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { snapshotMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      const o = outcome(i);
      store.recordCreated({ planIndex: i, attempt: 1, image: o.image, inputs: o.inputs, id: o.id! });
      store.addTask(o, parseOutcome(o, { outputCount: null }));
      store.saveSoon();
    }
    const lines = await journal();
    expect(lines.map((l) => `${String(l.event)} ${String(l.planIndex)}`)).toEqual(['created 0', 'ended 0', 'created 1', 'ended 1', 'created 2', 'ended 2']);
    expect((itemAt(lines, 5).results as unknown[]).length).toBe(1);
    await store.finish();
    expect((await results()).tasks.map((t) => t.id)).toEqual(['id-0', 'id-1', 'id-2']);
  });

  it('saveSoon writes at once after a quiet while, then at most once per interval', async () => {
    const store = await ResultsStore.create(dir, { mode: 'allhw', config: {} }, { snapshotMs: 200 });
    await vi.waitFor(async () => {
      // Once the interval since create()'s save has passed, a call writes at once.
      store.addTask(outcome(0));
      store.saveSoon();
      await store.idle();
      expect((await results()).tasks).toHaveLength(1);
    });
    const slow = await ResultsStore.create(path.join(dir, 'slow'), { mode: 'allhw', config: {} }, { snapshotMs: 60_000 });
    slow.addTask(outcome(1));
    slow.saveSoon();
    slow.addTask(outcome(2));
    slow.saveSoon();
    await slow.idle();
    expect((await results(path.join(dir, 'slow'))).tasks).toHaveLength(0);
    store.addTask(outcome(1));
    store.saveSoon();
    // The deferred snapshot comes by itself.
    await vi.waitFor(async () => expect((await results()).tasks).toHaveLength(2), { timeout: 10_000, interval: 50 });
    await slow.finish();
    expect((await results(path.join(dir, 'slow'))).tasks).toHaveLength(2);
  });
});

const root = process.getuid?.() === 0;

/** A tmpfs of `kib` KiB at a fresh directory; removed by the returned function. */
async function tinyDisk(kib: number): Promise<{ dir: string; done: () => Promise<void> }> {
  const at = await mkdtemp(path.join(tmpdir(), 'allhw-tiny-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', at]);
  return {
    dir: at,
    done: async () => {
      execFileSync('umount', [at]);
      await rm(at, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!root)('on a full disk (tmpfs; needs root)', () => {
  it('a log is whole or ends with a line that says it was cut, and the error names the file and size', async () => {
    const disk = await tinyDisk(64);
    try {
      const big = Buffer.alloc(200 * 1024, 0x41);
      const file = path.join(disk.dir, 'big.uart.log');
      const err = await writeLogFile(file, big).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileWriteError);
      expect((err as Error).message).toBe(
        `could not write big.uart.log (${big.length} bytes) in ${disk.dir}: the disk is full; free at least ${big.length} bytes on that disk or set results-dir to another one`,
      );
      const kept = await readFile(file, 'latin1');
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).toMatch(/\n\[allhw-ci: this log was cut after \d+ of 204800 bytes: the disk was full\]\n$/);
      expect(kept.slice(0, -cutMarker(0, big.length).length + 1)).toMatch(/^A+/);
    } finally {
      await disk.done();
    }
  });

  it('results.json replaces itself in place when no temp copy fits, and leaves no temp file', async () => {
    const disk = await tinyDisk(64);
    try {
      const file = path.join(disk.dir, 'results.json');
      const old = 'x'.repeat(40 * 1024);
      await writeFileAtomic(file, old);
      const fresh = 'y'.repeat(36 * 1024);
      await writeFileAtomic(file, fresh);
      expect(await readFile(file, 'utf8')).toBe(fresh);
      expect(await readdir(disk.dir)).toEqual(['results.json']);
      const err = await writeFileAtomic(file, 'z'.repeat(100 * 1024)).catch((e: unknown) => e);
      expect((err as Error).message).toContain('could not write results.json (102400 bytes)');
      expect((await readdir(disk.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await disk.done();
    }
  });

  it('the store records every task though logs do not fit, and says which files were lost', async () => {
    const disk = await tinyDisk(64);
    try {
      const d = path.join(disk.dir, 'results');
      await mkdir(d);
      const store = await ResultsStore.create(d, { mode: 'allhw', config: {} }, { snapshotMs: 0 });
      for (let i = 0; i < 5; i++) {
        const o = outcome(i, { uart: Buffer.alloc(20 * 1024, 0x30 + i) });
        await store.writeUartLog(o);
        store.addTask(o, parseOutcome(o, { outputCount: null }));
      }
      await store.finish().catch(() => undefined);
      expect(store.failedWrites().length).toBeGreaterThan(0);
      expect(store.failedWrites().join('\n')).toMatch(/could not write id-\d\.uart\.log \(20480 bytes\) in .*: the disk is full/);
      const logs = await readdir(path.join(d, 'logs', 'synth'));
      for (const name of logs) {
        const text = await readFile(path.join(d, 'logs', 'synth', name), 'latin1');
        const whole = (await stat(path.join(d, 'logs', 'synth', name))).size === 20 * 1024;
        expect(whole || /the disk was full\]\n$/.test(text)).toBe(true);
      }
      expect(store.snapshot().tasks).toHaveLength(5);
    } finally {
      await disk.done();
    }
  });
});
