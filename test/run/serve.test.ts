/**
 * The whole run stage — client, planner, polling, parsing, results store —
 * against `serve` (real HTTP, real QEMU boards) with the example firmware.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllhwClient } from '../../src/allhw/client.js';
import type { Image } from '../../src/build/types.js';
import { memoryLogger, type MemoryLogger } from '../../src/common/log.js';
import { parseOutcome } from '../../src/results/parse.js';
import { ResultsStore } from '../../src/results/store.js';
import type { InputResult, Results } from '../../src/results/types.js';
import { loadInputs } from '../../src/run/inputs.js';
import { runTasks, type RunTasksOptions } from '../../src/run/runner.js';
import type { InputItem, TaskOutcome } from '../../src/run/types.js';
import { startServe, type ServeOptions } from '../../src/serve/server.js';
import { EXAMPLE_DIR, exampleFirmware } from '../helpers/firmware.js';
import { int8, npyBytes } from './npy-writer.js';
import { entryOf, itemAt } from '../helpers/item.js';

const KEY = 'c0ffee00-serve-test-key-5eb2';
let work: string;
let elf: Image;
let hex: Image;
let f746: Image;
let inputs: InputItem[];
let golden: Record<string, number[]>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'allhw-run-serve-'));
  const [fw, fwF746] = await Promise.all([exampleFirmware('mps2_an500'), exampleFirmware('f746_disco')]);
  elf = { name: 'synth-elf', path: fw.elf, format: 'elf', board: 'mps2_an500', size: null };
  hex = { name: 'synth-hex', path: fw.hex, format: 'hex', board: 'mps2_an500', size: null };
  // Linked for the F746's flash at 0x08000000: the emulated board cannot run it (code 255).
  f746 = { name: 'synth-f746', path: fwF746.elf, format: 'elf', board: 'f746_disco', size: null };
  inputs = await loadInputs(['inputs/input-*.txt'], EXAMPLE_DIR);
  golden = (JSON.parse(await readFile(path.join(EXAMPLE_DIR, 'golden.json'), 'utf8')) as { outputs: Record<string, number[]> }).outputs;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Run {
  outcomes: TaskOutcome[];
  attempts: TaskOutcome[];
  results: InputResult[];
  saved: Results;
  resultsDir: string;
  serveDir: string;
  log: MemoryLogger;
}

/** Everything a stage sees or writes, searched for the key. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function runOnServe(serveOpts: ServeOptions, runOpts: Partial<RunTasksOptions> & { images: Image[] }): Promise<Run> {
  const dir = await mkdtemp(path.join(work, 'run-'));
  const resultsDir = path.join(dir, 'results');
  const serveDir = path.join(dir, 'serve');
  const log = memoryLogger();
  const serve = await startServe({ port: 0, boards: 2, keys: [KEY], dataDir: serveDir, flashMsPerKiB: 4, bootMs: 100, log, ...serveOpts });
  const timeoutS = runOpts.timeoutS ?? 20;
  const client = new AllhwClient({ baseUrl: serve.url, apiKey: KEY, timeoutS, rate: 115200, log: '0', logger: log });
  const store = await ResultsStore.create(resultsDir, { mode: 'emulator', config: { timeoutS } });
  const attempts: TaskOutcome[] = [];
  try {
    const outcomes = await runTasks({
      client,
      inputs,
      inputsPerTask: 'auto',
      uartBuffer: 8192,
      exitLine: '#exit',
      maxParallel: 4,
      retries: 2,
      timeoutS,
      queueTimeoutS: 60,
      log,
      onTaskEnd: async (o) => {
        await store.writeUartLog(o);
        store.addTask(o, parseOutcome(o, { outputCount: 10 }));
        attempts.push({ ...o });
        await store.save();
      },
      ...runOpts,
    });
    const results = outcomes.flatMap((o) => parseOutcome(o, { outputCount: 10 }));
    store.setResults(results);
    await store.finish();
    const saved = JSON.parse(await readFile(path.join(resultsDir, 'results.json'), 'utf8')) as Results;

    // The key is in no log line and no file we (or the farm) wrote.
    expect(log.lines.join('\n')).not.toContain(KEY);
    for (const f of [...(await filesUnder(resultsDir)), ...(await filesUnder(serveDir))]) {
      expect((await readFile(f)).includes(KEY), f).toBe(false);
    }
    return { outcomes, attempts, results, saved, resultsDir, serveDir, log };
  } finally {
    await client.close();
    await serve.close();
  }
}

const goldenOf = (r: InputResult): number[] => entryOf(golden, r.input.replace(/#\d+$/, ''));

/** task.json of every task the farm ran (one flash each). */
async function farmTasks(serveDir: string): Promise<{ code: number; timing: { flashMs?: number }; params: { inputBytes: number } }[]> {
  const ids = await readdir(path.join(serveDir, 'tasks'));
  return Promise.all(ids.map(async (id) => JSON.parse(await readFile(path.join(serveDir, 'tasks', id, 'task.json'), 'utf8'))));
}

describe('runTasks on serve with the example firmware', () => {
  it('2 images × 10 inputs → 20 results equal to golden, one flash per task of packed inputs', async () => {
    const run = await runOnServe({}, { images: [elf, hex] });
    expect(run.results).toHaveLength(20);
    for (const r of run.results) {
      expect(r.status, `${r.image} ${r.input}: ${r.reason}`).toBe('passed');
      expect(r.outputs).toEqual(goldenOf(r));
      expect(r.latencyUs).toBeGreaterThan(0);
    }
    expect(run.outcomes.map((o) => o.inputs.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(run.outcomes.every((o) => o.end === 'finished' && o.code === 0)).toBe(true);
    const farm = await farmTasks(run.serveDir);
    expect(farm).toHaveLength(10);
    expect(farm.every((t) => t.timing.flashMs !== undefined && t.params.inputBytes <= 8192)).toBe(true);
    // Everything known is on disk: one UART log per task, the results, totals.
    expect(run.saved.totals).toEqual({ inputs: 20, passed: 20, failed: 0, errors: 0, tasks: 10 });
    for (const t of run.saved.tasks) {
      expect(await readFile(path.join(run.resultsDir, t.log!), 'utf8')).toMatch(/^allhw-ci synth AOT runtime/);
    }
  });

  it('without an exit line the firmware runs to the timeout (156) and its results are read from the output', async () => {
    const run = await runOnServe({}, { images: [elf], inputs: inputs.slice(0, 4), exitLine: '', timeoutS: 3 });
    expect(run.outcomes.map((o) => [o.end, o.code])).toEqual([
      ['timeout', 156],
      ['timeout', 156],
    ]);
    expect(run.results.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    for (const r of run.results) expect(r.outputs).toEqual(goldenOf(r));
  });

  it('with the exit line the same task ends early, with code 0', async () => {
    const run = await runOnServe({}, { images: [elf], inputs: inputs.slice(0, 4), timeoutS: 30 });
    expect(run.outcomes.map((o) => [o.end, o.code])).toEqual([
      ['finished', 0],
      ['finished', 0],
    ]);
    for (const o of run.outcomes) {
      // Coarse: far from the 30 s timeout.
      expect(Date.parse(o.finished!) - Date.parse(o.started!)).toBeLessThan(15_000);
    }
    expect(run.results.every((r) => r.status === 'passed')).toBe(true);
  });

  it('an image the board cannot run (255) is retried, then reported with each attempt kept', async () => {
    const run = await runOnServe({}, { images: [f746, elf], inputs: inputs.slice(0, 2), inputsPerTask: 'all', retries: 1 });
    expect(run.outcomes.map((o) => [o.image, o.end, o.attempt])).toEqual([
      ['synth-f746', 'infra', 2],
      ['synth-elf', 'finished', 1],
    ]);
    expect(run.attempts.filter((a) => a.image === 'synth-f746').map((a) => a.end)).toEqual(['infra', 'infra']);
    const bad = run.results.filter((r) => r.image === 'synth-f746');
    expect(bad.map((r) => r.status)).toEqual(['error', 'error']);
    expect(bad[0]?.reason).toMatch(/code 255\): .*mps2_an500.*, on each of 2 attempts/);
    expect(run.saved.tasks.filter((t) => t.image === 'synth-f746').map((t) => t.attempt)).toEqual([1, 2]);
    // The farm's reason is in the task's UART log.
    const log = run.saved.tasks.find((t) => t.image === 'synth-f746')!.log!;
    expect(await readFile(path.join(run.resultsDir, log), 'utf8')).toMatch(/0x00000000|address/);
    expect(run.results.filter((r) => r.image === 'synth-elf').every((r) => r.status === 'passed')).toBe(true);
  });

  it('a task past its deadline is reported with the partial output seen (live output)', async () => {
    // One board, two tasks of all 10 inputs that never exit: the second waits
    // for the first's whole timeout (~5.2 s), and its own deadline (5 + 0 + 3 s) comes
    // mid-run (it would end at ~10.4 s): a second and more of slack either way.
    const run = await runOnServe(
      { boards: 1, liveOutput: true },
      { images: [elf, hex], inputsPerTask: 'all', exitLine: '', timeoutS: 5, queueTimeoutS: 0, deadlineMarginS: 3 },
    );
    const ends = run.outcomes.map((o) => o.end).sort();
    expect(ends).toEqual(['deadline', 'timeout']);
    const late = run.outcomes.find((o) => o.end === 'deadline')!;
    expect(late.reason).toMatch(/no end within 8 s.*last status 'running'/);
    expect(late.uart.toString()).toMatch(/^allhw-ci synth AOT runtime/);
    const mine = run.results.filter((r) => r.image === late.image);
    const passed = mine.filter((r) => r.status === 'passed');
    expect(passed.length).toBeGreaterThanOrEqual(1);
    for (const r of passed) expect(r.outputs).toEqual(goldenOf(r));
    expect(mine.filter((r) => r.status === 'error').length).toBeGreaterThanOrEqual(1);
    const entry = run.saved.tasks.find((t) => t.id === late.id)!;
    expect(entry.end).toBe('deadline');
    expect((await readFile(path.join(run.resultsDir, entry.log!))).equals(late.uart)).toBe(true);
  });

  it('.npy, .csv and .json inputs give the same results as the #input files', async () => {
    const values = inputs.map((i) => i.line.slice('#input:'.length).split(',').map(Number));
    const dir = await mkdtemp(path.join(work, 'converted-'));
    await writeFile(path.join(dir, 'batch.npy'), npyBytes('|i1', [values.length, 1, 28, 28, 1], int8(values.flat())));
    await writeFile(path.join(dir, 'batch.csv'), values.map((v) => v.join(',')).join('\n'));
    await writeFile(path.join(dir, 'batch.json'), JSON.stringify(values));
    const converted = await loadInputs(['batch.npy', 'batch.csv', 'batch.json'], dir);
    expect(converted.map((c) => c.line)).toEqual([...inputs, ...inputs, ...inputs].map((i) => i.line));
    const run = await runOnServe({}, { images: [elf], inputs: converted });
    expect(run.results).toHaveLength(30);
    run.results.forEach((r, k) => {
      expect(r.input).toBe(`batch.${['npy', 'csv', 'json'][Math.floor(k / 10)]}#${k % 10}`);
      expect(r.status).toBe('passed');
      expect(r.outputs).toEqual(entryOf(golden, itemAt(inputs, k % 10).name));
    });
  });
});
