/**
 * Tasks of the example firmware (examples/synth) on the emulated farm, over
 * real HTTP on loopback, on real QEMU boards.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_INFRA, CODE_TIMEOUT } from '../../src/allhw/contract.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { createTask, getTask, qemuProcesses, resultVectors, seconds, waitFinished } from './helpers.js';

let fw: FirmwareImages;
let serve: RunningServe;
let golden: Record<string, number[]>;
const inputName = (i: number): string => `input-${String(i).padStart(2, '0')}.txt`;
const exampleInput = (i: number): Promise<string> => readFile(path.join(EXAMPLE_DIR, 'inputs', inputName(i)), 'utf8');

beforeAll(async () => {
  fw = await exampleFirmware('mps2_an500');
  golden = JSON.parse(await readFile(path.join(EXAMPLE_DIR, 'golden.json'), 'utf8')).outputs;
  // No flash or boot delay: these tests time the UART and the queue, not the model.
  serve = await startServe({ port: 0, boards: 2, flashMsPerKiB: 0, bootMs: 0 });
});
afterAll(async () => {
  await serve?.close();
});

describe('serve: the example firmware', () => {
  it('runs the 10 example inputs in one task: 10 #result lines equal to golden', async () => {
    const inputs = await Promise.all(Array.from({ length: 10 }, (_, i) => exampleInput(i)));
    const id = await createTask(serve.url, fw.elf, inputs.join('') + '#exit\n', { timeout: 30 });
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(0);
    expect(record.output).toMatch(/^allhw-ci synth AOT runtime \(mps2_an500\)\n/);
    expect(resultVectors(record.output!)).toEqual(Array.from({ length: 10 }, (_, i) => golden[inputName(i)]));
  });

  it('runs an Intel HEX image like the ELF', async () => {
    const id = await createTask(serve.url, fw.hex, (await exampleInput(3)) + '#exit\n');
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(0);
    expect(resultVectors(record.output!)).toEqual([golden[inputName(3)]]);
  });

  it('#exit ends the task early with code 0', async () => {
    const id = await createTask(serve.url, fw.elf, (await exampleInput(0)) + '#exit\n', { timeout: 60 });
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(0);
    expect(seconds(record.started, record.finished)).toBeLessThan(30); // far from the 60 s timeout
    expect(record.output).not.toContain('Execution timeout detected');
  });

  it('a firmware that never exits ends at its timeout with code 156 and a last line saying so', async () => {
    const id = await createTask(serve.url, fw.elf, await exampleInput(1), { timeout: 2 });
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(CODE_TIMEOUT);
    expect(seconds(record.started, record.finished)).toBeGreaterThanOrEqual(2);
    expect(resultVectors(record.output!)).toEqual([golden[inputName(1)]]); // what it printed is kept
    const lines = record.output!.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('Execution timeout detected (2 s): the task was stopped by the service.');
    expect(await qemuProcesses(id)).toEqual([]); // the timed-out QEMU is gone
  });

  it('a text file as image finishes with code 255 and says why', async () => {
    const textImage = path.join(EXAMPLE_DIR, 'inputs', inputName(0));
    const id = await createTask(serve.url, textImage, '#exit\n');
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(CODE_INFRA);
    expect(record.output).toContain('neither an ELF nor an Intel HEX image');
    expect(record.reservation).toBeNull(); // refused as it was uploaded: no board was given to it
    expect(record.started).toBe(record.finished);
  });

  it('writes the input at the set baud rate: 10 KB at 115200 baud take about 0.9 s of UART time', async () => {
    // ~10.9 KB of #input lines, then #exit: the task ends right after the last byte is read.
    const input = (await exampleInput(0)) + (await exampleInput(1)) + (await exampleInput(2)) + '#exit\n';
    const bytes = Buffer.byteLength(input);
    const [fast, slow] = await Promise.all([createTask(serve.url, fw.elf, input, { rate: 115200 }), createTask(serve.url, fw.elf, input, { rate: 57600 })]);
    const fastRecord = await waitFinished(serve.url, fast);
    const slowRecord = await waitFinished(serve.url, slow);
    const uartSeconds = (baud: number): number => (bytes * 10) / baud;
    const fastSeconds = seconds(fastRecord.started, fastRecord.finished);
    const slowSeconds = seconds(slowRecord.started, slowRecord.finished);
    // Never faster than the link; the rest is QEMU start-up and three inferences.
    expect(uartSeconds(115200)).toBeGreaterThan(0.85);
    expect(fastSeconds).toBeGreaterThanOrEqual(uartSeconds(115200));
    expect(fastSeconds).toBeLessThan(uartSeconds(115200) + 1);
    expect(slowSeconds).toBeGreaterThanOrEqual(uartSeconds(57600));
    expect(slowSeconds).toBeLessThan(uartSeconds(57600) + 1);
    expect(resultVectors(fastRecord.output!)).toHaveLength(3);
  });
});

describe('serve: boards and queue', () => {
  it('2 boards run 2 tasks at once; a third waits in "queued"', async () => {
    // Tasks that never exit: each holds its board for exactly its 3 s timeout.
    const input = await exampleInput(0);
    const posted = Date.now();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createTask(serve.url, fw.elf, input, { timeout: 3 }));

    const first = await Promise.all(ids.map((id) => getTask(serve.url, id)));
    expect(first.map((r) => r.status)).toEqual(['running', 'running', 'queued']);
    expect(new Set([first[0]!.reservation, first[1]!.reservation])).toEqual(new Set([1, 2]));
    expect(first[2]!.reservation).toBeNull();
    expect(first[2]!.started).toBeNull();

    const [a, b] = await Promise.all([waitFinished(serve.url, ids[0]!), waitFinished(serve.url, ids[1]!)]);
    const bothDone = (Date.now() - posted) / 1000;
    expect(bothDone).toBeLessThan(3 * 1.5); // about one task's time, not two
    const third = await waitFinished(serve.url, ids[2]!);
    expect([a.code, b.code, third.code]).toEqual([CODE_TIMEOUT, CODE_TIMEOUT, CODE_TIMEOUT]);
    // It started when a board came free, on that board.
    const freed = Math.min(Date.parse(a.finished!), Date.parse(b.finished!));
    expect(Date.parse(third.started!)).toBeGreaterThanOrEqual(freed);
    expect([1, 2]).toContain(third.reservation);
  });
});
