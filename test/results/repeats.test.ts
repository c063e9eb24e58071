import { describe, expect, it } from 'vitest';
import { parseOutcome } from '../../src/results/parse.js';
import { median, percentile } from '../../src/results/repeats.js';
import { groupInputs, planTasks } from '../../src/run/plan.js';
import type { TaskEnd, TaskOutcome } from '../../src/run/types.js';
import { itemAt } from '../helpers/item.js';

const BANNER = 'firmware ready';

function outcome(lines: string[], inputs: string[], end: TaskEnd = 'finished'): TaskOutcome {
  return {
    planIndex: 0,
    image: 'img',
    inputs,
    attempt: 1,
    id: 't-1',
    end,
    status: 'finished',
    code: end === 'timeout' ? 156 : 0,
    reservation: 1,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.from([BANNER, ...lines, ''].join('\r\n'), 'utf8'),
    reason: end === 'deadline' ? 'no end within 40 s' : null,
  };
}

describe('repeat and warm-up in the packing', () => {
  const inputs = [0, 1, 2].map((k) => ({ name: `in-${k}`, source: 'in', line: `#input:${k},${'7'.repeat(93)}` })); // 102 bytes + '\n'

  it('sends each input warm-up + repeat times in a row, then the exit line', () => {
    const plan = planTasks([{ name: 'img', path: '/x.elf', format: 'elf', board: 'b', size: null }], inputs.slice(0, 2), {
      inputsPerTask: 'all',
      uartBuffer: 8192,
      exitLine: '#exit',
      sends: 3,
    });
    const task = itemAt(plan, 0);
    const lines = task.payload.toString().split('\n');
    expect(lines).toEqual([...Array(3).fill(itemAt(inputs, 0).line), ...Array(3).fill(itemAt(inputs, 1).line), '#exit', '']);
    expect(task?.inputs.map((i) => i.name)).toEqual(['in-0', 'in-1']);
  });

  it('counts every repeat against uart-buffer', () => {
    // 103 bytes a line: 3 sends = 309 bytes an input; with '#exit\n' (6 bytes), 2 inputs need 624.
    const opts = { inputsPerTask: 'auto' as const, exitLine: '#exit' };
    expect(groupInputs(inputs, { ...opts, uartBuffer: 624, sends: 3 }).map((g) => g.length)).toEqual([2, 1]);
    expect(groupInputs(inputs, { ...opts, uartBuffer: 623, sends: 3 }).map((g) => g.length)).toEqual([1, 1, 1]);
    expect(groupInputs(inputs, { ...opts, uartBuffer: 623, sends: 1 }).map((g) => g.length)).toEqual([3]);
  });
});

describe('repeat and warm-up in the parsing', () => {
  const r = (outputs: string, us: number, stage = 40): string => `#result:${outputs}:${stage}:${us}`;

  it('maps consecutive results back to their input: median, p90, min, cold first run, every timer kept', () => {
    const lines = [r('1,2', 900), r('1,2', 510), r('1,2', 500), r('1,2', 530), r('3,4', 800), r('3,4', 420), r('3,4', 410), r('3,4', 400)];
    const [a, b] = parseOutcome(outcome(lines, ['a', 'b']), { outputCount: 2, warmup: 1, repeat: 3 });
    expect(a).toMatchObject({ status: 'passed', outputs: [1, 2], latencyUs: 510, timers: [40, 510] });
    expect(a?.repeats).toEqual({
      warmup: 1,
      repeat: 3,
      timers: [
        [40, 900],
        [40, 510],
        [40, 500],
        [40, 530],
      ],
      medianUs: 510,
      p90Us: 530,
      minUs: 500,
      coldUs: 900,
    });
    expect(b).toMatchObject({ status: 'passed', outputs: [3, 4], latencyUs: 410 });
    expect(b?.repeats).toMatchObject({ medianUs: 410, minUs: 400, coldUs: 800 });
  });

  it('fails an input whose outputs differ between repeats, naming the run', () => {
    const lines = [r('1,2', 500), r('1,2', 500), r('1,5', 500), r('3,4', 400), r('3,4', 400), r('3,4', 400)];
    const [a, b] = parseOutcome(outcome(lines, ['a', 'b']), { outputCount: null, repeat: 3 });
    expect(a?.status).toBe('failed');
    expect(a?.reason).toMatch(/^outputs differ between repeats: run 3 of 3 gave output\[1\] = 5 instead of 2 \(run 1's\).*uninitialised memory or a race/);
    expect(b?.status).toBe('passed');
  });

  it('a warm-up that differs is a difference too', () => {
    const [a] = parseOutcome(outcome([r('9,9', 900), r('1,2', 500), r('1,2', 500)], ['a']), { outputCount: null, warmup: 1, repeat: 2 });
    expect(a?.reason).toMatch(/run 1 of 3 gave output\[0\] = 1 instead of 9 \(warm-up 1's\)/);
  });

  it('an input cut short after some of its runs fails, saying how many answered', () => {
    const [a, b] = parseOutcome(outcome([r('1,2', 500), r('1,2', 510), r('3,4', 400)], ['a', 'b']), { outputCount: null, repeat: 2 });
    expect(a?.status).toBe('passed');
    expect(b).toMatchObject({ status: 'failed', latencyUs: 400 });
    expect(b?.reason).toMatch(/the firmware ended \(code 0\) after 1 of this input's 2 runs/);
    const [, c] = parseOutcome(outcome([r('1,2', 500), r('1,2', 510), r('3,4', 400)], ['a', 'b'], 'deadline'), { outputCount: null, repeat: 2 });
    expect(c?.status).toBe('error');
  });

  it('results beyond inputs × runs fail the last input', () => {
    const [, b] = parseOutcome(outcome([r('1', 5), r('1', 5), r('2', 5), r('2', 5), r('2', 5)], ['a', 'b']), { outputCount: null, repeat: 2 });
    expect(b?.status).toBe('failed');
    expect(b?.reason).toMatch(/1 #result line\(s\) more than/);
  });

  it('without repeats a result has no repeat figures (results.json as before)', () => {
    const a = itemAt(parseOutcome(outcome([r('1,2', 500)], ['a']), { outputCount: null }), 0);
    expect(a.repeats).toBeUndefined();
    expect(a.latencyUs).toBe(500);
  });
});

describe('#metric lines', () => {
  it('are recorded per input in flight, every value kept, with their unit', () => {
    const lines = [
      '#metric:peak_stack=1536B',
      '#metric:cycles.conv1=120000',
      '#result:1:500',
      '#metric:peak_stack=1540B',
      '#result:1:510',
      '#metric:peak_stack=2048 B',
      '#metric:confusion=3',
      '#result:2:400',
      '#result:2:400',
    ];
    const [a, b] = parseOutcome(outcome(lines, ['a', 'b']), { outputCount: null, repeat: 2 });
    expect(a?.metrics).toEqual({
      peak_stack: { values: [1536, 1540], unit: 'B', median: 1538 },
      'cycles.conv1': { values: [120000], unit: null, median: 120000 },
    });
    expect(b?.metrics).toEqual({ peak_stack: { values: [2048], unit: 'B', median: 2048 }, confusion: { values: [3], unit: null, median: 3 } });
  });

  it('an unreadable one is an event of its input, not a metric', () => {
    const a = itemAt(parseOutcome(outcome(['#metric:stack', '#result:1:5'], ['a']), { outputCount: null }), 0);
    expect(a.metrics).toBeUndefined();
    expect(a.events[0]).toMatch(/^unreadable #metric line \(expected #metric:name=value\[unit\]/);
  });
});

describe('median and percentile', () => {
  it('median of odd and even counts; nearest-rank p90', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(
      percentile(
        [...Array(10).keys()].map((k) => k + 1),
        90,
      ),
    ).toBe(9);
    expect(percentile([7], 90)).toBe(7);
  });
});
