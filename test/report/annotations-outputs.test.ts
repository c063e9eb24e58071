import { describe, expect, it } from 'vitest';
import type { AnnotationProps, Logger } from '../../src/common/log.js';
import { emitAnnotations } from '../../src/report/annotations.js';
import { computeOutputs } from '../../src/report/outputs.js';
import { compareBaseline } from '../../src/results/gate.js';
import { input, mixedRun, results, task } from './fixtures.js';

/** A Logger that keeps the annotation properties too (memoryLogger drops them). */
function recorder(): Logger & { calls: { kind: string; message: string; props?: AnnotationProps }[] } {
  const calls: { kind: string; message: string; props?: AnnotationProps }[] = [];
  const rec = (kind: string) => (message: string, props?: AnnotationProps) => void calls.push({ kind, message, props });
  return {
    calls,
    debug: rec('debug'),
    info: rec('info'),
    notice: rec('notice'),
    warning: rec('warning'),
    error: rec('error'),
    group: (_name, fn) => fn(),
    secret: () => {},
  };
}

describe('emitAnnotations', () => {
  it('annotates each failed or errored input and ends with a notice of the totals', () => {
    const log = recorder();
    emitAnnotations(mixedRun(), log);
    expect(log.calls).toEqual([
      {
        kind: 'error',
        message: 'input-02.txt: output[3] = 12, expected 10 (|Δ| 2 > atol 0 + rtol 0·|e| = 0) [task a1b2c3d4-0000-4000-8000-000000000002, attempt 1]',
        props: { title: 'input-02.txt failed' },
      },
      {
        kind: 'error',
        message: 'input-03.txt: task ended with code 255 (infrastructure) after 3 attempts [task a1b2c3d4-0000-4000-8000-000000000003, attempt 3]',
        props: { title: 'input-03.txt errored (infrastructure)' },
      },
      { kind: 'notice', message: 'All-HW CI: 4 inputs, 2 passed, 1 failed, 1 error; 3 tasks', props: { title: 'All-HW CI results' } },
    ]);
  });

  it("stays within GitHub's per-step limit: 8 errors, one line for the rest, the notice", () => {
    const rows = Array.from({ length: 40 }, (_, i) => input({ input: `in-${i}.txt`, status: 'failed', reason: `bad ${i}` }));
    const r = results({ results: rows });
    r.gate = compareBaseline(r, { ...r, results: rows.map((x) => ({ ...x, latencyUs: 1 })) }, {});
    const log = recorder();
    const { errors } = emitAnnotations(r, log);
    const kinds = log.calls.map((c) => c.kind);
    expect(errors).toBe(9);
    expect(kinds.filter((k) => k === 'error')).toHaveLength(9);
    expect(kinds.at(-1)).toBe('notice');
    // 40 inputs + the gate's failed checks (total + 40 per input) = 81 problems, 8 shown.
    expect(log.calls[8].message).toBe('…and 73 more problems (failed inputs or gate checks): see the job summary, junit.xml and results.json.');
    expect(log.calls.at(-1)!.message).toBe('All-HW CI: 40 inputs, 0 passed, 40 failed, 0 errors; 0 tasks; gate failed');
  });

  it('annotates failed gate checks and redacts keys and control characters', () => {
    const r = mixedRun();
    r.results[3].reason = 'GET https://x/ci/usertask?key=TOPSECRET&id=1: \u001b[31mdown';
    const log = recorder();
    emitAnnotations(r, log, { maxErrors: 10 });
    const text = JSON.stringify(log.calls);
    expect(text).not.toContain('TOPSECRET');
    expect(log.calls[1].message).toMatch(/key=\*\*\*&id=1: \\x1b\[31mdown/);
  });
});

describe('computeOutputs', () => {
  it('gives every action output as a string', () => {
    const out = computeOutputs(mixedRun(), { resultsDir: '/w/allhw-results', artifactId: 42 });
    expect(out).toEqual({
      results: '/w/allhw-results/results.json',
      passed: '2',
      failed: '1',
      errors: '1',
      'task-ids': '["a1b2c3d4-0000-4000-8000-000000000001","a1b2c3d4-0000-4000-8000-000000000002","a1b2c3d4-0000-4000-8000-000000000003"]',
      'latency-ms': '{"input-00.txt":1.234,"input-01.txt":1.25,"input-02.txt":1.234,"input-03.txt":null}',
      'artifact-id': '42',
      images: '["synth"]',
      'flash-used': '40000',
      'ram-used': '12000',
      'toolchain-path': '/opt/hostedtoolcache/arm-none-eabi-gcc/13.2.1/x64',
      'gcc-version': '13.2.1',
    });
  });

  it('keys latency by image/input when several images ran, and leaves unknowns empty', () => {
    const r = results({
      images: [],
      results: [input({ input: 'a.txt', image: 'm7' }), input({ input: 'a.txt', image: 'm4', latencyUs: 2500 })],
      tasks: [task({ id: null, inputs: ['a.txt'] }), task({ id: 't1', inputs: ['a.txt'] }), task({ id: 't1', inputs: ['a.txt'], attempt: 2 })],
    });
    const out = computeOutputs(r, { resultsDir: 'out', artifactId: null });
    expect(JSON.parse(out['latency-ms'])).toEqual({ 'm7/a.txt': 1.234, 'm4/a.txt': 2.5 });
    expect(out['task-ids']).toBe('["t1"]');
    expect([out['artifact-id'], out['flash-used'], out['ram-used'], out.images]).toEqual(['', '', '', '[]']);
  });
});
