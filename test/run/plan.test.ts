import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/build/types.js';
import { memoryLogger } from '../../src/common/log.js';
import { loadInputs } from '../../src/run/inputs.js';
import { groupInputs, planTasks } from '../../src/run/plan.js';
import { DEFAULT_POLL_TIMING, PollSchedule } from '../../src/run/poll.js';
import type { InputItem } from '../../src/run/types.js';
import { EXAMPLE_DIR } from '../helpers/firmware.js';

const image = (name: string): Image => ({ name, path: `/x/${name}.elf`, format: 'elf', board: 'mps2_an500', size: null });

/** An input whose line is exactly `bytes` long (without its '\n'). */
function input(k: number, bytes: number): InputItem {
  const head = `#input:${k},`;
  return { name: `in-${k}`, source: 'in', line: head + '1'.repeat(bytes - head.length) };
}

describe('planTasks', () => {
  it('auto packs inputs while lines + newlines + exit line fit in uart-buffer', () => {
    const inputs = Array.from({ length: 10 }, (_, k) => input(k, 2999)); // 3000 bytes with '\n'
    // 8192 - 6 ('#exit\n') leaves room for two 3000-byte lines per task.
    const plan = planTasks([image('a'), image('b')], inputs, { inputsPerTask: 'auto', uartBuffer: 8192, exitLine: '#exit' });
    expect(plan).toHaveLength(10);
    expect(plan.map((t) => t.index)).toEqual([...Array(10).keys()]);
    expect(plan.slice(0, 5).every((t) => t.image.name === 'a' && t.inputs.length === 2)).toBe(true);
    expect(plan[0].payload.toString()).toBe(`${inputs[0].line}\n${inputs[1].line}\n#exit\n`);
    expect(plan.every((t) => t.payload.length <= 8192)).toBe(true);
  });

  it('fills the buffer exactly to its last byte, and not one byte more', () => {
    const exact = [input(0, 4095), input(1, 4095)]; // 4096 + 4096 = 8192
    expect(groupInputs(exact, { inputsPerTask: 'auto', uartBuffer: 8192, exitLine: '' }).map((g) => g.length)).toEqual([2]);
    expect(groupInputs(exact, { inputsPerTask: 'auto', uartBuffer: 8191, exitLine: '' }).map((g) => g.length)).toEqual([1, 1]);
  });

  it('gives an input larger than the buffer a task of its own, with one warning', () => {
    const log = memoryLogger();
    const inputs = [input(0, 100), input(1, 9000), input(2, 100)];
    const plan = planTasks([image('a'), image('b')], inputs, { inputsPerTask: 'auto', uartBuffer: 8192, exitLine: '', log });
    expect(plan.map((t) => t.inputs.map((i) => i.name))).toEqual([['in-0'], ['in-1'], ['in-2'], ['in-0'], ['in-1'], ['in-2']]);
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1);
    expect(log.lines[0]).toMatch(/in-1 alone is 9001 bytes.*uart-buffer \(8192\)/);
  });

  it("'all' makes one task per image, a number makes groups of that size", () => {
    const inputs = Array.from({ length: 10 }, (_, k) => input(k, 50));
    const opts = { uartBuffer: 8192, exitLine: '' };
    expect(planTasks([image('a')], inputs, { ...opts, inputsPerTask: 'all' }).map((t) => t.inputs.length)).toEqual([10]);
    expect(planTasks([image('a')], inputs, { ...opts, inputsPerTask: 3 }).map((t) => t.inputs.length)).toEqual([3, 3, 3, 1]);
    expect(planTasks([image('a')], inputs, { ...opts, inputsPerTask: 1 })).toHaveLength(10);
  });

  it.skipIf(!existsSync(path.join(EXAMPLE_DIR, 'inputs/input-00.txt')))('packs the 10 example inputs within 8192 bytes', async () => {
    const inputs = await loadInputs(['inputs/input-*.txt'], EXAMPLE_DIR);
    expect(inputs).toHaveLength(10);
    const plan = planTasks([image('synth')], inputs, { inputsPerTask: 'auto', uartBuffer: 8192, exitLine: '#exit' });
    const sizes = plan.map((t) => t.payload.length);
    console.log(`example inputs: ${inputs.map((i) => i.line.length + 1).join(', ')} bytes → ${plan.length} tasks of ${sizes.join(', ')} bytes`);
    expect(sizes.every((s) => s <= 8192)).toBe(true);
    // Greedy packing: no two neighbouring tasks could have been one.
    for (let i = 1; i < plan.length; i++) expect(sizes[i - 1] + plan[i].inputs[0].line.length + 1).toBeGreaterThan(8192);
  });
});

describe('PollSchedule', () => {
  /** Simulates polling a task queued for `queueMs` that runs until `endMs`; returns poll times. */
  function simulate(timeoutMs: number, queueMs: number, endMs: number, runMs = 0, serviceStart = false): number[] {
    const s = new PollSchedule(0, timeoutMs, {}, () => ({ ms: runMs, learned: serviceStart }));
    const times: number[] = [];
    let now = 0;
    for (;;) {
      now += s.nextDelay(now);
      times.push(now);
      if (now >= endMs) return times;
      s.observe(now, { status: now < queueMs ? 'queued' : 'running', started: now >= queueMs, startedAt: serviceStart ? queueMs : null });
    }
  }

  it('polls quickly first, then stays within one request a second on average', () => {
    const times = simulate(30_000, 2_000, 31_000);
    expect(times.slice(0, 3)).toEqual([250, 500, 1500]);
    times.forEach((t, i) => expect(i + 1).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + t / 1000));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.maxMs);
  });

  it('backs off while nothing happens, and polls quickly again when the task is due', () => {
    const timeout = 60_000;
    const start = 5_000;
    const times = simulate(timeout, start, start + timeout + 1_000);
    const gapAt = (lo: number, hi: number): number[] =>
      times
        .map((t, i) => [t, i > 0 ? t - times[i - 1] : t] as const)
        .filter(([t]) => t > lo && t <= hi)
        .map(([, g]) => g);
    // Deep in the run: long intervals.
    expect(Math.min(...gapAt(40_000, 60_000))).toBeGreaterThan(2_000);
    // From the earliest possible due time on: quick polls.
    const due = gapAt(start + timeout, start + timeout + 1_000);
    expect(due.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...due)).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.dueMs);
    // A whole minute's task costs far fewer than 60 requests.
    expect(times.length).toBeLessThan(40);
  });

  it('polls slowly while the input is written into the UART, then quickly when the task may end', () => {
    // Running from the start; 3 s of input at the link rate; the task ends at 4.05 s.
    const times = simulate(30_000, 0, 4_050, 3_000);
    const during = times.filter((t) => t > 250 && t < 3_000);
    expect(during.length).toBeLessThanOrEqual(1);
    expect(times).toContain(3_000);
    // Found within a quick interval of its end.
    expect(times[times.length - 1] - 4_050).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.dueMs);
    times.forEach((t, i) => expect(i + 1).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + t / 1000));
  });

  it("uses the service's start time to find a task that waited in the queue as it ends", () => {
    // Queued until 2.3 s (between two polls), runs 1.5 s (input + learned flash/boot).
    const withStart = simulate(30_000, 2_300, 3_850, 1_500, true);
    expect(withStart[withStart.length - 1] - 3_850).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.expectMs);
    withStart.forEach((t, i) => expect(i + 1).toBeLessThanOrEqual(DEFAULT_POLL_TIMING.burst + t / 1000));
    // Without it, the start is only known within a poll interval: found later.
    const bracketed = simulate(30_000, 2_300, 3_850, 1_500, false);
    expect(bracketed[bracketed.length - 1]).toBeGreaterThan(withStart[withStart.length - 1]);
  });
});
