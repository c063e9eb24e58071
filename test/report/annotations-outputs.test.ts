import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/firmware.js';
import type { AnnotationProps, Logger } from '../../src/common/log.js';
import { emitAnnotations } from '../../src/report/annotations.js';
import { computeOutputs } from '../../src/report/outputs.js';
import { compareBaseline } from '../../src/results/gate.js';
import { input, mixedRun, results, task } from './fixtures.js';
import { entryOf, itemAt } from '../helpers/item.js';

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

  it("stays within GitHub's per-step limit: 9 errors, one line for the rest, the rest listed in the log, the notice", () => {
    const rows = Array.from({ length: 40 }, (_, i) => input({ input: `in-${i}.txt`, status: 'failed', reason: `bad ${i}` }));
    const r = results({ results: rows });
    r.gate = compareBaseline(r, { ...r, results: rows.map((x) => ({ ...x, latencyUs: 1 })) }, {});
    const log = recorder();
    const { errors } = emitAnnotations(r, log);
    const errorCalls = log.calls.filter((c) => c.kind === 'error');
    expect(errors).toBe(10);
    expect(errorCalls).toHaveLength(10);
    expect(log.calls.at(-1)!.kind).toBe('notice');
    // 40 inputs + the gate's failed checks (total + 40 per input) = 81 problems, 9 shown.
    expect(errorCalls[9]?.message).toBe('…and 72 more problems: the log lists them; the job summary, junit.xml and results.json have every input.');
    expect(log.calls.filter((c) => c.kind === 'info' && c.message.startsWith('Not annotated (GitHub shows 10 per step): error: '))).toHaveLength(72);
    expect(log.calls.at(-1)!.message).toBe('All-HW CI: 40 inputs, 0 passed, 40 failed, 0 errors; 0 tasks; gate failed');
  });

  it('puts the root cause first and groups inputs that failed for the same reason', () => {
    const rows = Array.from({ length: 6 }, (_, i) => input({ input: `in-${i}.txt`, status: 'error', reason: 'could not create the task: rejected' }));
    const log = recorder();
    emitAnnotations(results({ results: rows }), log, { rootCause: 'All-HW rejected the API key' });
    expect(log.calls.filter((c) => c.kind === 'error').map((c) => c.message)).toEqual([
      'All-HW rejected the API key',
      '6 inputs errored: could not create the task: rejected (in-0.txt, in-1.txt, in-2.txt, …)',
    ]);
  });

  it('with fail-on none makes failed inputs and gate checks warnings, no errors', () => {
    const log = recorder();
    const counts = emitAnnotations(mixedRun(), log, { failOn: 'none' });
    expect(counts).toEqual({ errors: 0, warnings: 2 });
    expect(log.calls.filter((c) => c.kind === 'warning').map((c) => c.props?.title)).toEqual(['input-02.txt failed', 'input-03.txt errored (infrastructure)']);
  });

  it('annotates failed gate checks and redacts keys and control characters', () => {
    const r = mixedRun();
    itemAt(r.results, 3).reason = 'GET https://x/ci/usertask?key=TOPSECRET&id=1: \u001b[31mdown';
    const log = recorder();
    emitAnnotations(r, log, { maxErrors: 10 });
    const text = JSON.stringify(log.calls);
    expect(text).not.toContain('TOPSECRET');
    expect(log.calls[1]?.message).toMatch(/key=\*\*\*&id=1: \\x1b\[31mdown/);
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
      'latency-ms': '{"synth/input-00.txt":1.234,"synth/input-01.txt":1.25,"synth/input-02.txt":1.234,"synth/input-03.txt":null}',
      'artifact-id': '42',
      images: '["/work/build/synth.elf"]',
      'image-names': '["synth"]',
      'flash-used': '40000',
      'ram-used': '12000',
      'toolchain-path': '/opt/hostedtoolcache/arm-none-eabi-gcc/13.2.1/x64',
      'gcc-version': '13.2.1',
    });
  });

  it('declares every output it gives in action.yml', () => {
    const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { outputs: Record<string, { description: string }> };
    // comment-body is the PR comment step's (src/github/), added beside these by the pipeline.
    const given = [...Object.keys(computeOutputs(mixedRun(), { resultsDir: 'out', artifactId: 1 })), 'comment-body'];
    expect(given.sort()).toEqual(Object.keys(action.outputs).sort());
    expect(action.outputs['latency-ms']?.description).toMatch(/`image\/input`/);
    expect(action.outputs.images?.description).toMatch(/paths/);
  });

  it('keys latency by image/input with one image or several, and leaves unknowns empty', () => {
    const r = results({
      images: [],
      results: [input({ input: 'a.txt', image: 'm7' }), input({ input: 'a.txt', image: 'm4', latencyUs: 2500 })],
      tasks: [task({ id: null, inputs: ['a.txt'] }), task({ id: 't1', inputs: ['a.txt'] }), task({ id: 't1', inputs: ['a.txt'], attempt: 2 })],
    });
    const out = computeOutputs(r, { resultsDir: 'out', artifactId: null });
    expect(JSON.parse(entryOf(out, 'latency-ms'))).toEqual({ 'm7/a.txt': 1.234, 'm4/a.txt': 2.5 });
    expect(out['task-ids']).toBe('["t1"]');
    expect([out['artifact-id'], out['flash-used'], out['ram-used'], out.images, out['image-names']]).toEqual(['', '', '', '[]', '[]']);
  });
});
