import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import type { Results } from '../../src/results/types.js';
import { farmKey, loadRunTiming, saveRunTiming, timingFile, timingRecord } from '../../src/run/timing-prior.js';
import { RunTiming } from '../../src/run/timing.js';
import { results } from '../report/fixtures.js';
import { itemAt } from '../helpers/item.js';

let cache: string;
beforeEach(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), 'timing-prior-'));
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

const URL_A = 'https://cloud.all-hw.com/ci/usertask';
const learned = (overheadMs: number): RunTiming => {
  const t = new RunTiming();
  t.learn('fw', 700 + overheadMs, 700);
  t.learnStartLag(250);
  return t;
};
const baselineWith = (record: Results['timing']): Results => ({ ...results({}), timing: record });

describe('the timing prior', () => {
  it('is keyed by a hash of the service URL and the board kind; the emulator is one farm whatever its port', () => {
    const a = farmKey('allhw', URL_A, 'f746_disco');
    expect(a.service).toMatch(/^[0-9a-f]{16}$/);
    expect(farmKey('allhw', URL_A, 'f746_disco')).toEqual(a);
    expect(farmKey('allhw', 'https://other.example/ci', 'f746_disco').service).not.toBe(a.service);
    expect(farmKey('emulator', 'http://127.0.0.1:39811/ci/usertask', 'mps2_an500')).toEqual({ service: 'emulator', board: 'mps2_an500' });
    expect(path.basename(timingFile(cache, a))).toBe(`${a.service}-f746_disco.json`);
  });

  it('comes from the baseline of the same farm, and what the run learns goes to results.json and the tool cache', async () => {
    const key = farmKey('allhw', URL_A, 'f746_disco');
    const log = memoryLogger();
    const prior = await loadRunTiming({ baseline: baselineWith(timingRecord(learned(1200), key)), key, toolCacheDir: cache, log });
    expect(prior.overheadMs('fw')).toBe(1200);
    expect(prior.expected('fw', 500)).toMatchObject({ ms: 1700, learned: true, prior: true, startLagMs: 250 });
    // A baseline from another farm (another service, or another board) gives nothing.
    const other = await loadRunTiming({ baseline: baselineWith(timingRecord(learned(1200), { ...key, board: 'mps2_an500' })), key, toolCacheDir: cache, log });
    expect(other.overheadMs('fw')).toBeNull();

    await saveRunTiming(timingRecord(learned(900), key), cache, log);
    const fromCache = await loadRunTiming({ baseline: null, key, toolCacheDir: cache, log });
    expect(fromCache.overheadMs('fw')).toBe(900);
    // Both: the baseline's figures win.
    const both = await loadRunTiming({ baseline: baselineWith(timingRecord(learned(1200), key)), key, toolCacheDir: cache, log });
    expect(both.overheadMs('fw')).toBe(1200);
    const files = await readdir(path.join(cache, 'allhw-timing'));
    expect(files).toEqual([`${key.service}-f746_disco.json`]);
    expect(JSON.parse(await readFile(path.join(cache, 'allhw-timing', itemAt(files, 0)), 'utf8'))).toEqual({
      images: { fw: { overheadMs: 900, tasks: 1 } },
      startLagMs: 250,
      service: key.service,
      board: 'f746_disco',
    });
  });

  it('an unreadable cache file is no prior, not a failure', async () => {
    const key = farmKey('allhw', URL_A, 'f746_disco');
    await mkdir(path.dirname(timingFile(cache, key)), { recursive: true });
    await writeFile(timingFile(cache, key), '{not json');
    expect((await loadRunTiming({ baseline: null, key, toolCacheDir: cache, log: memoryLogger() })).overheadMs('fw')).toBeNull();
  });

  it("a prior is replaced by the run's first figure, then the least is kept", () => {
    const t = new RunTiming({ images: { fw: { overheadMs: 300, tasks: 4 } } });
    t.learn('fw', 700 + 1000, 700);
    expect(t.overheadMs('fw')).toBe(1000);
    t.learn('fw', 700 + 1100, 700);
    t.learn('fw', 700 + 950, 700);
    expect(t.overheadMs('fw')).toBe(950);
    expect(t.record().images.fw).toEqual({ overheadMs: 950, tasks: 3 });
    // Another image of the same board borrows it as a prior.
    expect(t.expected('other', 100)).toMatchObject({ ms: 1050, learned: true, prior: true });
  });
});
