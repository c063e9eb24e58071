/**
 * Codes the example firmware cannot show (it only ever exits 0): a tiny
 * fixture firmware ends with any code through semihosting, or locks the
 * core up; an image QEMU refuses to load finishes with 255.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_INFRA, CODE_TIMEOUT } from '../../src/allhw/contract.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { createTask, seconds, tinyFirmware, waitFinished } from './helpers.js';

let serve: RunningServe;
let tinyfw: string;
let overlap: string;

beforeAll(async () => {
  [tinyfw, overlap] = await Promise.all([tinyFirmware('tinyfw'), tinyFirmware('overlap')]);
  serve = await startServe({ port: 0, boards: 2, flashMsPerKiB: 0, bootMs: 0 });
});
afterAll(async () => {
  await serve?.close();
});

describe('serve: task codes', () => {
  it("the task's code is the firmware's exit code", async () => {
    const id = await createTask(serve.url, tinyfw, 'hello\n#code 42\n');
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(42);
    expect(record.output).toBe('tinyfw ready\n#echo:5:6\n');
  });

  it('a firmware that locks the core up hangs until the timeout, like a real board: 156', async () => {
    const id = await createTask(serve.url, tinyfw, '#fault\n', { timeout: 2 });
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(CODE_TIMEOUT);
    expect(seconds(record.started, record.finished)).toBeGreaterThanOrEqual(2);
    expect(record.output).toContain('The core locked up (QEMU: Lockup');
    expect(record.output!.trimEnd().split('\n').at(-1)).toBe('Execution timeout detected (2 s): the task was stopped by the service.');
  });

  it("an image QEMU cannot start finishes with 255 and QEMU's reason", async () => {
    const id = await createTask(serve.url, overlap, '#exit\n');
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(CODE_INFRA);
    expect(record.output).toMatch(/^QEMU could not start the image:\nqemu-system-arm: Some ROM regions are overlapping/);
    expect(record.output).not.toContain('nic lan9118.0 has no peer');
  });
});
