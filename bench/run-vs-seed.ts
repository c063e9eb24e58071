/**
 * The run stage against the seed's way, on one `serve` with one timing model
 * (the defaults: flash time per KiB, boot time, 115200-baud UART pacing):
 * the 10 example inputs on 1 image (examples/synth, mps2_an500).
 *
 *  - seed's way: one task per input (a flash each), one after the other, no
 *    exit line (so each runs to the full timeout), polled every 0.5 s;
 *  - our way: runTasks with auto packing within 8192 bytes and '#exit';
 *  - the physical limit: one flash + boot + the UART transfer of all the
 *    input bytes + the inferences (the firmware's own timers), on one board.
 *
 * Prints figures; asserts nothing. Goals: seed/ours >= 10, ours/limit <= 1.2.
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs bench/run-vs-seed.ts
 *      [--timeout S] [--boards N] [--max-parallel N] [--no-seed]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AllhwClient } from '../src/allhw/client.js';
import type { Image } from '../src/build/types.js';
import { memoryLogger } from '../src/common/log.js';
import { parseOutcome } from '../src/results/parse.js';
import { loadInputs } from '../src/run/inputs.js';
import { runTasks } from '../src/run/runner.js';
import type { InputItem } from '../src/run/types.js';
import { DEFAULT_BOOT_MS, DEFAULT_FLASH_MS_PER_KIB, startServe } from '../src/serve/server.js';
import { EXAMPLE_DIR, exampleFirmware } from '../test/helpers/firmware.js';

const { values: args } = parseArgs({
  options: {
    timeout: { type: 'string', default: '10' },
    boards: { type: 'string', default: '2' },
    'max-parallel': { type: 'string', default: '4' },
    /** Skip the (slow) seed's way: only our figures and the limit. */
    'no-seed': { type: 'boolean', default: false },
  },
});
const TIMEOUT_S = Number(args.timeout);
const BOARDS = Number(args.boards);
const MAX_PARALLEL = Number(args['max-parallel']);
const BAUD = 115200;
const KEY = 'bench-key';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function seedWay(client: AllhwClient, image: Image, inputs: InputItem[]): Promise<number> {
  const t0 = performance.now();
  for (const input of inputs) {
    const id = await client.createTask({ path: image.path, name: path.basename(image.path) }, Buffer.from(`${input.line}\n`));
    for (;;) {
      const rec = await client.getTask(id);
      if (rec.status === 'finished') break;
      await sleep(500);
    }
  }
  return performance.now() - t0;
}

async function ourWay(
  client: AllhwClient,
  image: Image,
  inputs: InputItem[],
  inputsPerTask: 'auto' | 'all',
): Promise<{ ms: number; tasks: number; inferenceUs: number; passed: number }> {
  const t0 = performance.now();
  const outcomes = await runTasks({
    client,
    images: [image],
    inputs,
    inputsPerTask,
    uartBuffer: 8192,
    exitLine: '#exit',
    maxParallel: MAX_PARALLEL,
    retries: 0,
    timeoutS: TIMEOUT_S,
    queueTimeoutS: 600,
    rate: BAUD,
    log: memoryLogger(),
  });
  const ms = performance.now() - t0;
  const results = outcomes.flatMap((o) => parseOutcome(o, { outputCount: 10 }));
  return {
    ms,
    tasks: outcomes.length,
    inferenceUs: results.reduce((a, r) => a + (r.latencyUs ?? 0), 0),
    passed: results.filter((r) => r.status === 'passed').length,
  };
}

async function main(): Promise<void> {
  const fw = await exampleFirmware('mps2_an500');
  const image: Image = { name: 'synth', path: fw.elf, format: 'elf', board: 'mps2_an500', size: null };
  const inputs = await loadInputs(['inputs/input-*.txt'], EXAMPLE_DIR);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-run-'));
  const serve = await startServe({ port: 0, boards: BOARDS, keys: [KEY], dataDir });
  const client = new AllhwClient({ baseUrl: serve.url, apiKey: KEY, timeoutS: TIMEOUT_S, rate: BAUD, log: '0' });
  try {
    console.log(
      `serve: ${BOARDS} board(s), flash ${DEFAULT_FLASH_MS_PER_KIB} ms/KiB, boot ${DEFAULT_BOOT_MS} ms, ${BAUD} baud; ` +
        `${inputs.length} inputs on 1 image; ci-timeout ${TIMEOUT_S} s; max-parallel ${MAX_PARALLEL}`,
    );
    const ours = await ourWay(client, image, inputs, 'auto');
    const all = await ourWay(client, image, inputs, 'all');
    // The farm's own record of the flash time (one task: the image is the same for all).
    const [id] = await readdir(path.join(dataDir, 'tasks'));
    if (id === undefined) throw new Error(`serve recorded no task in ${dataDir}`);
    const flashMs = (JSON.parse(await readFile(path.join(dataDir, 'tasks', id, 'task.json'), 'utf8')) as { timing: { flashMs: number } }).timing.flashMs;
    const seed = args['no-seed'] ? NaN : await seedWay(client, image, inputs);

    const inputBytes = inputs.reduce((a, i) => a + Buffer.byteLength(i.line) + 1, 0) + '#exit\n'.length;
    const transferMs = (inputBytes * 10 * 1000) / BAUD;
    const inferenceMs = ours.inferenceUs / 1000;
    const limitMs = flashMs + DEFAULT_BOOT_MS + transferMs + inferenceMs;

    console.log(`seed's way (1 task per input, sequential, full timeout, 0.5 s polls): ${secs(seed)}`);
    console.log(`our way (auto packing, '#exit'): ${secs(ours.ms)} in ${ours.tasks} tasks, ${ours.passed}/${inputs.length} passed`);
    console.log(`our way with inputs-per-task all: ${secs(all.ms)} in ${all.tasks} task, ${all.passed}/${inputs.length} passed`);
    console.log(
      `physical limit (1 board): flash ${secs(flashMs)} + boot ${secs(DEFAULT_BOOT_MS)} + UART ${inputBytes} bytes ${secs(transferMs)} ` +
        `+ inferences ${secs(inferenceMs)} = ${secs(limitMs)}`,
    );
    console.log(`speed-up seed/ours: ${(seed / ours.ms).toFixed(1)}x (goal >= 10x)`);
    console.log(`ours/limit: ${(ours.ms / limitMs).toFixed(2)}x (goal <= 1.2x); with 'all': ${(all.ms / limitMs).toFixed(2)}x`);
  } finally {
    await client.close();
    await serve.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
