/** The summary's latency figure: this run against the baseline per input, failures marked; one line when every bar is the same. */
import { describe, expect, it } from 'vitest';
import { latencyFigure } from '../../src/report/latency-chart.js';
import { renderSummary } from '../../src/report/summary.js';
import { input, mixedRun } from './fixtures.js';

describe('latency figure', () => {
  it('bars for this run, a line for the baseline, failed inputs marked', () => {
    const rows = [
      input({ input: 'a.txt', latencyUs: 1000 }),
      input({ input: 'b.txt', latencyUs: 3000, status: 'failed' }),
      input({ input: 'c.txt', latencyUs: 2000 }),
    ];
    const lines = latencyFigure('t', rows, { 'a.txt': 1000, 'b.txt': 1500 }, 50);
    expect(lines).toContain('    x-axis ["a.txt", "✗ b.txt", "c.txt"]');
    expect(lines).toContain('    bar [1, 3, 2]');
    // c.txt is new in this run: the line takes its own value there (no invented step).
    expect(lines).toContain('    line [1, 1.5, 2]');
    expect(lines).toContain('_bars: this run, line: the baseline; ✗: failed or errored._');
  });

  it('no line without a baseline; untimed (errored) inputs are named under the chart', () => {
    const lines = latencyFigure(
      't',
      [input({ input: 'a.txt', latencyUs: 1000 }), input({ input: 'b.txt', latencyUs: 1200 }), input({ input: 'c.txt', latencyUs: null, status: 'error' })],
      undefined,
      50,
    );
    expect(lines.some((l) => l.startsWith('    line'))).toBe(false);
    expect(lines).toContain('_No latency (not timed): `c.txt`._');
  });

  it('one line of figures when every bar (and the baseline) would be the same', () => {
    const rows = [input({ input: 'a.txt', latencyUs: 1234 }), input({ input: 'b.txt', latencyUs: 1234, status: 'failed' })];
    expect(latencyFigure('t', rows, { 'a.txt': 1234, 'b.txt': 1234 }, 50)).toEqual([
      'Latency: 1.234 ms for each of the 2 timed inputs, the same as the baseline (✗ failed: `b.txt`).',
      '',
    ]);
    // A baseline that differs brings the chart back.
    expect(latencyFigure('t', rows, { 'a.txt': 1000 }, 50)[0]).toBe('```mermaid');
  });

  it('the summary draws it with the baseline figures results.json carries', () => {
    const r = mixedRun();
    r.baseline = {
      kind: 'run',
      runId: 9,
      url: 'https://github.com/a/b/actions/runs/9',
      sha: '0123456789',
      branch: 'main',
      date: '2026-01-02T03:04:05Z',
      skipped: null,
      figures: { latencyUs: { synth: { 'input-00.txt': 1000 } }, size: {} },
    };
    const md = renderSummary(r);
    expect(md).toContain('    line [1, 1.25, 1.234]');
    expect(md).toContain('Baseline: run [9](https://github.com/a/b/actions/runs/9) (commit `0123456` on `main`, 2026-01-02T03:04:05Z).');
  });
});
