/**
 * Results objects for the report tests, shaped like what the results store
 * writes: a run with passes, a value mismatch and an infrastructure error.
 */
import type { InputResult, Results, TaskEntry } from '../../src/results/types.js';

export function input(over: Partial<InputResult> & { input: string }): InputResult {
  return {
    image: 'synth',
    status: 'passed',
    reason: null,
    outputs: [0, 1, 2, 3, 10, 5, 6, 7, 8, 9],
    timers: [1234],
    latencyUs: 1234,
    taskId: 'task-1',
    attempt: 1,
    expected: null,
    maxAbsError: null,
    top1: 4,
    events: [],
    ...over,
  };
}

export function task(over: Partial<TaskEntry> & { id: string | null; inputs: string[] }): TaskEntry {
  return {
    image: 'synth',
    attempt: 1,
    status: 'finished',
    end: 'finished',
    code: 0,
    reservation: 17,
    created: '2025-01-01T10:00:00Z',
    started: '2025-01-01T10:00:01Z',
    finished: '2025-01-01T10:00:05Z',
    log: null,
    reason: null,
    ...over,
  };
}

/** The totals the results store keeps for these results and tasks. */
export function totalsOf(r: Pick<Results, 'results' | 'tasks'>): Results['totals'] {
  const count = (status: string): number => r.results.filter((x) => x.status === status).length;
  return { inputs: r.results.length, passed: count('passed'), failed: count('failed'), errors: count('error'), tasks: r.tasks.length };
}

/** A results.json; its totals are those of its results and tasks unless given. */
export function results(over: Partial<Results> = {}): Results {
  const made: Results = {
    version: 1,
    startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: '2025-01-01T10:00:12.500Z',
    mode: 'emulator',
    config: {},
    toolchain: { release: '13.2.Rel1', gccVersion: '13.2.1', source: 'cache', path: '/opt/hostedtoolcache/arm-none-eabi-gcc/13.2.1/x64' },
    images: [
      {
        name: 'synth',
        path: '/work/build/synth.elf',
        board: 'mps2_an500',
        size: { flash: 40_000, ram: 12_000, flashCapacity: 4_194_304, ramCapacity: 4_194_304, sections: {} },
      },
    ],
    tasks: [],
    results: [],
    gate: null,
    totals: { inputs: 0, passed: 0, failed: 0, errors: 0, tasks: 0 },
    error: null,
    ...over,
  };
  return over.totals ? made : { ...made, totals: totalsOf(made) };
}

/** Two passes, a value mismatch (already judged by the golden check) and an infrastructure error. */
export function mixedRun(): Results {
  const rows: InputResult[] = [
    input({ input: 'input-00.txt', taskId: 'a1b2c3d4-0000-4000-8000-000000000001', expected: [0, 1, 2, 3, 10, 5, 6, 7, 8, 9], maxAbsError: 0 }),
    input({
      input: 'input-01.txt',
      taskId: 'a1b2c3d4-0000-4000-8000-000000000001',
      latencyUs: 1250,
      timers: [1250],
      expected: [0, 1, 2, 3, 10, 5, 6, 7, 8, 9],
      maxAbsError: 0,
    }),
    input({
      input: 'input-02.txt',
      taskId: 'a1b2c3d4-0000-4000-8000-000000000002',
      status: 'failed',
      outputs: [0, 1, 2, 12, 10, 5, 6, 7, 8, 9],
      expected: [0, 1, 2, 10, 10, 5, 6, 7, 8, 9],
      maxAbsError: 2,
      top1: 3,
      reason: 'output[3] = 12, expected 10 (|Δ| 2 > atol 0 + rtol 0·|e| = 0)',
    }),
    input({
      input: 'input-03.txt',
      taskId: 'a1b2c3d4-0000-4000-8000-000000000003',
      attempt: 3,
      status: 'error',
      outputs: null,
      timers: null,
      latencyUs: null,
      top1: null,
      reason: 'task ended with code 255 (infrastructure) after 3 attempts',
      events: ['Error: board did not boot \u001b[0m'],
    }),
  ];
  return results({
    results: rows,
    tasks: [
      task({
        id: 'a1b2c3d4-0000-4000-8000-000000000001',
        inputs: ['input-00.txt', 'input-01.txt'],
        log: 'logs/synth/a1b2c3d4-0000-4000-8000-000000000001.uart.log',
      }),
      task({
        id: 'a1b2c3d4-0000-4000-8000-000000000002',
        inputs: ['input-02.txt'],
        reservation: 18,
        log: 'logs/synth/a1b2c3d4-0000-4000-8000-000000000002.uart.log',
      }),
      task({
        id: 'a1b2c3d4-0000-4000-8000-000000000003',
        inputs: ['input-03.txt'],
        attempt: 3,
        end: 'infra',
        code: 255,
        reservation: 19,
        reason: 'code 255: infrastructure',
      }),
    ],
    totals: { inputs: 4, passed: 2, failed: 1, errors: 1, tasks: 3 },
  });
}
