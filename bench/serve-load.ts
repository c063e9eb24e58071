/**
 * `allhw serve` under load: 200 tasks from 20 concurrent clients (each our
 * own All-HW client with its own connections) on 2 boards. The firmware is
 * the example with one input and `#exit`, flash and boot times 0, so a task
 * is about half a second of QEMU. Checks, printed (exit 1 when one fails):
 * every task finishes with code 0 and a #result line, none lost (the data
 * dir holds exactly the tasks created), no QEMU left among the server's
 * children once idle nor anywhere after it stopped. Figures: tasks/s, board
 * utilisation, time from POST to finished, the server's peak RSS (VmHWM).
 *
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs bench/serve-load.ts
 *        [--tasks 200] [--clients 20] [--boards 2]
 * serve runs from the CLI bundle (.test-work/faults-cli, or ALLHW_CLI).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AllhwClient } from '../src/allhw/client.js';
import { decodeOutput } from '../src/allhw/record.js';
import { exampleFirmware, EXAMPLE_DIR } from '../test/helpers/firmware.js';
import { ensureCli, startServeProcess } from '../test/faults/processes.js';
import { procStatusKiB } from './proc-status.js';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '200' }, clients: { type: 'string', default: '20' }, boards: { type: 'string', default: '2' } },
});
const TASKS = Number(values.tasks);
const CLIENTS = Number(values.clients);
const BOARDS = Number(values.boards);
const KEY = 'serve-load-bench';

interface Done {
  id: string;
  code: number | null;
  results: number;
  /** POST sent → finished seen, ms. */
  latencyMs: number;
  /** Board time by the service's clock, ms. */
  runMs: number;
}

/** Processes descended from pid whose command line mentions qemu-system-arm (what `pgrep -f` would match, scoped). */
async function qemuDescendants(pid: number): Promise<number[]> {
  const parent = new Map<number, number>();
  const qemu = new Set<number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // dead, only not reaped yet
      parent.set(Number(entry), Number(fields[1]));
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes('qemu-system-arm')) qemu.add(Number(entry));
    } catch {
      /* ended meanwhile */
    }
  }
  const descends = (p: number): boolean => {
    for (let at = parent.get(p), hops = 0; at !== undefined && hops < 64; at = parent.get(at), hops++) if (at === pid) return true;
    return false;
  };
  return [...qemu].filter(descends);
}

async function anyQemuWith(marker: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('qemu-system-arm') && cmd.includes(marker)) n++;
  }
  return n;
}

async function vm(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  return ((await procStatusKiB(pid, field)) ?? NaN) / 1024;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<number> {
  const [{ elf }, cli] = await Promise.all([exampleFirmware('mps2_an500'), ensureCli()]);
  const input = Buffer.from((await readFile(path.join(EXAMPLE_DIR, 'inputs', 'input-00.txt'), 'utf8')).trimEnd() + '\n#exit\n');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'allhw-serve-load-'));
  const serve = await startServeProcess(cli, ['--boards', String(BOARDS), '--data-dir', dataDir, '--flash-ms-per-kib', '0', '--boot-ms', '0', '--key', KEY]);
  console.log(
    `serve pid ${serve.pid} on ${serve.url}; ${TASKS} tasks, ${CLIENTS} clients, ${BOARDS} boards; input ${input.length} bytes (one #input line, then #exit)`,
  );
  const rssAtStart = await vm(serve.pid, 'VmRSS');

  const done: Done[] = [];
  const failures: string[] = [];
  let next = 0;
  const began = performance.now();
  const client = async (): Promise<void> => {
    const allhw = new AllhwClient({ baseUrl: serve.url, apiKey: KEY, timeoutS: 30, rate: 115200, log: '0' });
    try {
      while (next < TASKS) {
        const n = next++;
        const sent = performance.now();
        try {
          const id = await allhw.createTask({ path: elf, name: 'synth.elf' }, input);
          for (;;) {
            const rec = await allhw.getTask(id);
            if (rec.status === 'finished') {
              const uart = decodeOutput(rec.output)?.bytes.toString('utf8') ?? '';
              done.push({
                id,
                code: rec.code,
                results: uart.split('\n').filter((l) => l.startsWith('#result:')).length,
                latencyMs: performance.now() - sent,
                runMs: Date.parse(rec.finished!) - Date.parse(rec.started!),
              });
              break;
            }
            await new Promise((r) => setTimeout(r, 200));
          }
        } catch (err) {
          failures.push(`task ${n + 1}: ${(err as Error).message}`);
        }
      }
    } finally {
      await allhw.close();
    }
  };
  let peakSampled = 0;
  let qemuAtOnce = 0; // also shows the scoped QEMU check sees the boards' processes at all
  const sampler = setInterval(() => {
    void vm(serve.pid, 'VmRSS').then(
      (mb) => (peakSampled = Math.max(peakSampled, mb)),
      () => undefined,
    );
    void qemuDescendants(serve.pid).then((pids) => (qemuAtOnce = Math.max(qemuAtOnce, pids.length)));
  }, 250);
  await Promise.all(Array.from({ length: CLIENTS }, client));
  clearInterval(sampler);
  const wallS = (performance.now() - began) / 1000;

  const peakRss = await vm(serve.pid, 'VmHWM');
  const leftWhileIdle = await qemuDescendants(serve.pid);
  const stopCode = await serve.stop();
  const leftAfterStop = await anyQemuWith(dataDir);
  const onDisk = (await readdir(path.join(dataDir, 'tasks'))).length;
  let finishedOnDisk = 0;
  for (const id of await readdir(path.join(dataDir, 'tasks'))) {
    const rec = await readFile(path.join(dataDir, 'tasks', id, 'task.json'), 'utf8').then(
      (t) => JSON.parse(t) as { status: string },
      () => null,
    );
    if (rec?.status === 'finished') finishedOnDisk++;
  }

  const ok = done.filter((d) => d.code === 0 && d.results === 1);
  const latencies = done.map((d) => d.latencyMs / 1000).sort((a, b) => a - b);
  const boardS = done.reduce((s, d) => s + d.runMs, 0) / 1000;
  console.log(`\ntasks finished      ${done.length}/${TASKS} (code 0 with a #result line: ${ok.length}); client errors: ${failures.length}`);
  console.log(`tasks in data dir   ${onDisk} (finished: ${finishedOnDisk})`);
  console.log(`wall time           ${wallS.toFixed(1)} s → ${(done.length / wallS).toFixed(2)} tasks/s`);
  console.log(
    `board utilisation   ${((100 * boardS) / (BOARDS * wallS)).toFixed(0)} % (${boardS.toFixed(1)} s of QEMU time on ${BOARDS} boards; mean ${((1000 * boardS) / Math.max(1, done.length)).toFixed(0)} ms a task)`,
  );
  console.log(
    `POST → finished     p50 ${pct(latencies, 50).toFixed(1)} s, p95 ${pct(latencies, 95).toFixed(1)} s, max ${latencies.at(-1)?.toFixed(1)} s (queueing behind ${CLIENTS} clients)`,
  );
  console.log(`server RSS          ${rssAtStart.toFixed(0)} MiB at start, peak ${peakRss.toFixed(0)} MiB (VmHWM; sampled peak ${peakSampled.toFixed(0)} MiB)`);
  console.log(`QEMU at once        at most ${qemuAtOnce} (sampled every 250 ms; ${BOARDS} boards)`);
  console.log(`QEMU left over      ${leftWhileIdle.length} among the server's children once idle; ${leftAfterStop} after it stopped (exit code ${stopCode})`);

  const problems = [
    ...failures,
    ...(ok.length !== TASKS ? [`${TASKS - ok.length} task(s) did not finish with code 0 and a result`] : []),
    ...(onDisk !== TASKS || finishedOnDisk !== TASKS ? [`the data dir holds ${onDisk} tasks (${finishedOnDisk} finished), not ${TASKS}`] : []),
    ...(leftWhileIdle.length || leftAfterStop ? ['QEMU processes were left over'] : []),
    ...(stopCode !== 0 ? [`serve exited with ${stopCode}`] : []),
    ...(qemuAtOnce > BOARDS ? [`${qemuAtOnce} QEMU processes ran at once on ${BOARDS} boards`] : []),
  ];
  for (const p of problems.slice(0, 20)) console.log(`FAIL: ${p}`);
  if (problems.length === 0) await rm(dataDir, { recursive: true, force: true });
  else console.log(`kept ${dataDir}`);
  return problems.length ? 1 : 0;
}

process.exitCode = await main();
