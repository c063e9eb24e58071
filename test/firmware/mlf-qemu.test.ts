/**
 * The generic MLF firmware end to end, without the generator: a project
 * written here (a copy of firmware/, a hand-written model_io.c and a fake
 * tvmgen_fake_run with two inputs and two outputs, int8/uint8/float32)
 * builds with firmware/mlf/mlf.cmake, runs on the emulated board through
 * serve's own QEMU runner (paced UART input), and answers #input lines with
 * #result lines the pipeline's parser reads, or with Error lines. It also
 * links for f746_disco and fits.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runOnQemu } from '../../src/serve/qemu-board.js';
import { parseResultLine } from '../../src/results/parse.js';
import boards from '../../src/build/boards.json' with { type: 'json' };
import { entryOf } from '../helpers/item.js';

const run = promisify(execFile);
const FIRMWARE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'mlf-qemu-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const WORKSPACE_BYTES = 48;

/** The model: sum[i] = x[i] * 1000 + x[(i + 1) % 3] + z (int32), prod = y0 * y1 and neg = -y0 (float32). */
const MODEL_IO_C = `
#include <stdint.h>
#include "model_io.h"
struct tvmgen_fake_inputs { void *x; void *y; void *z; };
struct tvmgen_fake_outputs { void *sum; void *floats; };
int32_t tvmgen_fake_run(struct tvmgen_fake_inputs *inputs, struct tvmgen_fake_outputs *outputs);

static int8_t x[3] __attribute__((aligned(16)));
static float y[2] __attribute__((aligned(16)));
static uint8_t z[1] __attribute__((aligned(16)));
static int32_t sum[3] __attribute__((aligned(16)));
static float floats[2] __attribute__((aligned(16)));

const model_tensor_t model_inputs[] = {
    {"x", MODEL_INT8, 3, x}, {"y:0", MODEL_FLOAT32, 2, y}, {"z", MODEL_UINT8, 1, z}};
const uint32_t model_input_count = 3;
const model_tensor_t model_outputs[] = {{"sum", MODEL_INT32, 3, sum}, {"floats", MODEL_FLOAT32, 2, floats}};
const uint32_t model_output_count = 2;
const char model_name[] = "fake";

int32_t model_run(void)
{
    struct tvmgen_fake_inputs in = {x, y, z};
    struct tvmgen_fake_outputs out = {sum, floats};
    return tvmgen_fake_run(&in, &out);
}
`;

/**
 * Like generated AOT code: scratch from the workspace, -1 when it is not
 * there. z = 255 asks too much; x = 99,99,99 with z = 99 writes where no
 * memory is (a bus fault, escalated to a hard fault).
 */
const FAKE_MODEL_C = `
#include <stdint.h>
#include "tvm/runtime/c_backend_api.h"
struct tvmgen_fake_inputs { void *x; void *y; void *z; };
struct tvmgen_fake_outputs { void *sum; void *floats; };
int32_t tvmgen_fake_run(struct tvmgen_fake_inputs *inputs, struct tvmgen_fake_outputs *outputs)
{
    const int8_t *x = inputs->x;
    const float *y = inputs->y;
    const uint8_t z = *(const uint8_t *)inputs->z;
    int32_t *acc = TVMBackendAllocWorkspace(1, 0, z == 255 ? ${WORKSPACE_BYTES + 1} : 12, 0, 32);
    if (acc == NULL) {
        return -1;
    }
    if (x[0] == 99 && x[1] == 99 && x[2] == 99 && z == 99) {
        *(volatile uint32_t *)0xFFFFFFF0u = 1u;
    }
    for (int i = 0; i < 3; i++) {
        acc[i] = (int32_t)x[i] * 1000 + x[(i + 1) % 3] + z;
    }
    for (int i = 0; i < 3; i++) {
        ((int32_t *)outputs->sum)[i] = acc[i];
    }
    ((float *)outputs->floats)[0] = y[0] * y[1];
    ((float *)outputs->floats)[1] = -y[0];
    return TVMBackendFreeWorkspace(1, 0, acc);
}
`;

const CMAKELISTS = `
cmake_minimum_required(VERSION 3.20)
include(\${CMAKE_CURRENT_LIST_DIR}/firmware/mlf/mlf.cmake)
project(fake LANGUAGES C)
add_executable(fake model_io.c fake_model.c)
allhw_mlf_firmware(fake WORKSPACE_BYTES ${WORKSPACE_BYTES})
`;

const projectDir = path.join(TMP, 'project');
function writeProject(): void {
  mkdirSync(projectDir, { recursive: true });
  cpSync(FIRMWARE, path.join(projectDir, 'firmware'), { recursive: true }); // self-contained, like a generated one
  writeFileSync(path.join(projectDir, 'model_io.c'), MODEL_IO_C);
  writeFileSync(path.join(projectDir, 'fake_model.c'), FAKE_MODEL_C);
  writeFileSync(path.join(projectDir, 'CMakeLists.txt'), CMAKELISTS);
}

writeProject();

const builds = new Map<string, Promise<string>>();
function build(board: string): Promise<string> {
  let p = builds.get(board);
  if (!p) {
    p = (async () => {
      const dir = path.join(TMP, `build-${board}`);
      await run('cmake', ['-S', projectDir, '-B', dir, `-DBOARD=${board}`], { maxBuffer: 1 << 24 });
      await run('cmake', ['--build', dir], { maxBuffer: 1 << 24 });
      return path.join(dir, 'fake.elf');
    })();
    builds.set(board, p);
  }
  return p;
}

/** Run the image on the emulated board with these UART lines, as serve does; the UART text and the exit. */
async function runLines(elf: string, lines: string[]): Promise<{ out: string[]; code: number | null }> {
  const name = `run-${Math.random().toString(36).slice(2)}`;
  const inputFile = path.join(TMP, `${name}.in`);
  const uartLogFile = path.join(TMP, `${name}.uart`);
  writeFileSync(inputFile, lines.join('\n') + '\n');
  const end = await runOnQemu({
    qemuPath: 'qemu-system-arm',
    setprivPath: null,
    imageFile: elf,
    format: 'elf',
    inputFile,
    baud: 115200,
    bootMs: 100,
    timeoutMs: 60_000,
    uartLogFile,
    stderrLogFile: path.join(TMP, `${name}.err`),
    signal: new AbortController().signal,
    icountShift: null,
    maxUartBytes: 1 << 22,
  });
  const text = readFileSync(uartLogFile, 'utf8');
  return {
    out: text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l !== ''),
    code: end.end.kind === 'exited' ? end.end.code : null,
  };
}

/** A small deterministic PRNG so that each run's values differ by seed, yet a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A float32 of any magnitude (subnormals included), as its shortest exact decimal for JS. */
function randomFloat32(rand: () => number): number {
  const bits = new Uint32Array([Math.floor(rand() * 2 ** 32)]);
  bits[0] = (bits[0]! & 0x807fffff) | (Math.floor(rand() * 250) << 23); // below 2^124: no product overflows
  return new Float32Array(bits.buffer)[0]!;
}

interface Case {
  x: number[];
  y: number[];
  z: number;
}
const expected = (c: Case) => ({
  sum: [0, 1, 2].map((i) => c.x[i]! * 1000 + c.x[(i + 1) % 3]! + c.z),
  floats: [Math.fround(c.y[0]! * c.y[1]!), Math.fround(-c.y[0]!)],
});
const inputLine = (c: Case, yText = c.y.map((v) => v.toPrecision(9))) => `#input:${[...c.x, ...yText, c.z].join(',')}`;
/** Written as %.9g writes: decimal or d.ddde±XX, at most 9 significant digits, no trailing zeros after a point. */
function isG9(text: string): boolean {
  const m = /^-?(\d+)(?:\.(\d*[1-9]))?(?:e[+-]\d\d)?$/.exec(text);
  if (!m) return false;
  const digits = (m[1]! + (m[2] ?? '')).replace(/^0+/, '');
  return digits.length <= 9;
}

describe('firmware/mlf on the emulated board (a hand-written model, no generator)', () => {
  it('answers #input lines in declaration order with exact outputs, and Error lines for bad ones', async () => {
    const elf = await build('mps2_an500');
    const seed = Date.now() % 100_000;
    const rand = prng(seed);
    const cases: Case[] = [
      { x: [-128, 127, 0], y: [1.5, -2], z: 254 },
      { x: [1, 2, 3], y: [Math.fround(3.4028234663852886e38), Math.fround(1e-45)], z: 0 },
      ...Array.from({ length: 8 }, () => ({
        x: [0, 1, 2].map(() => Math.floor(rand() * 256) - 128),
        y: [randomFloat32(rand), Math.fround(rand() * 4 - 2)],
        z: Math.floor(rand() * 255),
      })),
    ];
    const good = cases.map((c) => inputLine(c));
    const lines = [
      good[0]!,
      '#input:1,2,3,4,5',
      '#input:1,2,128,0.5,0.5,1',
      '#input:1,2,3,0.5,1e39,1',
      '#input:1,2,3,0.5,0.5,256',
      '#input:1,2.5,3,0.5,0.5,1',
      '#input:1,2,3,0.5,x,1',
      '#input:1,2,3,0.5,0.5,255',
      'a line that is not ours',
      ...good.slice(1).map((l, i) => (i % 2 ? `${l}\r` : l.replace(/,/g, ', '))),
      '#exit',
      good[2]!, // never read: main has returned
    ];
    const { out, code } = await runLines(elf, lines);
    const context = `seed ${seed}\n${out.join('\n')}`;
    expect(code, context).toBe(0);
    expect(out[0], context).toBe('allhw-ci MLF AOT runtime (mps2_an500, model fake)');
    expect(out.slice(2, 9), context).toEqual([
      'Error: expected 6 values, got 5',
      'Error: input 1 (x) value 3 out of range for int8',
      'Error: input 2 (y:0) value 2 out of range for float32',
      'Error: input 3 (z) value 1 out of range for uint8',
      'Error: input 1 (x) value 2 is not an integer',
      'Error: input 2 (y:0) value 2 is not a number',
      'Error: model run failed with code -1: workspace exhausted (ALLHW_WORKSPACE_BYTES too small for the model)',
    ]);
    const results = [out[1]!, ...out.slice(9)];
    expect(results, context).toHaveLength(cases.length);
    for (const [k, line] of results.entries()) {
      const parsed = parseResultLine(line);
      expect('error' in parsed ? parsed.error : null, `${line}\n${context}`).toBeNull();
      if ('error' in parsed) continue;
      const want = expected(cases[k]!);
      const printedFloats = line.slice('#result:'.length).split(':')[0]!.split(',').slice(3);
      for (const text of printedFloats) expect(isG9(text), `${text}\n${context}`).toBe(true);
      // floats read back to the very float32 the board computed
      expect(parsed.outputs.slice(0, 3), context).toEqual(want.sum);
      expect(
        parsed.outputs.slice(3).map((v) => Math.fround(v)),
        `${line}\n${context}`,
      ).toEqual(want.floats);
      expect(parsed.timers).toHaveLength(1);
      expect(Number.isInteger(parsed.timers[0])).toBe(true);
    }
  }, 120_000);

  it('prints nan, inf, -0 and subnormals as %.9g does, and reads every float32 text form', async () => {
    const elf = await build('mps2_an500');
    const { out, code } = await runLines(elf, [
      '#input:0,0,0,nan,1,0',
      '#input:0,0,0,-Infinity,1,0',
      '#input:0,0,0,0,-1,0',
      '#input:0,0,0,1.40129846e-45,1,0',
      '#input:0,0,0,-1.17549435E-38,1,0',
      '#input:0,0,0,.5e1,1.,0',
      '#exit',
    ]);
    expect(code).toBe(0);
    expect(out.slice(1).map((l) => l.replace(/:\d+$/, ''))).toEqual([
      '#result:0,0,0,nan,nan',
      '#result:0,0,0,-inf,inf',
      '#result:0,0,0,-0,-0',
      '#result:0,0,0,1.40129846e-45,-1.40129846e-45',
      '#result:0,0,0,-1.17549435e-38,1.17549435e-38',
      '#result:0,0,0,5,-5',
    ]);
  }, 120_000);

  it('a fault in the model: the answers before it, "Error: hard fault", exit code 3', async () => {
    const elf = await build('mps2_an500');
    const { out, code } = await runLines(elf, ['#input:1,2,3,2,4,5', '#input:99,99,99,1,1,99', '#input:1,2,3,2,4,5']);
    expect(code).toBe(3);
    expect(out.slice(1).map((l) => l.replace(/:\d+$/, ''))).toEqual(['#result:1007,2008,3006,8,-2', 'Error: hard fault']);
  }, 120_000);

  it('links for f746_disco and fits its flash and RAM, with the workspace arena the size asked', async () => {
    const elf = await build('f746_disco');
    const f746 = entryOf(boards as Record<string, { flash: number; ram: number }>, 'f746_disco');
    const sizes = (await run('arm-none-eabi-size', ['-A', '-d', elf])).stdout;
    const section = (name: string) => Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(sizes)?.[1] ?? NaN);
    const flash = section('.isr_vector') + section('.text') + section('.data');
    const ram = section('.data') + section('.bss') + section('.stack');
    expect(flash).toBeGreaterThan(1000);
    expect(flash).toBeLessThanOrEqual(f746.flash);
    expect(ram).toBeLessThanOrEqual(f746.ram);
    const symbols = (await run('arm-none-eabi-nm', ['-S', elf])).stdout;
    const arena = /^[0-9a-f]+ ([0-9a-f]+) [bB] allhw_workspace$/m.exec(symbols);
    expect(arena, symbols).not.toBeNull();
    expect(parseInt(arena![1]!, 16)).toBe(WORKSPACE_BYTES);
    // GNU C for the generated code (the last -std wins)
    const flags = readFileSync(path.join(TMP, 'build-f746_disco/CMakeFiles/fake.dir/flags.make'), 'utf8');
    expect([...flags.matchAll(/-std=(\S+)/g)].map((m) => m[1]).pop()).toBe('gnu11');
    // the F746's single-precision FPU: hard-float ABI with single-precision instructions only
    const attrs = (await run('arm-none-eabi-readelf', ['-A', elf])).stdout;
    expect(attrs).toMatch(/Tag_FP_arch: FPv5\/FP-D16 for ARMv8/);
    expect(attrs).toMatch(/Tag_ABI_HardFP_use: SP only/);
    console.log(`MLF firmware (fake model) f746_disco: flash ${flash} B, RAM ${ram} B (with the 16 KiB stack)`);
  }, 120_000);
});
