/**
 * The pipeline called from source, as the action and the CLI call it: the
 * whole run on the embedded emulated farm (real QEMU), and its steps alone:
 * a failure before any task still gets judged and published (results.json,
 * junit.xml, summary.md written; the reason kept).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { parseConfig, type InputName } from '../../src/config.js';
import { judge, prepare, publish, runPipeline } from '../../src/pipeline.js';
import type { Results } from '../../src/results/index.js';
import { EXAMPLE_DIR, exampleFirmware, type FirmwareImages } from '../helpers/firmware.js';

function config(inputs: Partial<Record<InputName, string>>) {
  return parseConfig((name) => inputs[name]);
}

let firmware: FirmwareImages;
beforeAll(async () => {
  firmware = await exampleFirmware('mps2_an500');
});

describe('runPipeline from source', () => {
  it('runs the example on the emulated farm: every input equal to golden, files written', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'allhw-pipeline-'));
    const cfg = config({
      mode: 'emulator',
      toolchain: 'system',
      'project-dir': firmware.dir,
      'build-system': 'none',
      image: 'synth.elf',
      board: 'mps2_an500',
      inputs: path.join(EXAMPLE_DIR, 'inputs/input-0[0-3].txt'),
      golden: path.join(EXAMPLE_DIR, 'golden.json'),
      'exit-line': '#exit',
      'results-dir': 'results',
    });
    const log = memoryLogger();
    const out = await runPipeline(cfg, log, { githubActions: false, env: { PATH: process.env.PATH }, workspace: work });
    expect(out.failed, out.reason).toBe(false);
    expect(out.results.totals).toMatchObject({ inputs: 4, passed: 4, failed: 0, errors: 0 });
    for (const f of ['results.json', 'junit.xml', 'summary.md', 'tasks.jsonl']) expect(existsSync(path.join(out.resultsDir, f)), f).toBe(true);
    // Each task's entry names its UART log, kept by the store.
    for (const t of out.results.tasks) expect(existsSync(path.join(out.resultsDir, t.log!)), t.log!).toBe(true);
    expect(out.textTable).toContain('4 inputs: 4 passed');
  });
});

describe('the steps alone', () => {
  it('a failure before any task is judged and published with its reason', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'allhw-steps-'));
    const cfg = config({ mode: 'emulator', inputs: 'in/*.txt', 'results-dir': 'out' });
    const log = memoryLogger();
    const run = await prepare(cfg, log, { githubActions: false, env: {}, workspace: work });
    run.fatal = new Error('the build failed: no image');
    const final = await judge(run);
    expect(final.error).toBe('the build failed: no image');
    const saved = JSON.parse(await readFile(path.join(work, 'out', 'results.json'), 'utf8')) as Results;
    expect(saved.error).toBe('the build failed: no image');
    expect(saved.finishedAt).not.toBeNull();
    const out = await publish(run, final);
    expect(out).toMatchObject({ failed: true, reason: 'the build failed: no image' });
    expect(await readFile(path.join(work, 'out', 'summary.md'), 'utf8')).toContain('the build failed: no image');
    expect(existsSync(path.join(work, 'out', 'junit.xml'))).toBe(true);
  });
});
