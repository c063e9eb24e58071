/**
 * Generated projects, built with the real arm-none-eabi toolchain through the
 * build stage and run on QEMU's mps2-an500: letscope.tar (a real TVM 0.13
 * MLF) for both boards, the tests' own tarballs on the emulated board, and
 * a model whose weights overflow the F746's flash. Builds are few (2 cores):
 * letscope once per board, in beforeAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryLogger, type Logger } from '../../src/common/log.js';
import { boardInfo } from '../../src/build/boards.js';
import { buildCommand } from '../../src/cli/build.js';
import { measureImage } from '../../src/build/size.js';
import type { MemorySplit, SizeReport } from '../../src/build/types.js';
import { generateCommand } from '../../src/cli/generate.js';
import { projectMemorySplit } from '../../src/mlf/memory.js';
import { buildModelProject, type ModelBuild } from '../../src/mlf/build.js';
import { MlfError } from '../../src/mlf/errors.js';
import { generateProject, type GeneratedProject } from '../../src/mlf/generate.js';
import { V5_MULTI, V6_FLOAT, V7_KWS, type TestModel } from './models.js';
import { writeMlfTar } from './mlf-writer.js';
import { parseResultLine, runOnQemu } from './qemu.js';
import { itemAt } from '../helpers/item.js';

const LETSCOPE = path.resolve(import.meta.dirname, '../../../shared/mlf/letscope.tar');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'mlf-firmware-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  notice: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  group: (_n, fn) => fn(),
  secret: () => undefined,
};
const SYSTEM_TOOLCHAIN = { source: 'system', release: 'system', path: null, binDir: null, gccVersion: null } as const;

async function generateAndBuild(model: string, board: string, name: string): Promise<{ project: GeneratedProject; build: ModelBuild }> {
  const outDir = path.join(TMP, name);
  const project = await generateProject({ model, board, outDir, stagingParent: TMP });
  const build = await buildModelProject({
    projectDir: outDir,
    board,
    args: [],
    resultsDir: path.join(TMP, `${name}-results`),
    toolchain: SYSTEM_TOOLCHAIN,
    env: process.env,
    log: quiet,
  });
  return { project, build };
}

const compiledObjects = (logPath: string) => (readFileSync(logPath, 'utf8').match(/Building C object/g) ?? []).length;

describe('letscope.tar, generated and built for both boards', () => {
  const built: Partial<Record<'mps2_an500', { project: GeneratedProject; build: ModelBuild }>> = {};
  const f746 = { dir: path.join(TMP, 'letscope-f746'), log: memoryLogger(), size: null as SizeReport | null, memory: undefined as MemorySplit | undefined };
  beforeAll(async () => {
    built.mps2_an500 = await generateAndBuild(LETSCOPE, 'mps2_an500', 'letscope-mps2');
    // f746_disco from the command line: allhw generate, then allhw build
    expect(await generateCommand(['--model', LETSCOPE, '--board', 'f746_disco', '--out', f746.dir], f746.log)).toBe(0);
    const results = path.join(TMP, 'letscope-f746-results');
    expect(await buildCommand(['--project-dir', f746.dir, '--board', 'f746_disco', '--results-dir', results], f746.log), f746.log.lines.join('\n')).toBe(0);
    const elf = path.join(f746.dir, 'build/model.elf');
    f746.size = await measureImage(elf, 'f746_disco');
    f746.memory = await projectMemorySplit(f746.dir, f746.size, elf);
  });

  it("runs on the emulated board: its author's sample 36,42,15,38,64 gives 72", async () => {
    const r = await runOnQemu(built.mps2_an500!.build.image.path, '#input:36,42,15,38,64\n#exit\n');
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    const results = r.lines.filter((l) => l.startsWith('#result:')).map(parseResultLine);
    expect(results.map((x) => x.values)).toEqual([['72']]);
    expect(r.lines.filter((l) => l.startsWith('Error'))).toEqual([]);
  });

  it('f746_disco (allhw generate + allhw build): flash and RAM reported, split into weights, code, workspace, I/O, stack', () => {
    const size = f746.size!;
    const memory = f746.memory!;
    expect(
      f746.log.lines.some((l) => /^info: Image f746_disco-model: .*flash .* of 1 MiB.*Flash: weights [\d,]+ B, code [\d,]+ B · RAM: workspace/.test(l)),
    ).toBe(true);
    expect(memory.flash.total).toBe(size.flash);
    expect(memory.ram.total).toBe(size.ram);
    // the dense layers' int8 weights (512x5 + 512x512 + 512 + biases) are linked into default_lib1.c
    expect(memory.flash.weights).toBeGreaterThan(512 * 512);
    expect(memory.flash.weights).toBeLessThan(size.flash);
    expect(memory.flash.code).toBe(size.flash - memory.flash.weights);
    expect(memory.ram.workspace).toBe(3088); // the arena, allhw_workspace, is what metadata.json asks for
    expect(memory.ram.io).toBeGreaterThanOrEqual(6);
    expect(memory.ram.io).toBeLessThan(64);
    expect(memory.ram.stack).toBe(size.sections['.stack']);
    expect(memory.ram.workspace + memory.ram.io + memory.ram.stack + memory.ram.other).toBe(size.ram);
    expect(size.flash).toBeLessThanOrEqual(1024 * 1024);
  });

  it('f746_disco: built with the F746 flags (single-precision FPU), the CPU flags of the board table', () => {
    const flags = readFileSync(path.join(f746.dir, 'build/CMakeFiles/model.dir/flags.make'), 'utf8');
    expect(flags).toContain(boardInfo('f746_disco')!.cpuFlags!.join(' '));
    expect(flags).toMatch(/-mcpu=cortex-m7 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard/);
  });

  it('regenerating the same tarball changes no file, and the warm build compiles nothing', async () => {
    const { project, build } = built.mps2_an500!;
    expect(compiledObjects(build.logPath)).toBeGreaterThan(5);
    const again = await generateAndBuild(LETSCOPE, 'mps2_an500', 'letscope-mps2');
    expect(again.project.files.written).toEqual([]);
    expect(again.project.files.unchanged).toBe(project.files.written.length);
    expect(compiledObjects(again.build.logPath)).toBe(0);
  });
});

const valuesOf = (inputs: number[][]) => inputs.flat().map(String).join(',');

async function checkOnEmulator(model: TestModel, file: string, name: string): Promise<void> {
  const { build, project } = await generateAndBuild(file, 'mps2_an500', name);
  expect(project.model.hasRuntimeInclude).toBe(false);
  const input = model.samples.map((s) => `#input:${valuesOf(s)}\n`).join('') + '#exit\n';
  const r = await runOnQemu(build.image.path, input);
  expect(r.timedOut).toBe(false);
  expect(r.code).toBe(0);
  const results = r.lines.filter((l) => l.startsWith('#result:')).map(parseResultLine);
  expect(results).toHaveLength(model.samples.length);
  // float32 outputs come back with 9 significant digits: enough to give the float again, exactly
  const isFloat = model.spec.outputs.some((o) => o.dtype === 'float32');
  for (const [i, sample] of model.samples.entries()) {
    const { values } = itemAt(results, i);
    const got = values.map((v) => (isFloat ? Math.fround(Number(v)) : Number(v)));
    expect(got, `sample ${i}: ${values.join(',')}`).toEqual(model.expected(sample).flat());
  }
}

describe("the tests' own tarballs on the emulated board (no runtime/ in them: allhw-ci's runtime)", () => {
  it('v5, run_model only, uint8 + int16 in, int32 + uint8 out', async () => {
    await checkOnEmulator(V5_MULTI, await writeMlfTar(path.join(TMP, 'v5.tar'), V5_MULTI.spec), 'v5');
  });

  it('v6 .tar.gz, module sensor_net, float32 in and out (printed without loss)', async () => {
    await checkOnEmulator(V6_FLOAT, await writeMlfTar(path.join(TMP, 'v6.tgz'), V6_FLOAT.spec, { gzip: true }), 'v6');
  });

  it('v7, module kws, inputs in header order though metadata sorts them, two outputs', async () => {
    await checkOnEmulator(V7_KWS, await writeMlfTar(path.join(TMP, 'v7.tar'), V7_KWS.spec), 'v7');
  });
});

describe('too big for the board, found by the link', () => {
  it('1.2 MB of weights: generates (metadata says nothing), then the F746 build fails with its own message', async () => {
    const spec = {
      ...V7_KWS.spec,
      body: '  static const int8_t weights[1200000] = {1, 2, 3};\n  out0[0] = weights[(uint8_t)in0[0]]; out0[1] = 0; out1[0] = 0;',
    };
    const file = await writeMlfTar(path.join(TMP, 'heavy.tar'), spec);
    const e = await generateAndBuild(file, 'f746_disco', 'heavy').then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(MlfError);
    expect((e as MlfError).kind).toBe('too-big');
    expect((e as MlfError).message).toMatch(/too big for 'f746_disco': the link overflowed flash by \d+ bytes/);
  });
});
