/**
 * What recording a large run costs the results store: N tasks of 2 inputs
 * each (a 100 MB CSV of 35,237 inputs gave 17,619 tasks), each task ending
 * one after another as the pipeline records it. Compared in one run:
 *   per-task save  results.json rewritten after every task (the old way: its
 *                  cost grows with the run, so the run's total is quadratic)
 *   journal        one journal line per task and a results.json snapshot at
 *                  most every 2 s (saveSoon), plus the final save
 * Prints the wall time of each and their ratio, and the size of the files.
 *
 * Run: npm run bench -- results-store [tasks]   (default 4000; 17619 for the
 * issue's figure: the per-task case then takes minutes)
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOutcome } from '../src/results/parse.js';
import { JOURNAL_FILE, RESULTS_FILE, ResultsStore } from '../src/results/store.js';
import type { TaskOutcome } from '../src/run/types.js';

const tasks = Number(process.argv[2] ?? 4000);

function outcome(i: number): TaskOutcome {
  const values = Array.from({ length: 10 }, (_, k) => ((i * 7 + k * 13) % 256) - 128).join(',');
  return {
    planIndex: i,
    image: 'synth',
    inputs: [`data.csv#${2 * i + 1}`, `data.csv#${2 * i + 2}`],
    attempt: 1,
    id: `0000${i}-4000-4000-8000-000000000000`,
    end: 'finished',
    status: 'finished',
    code: 0,
    reservation: 1,
    created: '2026-12-01T00:00:00Z',
    started: '2026-12-01T00:00:01Z',
    finished: '2026-12-01T00:00:02Z',
    uart: Buffer.from(`banner\n#result:${values}:3911\n#result:${values}:3912\n`),
    reason: null,
  };
}

async function record(way: 'per-task save' | 'journal'): Promise<{ ms: number; results: number; journal: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'allhw-bench-store-'));
  try {
    const store = await ResultsStore.create(dir, { mode: 'emulator', config: {} }, { secrets: ['bench-key'] });
    const began = performance.now();
    for (let i = 0; i < tasks; i++) {
      const o = outcome(i);
      store.recordCreated({ planIndex: i, attempt: 1, image: o.image, inputs: o.inputs, id: o.id! });
      store.addTask(o, parseOutcome(o, { outputCount: 10 }));
      if (way === 'journal') store.saveSoon();
      else await store.save();
      // Tasks end apart from each other; a turn of the event loop lets a due snapshot run.
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await store.finish();
    const ms = performance.now() - began;
    const size = async (f: string): Promise<number> => (await stat(path.join(dir, f)).catch(() => ({ size: 0 }))).size;
    return { ms, results: await size(RESULTS_FILE), journal: await size(JOURNAL_FILE) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
console.log(`${tasks} tasks of 2 inputs each`);
const old = await record('per-task save');
console.log(`per-task save: ${(old.ms / 1000).toFixed(2)} s  (results.json ${mib(old.results)})`);
const now = await record('journal');
console.log(`journal:       ${(now.ms / 1000).toFixed(2)} s  (results.json ${mib(now.results)}, tasks.jsonl ${mib(now.journal)})`);
console.log(`ratio per-task / journal: ${(old.ms / now.ms).toFixed(1)}×`);
