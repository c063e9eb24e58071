/**
 * loadModel: everything the generator needs from an MLF, checked once, each
 * problem with its own MlfError. The header fixes the names and the order of
 * the tensors (the entry point's argument order); dtypes and sizes come from
 * the metadata (v7 from TVM 0.10 on), else from the header's _SIZE defines
 * and the Relay text (v5, v6, early v7).
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { openModel } from './archive.js';
import { findEntryPoint, parseHeader, sanitize, symbolPrefix, type EntryPoint } from './c-interface.js';
import { MlfError, recompileError, shown } from './errors.js';
import { parseMetadata, targetCpu, type TensorMeta } from './metadata.js';
import { parseRelayMain, type RelaySignature, type RelayTensor } from './relay.js';

export const DTYPES = { int8: 1, uint8: 1, int16: 2, int32: 4, float32: 4 } as const;
export type ModelDtype = keyof typeof DTYPES;

export interface ModelTensor {
  /** The name TVM gives the tensor (metadata / Relay), e.g. 'serving_default_input_1:0'. */
  name: string;
  /** Its member in the header's struct, e.g. 'serving_default_input_1_0'. */
  member: string;
  dtype: ModelDtype;
  /** Number of elements. */
  count: number;
}

export interface MlfModel {
  /** What the user named (tarball or directory). */
  source: string;
  /** The unpacked MLF (a staging directory for a tarball). */
  dir: string;
  metadataVersion: 5 | 6 | 7;
  module: string;
  /** C symbol prefix, e.g. 'tvmgen_default'. */
  prefix: string;
  /** Cortex-M core of the model's target (-mcpu). */
  cpu: string;
  inputs: ModelTensor[];
  outputs: ModelTensor[];
  workspaceBytes: number;
  constantsBytes: number;
  entry: EntryPoint;
  /** Relative to dir: the C sources, the header directory. */
  sources: string[];
  headerDir: string;
  /** The tarball brings TVM's runtime headers (runtime/include). */
  hasRuntimeInclude: boolean;
  /** Removes the staging directory. */
  cleanup(): Promise<void>;
}

export const tensorBytes = (t: ModelTensor): number => t.count * DTYPES[t.dtype];

const HEADER_DIR = 'codegen/host/include';
const SOURCE_DIR = 'codegen/host/src';

/** The directory holding metadata.json: the top, or the one folder at the top (a tarball of a folder). */
async function findRoot(dir: string, source: string): Promise<string> {
  if (existsSync(path.join(dir, 'metadata.json'))) return dir;
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  const [only] = entries;
  if (entries.length === 1 && only?.isDirectory() && existsSync(path.join(dir, only.name, 'metadata.json'))) return path.join(dir, only.name);
  throw new MlfError(
    'no-metadata',
    `${source} has no metadata.json at its top, so it is not a Model Library Format tarball. ` +
      "Give 'model' the .tar that 'tvmc compile --executor=aot --runtime=crt --output-format=mlf' wrote, not the model itself or a generated project.",
  );
}

async function relayText(root: string): Promise<string | null> {
  const dir = path.join(root, 'src');
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.relay') || n === 'relay.txt').sort() : [];
  const [first] = names;
  return first !== undefined ? readFile(path.join(dir, first), 'utf8') : null;
}

function checkDtype(dtype: string, what: string): ModelDtype {
  if (Object.hasOwn(DTYPES, dtype)) return dtype as ModelDtype;
  throw new MlfError(
    'dtype',
    `${what} has dtype ${shown(dtype)}; the generated firmware handles ${Object.keys(DTYPES).join(', ')}. ` +
      'Quantize or cast the model so that its inputs and outputs use one of these (e.g. tflite int8 quantization), then recompile.',
  );
}

interface TypeSources {
  meta: Map<string, TensorMeta> | null;
  relay: (RelayTensor & { name?: string }) | undefined;
  headerBytes: number | undefined;
}

function tensor(member: string, what: string, s: TypeSources, metaName: string | undefined): ModelTensor {
  const name = metaName ?? s.relay?.name ?? member;
  const meta = metaName !== undefined ? s.meta?.get(metaName) : undefined;
  const dtypeText = meta?.dtype ?? s.relay?.dtype;
  if (!dtypeText) {
    throw recompileError('header', `The type of ${what} ${shown(member)} is neither in metadata.json nor in the Relay text of src/.`);
  }
  const dtype = checkDtype(dtypeText, `${what} ${shown(name)}`);
  const bytes = meta?.size ?? (s.relay ? s.relay.shape.reduce((a, b) => a * b, 1) * DTYPES[dtype] : s.headerBytes);
  if (bytes === undefined || bytes <= 0 || bytes % DTYPES[dtype] !== 0) {
    throw new MlfError('bad-metadata', `The size of ${what} ${shown(name)} is unknown or not a whole number of ${dtype} values.`);
  }
  return { name, member, dtype, count: bytes / DTYPES[dtype] };
}

function tensors(
  members: string[],
  what: 'input' | 'output',
  meta: Map<string, TensorMeta> | null,
  relay: (member: string, index: number) => TypeSources['relay'],
  sizes: Map<string, number>,
): ModelTensor[] {
  const byMember = new Map([...(meta?.keys() ?? [])].map((n) => [sanitize(n), n]));
  return members.map((member, i) =>
    tensor(member, what, { meta, relay: relay(member, i), headerBytes: sizes.get(member.toUpperCase()) }, byMember.get(member)),
  );
}

function relayParam(sig: RelaySignature | null, member: string): (RelayTensor & { name: string }) | undefined {
  for (const [name, t] of sig?.params ?? []) if (sanitize(name) === member) return { ...t, name };
  return undefined;
}

async function readSources(root: string): Promise<{ file: string; text: string }[]> {
  const dir = path.join(root, SOURCE_DIR);
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.c')).sort() : [];
  if (names.length === 0) throw recompileError('header', `The tarball has no C sources in ${SOURCE_DIR}.`);
  return Promise.all(names.map(async (n) => ({ file: `${SOURCE_DIR}/${n}`, text: await readFile(path.join(dir, n), 'utf8') })));
}

async function describe(root: string, source: string): Promise<Omit<MlfModel, 'cleanup' | 'dir' | 'source'>> {
  const metaText = await readFile(path.join(root, 'metadata.json'), 'utf8');
  const meta = parseMetadata(metaText);
  if (existsSync(path.join(root, 'executor-config', 'graph')) || existsSync(path.join(root, 'runtime-config', 'graph'))) {
    throw recompileError('executor', `${source} holds a graph executor configuration (host-driven), not an AOT model.`);
  }
  const cpu = targetCpu(meta.targets);
  const prefix = symbolPrefix(meta.module);
  const headerName = `${HEADER_DIR}/${prefix}.h`;
  if (!existsSync(path.join(root, headerName))) {
    throw recompileError('header', `The tarball has no ${headerName}, the C interface header of module ${shown(meta.module)}.`);
  }
  const header = parseHeader(await readFile(path.join(root, headerName), 'utf8'), prefix, headerName);
  const needRelay = !meta.inputs || !meta.outputs;
  const sig = needRelay ? parseRelayMain((await relayText(root)) ?? '') : null;
  const inputs = tensors(header.inputMembers, 'input', meta.inputs, (m) => relayParam(sig, m), header.sizes);
  const outputs = tensors(header.outputMembers, 'output', meta.outputs, (_m, i) => sig?.results?.[i], header.sizes);
  const sources = await readSources(root);
  const entry = findEntryPoint(prefix, sources, inputs.length, outputs.length);
  return {
    metadataVersion: meta.version,
    module: meta.module,
    prefix,
    cpu,
    inputs,
    outputs,
    workspaceBytes: meta.workspaceBytes,
    constantsBytes: meta.constantsBytes,
    entry,
    sources: sources.map((s) => s.file),
    headerDir: HEADER_DIR,
    hasRuntimeInclude: existsSync(path.join(root, 'runtime/include/tvm/runtime/c_runtime_api.h')),
  };
}

/** Reads and checks the MLF at `source`; call cleanup() when done with the files. */
export async function loadModel(source: string, opts: { stagingParent?: string } = {}): Promise<MlfModel> {
  const opened = await openModel(source, opts.stagingParent);
  try {
    const root = await findRoot(opened.dir, source);
    const facts = await describe(root, source);
    return { ...facts, source, dir: root, cleanup: opened.cleanup };
  } catch (e) {
    await opened.cleanup();
    throw e;
  }
}
