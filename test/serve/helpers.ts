/**
 * Shared by the serve tests: a client speaking the All-HW API over real
 * HTTP (global fetch), the tiny fixture firmware, and a look at /proc for
 * QEMU processes left behind.
 */
import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TaskRecord } from '../../src/allhw/contract.js';
import { WORK_DIR } from '../helpers/firmware.js';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(HERE, 'fixtures');

export interface PostOptions {
  timeout?: number;
  rate?: number;
  binary?: boolean;
  key?: string;
  /** Extra or overriding query parameters (null: leave the parameter out). */
  query?: Record<string, string | null>;
}

/** POST a task the way All-HW's clients do; returns the HTTP answer as is. */
export async function postTask(url: string, firmware: string, input: string | Buffer, opts: PostOptions = {}): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('firmware', await openAsBlob(firmware), path.basename(firmware));
  form.append('input', new Blob([input]), 'input.txt');
  const query: Record<string, string | null> = {
    key: opts.key ?? 'test-key',
    timeout: String(opts.timeout ?? 20),
    version: 'V3',
    rate: String(opts.rate ?? 115200),
    log: '0',
    ...(opts.binary ? { binary: 'true' } : {}),
    ...opts.query,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null) params.set(k, v);
  const res = await fetch(`${url}?${params}`, { method: 'POST', body: form });
  return { status: res.status, body: await res.text() };
}

/** POST that must succeed: the task id. */
export async function createTask(url: string, firmware: string, input: string | Buffer, opts: PostOptions = {}): Promise<string> {
  const { status, body } = await postTask(url, firmware, input, opts);
  if (status !== 200) throw new Error(`POST answered ${status}: ${body}`);
  return body;
}

export async function getTask(url: string, id: string): Promise<TaskRecord> {
  const res = await fetch(`${url}?id=${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`GET answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as TaskRecord;
}

export async function waitFinished(url: string, id: string, withinMs = 60_000): Promise<TaskRecord> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const record = await getTask(url, id);
    if (record.status === 'finished') return record;
    if (Date.now() > deadline) throw new Error(`task ${id} not finished after ${withinMs} ms: ${JSON.stringify(record)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Seconds between two of a record's ISO timestamps. */
export function seconds(from: string | null, to: string | null): number {
  if (!from || !to) throw new Error(`missing timestamp (${from}, ${to})`);
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

/** The `#result` lines of a UART output, as output vectors. */
export function resultVectors(output: string): number[][] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('#result:'))
    .map((l) => l.slice('#result:'.length).split(':')[0]!.split(',').map(Number));
}

/** PIDs of live qemu-system-arm processes whose command line mentions marker (e.g. a data dir). */
export async function qemuProcesses(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z') continue; // a zombie is dead already; its parent just has not reaped it
      if (argv[0]?.includes('qemu-system-arm') && argv.some((a) => a.includes(marker))) pids.push(Number(entry));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return pids;
}

/**
 * The tiny fixture firmware (any exit code, lockup), built with the real
 * toolchain; `overlap`: the same code with two overlapping load segments,
 * an image QEMU refuses to start.
 */
export async function tinyFirmware(variant: 'tinyfw' | 'overlap' = 'tinyfw'): Promise<string> {
  const dir = path.join(WORK_DIR, 'serve-tinyfw');
  await mkdir(dir, { recursive: true });
  const elf = path.join(dir, `${variant}.elf`);
  const building = `${elf}.${process.pid}`; // workers may build at once: each renames its own file into place
  const src = path.join(FIXTURES, 'tinyfw');
  await run('arm-none-eabi-gcc', [
    '-mcpu=cortex-m7',
    '-mthumb',
    '-mfloat-abi=soft',
    '-O2',
    '-ffreestanding',
    '-nostdlib',
    '-nostartfiles',
    ...(variant === 'overlap' ? ['-Wl,--no-check-sections'] : []),
    '-T',
    path.join(src, `${variant}.ld`),
    path.join(src, 'tinyfw.c'),
    '-o',
    building,
  ]);
  await rename(building, elf);
  return elf;
}

/** Node 24 running a TypeScript entry directly (type stripping + the .js→.ts resolve hook). */
export const NODE = path.join(HERE, '../../node_modules/.bin/node');
export const TS_NODE_ARGS = ['--import', path.join(HERE, '../../scripts/ts-resolve.mjs')];
