import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllhwClient } from '../../src/allhw/client.js';
import type { Image } from '../../src/build/types.js';
import { memoryLogger } from '../../src/common/log.js';
import { parseOutcome } from '../../src/results/parse.js';
import { DEFAULT_POLL_TIMING } from '../../src/run/poll.js';
import { runTasks } from '../../src/run/runner.js';
import { RunTiming } from '../../src/run/timing.js';
import type { InputItem, TaskOutcome } from '../../src/run/types.js';
import { startTimedFarm, type TimedFarm } from './timed-farm.js';
import { itemAt } from '../helpers/item.js';

/*
 * The real runner and client against a loopback farm with a physical timing
 * of its own (not serve's): 1 board, flash 0.3 s, boot 100–250 ms varied per
 * task, 150 ms before a free board starts a task, one status read in three
 * answered 200 ms late.
 */
let dir: string;
let image: Image;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'timed-farm-'));
  image = { name: 'fw', path: path.join(dir, 'fw.elf'), format: 'elf', board: 'f746_disco', size: null };
  await writeFile(image.path, Buffer.alloc(4096, 1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BOOT = [100, 250, 180];
const inputs: InputItem[] = Array.from({ length: 6 }, (_, k) => ({ name: `in-${k}`, source: 'in.txt', line: `#input:${k},${'5,'.repeat(150)}5` }));

async function run(farm: TimedFarm, runTiming: RunTiming, taskInputs: InputItem[]): Promise<{ outcomes: TaskOutcome[]; seenAt: Map<string, number> }> {
  const client = new AllhwClient({ baseUrl: farm.url, apiKey: farm.key, timeoutS: 10, rate: 115200, log: '0' });
  const seenAt = new Map<string, number>();
  try {
    const outcomes = await runTasks({
      client,
      images: [image],
      inputs: taskInputs,
      inputsPerTask: 2,
      uartBuffer: 8192,
      exitLine: '#exit',
      maxParallel: 4,
      retries: 0,
      timeoutS: 10,
      queueTimeoutS: 60,
      log: memoryLogger(),
      runTiming,
      onTaskEnd: async (o) => void seenAt.set(o.id!, Date.now()),
    });
    return { outcomes, seenAt };
  } finally {
    await client.close();
  }
}

describe('the runner against a farm with its own timing', () => {
  it('learns flash + boot within the run, keeps its read budget, and starts the next run from that prior', async () => {
    const farm = await startTimedFarm({
      boards: 1,
      flashMs: 300,
      bootMs: (k) => itemAt(BOOT, k % 3),
      computeMs: 20,
      queueMs: 150,
      answerMs: (r) => (r % 3 === 2 ? 200 : 5),
    });
    try {
      const timing = new RunTiming();
      const first = await run(farm, timing, inputs);
      expect(first.outcomes.map((o) => o.end)).toEqual(['finished', 'finished', 'finished']);
      expect(farm.tasks).toHaveLength(3); // no duplicate task
      for (const o of first.outcomes) expect(parseOutcome(o, { outputCount: 2 }).every((r) => r.status === 'passed')).toBe(true);
      // From the service's timestamps: flash + the least boot + compute (ms-rounded dates).
      expect(timing.overheadMs('fw')).toBeGreaterThanOrEqual(300 + 100 + 20 - 2);
      expect(timing.overheadMs('fw')).toBeLessThanOrEqual(300 + 100 + 20 + 2);
      expect(timing.record().startLagMs).toBeGreaterThanOrEqual(148);
      // The read budget: read n of a task no earlier than n - burst seconds after its POST.
      for (const [k, t] of farm.timeline.entries()) {
        t.readsAt.forEach((at, i) => expect(i + 1).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + (at - t.postedAt) / 1000 + 0.05));
        expect(first.seenAt.get(itemAt(farm.tasks, k).id)).toBeGreaterThanOrEqual(t.endedAt);
      }
      // The last task waited behind the other two: it was not read more often while queued than they ran.
      const last = itemAt(farm.timeline, 2);
      expect(last.readsAt.filter((at) => at < last.startedAt).length).toBeLessThanOrEqual(3);

      // The next run, from the prior, reads its one task fewer times than the first run read its first.
      const second = await run(farm, new RunTiming(timing.record()), inputs.slice(0, 2));
      expect(second.outcomes[0]?.end).toBe('finished');
      expect(farm.timeline[3]?.reads).toBeLessThan(itemAt(farm.timeline, 0).reads);
      expect(farm.timeline[3]?.reads).toBeLessThanOrEqual(2);
    } finally {
      await farm.close();
    }
  });
});
