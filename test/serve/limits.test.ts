/**
 * serve's limits on what a task makes and what a client sees: the UART
 * output is capped with a marker line, a truncated ELF is refused as it is
 * uploaded (255 at once, not a board's timeout later), a 255 reason never
 * shows the server's own paths, and parallel GETs of a big output all get
 * the whole of it.
 */
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_INFRA } from '../../src/allhw/contract.js';
import { OUTPUT_CUT_LINE_PREFIX, TASK_FILES } from '../../src/serve/farm.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { createTask, getTask, tinyFirmware, waitFinished } from './helpers.js';

const MAX_OUTPUT = 16 * 1024;
let serve: RunningServe;
let dataDir: string;
let scratchDir: string;
let tinyfw: string;
let overlap: string;

beforeAll(async () => {
  [tinyfw, overlap] = await Promise.all([tinyFirmware('tinyfw'), tinyFirmware('overlap')]);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'serve-limits-'));
  scratchDir = await mkdtemp(path.join(os.tmpdir(), 'serve-limits-in-'));
  serve = await startServe({ port: 0, boards: 1, dataDir, maxOutputBytes: MAX_OUTPUT, flashMsPerKiB: 0, bootMs: 0 });
});
afterAll(async () => {
  await serve?.close();
  await Promise.all([rm(dataDir, { recursive: true, force: true }), rm(scratchDir, { recursive: true, force: true })]);
});

/** tinyfw answers each empty line with a "#echo:0:N" line: ~10 output bytes per input byte. */
function chattyInput(lines: number): string {
  return '\n'.repeat(lines) + '#exit\n';
}

describe('serve: limits', () => {
  it("caps a task's UART output and ends it with a line saying so; the log on disk is capped too", async () => {
    const id = await createTask(serve.url, tinyfw, chattyInput(3000), { rate: 921600, timeout: 60 });
    const record = await waitFinished(serve.url, id, 60_000);
    expect(record.code).toBe(0);
    const lines = record.output!.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${OUTPUT_CUT_LINE_PREFIX}: the board wrote \\d+ bytes on its UART; this service keeps the first 16384 \\(0\\.02 MiB\\)`),
    );
    const wrote = Number(/wrote (\d+) bytes/.exec(lines.at(-1)!)![1]);
    expect(wrote).toBeGreaterThan(MAX_OUTPUT);
    const kept = record.output!.slice(0, record.output!.lastIndexOf(OUTPUT_CUT_LINE_PREFIX));
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_OUTPUT + 1); // + the line end put before the marker
    expect(kept.startsWith('tinyfw ready\n#echo:0:1\n')).toBe(true);
    expect((await stat(path.join(dataDir, 'tasks', id, TASK_FILES.uart))).size).toBe(MAX_OUTPUT);
  });

  it('an output under the cap has no marker', async () => {
    const id = await createTask(serve.url, tinyfw, chattyInput(10), { rate: 921600 });
    const record = await waitFinished(serve.url, id);
    expect(record.output).not.toContain(OUTPUT_CUT_LINE_PREFIX);
  });

  it('parallel GETs of a capped output all get the whole, same record', async () => {
    const id = await createTask(serve.url, tinyfw, chattyInput(3000), { rate: 921600, timeout: 60 });
    const first = await waitFinished(serve.url, id, 60_000);
    const all = await Promise.all(Array.from({ length: 8 }, () => getTask(serve.url, id)));
    for (const record of all) expect(record).toEqual(first);
  });

  it('a truncated ELF finishes at once with 255 and says it is truncated, while the only board is busy', async () => {
    const own = await startServe({ port: 0, boards: 1, flashMsPerKiB: 0, bootMs: 0 });
    try {
      await truncatedElfsWhileBusy(own.url);
    } finally {
      await own.close();
    }
  });

  async function truncatedElfsWhileBusy(url: string): Promise<void> {
    const busy = await createTask(url, tinyfw, 'no line end, so tinyfw waits', { timeout: 60 });
    for (let i = 0; i < 100 && (await getTask(url, busy)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await getTask(url, busy)).status).toBe('running');

    const whole = await readFile(tinyfw);
    for (const cut of [Math.floor(whole.length * 0.9), Math.floor(whole.length / 2), 200]) {
      const truncated = path.join(scratchDir, `cut-${cut}.elf`);
      await writeFile(truncated, whole.subarray(0, cut));
      const id = await createTask(url, truncated, '#exit\n');
      const record = await getTask(url, id); // the first GET, no waiting: the board is still busy
      expect(record.status).toBe('finished');
      expect(record.code).toBe(CODE_INFRA);
      expect(record.output).toMatch(/^The firmware ELF file is truncated: .* ends past the end of the file \(\d+ bytes\)/);
    }
    expect((await getTask(url, busy)).status).toBe('running');
  }

  it("a 255 reason names the uploaded image, never the server's data dir", async () => {
    const named = path.join(scratchDir, 'my-overlapping-image.elf');
    await copyFile(overlap, named);
    const id = await createTask(serve.url, named, '#exit\n');
    const record = await waitFinished(serve.url, id);
    expect(record.code).toBe(CODE_INFRA);
    expect(record.output).toMatch(/^QEMU could not start the image:/);
    expect(record.output).not.toContain(dataDir);
    expect(record.output).not.toContain(os.tmpdir() + path.sep);
    expect(record.output).not.toContain(TASK_FILES.firmware);
  });
});
