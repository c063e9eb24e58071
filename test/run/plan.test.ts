import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../src/build/types.js';
import { memoryLogger } from '../../src/common/log.js';
import { loadInputs } from '../../src/run/inputs.js';
import { groupInputs, planTasks } from '../../src/run/plan.js';
import type { InputItem } from '../../src/run/types.js';
import { EXAMPLE_DIR } from '../helpers/firmware.js';
import { itemAt } from '../helpers/item.js';

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
    expect(plan[0]?.payload.toString()).toBe(`${itemAt(inputs, 0).line}\n${itemAt(inputs, 1).line}\n#exit\n`);
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
    plan.slice(1).forEach((task, i) => expect(itemAt(sizes, i) + itemAt(task.inputs, 0).line.length + 1).toBeGreaterThan(8192));
  });
});
