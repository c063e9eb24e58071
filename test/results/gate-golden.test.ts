import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGolden, loadGolden, GoldenError, type Golden } from '../../src/results/gate.js';
import { input } from '../report/fixtures.js';
import { goldenCoverage } from '../../src/results/golden.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'golden-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function goldenFile(name: string, content: string | object): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const EXPECTED = [0, 1, 2, 10, 4, 5, 6, 7, 8, 9];

async function synthGolden(extra: object = {}): Promise<Golden> {
  return loadGolden(
    await goldenFile(`g-${Math.random()}.json`, { version: 1, model: 'synth', output_shape: [1, 10], outputs: { 'input-00.txt': EXPECTED }, ...extra }),
  );
}

describe('loadGolden', () => {
  it('reads the example format', async () => {
    const g = await synthGolden({ atol: 0.5, compare: 'top1' });
    expect(g.model).toBe('synth');
    expect(g.outputShape).toEqual([1, 10]);
    expect(g.outputs.get('input-00.txt')).toEqual(EXPECTED);
    expect([g.atol, g.rtol, g.compare]).toEqual([0.5, null, 'top1']);
  });

  it("reads the example firmware's golden.json", async () => {
    const g = await loadGolden(path.join(import.meta.dirname, '../../examples/synth/golden.json'));
    expect(g.outputShape).toEqual([1, 10]);
    expect([...g.outputs.keys()]).toEqual(Array.from({ length: 10 }, (_, i) => `input-0${i}.txt`));
    for (const values of g.outputs.values()) expect(values).toHaveLength(10);
  });

  it.each([
    ['missing file', null, /does not exist: check the 'golden' input/],
    ['bad JSON', '{"version":1,', /is not valid JSON .*expected \{"version":1,"outputs"/],
    ['not an object', '[1,2]', /is not a JSON object/],
    ['wrong version', { version: 2, outputs: {} }, /"version": 2; only version 1 is known/],
    ['no outputs', { version: 1 }, /has no "outputs" object/],
    ['outputs not numbers', { version: 1, outputs: { a: [1, 'x'] } }, /outputs\["a"\] is not an array of numbers/],
    [
      'wrong length for output_shape',
      { version: 1, output_shape: [1, 10], outputs: { a: [1, 2, 3] } },
      /outputs\["a"\] has 3 values but "output_shape" \[1,10\] means 10/,
    ],
    ['bad output_shape', { version: 1, output_shape: [0], outputs: {} }, /"output_shape" is \[0\]/],
    ['negative atol', { version: 1, atol: -1, outputs: {} }, /"atol" is -1; expected a number ≥ 0/],
    ['unknown compare', { version: 1, compare: 'cosine', outputs: {} }, /"compare" is "cosine"; allowed values are 'values', 'top1'/],
  ])('refuses %s with a clear message', async (name, content, message) => {
    const file = content === null ? path.join(dir, 'nope.json') : await goldenFile(`${name}.json`, content);
    const p = loadGolden(file);
    await expect(p).rejects.toBeInstanceOf(GoldenError);
    await expect(p).rejects.toThrow(message);
  });

  it('refuses a directory', async () => {
    await mkdir(path.join(dir, 'adir'), { recursive: true });
    await expect(loadGolden(path.join(dir, 'adir'))).rejects.toThrow(/is a directory: 'golden' must name a JSON file/);
  });
});

describe('applyGolden', () => {
  it('passes equal outputs and fills expected, maxAbsError and top1', async () => {
    const [r] = applyGolden([input({ input: 'input-00.txt', outputs: [...EXPECTED], top1: null })], await synthGolden());
    expect(r).toMatchObject({ status: 'passed', reason: null, expected: EXPECTED, maxAbsError: 0, top1: 3 });
  });

  it('fails a value outside atol/rtol, with the first bad index and the bound in the reason', async () => {
    const outputs = [0, 1, 2, 12, 4, 5, 6, 7, 8, 9];
    const [r] = applyGolden([input({ input: 'input-00.txt', outputs })], await synthGolden(), { compare: 'values', atol: 0, rtol: 0 });
    expect(r?.status).toBe('failed');
    expect(r?.reason).toBe('output[3] = 12, expected 10 (|Δ| 2 > atol 0 + rtol 0·|e| = 0)');
    expect(r?.maxAbsError).toBe(2);
  });

  it('passes within atol + rtol·|expected| and counts every value out of tolerance otherwise', async () => {
    const g = await synthGolden();
    const near = EXPECTED.map((v) => v + 0.5);
    expect(applyGolden([input({ input: 'input-00.txt', outputs: near })], g, { atol: 0.5 })[0]?.status).toBe('passed');
    // rtol 0.1 allows 1.0 at index 3 (|e| = 10) but only 0.1 at index 1.
    const [r] = applyGolden([input({ input: 'input-00.txt', outputs: EXPECTED.map((v) => v + 0.9) })], g, { atol: 0, rtol: 0.1 });
    expect(r?.status).toBe('failed');
    expect(r?.reason).toMatch(/^output\[0\] = 0\.9, expected 0 \(\|Δ\| 0\.9 > atol 0 \+ rtol 0\.1·\|e\| = 0\); 9 of 10 values out of tolerance$/);
  });

  it('uses the golden file tolerances unless the caller sets them', async () => {
    const g = await synthGolden({ atol: 3 });
    const outputs = [0, 1, 2, 12, 4, 5, 6, 7, 8, 9];
    expect(applyGolden([input({ input: 'input-00.txt', outputs })], g, { atol: null })[0]?.status).toBe('passed');
    expect(applyGolden([input({ input: 'input-00.txt', outputs })], g, { atol: 1 })[0]?.status).toBe('failed');
  });

  it('in top1 mode compares only the arg-max class', async () => {
    const g = await synthGolden();
    const sameClass = [0, 0, 0, 99, 0, 0, 0, 0, 0, 0];
    expect(applyGolden([input({ input: 'input-00.txt', outputs: sameClass })], g, { compare: 'top1' })[0]).toMatchObject({
      status: 'passed',
      top1: 3,
      maxAbsError: 89,
    });
    const other = [0, 0, 0, 0, 0, 0, 0, 50, 0, 0];
    const [r] = applyGolden([input({ input: 'input-00.txt', outputs: other })], g, { compare: 'top1' });
    expect(r).toMatchObject({ status: 'failed', reason: 'top-1 class 7, expected 3', top1: 7 });
  });

  it('in top1 mode accepts any class tied for the golden maximum (saturated quantized outputs), and only those', async () => {
    const g = await synthGolden({ outputs: { 'input-00.txt': [0, 127, 3, 127, -5, 0, 0, 0, 0, 0] } });
    const top1 = (outputs: number[]) => applyGolden([input({ input: 'input-00.txt', outputs })], g, { compare: 'top1' })[0];
    expect(top1([0, 126, 3, 127, 0, 0, 0, 0, 0, 0])).toMatchObject({ status: 'passed', top1: 3 });
    expect(top1([0, 127, 3, 126, 0, 0, 0, 0, 0, 0])).toMatchObject({ status: 'passed', top1: 1 });
    expect(top1([0, 1, 3, 1, 0, 0, 0, 0, 90, 0])).toMatchObject({ status: 'failed', reason: 'top-1 class 8, expected 1 or 3 (tied in the golden output)' });
    // An output with no maximum of its own (all equal) is read as class 0, as numpy.argmax does: no free pass.
    expect(top1(Array(10).fill(0))).toMatchObject({ status: 'failed', top1: 0 });
  });

  it('fails a wrong arity in either mode', async () => {
    const g = await synthGolden();
    for (const compare of ['values', 'top1'] as const) {
      const [r] = applyGolden([input({ input: 'input-00.txt', outputs: [1, 2, 3] })], g, { compare });
      expect(r).toMatchObject({ status: 'failed', reason: 'output has 3 values, golden has 10', maxAbsError: null });
    }
  });

  it('fails an input without a golden entry, saying so', async () => {
    const [r] = applyGolden([input({ input: 'input-42.txt' })], await synthGolden());
    expect(r?.status).toBe('failed');
    expect(r?.expected).toBeNull();
    expect(r?.reason).toMatch(/^no expected output: g-.*\.json has no entry for 'input-42.txt' \(add one, or leave the input out of 'inputs'\)$/);
  });

  it('tells which golden keys match no input and which inputs have no key', async () => {
    const g = await synthGolden();
    const { unmatchedKeys, inputsWithout } = goldenCoverage(g, ['input-00.txt', 'input-42.txt']);
    expect(inputsWithout).toEqual(['input-42.txt']);
    expect(unmatchedKeys).toHaveLength(g.outputs.size - 1);
    expect(unmatchedKeys).not.toContain('input-00.txt');
  });

  it('keeps failed and errored inputs as they were, still filling what it can', async () => {
    const g = await synthGolden();
    const err = input({ input: 'input-00.txt', status: 'error', outputs: null, reason: 'code 255', top1: null });
    const failed = input({ input: 'input-00.txt', status: 'failed', reason: 'no #result line', outputs: [...EXPECTED] });
    const [a, b] = applyGolden([err, failed], g);
    expect(a).toMatchObject({ status: 'error', reason: 'code 255', expected: EXPECTED, maxAbsError: null });
    expect(b).toMatchObject({ status: 'failed', reason: 'no #result line', maxAbsError: 0 });
  });

  it('matches golden keys by base name and counts NaN as a mismatch', async () => {
    const g = await loadGolden(await goldenFile('paths.json', { version: 1, outputs: { 'inputs/input-00.txt': [1, 2] } }));
    expect(applyGolden([input({ input: 'input-00.txt', outputs: [1, 2] })], g)[0]?.status).toBe('passed');
    const [r] = applyGolden([input({ input: 'input-00.txt', outputs: [1, NaN] })], g, { atol: 100 });
    expect(r?.status).toBe('failed');
    expect(r?.reason).toMatch(/^output\[1\] = NaN, expected 2/);
  });

  it('does not match by base name two inputs that share it (named by their paths): the bare key could be either', async () => {
    const g = await loadGolden(await goldenFile('bare.json', { version: 1, outputs: { 'input-00.txt': [1, 2] } }));
    const results = applyGolden([input({ input: 'day1/input-00.txt', outputs: [1, 2] }), input({ input: 'day2/input-00.txt', outputs: [7, 8] })], g);
    // Neither is checked against the bare key, so neither may pass (no expected output).
    expect(results.map((r) => [r.status, r.expected])).toEqual([
      ['failed', null],
      ['failed', null],
    ]);
    expect(results[1]?.reason).toMatch(/no entry for 'day2\/input-00.txt'/);
    // An exact key still matches.
    const exact = await loadGolden(await goldenFile('exact.json', { version: 1, outputs: { 'day2/input-00.txt': [7, 8] } }));
    expect(
      applyGolden([input({ input: 'day1/input-00.txt', outputs: [1, 2] }), input({ input: 'day2/input-00.txt', outputs: [7, 8] })], exact)[1]?.expected,
    ).toEqual([7, 8]);
  });
});
