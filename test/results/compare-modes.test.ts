import { describe, expect, it } from 'vitest';
import { checkCorrectness, parseGolden, verdict, type Golden } from '../../src/results/gate.js';
import { parseCompare } from '../../src/results/compare.js';
import { renderSummary } from '../../src/report/summary.js';
import { input, results } from '../report/fixtures.js';

const golden = (outputs: Record<string, number[]>, extra: object = {}): Golden => parseGolden(JSON.stringify({ version: 1, outputs, ...extra }), 'golden.json');

const one = (actual: number[], expected: number[], compare: string, extra: object = {}) => {
  const {
    results: [r],
  } = checkCorrectness([input({ input: 'a', outputs: actual })], golden({ a: expected }, extra), { compare: parseCompare(compare)! });
  return r;
};

describe('compare modes', () => {
  it('parses each form, and refuses others', () => {
    expect(['values', 'top1', 'topk:3', ' lsb : 1 ', 'mse:0.25', 'mse:1e-3'].map(parseCompare)).toEqual([
      'values',
      'top1',
      'topk:3',
      'lsb:1',
      'mse:0.25',
      'mse:0.001',
    ]);
    for (const bad of ['topk', 'topk:0', 'lsb:-1', 'lsb:1.5', 'mse:x', 'cosine', 'top1:2', 'topk:3:1']) expect(parseCompare(bad), bad).toBeNull();
  });

  it('topk:N: the golden class among the N largest outputs (ties share a rank)', () => {
    const expected = [0, 0, 9, 0, 0];
    expect(one([5, 4, 3, 1, 0], expected, 'topk:3')).toMatchObject({ status: 'passed', match: true });
    const r = one([5, 4, 3, 1, 0], expected, 'topk:2');
    expect(r).toMatchObject({ status: 'failed', match: false });
    expect(r?.reason).toBe('golden class 2 is not among the top 2 classes (0, 1)');
    expect(one([5, 3, 3, 1, 0], expected, 'topk:2')?.status).toBe('passed'); // class 2 tied with class 1 for second place
    expect(one([5, 4, 3, 1, 0], [0, 0, 9, 9, 0], 'topk:2')?.reason).toBe(
      'golden class 2 or 3 (tied in the golden output) is not among the top 2 classes (0, 1)',
    );
  });

  it('lsb:N: every value within N units', () => {
    expect(one([10, -5, 127], [11, -4, 126], 'lsb:1')?.status).toBe('passed');
    const r = one([10, -5, 120], [12, -4, 126], 'lsb:1');
    expect(r?.status).toBe('failed');
    expect(r?.reason).toBe('output[2] = 120, expected 126 ± 1 LSB; 2 of 3 values off by more than 1');
    expect(one([10], [10], 'lsb:0')?.status).toBe('passed');
  });

  it('mse:X: mean squared error at most X', () => {
    expect(one([1, 2, 3, 4], [1, 2, 3, 6], 'mse:1')?.status).toBe('passed'); // (0+0+0+4)/4 = 1
    const r = one([1, 2, 3, 4], [1, 2, 3, 7], 'mse:1');
    expect(r?.reason).toBe('mean squared error 2.25 > 1');
  });

  it('the golden file may give the mode, "topk": N, and per-output tolerances', () => {
    expect(golden({ a: [1] }, { topk: 3 }).compare).toBe('topk:3');
    expect(golden({ a: [1] }, { compare: 'lsb:2' }).compare).toBe('lsb:2');
    const g = golden({ a: [100, 1, 0.5] }, { atol: [5, 0.1, 0], rtol: [0, 0, 0.1] });
    const check = (outputs: number[]) => checkCorrectness([input({ input: 'a', outputs })], g, {}).results[0];
    expect(check([104, 1.05, 0.54])?.status).toBe('passed');
    expect(check([104, 1.2, 0.54])?.reason).toMatch(/^output\[1\] = 1.2, expected 1 \(\|Δ\| 0.2 > atol 0.1 \+ rtol 0·\|e\| = 0.1\)/);
    expect(() => golden({ a: [1, 2] }, { atol: [1, 2, 3] })).toThrow(/"atol" has 3 tolerances but each output has 2 values/);
    expect(() => golden({ a: [1] }, { compare: 'topk:0' })).toThrow(/"compare" is "topk:0"; allowed values are/);
    expect(() => golden({ a: [1] }, { topk: 1.5 })).toThrow(/"topk" is 1.5; expected a whole number ≥ 1/);
  });
});

describe('min-pass-rate over a data set', () => {
  // 10 inputs; inputs 7, 8, 9 give class 0 where golden says class 3.
  const names = Array.from({ length: 10 }, (_, k) => `in-${k}.txt`);
  const g = golden(Object.fromEntries(names.map((n) => [n, [0, 0, 0, 9]])));
  const runs = names.map((n, k) => input({ input: n, outputs: k >= 7 ? [9, 0, 0, 1] : [1, 0, 2, 8] }));

  it('at 100 (the default) every mismatch fails its input', () => {
    const { results: rs, correctness } = checkCorrectness(runs, g, { compare: 'top1' });
    expect(correctness).toEqual({ compare: 'top1', checked: 10, matched: 7, pct: 70, minPassRate: 100, passed: false });
    expect(rs.filter((r) => r.status === 'failed').map((r) => r.input)).toEqual(['in-7.txt', 'in-8.txt', 'in-9.txt']);
    expect(rs[7]?.reason).toBe('top-1 class 0, expected 3');
  });

  it('met: mismatches are noted and pass, the verdict says k/n (p %)', () => {
    const { results: rs, correctness } = checkCorrectness(runs, g, { compare: 'top1', minPassRate: 70 });
    expect(correctness.passed).toBe(true);
    expect(rs.every((r) => r.status === 'passed')).toBe(true);
    expect(rs[8]?.reason).toBe('top-1 class 0, expected 3 (allowed: 7/10 (70 %) matched, min-pass-rate 70 %)');
    const run = results({ results: rs, correctness });
    expect(verdict(run, 'any')).toEqual({ failed: false, reason: 'all 10 inputs passed, outputs matched golden on 7/10 (70 %) (min-pass-rate 70 %)' });
    expect(renderSummary(run)).toContain(
      '✅ **Correctness**: outputs matched golden on 7/10 (70 %) of the inputs with a golden entry (compare `top1`, min-pass-rate 70 %).',
    );
  });

  it('missed: the mismatches fail, and the verdict names the rate', () => {
    const { results: rs, correctness } = checkCorrectness(runs, g, { compare: 'top1', minPassRate: 75 });
    expect(rs.filter((r) => r.status === 'failed')).toHaveLength(3);
    expect(rs[9]?.reason).toBe('top-1 class 0, expected 3 (7/10 (70 %) matched, below min-pass-rate 75 %)');
    const v = verdict(results({ results: rs, correctness }), 'any');
    expect(v.failed).toBe(true);
    expect(v.reason).toMatch(/outputs matched golden on 7\/10 \(70 %\) of the inputs, below min-pass-rate 75 %/);
  });

  it('an input without outputs counts as a mismatch; one without a golden entry is not counted', () => {
    const rs = [...runs.slice(0, 9), input({ input: 'in-9.txt', outputs: null, status: 'error', reason: 'code 255' }), input({ input: 'extra.txt' })];
    const { correctness } = checkCorrectness(rs, g, { compare: 'top1', minPassRate: 50 });
    expect(correctness).toMatchObject({ checked: 10, matched: 7 });
  });
});
