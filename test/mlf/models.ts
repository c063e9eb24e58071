/**
 * The tests' own MLF models: what letscope does not cover (metadata v5/v6,
 * the run_model entry point, no runtime/, float32 and uint8, several inputs
 * and outputs, a module not named default), each with its arithmetic done
 * again here in TypeScript, independently of the C.
 */
import type { FakeMlf } from './mlf-writer.js';
import { itemAt } from '../helpers/item.js';

export interface TestModel {
  spec: FakeMlf;
  /** Sample inputs, one array per input. */
  samples: number[][][];
  /** The outputs the model must give, one array per output. */
  expected(inputs: number[][]): number[][];
}

const wrap = (bits: number, signed: boolean) => (v: number) => {
  const m = 2 ** bits;
  let r = ((v % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
};
const i32 = wrap(32, true);
const u8 = wrap(8, false);

/** v5 (TVM 0.8): top-level metadata, target map, src/relay.txt, only run_model defined; uint8 and int16 in, int32 and uint8 out. */
export const V5_MULTI: TestModel = {
  spec: {
    version: 5,
    entry: 'pointers',
    inputs: [
      { name: 'pixels', dtype: 'uint8', shape: [1, 4] },
      { name: 'bias', dtype: 'int16', shape: [3] },
    ],
    outputs: [
      { name: 'output0', dtype: 'int32', shape: [2] },
      { name: 'output1', dtype: 'uint8', shape: [1, 4] },
    ],
    scratchBytes: 16,
    body: [
      '  int32_t* acc = (int32_t*)scratch;',
      '  acc[0] = 0;',
      '  for (int i = 0; i < 4; i++) acc[0] += in0[i];',
      '  for (int i = 0; i < 3; i++) acc[0] += in1[i];',
      '  out0[0] = acc[0];',
      '  out0[1] = (int32_t)in0[0] * (int32_t)in1[0] - (int32_t)in1[2] * 1000;',
      '  for (int i = 0; i < 4; i++) out1[i] = (uint8_t)(255 - in0[i] + in0[(i + 1) % 4]);',
    ].join('\n'),
  },
  samples: [
    [
      [0, 1, 254, 255],
      [-32768, 32767, 7],
    ],
    [
      [10, 20, 30, 40],
      [5, -6, -32768],
    ],
  ],
  expected(inputs) {
    const [a, b] = [itemAt(inputs, 0), itemAt(inputs, 1)];
    const sum = a.reduce((s, v) => s + v, 0) + b.reduce((s, v) => s + v, 0);
    return [[i32(sum), i32(itemAt(a, 0) * itemAt(b, 0) - itemAt(b, 2) * 1000)], a.map((v, i) => u8(255 - v + itemAt(a, (i + 1) % 4)))];
  },
};

/** v6: target list, a module named sensor_net, a name with ':' (sanitized in the header), float32 in and out. */
export const V6_FLOAT: TestModel = {
  spec: {
    version: 6,
    module: 'sensor_net',
    entry: 'structs',
    inputs: [{ name: 'input_1:0', dtype: 'float32', shape: [1, 3] }],
    outputs: [{ name: 'output', dtype: 'float32', shape: [1, 3] }],
    scratchBytes: 32,
    body: [
      '  float* t = (float*)scratch;',
      '  t[0] = in0[0] * 0.5f + in0[1] * in0[2];',
      '  t[1] = in0[0] - 1.0e-5f;',
      '  t[2] = in0[2] / 3.0f;',
      '  for (int i = 0; i < 3; i++) out0[i] = t[i];',
    ].join('\n'),
  },
  samples: [[[1.5, -2.25, 1e-3]], [[3.4028234663852886e38, 0, -7]]],
  expected(inputs) {
    const f = Math.fround;
    const x = itemAt(inputs, 0);
    const [a, b, c] = [f(itemAt(x, 0)), f(itemAt(x, 1)), f(itemAt(x, 2))];
    return [[f(f(f(a * 0.5) + f(b * c))), f(a - f(1e-5)), f(c / 3)]];
  },
};

/**
 * v7 with inputs and outputs in metadata (sorted by name, unlike the
 * argument order), module 'kws', two int8 inputs, int32 and int16 outputs.
 */
export const V7_KWS: TestModel = {
  spec: {
    version: 7,
    module: 'kws',
    entry: 'structs',
    inputs: [
      { name: 'z_audio', dtype: 'int8', shape: [1, 6] },
      { name: 'a_gain', dtype: 'int8', shape: [1] },
    ],
    outputs: [
      { name: 'scores', dtype: 'int32', shape: [1, 2] },
      { name: 'energy', dtype: 'int16', shape: [1] },
    ],
    scratchBytes: 8,
    workspaceBytes: 128,
    body: [
      '  int32_t* s = (int32_t*)scratch;',
      '  s[0] = 0; s[1] = 0;',
      '  for (int i = 0; i < 6; i++) { if (i % 2) s[1] += in0[i] * in1[0]; else s[0] += in0[i] * in1[0]; }',
      '  out0[0] = s[0]; out0[1] = s[1];',
      '  int32_t e = 0;',
      '  for (int i = 0; i < 6; i++) e += in0[i] * in0[i];',
      '  out1[0] = (int16_t)e;',
    ].join('\n'),
  },
  samples: [
    [[1, -2, 3, -4, 5, -128], [127]],
    [[127, 127, 127, 127, 127, 127], [-128]],
  ],
  expected(inputs) {
    const x = itemAt(inputs, 0);
    const g = itemAt(itemAt(inputs, 1), 0);
    let even = 0;
    let odd = 0;
    for (let i = 0; i < 6; i++) {
      if (i % 2) odd += itemAt(x, i) * g;
      else even += itemAt(x, i) * g;
    }
    const e = x.reduce((s, v) => s + v * v, 0);
    return [[even, odd], [wrap(16, true)(e)]];
  },
};

export const TEST_MODELS = { V5_MULTI, V6_FLOAT, V7_KWS };
