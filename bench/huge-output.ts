/**
 * Memory of `allhw run` when a task's UART output is huge (a board printing
 * in a loop for its whole timeout): `allhw serve --faults huge=MB:1` pads
 * every finished output to MB MiB, and the CLI reads it (base64 in a JSON
 * record), decodes it, writes the UART log and parses it. Goal: the CLI's
 * peak RSS for one 50 MiB output under 300 MiB.
 *
 * Each case runs serve and the CLI as processes of their own (as in
 * bench/memory.ts); peak RSS is the kernel's VmHWM of each, read from /proc
 * every 10 ms while it runs. Cases: a normal output (the CLI's floor), one
 * task with a huge output, two such tasks in parallel. Each run must pass
 * every input and keep a UART log of the full size, or the bench fails.
 *
 * Last figures (50 MiB, 2-core Linux VM; the 2-task figure varies with how
 * much the two reads overlap):
 *                        before (8632f1a)      after
 *   normal output          101 MiB             102 MiB
 *   1 task, 50 MiB         551 MiB             230 MiB
 *   2 tasks, 50 MiB each   672 MiB             322–370 MiB
 * Before, the body was one 67 MB string, scrubbed, JSON-parsed (a second
 * 67 MB string), its output decoded, then the bytes made one 50 MB string
 * split into lines (twice: once as the task ended, once at the end). Now the output is
 * decoded from the response's chunks 64 KiB at a time (src/allhw/base64.ts)
 * and the lines are decoded one at a time. What remains per output: the
 * body's chunks while it is decoded (~70–90 MiB) and the 50 MiB of bytes,
 * which the run keeps until its end (src/pipeline.ts holds every outcome).
 * serve's own figure is mostly its fault layer re-encoding the padded output.
 *
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs bench/huge-output.ts [MiB]
 * The CLI is bundled from the current sources into .test-work/faults-cli
 * (ALLHW_CLI=dist/cli.js runs a given bundle instead).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureCli, NODE, startServeProcess } from '../test/faults/processes.js';
import { EXAMPLE_DIR, exampleFirmware } from '../test/helpers/firmware.js';
import { procStatusKiB } from './proc-status.js';

const outputMiB = Number(process.argv[2] ?? 50);
if (!(outputMiB > 0)) throw new Error(`usage: bench/huge-output.ts [MiB] (got '${process.argv[2]}')`);
const KEY = 'bench-huge-output-key';

interface Case {
  name: string;
  faults: string | null;
  inputs: number;
}

const CASES: Case[] = [
  { name: 'normal output, 1 task', faults: null, inputs: 1 },
  { name: `${outputMiB} MiB output, 1 task`, faults: `huge=${outputMiB}:1`, inputs: 1 },
  { name: `${outputMiB} MiB outputs, 2 tasks in parallel`, faults: `huge=${outputMiB}:1`, inputs: 2 },
];

async function peakRssKiB(pid: number): Promise<number> {
  return (await procStatusKiB(pid)) ?? 0; // 0: it has exited
}

/** Samples a process's VmHWM until stopped; resolves with the highest value seen (KiB). */
function sampler(pid: () => number | undefined): { stop(): Promise<number> } {
  let peak = 0;
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const p = pid();
    if (p) busy = busy.then(async () => void (peak = Math.max(peak, await peakRssKiB(p))));
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      return peak;
    },
  };
}

async function uartLogSizes(dir: string): Promise<number[]> {
  const sizes: number[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.uart.log')) sizes.push((await stat(path.join(entry.parentPath, entry.name))).size);
  }
  return sizes;
}

interface CliRun {
  code: number | null;
  stderr: string;
  seconds: number;
  peakKiB: number;
}

/** Runs the CLI to its end, sampling its VmHWM (SIGKILL after 5 minutes). */
function runCli(args: string[], cwd: string): Promise<CliRun> {
  const began = performance.now();
  const child = spawn(NODE, args, { cwd, env: { ...process.env, ALLHW_API_KEY: KEY }, stdio: ['ignore', 'ignore', 'pipe'] });
  const rss = sampler(() => child.pid);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, seconds: (performance.now() - began) / 1000, peakKiB: await rss.stop() });
    });
  });
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

const cli = await ensureCli();
const firmware = await exampleFirmware('mps2_an500');
const work = await mkdtemp(path.join(os.tmpdir(), 'allhw-bench-huge-'));
console.log(`CLI ${cli}; outputs padded to ${outputMiB} MiB by serve --faults huge`);
let failed = false;
try {
  for (const [i, c] of CASES.entries()) {
    const dir = path.join(work, `case-${i + 1}`);
    await mkdir(path.join(dir, 'serve-data'), { recursive: true });
    const serveArgs = ['--boards', '2', '--data-dir', path.join(dir, 'serve-data'), '--flash-ms-per-kib', '0', '--boot-ms', '50'];
    if (c.faults) serveArgs.push('--faults', c.faults);
    const serve = await startServeProcess(cli, serveArgs, { ...process.env, ALLHW_SERVE_KEYS: KEY });
    const serveRss = sampler(() => serve.pid);
    const resultsDir = path.join(dir, 'results');
    const inputs = Array.from({ length: c.inputs }, (_, k) => path.join(EXAMPLE_DIR, 'inputs', `input-0${k}.txt`));
    let run: CliRun;
    try {
      run = await runCli(
        [
          cli,
          'run',
          '--mode',
          'allhw',
          '--ci-url',
          serve.url,
          '--build-system',
          'none',
          '--project-dir',
          firmware.dir,
          '--image',
          'synth.elf',
          '--board',
          'mps2_an500',
          ...inputs.flatMap((f) => ['--inputs', f]),
          '--inputs-per-task',
          '1',
          '--max-parallel',
          '2',
          '--golden',
          path.join(EXAMPLE_DIR, 'golden.json'),
          '--exit-line',
          '#exit',
          '--ci-timeout',
          '10',
          '--queue-timeout',
          '10',
          '--results-dir',
          resultsDir,
        ],
        dir,
      );
    } finally {
      await serve.stop();
    }
    const servePeak = await serveRss.stop();
    const sizes = await uartLogSizes(resultsDir);
    const expected = c.faults ? outputMiB * 1024 * 1024 : null;
    const problems: string[] = [];
    if (run.code !== 0) problems.push(`allhw run exited ${run.code}`);
    if (sizes.length !== c.inputs) problems.push(`${sizes.length} UART log(s), expected ${c.inputs}`);
    if (expected !== null && sizes.some((s) => s !== expected)) problems.push(`UART log sizes ${sizes.join(', ')}, expected ${expected} each`);
    console.log(
      `${c.name.padEnd(36)} ${run.seconds.toFixed(1).padStart(5)} s   CLI peak RSS ${mib(run.peakKiB).padStart(8)}   serve peak RSS ${mib(servePeak).padStart(8)}` +
        (problems.length ? `   FAILED: ${problems.join('; ')}` : ''),
    );
    if (problems.length) {
      failed = true;
      console.log(run.stderr.split('\n').slice(-15).join('\n'));
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
