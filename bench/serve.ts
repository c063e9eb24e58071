/**
 * Figures of the emulated farm (`allhw serve`), printed, not asserted:
 *  1. UART pacing: how long ~10 KB of input takes to reach the firmware at
 *     several baud rates, against the link's own time (10 bits per byte);
 *  2. the timing model: one example task with the default flash/boot times;
 *  3. upload memory: server RSS while a large image streams in.
 *
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs bench/serve.ts
 * (Node 24 strips the types; the hook maps the sources' .js imports to .ts.)
 */
import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TaskRecord } from '../src/allhw/contract.js';
import { startServe, DEFAULT_BOOT_MS, DEFAULT_FLASH_MS_PER_KIB } from '../src/serve/server.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const EXAMPLE = path.join(ROOT, 'examples/synth');

async function buildExample(dir: string): Promise<string> {
  await run('cmake', ['-S', EXAMPLE, '-B', dir, '-DBOARD=mps2_an500'], { maxBuffer: 1 << 26 });
  await run('cmake', ['--build', dir], { maxBuffer: 1 << 26 });
  return path.join(dir, 'synth.elf');
}

async function post(url: string, firmware: string, input: string | Buffer, query: Record<string, string>): Promise<string> {
  const form = new FormData();
  form.append('firmware', await openAsBlob(firmware), path.basename(firmware));
  form.append('input', new Blob([input]), 'input.txt');
  const res = await fetch(`${url}?${new URLSearchParams({ version: 'V3', log: '0', key: 'bench', ...query })}`, { method: 'POST', body: form });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`POST ${res.status}: ${body}`);
  return body;
}

async function finished(url: string, id: string): Promise<TaskRecord> {
  for (;;) {
    const record = (await (await fetch(`${url}?id=${id}`)).json()) as TaskRecord;
    if (record.status === 'finished') return record;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const secs = (r: TaskRecord): number => (Date.parse(r.finished!) - Date.parse(r.started!)) / 1000;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-serve-'));
  try {
    const elf = await buildExample(path.join(work, 'build'));
    const inputs = await Promise.all([0, 1, 2].map((i) => readFile(path.join(EXAMPLE, 'inputs', `input-0${i}.txt`), 'utf8')));
    const input = inputs.join('') + '#exit\n';
    const bytes = Buffer.byteLength(input);

    console.log(`1. UART pacing: ${bytes} bytes of input, then #exit (no flash/boot delay; run = QEMU start to exit)`);
    console.log('   baud      link time   task time   overhead');
    {
      const serve = await startServe({ port: 0, boards: 1, flashMsPerKiB: 0, bootMs: 0 });
      try {
        for (const baud of [57600, 115200, 230400, 460800, 921600]) {
          const record = await finished(serve.url, await post(serve.url, elf, input, { rate: String(baud), timeout: '60' }));
          const link = (bytes * 10) / baud;
          console.log(
            `   ${String(baud).padEnd(9)} ${link.toFixed(3).padStart(7)} s   ${secs(record).toFixed(3).padStart(7)} s   ${(secs(record) - link).toFixed(3).padStart(6)} s`,
          );
        }
      } finally {
        await serve.close();
      }
    }

    console.log(`\n2. Timing model defaults (flash ${DEFAULT_FLASH_MS_PER_KIB} ms/KiB, boot ${DEFAULT_BOOT_MS} ms): the same task`);
    {
      const dataDir = path.join(work, 'data');
      const serve = await startServe({ port: 0, boards: 1, dataDir });
      try {
        const id = await post(serve.url, elf, input, { rate: '115200', timeout: '60' });
        const record = await finished(serve.url, id);
        await serve.close(); // flushes task.json
        const saved = JSON.parse(await readFile(path.join(dataDir, 'tasks', id, 'task.json'), 'utf8'));
        console.log(
          `   flash ${saved.timing.flashMs} ms (${saved.params.firmwareBytes} B uploaded), run ${saved.timing.runMs} ms, started→finished ${secs(record).toFixed(3)} s`,
        );
      } finally {
        await serve.close();
      }
    }

    console.log('\n3. Upload memory: large images streamed in (not valid images: each task ends 255)');
    {
      const serve = await startServe({ port: 0, boards: 1, maxImageBytes: 2048 * 1024 * 1024 });
      try {
        for (const mib of [64, 512, 1024]) {
          const big = path.join(work, `big-${mib}.bin`);
          const handle = await open(big, 'w');
          const chunk = Buffer.alloc(1024 * 1024, 0x5a);
          for (let i = 0; i < mib; i++) await handle.write(chunk);
          await handle.close();
          const before = process.memoryUsage().rss;
          let peak = before;
          const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
          const started = performance.now();
          // curl streams the file from disk: the client side adds nothing to this process.
          const { stdout } = await run('curl', ['-s', '-X', 'POST', '-F', `firmware=@${big}`, '-F', 'input=@/dev/null', `${serve.url}?timeout=5`]);
          const took = (performance.now() - started) / 1000;
          clearInterval(sampler);
          const record = await finished(serve.url, stdout.trim());
          await rm(big);
          console.log(
            `   ${String(mib).padStart(4)} MiB: upload ${took.toFixed(2)} s (${(mib / took).toFixed(0)} MiB/s); server RSS ${(before / 2 ** 20).toFixed(0)} MiB before, peak +${((peak - before) / 2 ** 20).toFixed(1)} MiB; code ${record.code}`,
          );
        }
      } finally {
        await serve.close();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
