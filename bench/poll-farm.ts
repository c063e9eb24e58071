/**
 * How soon the runner sees each task end, against farms whose timing is not
 * serve's model, and what it costs in status reads. Printed, not asserted.
 *
 * For each farm timing (flash 0.2 s, 1 s, 3 s; boot time varied per task; a
 * service lag before a free board starts a task; one status read in four
 * answered 0.7 s late), one image's input of ~8 KB (10 inputs and an exit
 * line, 0.7 s on the wire at 115200 baud) is run as 1 task, and as 5 tasks
 * queued on the farm's 1 board, with
 *   before  the schedule this one replaced (kept here only),
 *   after   the current one, starting from nothing,
 *   prior   the current one, starting from what `after` learned (as the next
 *           run does through the baseline's results.json or the timing file).
 * wall / limit: the first POST to the last end seen, over the first POST to
 * the farm's last end (flash + boot + UART + compute, and queueing behind the
 * other tasks: nothing a client does can beat it).
 * reads/s: status reads of a task over its life (POST to end seen); mean and
 * worst task.
 *
 * Part 1 runs the real runner and client against a loopback HTTP farm
 * (test/run/timed-farm.ts), all farms at once, in real time (~40 s).
 * Part 2 sweeps more timings in virtual time (test/run/sim-farm.ts):
 * unreadable timestamps, a skewed service clock, slower answers.
 *
 * Run: npm run bench -- poll-farm [--flash S] [--tasks N] [--trace]
 * (--flash/--tasks: only that farm timing / task count; --trace: each task's reads in part 1)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AllhwClient } from '../src/allhw/client.js';
import { memoryLogger } from '../src/common/log.js';
import { runTasks } from '../src/run/runner.js';
import { RunTiming } from '../src/run/timing.js';
import type { InputItem } from '../src/run/types.js';
import type { ScheduleFactory } from '../src/run/watch.js';
import { simulateRun, type FarmTiming } from '../test/run/sim-farm.js';
import { startTimedFarm } from '../test/run/timed-farm.js';
import { PollSchedule as FormerSchedule } from './old-poll.js';
import { itemAt } from '../test/helpers/item.js';

const former: ScheduleFactory = (createdAt, timeoutMs, expected) => new FormerSchedule(createdAt, timeoutMs, {}, expected);
const { values: args } = parseArgs({ options: { flash: { type: 'string' }, tasks: { type: 'string' }, trace: { type: 'boolean' } } });
const FLASH_S = args.flash ? [Number(args.flash)] : [0.2, 1, 3];
const TASKS = args.tasks ? [Number(args.tasks)] : [1, 5];
const boot = (k: number): number => 150 + ((k * 211) % 400);
const answer = (read: number): number => (read % 4 === 3 ? 700 : 40);

/** 10 inputs of ~790 bytes each per task. */
function inputsFor(tasks: number): InputItem[] {
  return Array.from({ length: tasks * 10 }, (_, k) => ({
    name: `in-${k}`,
    source: 'in.txt',
    line: `#input:${Array.from({ length: 196 }, (_, v) => ((v * 7 + k) % 900) + 100).join(',')}`.slice(0, 789),
  }));
}

interface Figures {
  ratio: number;
  meanRate: number;
  worstRate: number;
  learnedMs: number | null;
}

async function measure(
  image: string,
  flashS: number,
  tasks: number,
  schedule: 'before' | 'after',
  prior: RunTiming | null,
): Promise<Figures & { timing: RunTiming }> {
  const farm = await startTimedFarm({ boards: 1, flashMs: flashS * 1000, bootMs: boot, computeMs: 40, queueMs: 300, answerMs: answer });
  const client = new AllhwClient({ baseUrl: farm.url, apiKey: farm.key, timeoutS: 30, rate: 115200, log: '0' });
  const runTiming = prior ?? new RunTiming();
  const seenAt = new Map<string, number>();
  try {
    await runTasks({
      client,
      images: [{ name: 'fw', path: image, format: 'elf', board: 'f746_disco', size: null }],
      inputs: inputsFor(tasks),
      inputsPerTask: 10,
      uartBuffer: 8192,
      exitLine: '#exit',
      maxParallel: 5,
      retries: 0,
      timeoutS: 30,
      queueTimeoutS: 600,
      log: memoryLogger(),
      runTiming,
      schedule: schedule === 'before' ? former : undefined,
      onTaskEnd: async (o) => void seenAt.set(o.id!, Date.now()),
    });
  } finally {
    await client.close();
    await farm.close();
  }
  const first = Math.min(...farm.timeline.map((t) => t.postedAt));
  const seen = (k: number): number => seenAt.get(itemAt(farm.tasks, k).id)!;
  if (args.trace) {
    const at = (t: number): string => ((t - first) / 1000).toFixed(2);
    farm.timeline.forEach((t, k) =>
      console.log(
        `   [${schedule}${prior ? ' prior' : ''} flash ${flashS} task ${k}] start ${at(t.startedAt)} end ${at(t.endedAt)} reads ${t.readsAt.map(at).join(' ')} seen ${at(seen(k))}`,
      ),
    );
  }
  const limit = Math.max(...farm.timeline.map((t) => t.endedAt)) - first;
  const wall = Math.max(...seenAt.values()) - first;
  const rates = farm.timeline.map((t, k) => t.reads / ((seen(k) - t.postedAt) / 1000));
  return {
    ratio: wall / limit,
    meanRate: rates.reduce((a, b) => a + b, 0) / rates.length,
    worstRate: Math.max(...rates),
    learnedMs: Math.round(runTiming.overheadMs('fw') ?? NaN),
    timing: runTiming,
  };
}

const cell = (f: Figures): string => `${f.ratio.toFixed(2)}× ${f.meanRate.toFixed(2)}/${f.worstRate.toFixed(2)}`;

async function realFarms(image: string): Promise<void> {
  console.log('1. Real runner and client, loopback farm of 1 board (wall/limit, reads/s per task mean/worst)');
  console.log('   farm        tasks  before             after              prior              flash+boot+compute learned');
  const rows = await Promise.all(
    FLASH_S.flatMap((flashS) =>
      TASKS.map(async (tasks) => {
        const [before, after] = await Promise.all([measure(image, flashS, tasks, 'before', null), measure(image, flashS, tasks, 'after', null)]);
        const prior = await measure(image, flashS, tasks, 'after', new RunTiming(after.timing.record()));
        return { flashS, tasks, before, after, prior };
      }),
    ),
  );
  for (const r of rows) {
    console.log(
      `   flash ${String(r.flashS).padEnd(4)} s ${String(r.tasks).padStart(5)}  ${cell(r.before).padEnd(18)} ${cell(r.after).padEnd(18)} ${cell(r.prior).padEnd(18)} ${r.after.learnedMs ?? '-'} ms`,
    );
  }
}

function simulatedFarms(): void {
  console.log('\n2. Simulated farms (virtual time): the same, over more timings');
  console.log('   farm                                   tasks  before             after              prior');
  const variants: [string, Partial<FarmTiming>][] = [
    ['timestamps, clock +37 s, answers 60 ms', { clockSkewMs: 37_000, answerMs: 60 }],
    ['timestamps unreadable, lag 0.2 s', { timestamps: false, queueMs: 200 }],
    ['lag 0.7 s, 1 answer in 3 late by 0.9 s', { queueMs: 700, answerMs: (r) => (r % 3 === 0 ? 900 : 150), postMs: 300 }],
  ];
  for (const flashS of FLASH_S) {
    for (const [label, v] of variants) {
      const farm: FarmTiming = {
        name: label,
        boards: 1,
        flashMs: flashS * 1000,
        bootMs: boot,
        computeMs: 40,
        queueMs: 0,
        answerMs: 40,
        postMs: 80,
        clockSkewMs: 0,
        timestamps: true,
        ...v,
      };
      for (const n of TASKS) {
        const tasks = Array.from({ length: n }, () => ({ image: 'fw', payloadBytes: 7906 }));
        const figures = (schedule?: ScheduleFactory, runTiming?: RunTiming): Figures & { timing: RunTiming } => {
          const r = simulateRun({ farm, tasks, maxParallel: 5, schedule, runTiming });
          const rates = r.tasks.map((t) => t.polls / ((t.seenAt - t.postedAt) / 1000));
          return {
            ratio: r.wallMs / r.limitMs,
            meanRate: rates.reduce((a, b) => a + b, 0) / rates.length,
            worstRate: Math.max(...rates),
            learnedMs: r.runTiming.overheadMs('fw'),
            timing: r.runTiming,
          };
        };
        const before = figures(former);
        const after = figures();
        const prior = figures(undefined, new RunTiming(after.timing.record()));
        console.log(
          `   flash ${String(flashS).padEnd(3)} s, ${label.padEnd(38)} ${String(n).padStart(1)}  ${cell(before).padEnd(18)} ${cell(after).padEnd(18)} ${cell(prior)}`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-poll-'));
  try {
    const image = path.join(dir, 'fw.elf');
    await writeFile(image, Buffer.alloc(64 * 1024, 0x5a));
    const started = performance.now();
    await realFarms(image);
    simulatedFarms();
    console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
