/**
 * Lifecycle: `allhw serve` as its own process prints its URL first, and
 * however it ends (SIGTERM, SIGINT, even SIGKILL) no QEMU outlives it; a
 * client that hangs up mid-upload leaves no task and no files behind.
 *
 * The server process runs the TypeScript sources directly: Node 24 strips
 * the types itself, and scripts/ts-resolve.mjs maps the sources' `.js`
 * imports to their `.ts` files.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../src/serve/server.js';
import { exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';
import { createTask, getTask, FIXTURES, NODE, qemuProcesses, TS_NODE_ARGS, waitFinished } from './helpers.js';

let fw: FirmwareImages;
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  fw = await exampleFirmware('mps2_an500');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'serve-life-'));
  dirs.push(dir);
  return dir;
}

/** Spawns `allhw serve`; resolves with the URL from its first stdout line. */
async function spawnServe(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; firstLine: string }> {
  const child = spawn(NODE, [...TS_NODE_ARGS, path.join(FIXTURES, 'serve-main.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const [firstLine] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`serve exited before printing its URL: ${stderr}`);
    }),
  ])) as [string];
  const url = /^allhw serve listening on (http:\/\/\S+)$/.exec(firstLine)?.[1];
  if (!url) throw new Error(`unexpected first line: ${firstLine}`);
  return { child, url, firstLine };
}

/** Polls until no QEMU mentions marker, or the time is up; returns the ones left. */
async function qemuGone(marker: string, withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = await qemuProcesses(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await qemuProcesses(marker);
  }
  return left;
}

/** Starts n never-ending tasks and waits until each has its QEMU running. */
async function busyBoards(url: string, dataDir: string, n: number): Promise<string[]> {
  const input = '#input:1,2,3\n'; // the example firmware never exits without #exit
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(await createTask(url, fw.elf, input, { timeout: 120 }));
  for (let i = 0; i < 100 && (await qemuProcesses(dataDir)).length < n; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await qemuProcesses(dataDir)).toHaveLength(n);
  return ids;
}

describe('serve lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops the server: exit code 0, no QEMU left behind', async (signal) => {
    const dataDir = await tempDir();
    const { child, url, firstLine } = await spawnServe(['--port', '0', '--boards', '2', '--data-dir', dataDir, '--boot-ms', '0']);
    expect(firstLine).toMatch(/^allhw serve listening on http:\/\/127\.0\.0\.1:\d+\/ci\/usertask$/);
    await busyBoards(url, dataDir, 2);
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await qemuProcesses(dataDir)).toEqual([]);
  });

  it('SIGKILL of the server: the kernel ends its QEMU children too', async () => {
    const dataDir = await tempDir();
    const { child, url } = await spawnServe(['--port', '0', '--boards', '1', '--data-dir', dataDir, '--boot-ms', '0']);
    await busyBoards(url, dataDir, 1);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(await qemuGone(dataDir, 5000)).toEqual([]);
  });

  it('close() stops running and queued tasks, and removes its temp data dir', async () => {
    const serve = await startServe({ port: 0, boards: 1, bootMs: 0, flashMsPerKiB: 0 });
    const [running] = await busyBoards(serve.url, serve.dataDir, 1);
    const queued = await createTask(serve.url, fw.elf, '', { timeout: 120 });
    expect((await getTask(serve.url, queued)).status).toBe('queued');
    expect(running).toBeDefined();
    await serve.close();
    expect(await qemuProcesses(serve.dataDir)).toEqual([]);
    await expect(readdir(serve.dataDir)).rejects.toThrow(/ENOENT/);
  });

  it('a client that hangs up mid-upload leaves no task and no file; the server goes on', async () => {
    const dataDir = await tempDir();
    const serve = await startServe({ port: 0, boards: 1, dataDir, bootMs: 0, flashMsPerKiB: 0 });
    try {
      const boundary = 'cut-upload-boundary';
      const req = request(`${serve.url}?timeout=5`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(10 * 1024 * 1024) },
      });
      req.on('error', () => undefined); // we hang up ourselves
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="firmware"; filename="fw.elf"\r\n\r\n`);
      req.write(Buffer.alloc(256 * 1024, 0x41));
      // Wait until the server has started streaming the part to disk, then hang up.
      const tasksDir = path.join(dataDir, 'tasks');
      for (let i = 0; i < 50 && (await readdir(tasksDir)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await readdir(tasksDir)).toHaveLength(1);
      req.destroy();
      for (let i = 0; i < 50 && (await readdir(tasksDir)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await readdir(tasksDir)).toEqual([]);

      const id = await createTask(serve.url, fw.elf, '#exit\n');
      expect((await waitFinished(serve.url, id)).code).toBe(0);
    } finally {
      await serve.close();
    }
  });
});
