/** 'model' in the configuration: what it turns off, what it sets, and the CLI's generate command's mistakes. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, INPUT_DEFAULTS, parseConfig, type InputName } from '../../src/config.js';
import { runPipeline } from '../../src/pipeline.js';
import { V5_MULTI } from './models.js';
import { writeMlfTar } from './mlf-writer.js';
import { FlagError } from '../../src/cli/flags.js';
import { memoryLogger } from '../../src/common/log.js';
import { generateCommand } from '../../src/cli/generate.js';

const config = (given: Partial<Record<InputName, string>>) => parseConfig((name) => given[name] ?? INPUT_DEFAULTS[name]);

describe("input 'model'", () => {
  it('sets the exit line to #exit unless one is given', () => {
    expect(config({ inputs: 'in/*.txt', model: 'model.tar' }).run.exitLine).toBe('#exit');
    expect(config({ inputs: 'in/*.txt', model: 'model.tar', 'exit-line': 'quit' }).run.exitLine).toBe('quit');
    expect(config({ inputs: 'in/*.txt' }).run.exitLine).toBe('');
    expect(config({ inputs: 'in/*.txt', model: ' model.tar ' }).model).toBe('model.tar');
  });

  it.each([
    ['project-dir', 'model/project'],
    ['build-system', 'make'],
    ['build-command', 'make all'],
    ['image', 'build/*.elf'],
  ] as const)("says that '%s' does not apply with it", (input, value) => {
    let error: unknown = null;
    try {
      config({ inputs: 'in/*.txt', model: 'model.tar', [input]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).input).toBe(input);
    expect((error as Error).message).toContain(`'${input}' does not apply with 'model'`);
  });

  it.each([
    ['models/*.tar', 'not a glob or a list'],
    ['a.tar\nb.tar', 'not a glob or a list'],
    ['model.tflite', "'tvmc compile --executor=aot --runtime=crt --output-format=mlf' writes from this model file"],
    ['net.ONNX', 'Model Library Format tarball'],
  ])("refuses '%s' before any work, saying what it wants", (model, why) => {
    expect(() => config({ inputs: 'in/*.txt', model })).toThrow(ConfigError);
    expect(() => config({ inputs: 'in/*.txt', model })).toThrow(why);
  });

  it('takes a tarball or a directory as given', () => {
    for (const model of ['model.tar', 'out/model.tar.gz', 'm.tgz', 'models/letscope']) expect(config({ inputs: 'x', model }).model).toBe(model);
  });

  it('names every input that does not apply', () => {
    expect(() => config({ inputs: 'x', model: 'm.tar', 'project-dir': 'p', 'build-system': 'cmake' })).toThrow(
      /Inputs 'project-dir', 'build-system' do not apply/,
    );
  });
});

describe('allhw generate', () => {
  it('wants --model and --out, and a board it has a firmware layer for', async () => {
    const log = memoryLogger();
    await expect(generateCommand(['--out', 'x'], log)).rejects.toThrow(FlagError);
    await expect(generateCommand(['--model', 'm.tar'], log)).rejects.toThrow(/--out DIR is required/);
    // Any board name is a valid board (All-HW lends more than the table knows), but a project needs a firmware layer.
    expect(await generateCommand(['--model', 'm.tar', '--out', 'x', '--board', 'nucleo'], log)).toBe(1);
    expect(log.lines.join('\n')).toMatch(/Board 'nucleo' has no firmware layer: allhw-ci generates projects for f746_disco and mps2_an500/);
    await expect(generateCommand(['--model', 'm.onnx', '--out', 'x'], log)).rejects.toThrow(
      /^Flag --model has value 'm.onnx': expected a Model Library Format tarball/,
    );
  });

  it('a bad tarball: exit 1 and the reason', async () => {
    const log = memoryLogger();
    expect(await generateCommand(['--model', '/nonexistent/model.tar', '--out', '/tmp/never-written'], log)).toBe(1);
    expect(log.lines.join('\n')).toMatch(/^error: The model file .* does not exist/m);
  });
});

describe('the pipeline with a model', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlf-pipeline-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('generates into <results>/project, builds for the emulated board, runs, checks, and reports the memory split', async () => {
    await writeMlfTar(path.join(work, 'model.tar'), V5_MULTI.spec);
    mkdirSync(path.join(work, 'inputs'));
    const outputs: Record<string, number[]> = {};
    for (const [i, sample] of V5_MULTI.samples.entries()) {
      writeFileSync(path.join(work, 'inputs', `s${i}.txt`), `#input:${sample.flat().join(',')}\n`);
      outputs[`s${i}.txt`] = V5_MULTI.expected(sample).flat();
    }
    // one value short: the board answers with an Error line, and the input fails with that reason
    writeFileSync(path.join(work, 'inputs', 'a-short.txt'), '#input:1,2,3,4,5,6\n');
    writeFileSync(path.join(work, 'golden.json'), JSON.stringify({ version: 1, outputs }));
    const log = memoryLogger();
    const cfg = config({
      mode: 'emulator',
      toolchain: 'system',
      model: 'model.tar',
      inputs: 'inputs/*.txt',
      golden: 'golden.json',
      'results-dir': 'res',
      'ci-timeout': '30',
    });
    const outcome = await runPipeline(cfg, log, { githubActions: false, env: process.env, workspace: work });
    const lines = log.lines.join('\n');
    expect(lines).toMatch(/Emulator mode: the project is built for mps2_an500/);
    expect(lines).toMatch(/exit line '#exit'/);
    expect(existsSync(path.join(work, 'res/project/CMakeLists.txt'))).toBe(true);
    const byInput = new Map(outcome.results.results.map((r) => [r.input, r]));
    expect(byInput.get('s0.txt')?.status).toBe('passed');
    expect(byInput.get('s1.txt')?.status).toBe('passed');
    expect(byInput.get('a-short.txt')?.status).not.toBe('passed');
    expect(byInput.get('a-short.txt')?.reason).toMatch(/the board answered 'Error: expected 7 values, got 6'/);
    const saved = JSON.parse(readFileSync(path.join(work, 'res/results.json'), 'utf8'));
    const memory = saved.images[0].size.memory;
    expect(memory.ram.workspace).toBe(64);
    expect(memory.ram.io).toBeGreaterThanOrEqual(4 + 6 + 8 + 4);
    expect(memory.flash.total).toBe(saved.images[0].size.flash);
    expect(readFileSync(path.join(work, 'res/summary.md'), 'utf8')).toMatch(/Flash: weights [\d,]+ B, code [\d,]+ B · RAM: workspace/);
  });
});
