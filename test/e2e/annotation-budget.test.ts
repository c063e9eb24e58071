/**
 * Annotations as GitHub shows them: at most 10 errors and 10 warnings per
 * step, so the root cause comes first and each cause is one annotation with a
 * count. The whole pipeline runs in GitHub mode against `serve` on loopback:
 * a key the farm rejects, and a farm whose every task ends with code 255
 * (with fail-on any and none). The image is the example firmware, submitted
 * as is (build-system none); no task reaches QEMU.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type InputName } from '../../src/config.js';
import type { AnnotationProps, Logger } from '../../src/common/log.js';
import { runPipeline, type PipelineOutcome } from '../../src/pipeline.js';
import { startServe, type RunningServe } from '../../src/serve/server.js';
import { exampleFirmware } from '../helpers/firmware.js';

interface Call {
  kind: 'debug' | 'info' | 'notice' | 'warning' | 'error';
  message: string;
  props?: AnnotationProps;
}

/** The action's logger as the runner sees it: every call in order, with its annotation properties. */
function recorder(): Logger & { calls: Call[] } {
  const calls: Call[] = [];
  const rec = (kind: Call['kind']) => (message: string, props?: AnnotationProps) => void calls.push({ kind, message, props });
  return {
    calls,
    debug: rec('debug'),
    info: rec('info'),
    notice: rec('notice'),
    warning: rec('warning'),
    error: rec('error'),
    group: (_n, fn) => fn(),
    secret: () => {},
  };
}

const INPUTS = 12;
let work: string;
let elf: string;

beforeAll(async () => {
  elf = (await exampleFirmware('mps2_an500')).elf;
  work = await mkdtemp(path.join(os.tmpdir(), 'allhw-annotations-'));
  await mkdir(path.join(work, 'in'));
  for (let i = 0; i < INPUTS; i++) await writeFile(path.join(work, 'in', `in-${String(i).padStart(2, '0')}.txt`), `#input:${i},1,2\n`);
}, 300_000);

async function run(serve: RunningServe, key: string, extra: Partial<Record<InputName, string>>): Promise<{ outcome: PipelineOutcome; calls: Call[] }> {
  const values: Partial<Record<InputName, string>> = {
    mode: 'allhw',
    'ci-url': serve.url,
    'ci-api-key': key,
    'ci-timeout': '2',
    'queue-timeout': '5',
    toolchain: 'none',
    'build-system': 'none',
    board: 'mps2_an500',
    image: elf,
    inputs: 'in/*.txt',
    'inputs-per-task': '1',
    'results-dir': `results-${Math.random().toString(36).slice(2)}`,
    retries: '1',
    ...extra,
  };
  const log = recorder();
  const outcome = await runPipeline(
    parseConfig((n) => values[n]),
    log,
    { githubActions: true, env: {}, workspace: work },
  );
  return { outcome, calls: log.calls };
}

const annotations = (calls: Call[], kind: Call['kind']) => calls.filter((c) => c.kind === kind);

describe('a rejected key', () => {
  let serve: RunningServe;
  beforeAll(async () => {
    serve = await startServe({ port: 0, boards: 2, keys: ['the-right-key'] });
  });
  afterAll(async () => serve?.close());

  it('gives the root cause as the first error, then one annotation per cause with its count', async () => {
    const { outcome, calls } = await run(serve, 'a-wrong-key', {});
    expect(outcome.failed).toBe(true);
    expect(outcome.reasonAnnotated).toBe(true);
    const errors = annotations(calls, 'error');
    expect(errors.length).toBeLessThanOrEqual(10);
    expect(errors[0]?.message).toBe(outcome.reason);
    expect(errors[0]?.message).toMatch(/rejected the API key/);
    // Most POSTs are refused with 403; one in flight may instead see the connection closed (EPIPE):
    // the rejections are one annotation with their count.
    const grouped = errors.map((e) => /^(\d+) tasks could not be created: .*rejected the API key/.exec(e.message)).find(Boolean);
    expect(Number(grouped?.[1])).toBeGreaterThan(1);
    expect(annotations(calls, 'warning').length).toBeLessThanOrEqual(10);
    // The summary lists each cause too.
    expect(outcome.summaryMarkdown).toMatch(/problems? reported during the run/);
    expect(outcome.summaryMarkdown).toMatch(/- \d+ tasks could not be created: /);
    expect(outcome.summaryMarkdown).not.toContain('a-wrong-key');
    // Each task's line is still in the log, as a plain line.
    expect(calls.filter((c) => c.kind === 'info' && /could not create the task/.test(c.message))).toHaveLength(INPUTS);
  }, 120_000);
});

describe('a farm whose every task ends with code 255', () => {
  let serve: RunningServe;
  beforeAll(async () => {
    serve = await startServe({ port: 0, boards: 4, keys: ['k'], faults: { spec: 'code-255:1' } });
  });
  afterAll(async () => serve?.close());

  it('fail-on any: within 10 errors and 10 warnings, the step failure first, each cause once with a count', async () => {
    const { outcome, calls } = await run(serve, 'k', {});
    expect(outcome.failed).toBe(true);
    const errors = annotations(calls, 'error');
    const warnings = annotations(calls, 'warning');
    expect(errors.length).toBeLessThanOrEqual(10);
    expect(warnings.length).toBeLessThanOrEqual(10);
    expect(errors[0]?.message).toBe(outcome.reason);
    expect(errors.map((e) => e.message)).toContainEqual(expect.stringMatching(new RegExp(`^${INPUTS} inputs errored: `)));
    // 12 tasks × 2 attempts ended with code 255: one annotation says so.
    expect([...errors, ...warnings].filter((c) => /code 255/.test(c.message) && /tasks/.test(c.message)).length).toBeGreaterThan(0);
    const messages = [...errors, ...warnings].map((c) => c.message);
    expect(new Set(messages).size).toBe(messages.length);
  }, 180_000);

  it('fail-on none: a green step carries no error annotation; the failures are warnings', async () => {
    const { outcome, calls } = await run(serve, 'k', { 'fail-on': 'none' });
    expect(outcome.failed).toBe(false);
    expect(annotations(calls, 'error')).toEqual([]);
    const warnings = annotations(calls, 'warning');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(10);
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(new RegExp(`^${INPUTS} inputs errored: `)));
  }, 180_000);
});
