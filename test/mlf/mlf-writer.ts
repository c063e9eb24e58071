/**
 * Writes small Model Library Format tarballs for the tests, in the layouts
 * TVM wrote them (metadata versions 5, 6 and 7; the C interface header; the
 * AOT entry point as `_run(struct*, struct*)` or only as the older
 * `_run_model(void*, ...)`; the Relay text in src/). The "codegen" is plain
 * C whose arithmetic each test also computes on its own, and it takes its
 * scratch memory from TVMBackendAllocWorkspace as TVM's code does.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';

export interface FakeTensor {
  name: string;
  dtype: string;
  shape: number[];
}

export interface FakeMlf {
  version: 5 | 6 | 7;
  module?: string;
  inputs: FakeTensor[];
  outputs: FakeTensor[];
  /** Which entry point the sources define (the header always declares _run(struct*, struct*)). */
  entry: 'structs' | 'pointers';
  /**
   * C statements computing the outputs: inputs are `in0`, `in1`... and outputs
   * `out0`... (typed pointers), `scratch` is `scratchBytes` from the workspace.
   */
  body: string;
  scratchBytes?: number;
  executor?: string;
  target?: string;
  /** v7: list inputs and outputs in metadata.json (TVM 0.10+); false: like TVM 0.9. */
  metadataTensors?: boolean;
  workspaceBytes?: number;
  omit?: ('metadata' | 'header' | 'relay')[];
  /** Extra files, path → content. */
  extra?: Record<string, string>;
}

const C_TYPES: Record<string, string> = { int8: 'int8_t', uint8: 'uint8_t', int16: 'int16_t', int32: 'int32_t', float32: 'float', float16: 'uint16_t' };
const BYTES: Record<string, number> = { int8: 1, uint8: 1, int16: 2, int32: 4, float32: 4, float16: 2 };

const sanitize = (n: string) => n.replace(/[^A-Za-z0-9]/g, '_');
const count = (t: FakeTensor) => t.shape.reduce((a, b) => a * b, 1);
const bytes = (t: FakeTensor) => {
  const size = BYTES[t.dtype];
  if (size === undefined) throw new Error(`the fake MLF writer has no size for dtype '${t.dtype}'`);
  return count(t) * size;
};
const relayType = (t: FakeTensor) => `Tensor[(${t.shape.join(', ')}), ${t.dtype}]`;

/** TVM names outputs output / output0.. unless the model names them (v7 metadata). */
function outputNames(spec: FakeMlf): string[] {
  return spec.outputs.map((o) => o.name);
}

function header(spec: FakeMlf, mod: string): string {
  const p = `tvmgen_${mod}`;
  const sizes =
    spec.version === 7 ? [...spec.inputs, ...spec.outputs].map((t) => `#define ${p.toUpperCase()}_${sanitize(t.name).toUpperCase()}_SIZE ${bytes(t)}`) : [];
  return [
    `#ifndef ${p.toUpperCase()}_H_`,
    `#define ${p.toUpperCase()}_H_`,
    '#include <stdint.h>',
    ...sizes,
    '/*!',
    ` * \\brief Input tensor pointers for TVM module "${mod}" `,
    ' */',
    `struct ${p}_inputs {`,
    ...spec.inputs.map((t) => `  void* ${sanitize(t.name)};`),
    '};',
    `struct ${p}_outputs {`,
    ...outputNames(spec).map((n) => `  void* ${sanitize(n)};`),
    '};',
    `int32_t ${p}_run(`,
    `  struct ${p}_inputs* inputs,`,
    `  struct ${p}_outputs* outputs`,
    ');',
    `#define ${p.toUpperCase()}_WORKSPACE_SIZE ${spec.workspaceBytes ?? 64}`,
    '#endif',
    '',
  ].join('\n');
}

function operatorSource(spec: FakeMlf, mod: string): string {
  const p = `tvmgen_${mod}`;
  const fn = spec.entry === 'pointers' ? `${p}_run_model` : `${p}___tvm_main__`;
  const params = [...spec.inputs.map((_, i) => `void* arg_in${i}`), ...spec.outputs.map((_, i) => `void* arg_out${i}`)].join(', ');
  const casts = [
    ...spec.inputs.map((t, i) => `  ${C_TYPES[t.dtype]}* in${i} = (${C_TYPES[t.dtype]}*)arg_in${i};`),
    ...spec.outputs.map((t, i) => `  ${C_TYPES[t.dtype]}* out${i} = (${C_TYPES[t.dtype]}*)arg_out${i};`),
  ];
  const scratch = spec.scratchBytes ?? 16;
  return [
    '// tvm target: c -keys=arm_cpu,cpu -mcpu=cortex-m7',
    '#define TVM_EXPORTS',
    '#include "tvm/runtime/c_runtime_api.h"',
    '#include "tvm/runtime/c_backend_api.h"',
    '#include <math.h>',
    '#include <stdint.h>',
    `TVM_DLL int32_t ${fn}(${params}) {`,
    `  void* scratch = TVMBackendAllocWorkspace(1, 0, (uint64_t)${scratch}, 0, 8);`,
    '  if (scratch == NULL) { return -1; }',
    ...casts,
    spec.body,
    '  if (TVMBackendFreeWorkspace(1, 0, scratch) != 0) { return -1; }',
    '  return 0;',
    '}',
    '',
  ].join('\n');
}

/** lib0.c of TVM 0.9+: _run(struct*, struct*) calling the AOT main. */
function entrySource(spec: FakeMlf, mod: string): string {
  const p = `tvmgen_${mod}`;
  const args = [...spec.inputs.map((t) => `inputs->${sanitize(t.name)}`), ...outputNames(spec).map((n) => `outputs->${sanitize(n)}`)];
  const params = args.map((_, i) => `void* arg${i}`).join(',');
  return [
    '#include "tvm/runtime/c_runtime_api.h"',
    `#include <${p}.h>`,
    `TVM_DLL int32_t ${p}___tvm_main__(${params});`,
    `int32_t ${p}_run(struct ${p}_inputs* inputs,struct ${p}_outputs* outputs) {return ${p}___tvm_main__(${args.join(',')});`,
    '}',
    ';',
    '',
  ].join('\n');
}

function metadata(spec: FakeMlf, mod: string): unknown {
  const tensors = (list: FakeTensor[]) =>
    Object.fromEntries([...list].sort((a, b) => a.name.localeCompare(b.name)).map((t) => [t.name, { dtype: t.dtype, size: bytes(t) }]));
  const target = spec.target ?? 'c -keys=arm_cpu,cpu -mcpu=cortex-m7';
  const main: Record<string, unknown> = {
    constants_size_bytes: 0,
    device: 1,
    io_size_bytes: [...spec.inputs, ...spec.outputs].reduce((s, t) => s + bytes(t), 0),
    workspace_size_bytes: spec.workspaceBytes ?? 64,
  };
  if (spec.version === 7 && spec.metadataTensors !== false) Object.assign(main, { inputs: tensors(spec.inputs), outputs: tensors(spec.outputs) });
  const body = {
    executors: [spec.executor ?? 'aot'],
    export_datetime: '2022-01-01 00:00:00Z',
    memory: { functions: { main: [main], operator_functions: [] } },
    model_name: mod,
    style: 'full-model',
    target: spec.version === 5 ? { '1': target } : [target],
  };
  return spec.version === 7 ? { modules: { [mod]: body }, version: 7 } : { ...body, version: spec.version };
}

function relay(spec: FakeMlf): string {
  const params = spec.inputs.map((t) => `%${t.name}: ${relayType(t)} /* span=x:0:0 */`).join(', ');
  const ret = spec.outputs.length === 1 ? relayType(spec.outputs[0]!) : `(${spec.outputs.map(relayType).join(', ')})`;
  return `def @main(${params}, %p0: Tensor[(9, 9), int8]) -> ${ret} {\n  %0 = add(...);\n}\n`;
}

/** Writes the MLF as a directory. */
export async function writeMlfDir(dir: string, spec: FakeMlf): Promise<string> {
  const mod = spec.module ?? 'default';
  const omit = new Set(spec.omit ?? []);
  await rm(dir, { recursive: true, force: true });
  const files: Record<string, string> = {
    ...(omit.has('metadata') ? {} : { 'metadata.json': JSON.stringify(metadata(spec, mod), null, 2) }),
    ...(omit.has('header') ? {} : { [`codegen/host/include/tvmgen_${mod}.h`]: header(spec, mod) }),
    [`codegen/host/src/${mod}_lib1.c`]: operatorSource(spec, mod),
    ...(spec.entry === 'structs' ? { [`codegen/host/src/${mod}_lib0.c`]: entrySource(spec, mod) } : {}),
    ...(omit.has('relay') ? {} : { [spec.version === 5 ? 'src/relay.txt' : `src/${mod}.relay`]: relay(spec) }),
    [`parameters/${mod}.params`]: '',
    ...spec.extra,
  };
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

/** Writes the MLF as a tarball (entries under ./, as TVM's tarfile.add(arcname='.') does). */
export async function writeMlfTar(file: string, spec: FakeMlf, opts: { gzip?: boolean } = {}): Promise<string> {
  const dir = `${file}.d`;
  await writeMlfDir(dir, spec);
  await tar.c({ file, cwd: dir, gzip: opts.gzip ?? false, portable: true }, ['.']);
  await rm(dir, { recursive: true, force: true });
  return file;
}
