import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL_TIMING, PollSchedule } from '../../src/run/poll.js';
import { RunTiming } from '../../src/run/timing.js';
import { simulateRun, type FarmTiming, type SimReport } from './sim-farm.js';
import { itemAt } from '../helpers/item.js';

/*
 * The schedule against simulated farms whose timing is not serve's model:
 * flash 0.2 s, 1 s, 3 s (whatever the image size), boot times that vary per
 * task, the service's own lag before a free board starts a task, answers
 * that come late, a service clock off from ours.
 */
const FLASH_MS = [200, 1000, 3000];
const VARIANTS: [string, Partial<FarmTiming>][] = [
  ['quick answers, clock +41 s', { answerMs: 30, clockSkewMs: 41_000 }],
  ['start lag 0.4 s, clock -7 s', { queueMs: 400, clockSkewMs: -7_000 }],
  ['one answer in five 250 ms late', { answerMs: (r) => (r % 5 === 4 ? 250 : 50), postMs: 150 }],
];
const farms: FarmTiming[] = FLASH_MS.flatMap((flashMs) =>
  VARIANTS.map(([label, v]) => ({
    name: `flash ${flashMs / 1000} s, ${label}`,
    boards: 1,
    flashMs,
    bootMs: (k: number) => 120 + ((k * 173) % 380),
    computeMs: 35,
    queueMs: 0,
    answerMs: 50,
    postMs: 60,
    clockSkewMs: 0,
    timestamps: true,
    ...v,
  })),
);
/** ~8 KB of input: 0.69 s at 115200 baud. */
const tasks = (n: number) => Array.from({ length: n }, () => ({ image: 'fw', payloadBytes: 7950 }));

const lifeS = (t: SimReport['tasks'][number]): number => (t.seenAt - t.postedAt) / 1000;
const ratio = (t: SimReport['tasks'][number]): number => (t.seenAt - t.postedAt) / (t.endedAt - t.postedAt);
const meanRate = (r: SimReport): number => r.tasks.reduce((a, t) => a + t.polls / lifeS(t), 0) / r.tasks.length;

describe.each(farms)('against a farm: $name', (farm) => {
  it('with a prior from an earlier run: every end seen within 1.2× its physical limit, ≤ 1 read/s per task', () => {
    const earlier = simulateRun({ farm, tasks: tasks(5), maxParallel: 5 });
    for (const n of [1, 5]) {
      const r = simulateRun({ farm, tasks: tasks(n), maxParallel: 5, runTiming: new RunTiming(earlier.runTiming.record()) });
      for (const t of r.tasks) expect(ratio(t), `task of ${n}`).toBeLessThanOrEqual(1.2);
      expect(r.wallMs / r.limitMs).toBeLessThanOrEqual(1.2);
      expect(meanRate(r), `${n} task(s)`).toBeLessThanOrEqual(1);
    }
  });

  it('learning within the run: tasks after the first are seen within 1.2×, at ≤ 1 read/s per task; the run within 1.2×', () => {
    const r = simulateRun({ farm, tasks: tasks(5), maxParallel: 5 });
    const later = { ...r, tasks: r.tasks.slice(1) };
    for (const t of later.tasks) expect(ratio(t)).toBeLessThanOrEqual(1.2);
    expect(meanRate(later)).toBeLessThanOrEqual(1);
    expect(r.wallMs / r.limitMs).toBeLessThanOrEqual(1.2);
    // What it learned is the farm's flash + the least boot + compute, from the service's own timestamps.
    expect(r.runTiming.overheadMs('fw')).toBeCloseTo(farm.flashMs + 120 + farm.computeMs, 0);
    expect(r.runTiming.record().startLagMs).toBe(farm.queueMs);
  });

  it('keeps its rate budget at every moment, even with nothing known', () => {
    for (const n of [1, 5]) {
      const reads: number[][] = tasks(n).map(() => []);
      const r = simulateRun({ farm, tasks: tasks(n), maxParallel: 5, onRead: (k, at) => itemAt(reads, k).push(at) });
      r.tasks.forEach((t, k) => {
        itemAt(reads, k).forEach((at, i) => expect(i + 1).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + (at - t.postedAt - farm.postMs) / 1000 + 1e-9));
      });
    }
  });
});

describe('learning and priors', () => {
  const farm = itemAt(farms, 4); // flash 1 s, a start lag

  it('a prior from the baseline saves reads against starting from nothing', () => {
    const cold = simulateRun({ farm, tasks: tasks(1), maxParallel: 1 });
    const warm = simulateRun({ farm, tasks: tasks(1), maxParallel: 1, runTiming: new RunTiming(cold.runTiming.record()) });
    const [warmTask, coldTask] = [itemAt(warm.tasks, 0), itemAt(cold.tasks, 0)];
    expect(warmTask.polls).toBeLessThan(coldTask.polls);
    expect(warmTask.polls).toBeLessThanOrEqual(2);
    expect(ratio(warmTask)).toBeLessThan(ratio(coldTask));
  });

  it("a prior that is wrong (the farm got slower) is replaced by the run's own figure", () => {
    const fast = simulateRun({ farm: { ...farm, flashMs: 200 }, tasks: tasks(1), maxParallel: 1 });
    const timing = new RunTiming(fast.runTiming.record());
    const r = simulateRun({ farm, tasks: tasks(3), maxParallel: 1, runTiming: timing });
    expect(timing.overheadMs('fw')).toBeCloseTo(farm.flashMs + 120 + farm.computeMs, 0);
    for (const t of r.tasks) expect(ratio(t)).toBeLessThanOrEqual(1.2);
  });

  it('on a farm of 2 boards, each board freed goes to one waiting task', () => {
    const two = { ...farm, boards: 2 };
    const earlier = simulateRun({ farm: two, tasks: tasks(2), maxParallel: 2 });
    const r = simulateRun({ farm: two, tasks: tasks(8), maxParallel: 8, runTiming: new RunTiming(earlier.runTiming.record()) });
    for (const t of r.tasks) expect(ratio(t)).toBeLessThanOrEqual(1.2);
    expect(meanRate(r)).toBeLessThanOrEqual(1);
  });

  it('without readable timestamps it learns a lower bound from its own reads, and still sees ends in time', () => {
    const r = simulateRun({ farm: { ...farm, timestamps: false }, tasks: tasks(5), maxParallel: 5 });
    // A bound from its own reads: never more than the least true overhead (flash + least boot + compute).
    const learned = r.runTiming.overheadMs('fw');
    expect(learned).not.toBeNull();
    expect(learned!).toBeLessThanOrEqual(farm.flashMs + 120 + farm.computeMs);
    expect(r.runTiming.record().images).toEqual({}); // a bound is not handed on as a prior
    expect(r.wallMs / r.limitMs).toBeLessThanOrEqual(1.2);
  });
});

describe('PollSchedule, step by step', () => {
  const created = 10_000;

  it('waits for the earliest end before its first read, and looks once early when that end is far', () => {
    const near = new PollSchedule(created, 30_000, {}, () => ({ ms: 1_200, learned: true }));
    expect(near.nextDelay(created)).toBe(1_200 + DEFAULT_POLL_TIMING.knownLateMs);
    const far = new PollSchedule(created, 30_000, {}, () => ({ ms: 6_000, learned: true }));
    expect(far.nextDelay(created)).toBe(DEFAULT_POLL_TIMING.firstMs);
  });

  it('reads a queued task more slowly the longer it waits, and a change of status starts over', () => {
    const s = new PollSchedule(created, 30_000, {}, () => ({ ms: 700, learned: false }));
    let now = created;
    const gaps: number[] = [];
    for (let i = 0; i < 20; i++) {
      now += s.nextDelay(now);
      s.observe(now, { status: 'queued', started: false, sentAt: now });
      gaps.push(s.nextDelay(now));
    }
    gaps.slice(1).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(itemAt(gaps, i)));
    expect(gaps.at(-1)).toBeGreaterThan(5_000);
    expect(gaps.at(-1)).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.queuedMaxMs);
    // Running, with the service's start time: the end-watch starts from that start.
    s.observe(now + 20, { status: 'running', started: true, startedAt: now, sentAt: now });
    expect(s.nextDelay(now + 20)).toBeLessThanOrEqual(700);
    // Back to queued (the service moved it): quick again, then slower.
    s.observe(now + 800, { status: 'queued', started: false, sentAt: now + 800 });
    expect(s.nextDelay(now + 800)).toBeLessThan(gaps.at(-1)!);
  });

  it('a queued task is looked at soon after another task of the run is seen ending', () => {
    let freed: number | null = null;
    const s = new PollSchedule(created, 30_000, {}, () => ({ ms: 700, learned: false, boardFreedAt: freed, behindRunTasks: true }));
    const now = created + 2_000;
    s.observe(now, { status: 'queued', started: false, sentAt: now - 10 });
    // Behind the run's own tasks: it waits for their ends.
    expect(s.nextDelay(now)).toBe(DEFAULT_POLL_TIMING.queuedMaxMs);
    freed = now + 100;
    expect(s.nextDelay(now + 100)).toBe(DEFAULT_POLL_TIMING.firstMs);
  });

  it('reads quickly around the timeout of a task that runs to it', () => {
    const s = new PollSchedule(0, 20_000, {}, () => ({ ms: 700, learned: false }));
    s.observe(500, { status: 'running', started: true, startedAt: 100, sentAt: 450 });
    let now = 500;
    const at: number[] = [];
    while (now < 22_000) {
      now += s.nextDelay(now);
      at.push(now);
      s.observe(now, { status: 'running', started: true, startedAt: 100, sentAt: now });
    }
    expect(at).toContain(20_100);
    const due = at.filter((t) => t >= 20_100 && t <= 21_100);
    expect(due.length).toBeGreaterThanOrEqual(4);
    at.forEach((t, i) => expect(i + 2).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + t / 1000));
  });
});
