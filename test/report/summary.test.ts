import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/index.js';
import { renderSummary, renderTextTable, SUMMARY_BYTE_BUDGET } from '../../src/report/summary.js';
import { compareBaseline } from '../../src/results/gate.js';
import type { InputResult, Results } from '../../src/results/types.js';
import { input, mixedRun, results, task } from './fixtures.js';
import { itemAt } from '../helpers/item.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'summary-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('summary.md for a run with passes, a value mismatch and an infrastructure error', () => {
  let md: string;
  beforeAll(async () => {
    const out = await writeReportFiles(mixedRun(), dir, { artifactName: 'allhw-results-mps2_an500', failOn: 'any' });
    md = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(out.summaryMarkdown).toBe(md);
    expect(out.files.map((f) => path.basename(f))).toEqual(['junit.xml', 'summary.md']);
  });

  it('leads with the verdict and the counts', () => {
    expect(md.split('\n')[0]).toBe('## ❌ All-HW CI: 2 passed, 1 failed, 1 error of 4 inputs');
    expect(md).toContain('Mode `emulator` · toolchain `13.2.Rel1` (gcc 13.2.1) · 3 tasks · started 2025-01-01T10:00:00.000Z · 12.5 s · fail-on `any`');
  });

  it('has a row per input with status, top-1, max abs error, latency in ms and the reason', () => {
    expect(md).toContain('| input | status | top-1 | max abs error | latency (ms) | note |');
    expect(md).toContain('| `input-00.txt` | ✅ passed | 4 | 0 | 1.234 |  |');
    expect(md).toContain('| `input-02.txt` | ❌ failed | 3 | 2 | 1.234 | output\\[3\\] = 12, expected 10 (\\|Δ\\| 2 &gt; atol 0 + rtol 0·\\|e\\| = 0) |');
    // The escape byte from the UART is shown, not passed through.
    expect(md).toContain(
      '| `input-03.txt` | ⚠️ error | — | — | — | task ended with code 255 (infrastructure) after 3 attempts · Error: board did not boot \\\\x1b\\[0m |',
    );
  });

  it('shows flash and RAM against the board capacity', () => {
    expect(md).toContain('### Image `synth` on board `mps2_an500`');
    expect(md).toContain('**Flash** 40,000 B of 4,194,304 B (1.0%) · **RAM** 12,000 B of 4,194,304 B (0.3%)');
  });

  it('lists task ids with their reservations', () => {
    expect(md).toContain('3 tasks: ids and reservations (what All-HW support asks for)');
    expect(md).toContain(
      '| `a1b2c3d4-0000-4000-8000-000000000002` | 1 | finished | 0 | 18 | input-02.txt | `logs/synth/a1b2c3d4-0000-4000-8000-000000000002.uart.log` |  |',
    );
    expect(md).toContain('| `a1b2c3d4-0000-4000-8000-000000000003` | 3 | finished | 255 | 19 | input-03.txt |  | code 255: infrastructure |');
  });

  it('draws a Mermaid latency chart of the timed inputs', () => {
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3) + 3);
    expect(chart).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '    title "Latency per input (ms), synth"',
        '    x-axis ["input-00.txt", "input-01.txt", "✗ input-02.txt"]',
        '    y-axis "latency (ms)" 0 --> 1.38',
        '    bar [1.234, 1.25, 1.234]',
        '```',
      ].join('\n'),
    );
  });

  it('says, before the upload, which artifact the results go up as (not that it is there)', () => {
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      '📦 The results directory (results.json, junit.xml, summary.md and the logs) goes up as the artifact `allhw-results-mps2_an500`; the job summary says whether the upload succeeded.',
    );
  });
});

describe('summary gate section and special cases', () => {
  it('shows the gate verdict with its deltas, failures first', () => {
    const base = mixedRun();
    const cur = mixedRun();
    itemAt(cur.results, 0).latencyUs = 2000;
    cur.gate = compareBaseline(cur, base, { latencyTolerancePct: 10 });
    const md = writeSummary(cur);
    expect(md).toContain('### Gate against the baseline: ❌ failed');
    expect(md).toContain('| ❌ | total latency | total latency 3718 µs → 4484 µs (+20.6% &gt; 10%) over 3 inputs in both runs |');
    expect(md).toContain('| ❌ | latency of input-00.txt | input-00.txt: 1234 µs → 2000 µs (+62.1% &gt; 10%) |');
    expect(md).toContain('| ✅ | flash | flash 40,000 B → 40,000 B (+0.0% ≤ 5%) |');
  });

  it('says when the run stopped early and works without images or results', () => {
    const md = writeSummary(results({ images: [], error: 'build failed: see logs/build.log' }), null);
    expect(md).toContain('> The run stopped early: build failed: see logs/build.log');
    expect(md).toContain('No artifact was uploaded');
  });

  it('never prints an All-HW key that a reason quotes', () => {
    const r = mixedRun();
    itemAt(r.results, 3).reason = 'GET https://cloud.all-hw.com/ci/usertask?key=0b2f6a1e-secret&id=1 failed';
    itemAt(r.tasks, 2).reason = itemAt(r.results, 3).reason;
    const md = writeSummary(r);
    expect(md).not.toContain('0b2f6a1e-secret');
    expect(md).toContain('key=\\*\\*\\*');
  });
});

/** The pure renderer behind writeReportFiles (whose file output the first block checks). */
function writeSummary(r: Results, artifactName: string | null = 'allhw-results'): string {
  return renderSummary(r, { artifactName });
}

describe('summary size with thousands of inputs', () => {
  it('stays under 1 MiB with 5000 inputs, keeping every failure and saying what was trimmed', async () => {
    const rows: InputResult[] = [];
    for (let i = 0; i < 5000; i++) {
      const name = `dataset/validation/sample-${String(i).padStart(5, '0')}-with-a-rather-long-file-name.txt`;
      const bad = i % 250 === 7;
      rows.push(
        input({
          input: name,
          taskId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          status: bad ? 'failed' : 'passed',
          reason: bad ? `output[3] = ${i}, expected 10 (|Δ| ${i - 10} > atol 0 + rtol 0·|e| = 0); ` + 'x'.repeat(400) : null,
          latencyUs: 1000 + i,
          maxAbsError: bad ? i - 10 : 0,
        }),
      );
    }
    const tasks = rows.map((r) => task({ id: r.taskId, inputs: [r.input], log: `logs/synth/${r.taskId}.uart.log`, reservation: 3 }));
    const big = results({ results: rows, tasks });
    big.gate = compareBaseline(big, big, {});
    await writeReportFiles(big, dir, { artifactName: 'allhw-results' });
    const md = await readFile(path.join(dir, 'summary.md'), 'utf8');
    const bytes = Buffer.byteLength(md);
    console.log(`summary.md with 5000 inputs, 5000 tasks, ${big.gate.checks.length} gate checks: ${bytes} bytes`);
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(bytes).toBeLessThanOrEqual(SUMMARY_BYTE_BUDGET);
    // All 20 failures are shown; the note says the rest is in the artifact.
    for (const r of rows.filter((x) => x.status === 'failed')) expect(md).toContain(`\`${r.input}\` | ❌ failed`);
    expect(md).toContain(
      '_Showing 1000 of 5000 inputs (failed, errored and noted ones first); 4000 passed inputs not shown: the full data is in results.json and junit.xml in the artifact `allhw-results`._',
    );
    expect(md).toContain('4700 more tasks not shown');
    expect(md).toContain('The 50 slowest of 5000 timed inputs.');
    expect(md).toContain('more passed checks not shown');
  });
});

describe('renderTextTable', () => {
  it('prints an aligned table with the totals for the terminal', () => {
    const text = renderTextTable(mixedRun());
    const lines = text.split('\n');
    expect(lines[0]).toBe('input         status  top-1  max err  latency ms  note');
    expect(lines[2]).toBe('input-00.txt  passed  4      0        1.234');
    expect(lines[4]).toMatch(/^input-02\.txt {2}failed {2}3 {6}2 {8}1\.234 {7}output\[3\] = 12, expected 10/);
    expect(lines[5]).toBe(
      'input-03.txt  error   -      -        -           task ended with code 255 (infrastructure) after 3 attempts; Error: board did not boot \\x1b[0m',
    );
    expect(text).toContain('4 inputs: 2 passed, 1 failed, 1 error; 3 tasks');
  });

  it("ends with the run's error, unless the caller prints it itself", () => {
    const r = { ...mixedRun(), error: 'The run was cancelled; partial results are in /r.' };
    expect(renderTextTable(r)).toContain('run stopped early: The run was cancelled');
    const quiet = renderTextTable(r, { withError: false });
    expect(quiet).not.toContain('The run was cancelled');
    expect(quiet).toContain('4 inputs: 2 passed, 1 failed, 1 error; 3 tasks');
  });

  it('adds an image column when several images ran', () => {
    const r = mixedRun();
    r.results[1] = { ...itemAt(r.results, 1), image: 'synth-f746' };
    expect(renderTextTable(r).split('\n')[0]).toMatch(/^image {7}input {9}status/);
  });
});
