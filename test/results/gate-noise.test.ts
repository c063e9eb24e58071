import { describe, expect, it } from 'vitest';
import { compareBaseline, verdict } from '../../src/results/gate.js';
import { parseOutcome } from '../../src/results/parse.js';
import type { Results } from '../../src/results/types.js';
import type { TaskOutcome } from '../../src/run/types.js';
import { results } from '../report/fixtures.js';
import { renderSummary } from '../../src/report/summary.js';
import { emitAnnotations } from '../../src/report/annotations.js';
import { memoryLogger } from '../../src/common/log.js';
import { itemAt } from '../helpers/item.js';

/** A finished task of one input sent len(latencies) times: its UART output as the firmware prints it. */
function taskOf(input: string, latencies: number[], metric = ''): TaskOutcome {
  const lines = ['banner', ...latencies.flatMap((us) => [...(metric ? [metric] : []), `#result:1,2,3:${us}`]), ''];
  return {
    planIndex: 0,
    image: 'synth',
    inputs: [input],
    attempt: 1,
    id: 't',
    end: 'finished',
    status: 'finished',
    code: 0,
    reservation: 1,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.from(lines.join('\n')),
    reason: null,
  };
}

/** A run of the synth image: per input, its runs' latencies (the first `warmup` untimed). */
function run(perInput: Record<string, number[]>, opts: { warmup?: number; flash?: number; ram?: number; metric?: string } = {}): Results {
  const r = results({
    results: Object.entries(perInput).flatMap(([name, lat]) =>
      parseOutcome(taskOf(name, lat, opts.metric), { outputCount: 3, warmup: opts.warmup ?? 0, repeat: lat.length - (opts.warmup ?? 0) }),
    ),
  });
  itemAt(r.images, 0).size = { ...itemAt(r.images, 0).size!, flash: opts.flash ?? 40_000, ram: opts.ram ?? 12_000 };
  return r;
}

const failed = (g: ReturnType<typeof compareBaseline>): string[] => g.checks.filter((c) => !c.passed).map((c) => c.name);

describe('the latency gate compares medians', () => {
  it('a spike in one run of each side is no regression; the same runs judged by one shot would be', () => {
    const base = run({ 'a.txt': [4000, 4010, 3990, 4005, 4002] });
    const noisy = run({ 'a.txt': [4003, 3998, 6500, 4001, 6400] }); // last shot 6400: +60 %
    const g = compareBaseline(noisy, base);
    expect(g.passed).toBe(true);
    expect(g.checks.find((c) => c.name === 'latency of a.txt')!.detail).toBe('a.txt: 4002 µs → 4003 µs (+0.0% ≤ 10%)');
    const oneShot = run({ 'a.txt': [6400] });
    expect(failed(compareBaseline(oneShot, run({ 'a.txt': [4002] })))).toContain('latency of a.txt');
  });

  it('a slowdown of every run fails it', () => {
    const g = compareBaseline(run({ 'a.txt': [4500, 4400, 4600] }), run({ 'a.txt': [4000, 4000, 4000] }));
    expect(failed(g)).toEqual(['total latency', 'latency of a.txt']);
  });

  it('warm-up runs are not timed: a cold first run does not move the median', () => {
    const base = run({ 'a.txt': [9000, 4000, 4000, 4000] }, { warmup: 1 });
    const cur = run({ 'a.txt': [20000, 4010, 4000, 4020] }, { warmup: 1 });
    expect(cur.results[0]?.repeats).toMatchObject({ coldUs: 20000, medianUs: 4010 });
    expect(compareBaseline(cur, base).passed).toBe(true);
  });
});

describe('per-metric tolerances and the absolute floor', () => {
  it('flash and RAM have their own tolerances; size-tolerance is their default', () => {
    const base = run({ 'a.txt': [100] }, { flash: 40_000, ram: 10_000 });
    const cur = run({ 'a.txt': [100] }, { flash: 42_000, ram: 10_400 }); // flash +5 %, RAM +4 %
    expect(failed(compareBaseline(cur, base, { sizeTolerancePct: 3 }))).toEqual(['flash', 'ram']);
    expect(failed(compareBaseline(cur, base, { sizeTolerancePct: 3, flashTolerancePct: 6 }))).toEqual(['ram']);
    expect(failed(compareBaseline(cur, base, { sizeTolerancePct: 3, ramTolerancePct: 4 }))).toEqual(['flash']);
    expect(failed(compareBaseline(cur, base, { sizeTolerancePct: 3, flashTolerancePct: 5, ramTolerancePct: 4 }))).toEqual([]);
  });

  it('a change within latency-min-change-us never fails, whatever its percent', () => {
    const base = run({ 'a.txt': [20], 'b.txt': [4000] });
    const cur = run({ 'a.txt': [23], 'b.txt': [4003] }); // a: +15 % but 3 µs
    expect(failed(compareBaseline(cur, base))).toEqual(['latency of a.txt']);
    const g = compareBaseline(cur, base, { latencyMinChangeUs: 5 });
    expect(g.passed).toBe(true);
    expect(g.checks.find((c) => c.name === 'latency of a.txt')!.detail).toBe('a.txt: 20 µs → 23 µs (+15.0% > 10%, but within 5 µs)');
    // The floor is per input: 6 µs is beyond it.
    expect(failed(compareBaseline(run({ 'a.txt': [26], 'b.txt': [4000] }), base, { latencyMinChangeUs: 5 }))).toEqual(['latency of a.txt']);
  });

  it('the gate says what each threshold was', () => {
    const g = compareBaseline(run({ 'a.txt': [100] }), run({ 'a.txt': [100] }), {
      latencyTolerancePct: 7,
      sizeTolerancePct: 5,
      ramTolerancePct: 2,
      latencyMinChangeUs: 15,
      metricTolerancePct: 20,
      mode: 'warn',
    });
    expect(g.thresholds).toEqual([
      "latency (each input's median over its timed runs, and their sum): at most +7%; a change of at most 15 µs per input never counts",
      'flash: at most +5%; RAM: at most +2%',
      '#metric values (median per input): at most +20%',
      'gate: warn (a failed check does not fail the step)',
    ]);
    const md = renderSummary({ ...run({ 'a.txt': [100] }), gate: g });
    expect(md).toContain('Thresholds: latency (each input');
    expect(md).toContain('RAM: at most +2%');
  });
});

describe('gate: warn', () => {
  it('reports the failed checks and does not fail the step', () => {
    const base = run({ 'a.txt': [4000] });
    const slow = run({ 'a.txt': [6000] });
    const warned = { ...slow, gate: compareBaseline(slow, base, { mode: 'warn' }) };
    expect(warned.gate.passed).toBe(false);
    const v = verdict(warned, 'any');
    expect(v.failed).toBe(false);
    expect(v.reason).toMatch(/gate warned \(gate: warn\): total latency 4000 µs → 6000 µs/);
    expect(renderSummary(warned)).toMatch(/Gate against the baseline: ⚠️ failed checks \(gate: warn/);
    const failing = { ...slow, gate: compareBaseline(slow, base) };
    expect(verdict(failing, 'any')).toMatchObject({ failed: true });
    // Annotations: warnings under gate: warn, errors otherwise.
    const warnLog = memoryLogger();
    emitAnnotations(warned, warnLog);
    expect(warnLog.lines.filter((l) => l.startsWith('warning: Regression gate (gate: warn): '))).toHaveLength(2);
    expect(warnLog.lines.some((l) => l.startsWith('error:'))).toBe(false);
    const failLog = memoryLogger();
    emitAnnotations(failing, failLog);
    expect(failLog.lines.filter((l) => l.startsWith('error: Regression gate: '))).toHaveLength(2);
  });
});

describe('#metric gate', () => {
  it('compares each metric median with the baseline within metric-tolerance', () => {
    const base = run({ 'a.txt': [100, 100] }, { metric: '#metric:peak_stack=1000B' });
    const same = run({ 'a.txt': [100, 100] }, { metric: '#metric:peak_stack=1080B' });
    const grown = run({ 'a.txt': [100, 100] }, { metric: '#metric:peak_stack=1200B' });
    const g = compareBaseline(grown, base);
    expect(failed(g)).toEqual(['metric peak_stack of a.txt']);
    expect(g.checks.find((c) => c.name === 'metric peak_stack of a.txt')!.detail).toBe('a.txt peak_stack: 1000 B → 1200 B (+20.0% > 10%)');
    expect(compareBaseline(same, base).passed).toBe(true);
    expect(compareBaseline(grown, base, { metricTolerancePct: 25 }).passed).toBe(true);
    // A metric only one side has is not compared.
    expect(compareBaseline(grown, run({ 'a.txt': [100, 100] })).passed).toBe(true);
  });

  it('is shown in the summary', () => {
    const md = renderSummary(run({ 'a.txt': [100, 120, 110] }, { metric: '#metric:peak_stack=1000B' }));
    expect(md).toContain('| peak\\_stack 1000 B |'); // Markdown-escaped
    expect(md).toContain('0.110 (median of 3; p90 0.120, min 0.100, cold 0.100)');
  });
});
