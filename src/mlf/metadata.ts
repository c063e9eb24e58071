/**
 * metadata.json of an MLF, versions 5 to 7 (TVM v0.8 to v0.18), reduced to
 * what a firmware project needs. What changed between them:
 * - v5 (TVM 0.8): one model at the top level (model_name, memory, executors);
 *   `target` maps a device type to a target string.
 * - v6 (between 0.8 and 0.9): the same, but `target` is a list of strings.
 * - v7 (0.9 and later): the model moves under `modules.<name>`; since about
 *   0.10, `memory.functions.main[]` also lists `inputs` and `outputs` with
 *   dtype and size in bytes. TVM writes the file with sorted keys, so the
 *   order of those maps is alphabetical, not the order of the entry point's
 *   arguments: that order comes from the generated header.
 */
import { MlfError, recompileError, shown } from './errors.js';

export interface TensorMeta {
  dtype: string;
  /** Bytes. */
  size: number;
}

export interface MetadataFacts {
  version: 5 | 6 | 7;
  module: string;
  targets: string[];
  workspaceBytes: number;
  /** Constants the AOT main needs outside the code (0 when they are linked into the code). */
  constantsBytes: number;
  /** Null where this version of the metadata does not list them. */
  inputs: Map<string, TensorMeta> | null;
  outputs: Map<string, TensorMeta> | null;
}

export const SUPPORTED_VERSIONS = [5, 6, 7] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function badShape(what: string): MlfError {
  return new MlfError('bad-metadata', `metadata.json is not Model Library Format metadata: ${what}. Use the tarball exactly as tvmc wrote it.`);
}

function tensorMap(v: unknown, what: string): Map<string, TensorMeta> | null {
  if (v === undefined) return null;
  if (!isObject(v)) throw badShape(`${what} is not an object`);
  const out = new Map<string, TensorMeta>();
  for (const [name, t] of Object.entries(v)) {
    if (!isObject(t) || typeof t.dtype !== 'string' || typeof t.size !== 'number') throw badShape(`${what} ${shown(name)} has no dtype and size`);
    out.set(name, { dtype: t.dtype, size: t.size });
  }
  return out;
}

function targetList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((t): t is string => typeof t === 'string');
  if (isObject(v)) return Object.values(v).filter((t): t is string => typeof t === 'string');
  if (typeof v === 'string') return [v];
  throw badShape("it has no 'target'");
}

/** The one model in the metadata: v7's single module, or the top level of v5/v6. */
function pickModule(doc: Json, version: number): { name: string; body: Json } {
  if (version < 7) {
    if (typeof doc.model_name !== 'string') throw badShape("it has no 'model_name'");
    return { name: doc.model_name, body: doc };
  }
  if (!isObject(doc.modules)) throw badShape("version 7 metadata has no 'modules'");
  const names = Object.keys(doc.modules);
  if (names.length !== 1) {
    throw new MlfError(
      'bad-metadata',
      `The tarball holds ${names.length} modules (${names.map(shown).join(', ') || 'none'}); allhw-ci builds tarballs of one module. Export each model to its own tarball with tvmc compile --output-format=mlf.`,
    );
  }
  const [name = ''] = names;
  const body = doc.modules[name];
  if (!isObject(body)) throw badShape(`module ${shown(name)} is not an object`);
  return { name: typeof body.model_name === 'string' ? body.model_name : name, body };
}

function checkExecutor(body: Json): void {
  const executors = body.executors ?? body.runtimes;
  const list = Array.isArray(executors) ? executors.map(String) : [];
  if (body.style === 'operator') {
    throw recompileError('executor', 'The tarball holds single operators (tvm.build), not a model:');
  }
  if (!list.includes('aot')) {
    const what = list.length ? `the ${list.join('/')} executor` : 'no executor';
    throw recompileError(
      'executor',
      `The tarball was compiled for ${what} (host-driven: it needs a host running TVM's graph executor over RPC), not for the AOT executor.`,
    );
  }
}

/** Sums a field over the per-device entries of `memory.functions.main`. */
function mainEntries(body: Json): Json[] {
  const memory = isObject(body.memory) ? body.memory : {};
  const functions = isObject(memory.functions) ? memory.functions : {};
  const main = functions.main;
  if (!Array.isArray(main)) throw badShape("it has no 'memory.functions.main'");
  return main.filter(isObject);
}

export function parseMetadata(text: string): MetadataFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw badShape('it is not valid JSON');
  }
  if (!isObject(doc)) throw badShape('it is not a JSON object');
  const version = doc.version;
  if (typeof version !== 'number' || !(SUPPORTED_VERSIONS as readonly number[]).includes(version)) {
    throw new MlfError(
      'version',
      `metadata.json has version ${typeof version === 'number' ? version : 'none'}; allhw-ci reads versions ${SUPPORTED_VERSIONS.join(', ')} (TVM v0.8 to v0.18). ` +
        'Recompile the model with a TVM release from v0.8.0 to v0.18.0 (tvmc compile ... --output-format=mlf).',
    );
  }
  const { name, body } = pickModule(doc, version);
  checkExecutor(body);
  const main = mainEntries(body);
  const sum = (field: string) => main.reduce((s, e) => s + (typeof e[field] === 'number' ? (e[field] as number) : 0), 0);
  const withIo = main.find((e) => e.inputs !== undefined);
  return {
    version: version as 5 | 6 | 7,
    module: name,
    targets: targetList(body.target),
    workspaceBytes: sum('workspace_size_bytes'),
    constantsBytes: sum('constants_size_bytes'),
    inputs: tensorMap(withIo?.inputs, 'input'),
    outputs: tensorMap(withIo?.outputs, 'output'),
  };
}

/** The Cortex-M core the model was compiled for, from its target strings (e.g. 'cortex-m7'). */
export function targetCpu(targets: string[]): string {
  if (targets.length === 0) throw recompileError('target', 'The tarball names no target.');
  for (const t of targets) {
    const [kind = ''] = t.trim().split(/\s+/);
    const cpu = /(?:^|\s)-mcpu=(\S+)/.exec(t)?.[1] ?? null;
    if (kind !== 'c') {
      throw recompileError(
        'target',
        `The model was compiled for a ${shown(kind)} target${cpu ? ` (-mcpu=${shown(cpu)})` : ''}; allhw-ci builds the C sources of a 'c' target.`,
      );
    }
    if (!cpu) throw recompileError('target', "The model was compiled for the host (its 'c' target has no -mcpu), not for a Cortex-M.");
    if (!/^cortex-m\d+(\.\w+)?(\+\w+)*$/.test(cpu)) {
      throw recompileError('target', `The model was compiled for -mcpu=${shown(cpu)}, which is not a Cortex-M core.`);
    }
  }
  return /(?:^|\s)-mcpu=(\S+)/.exec(targets[0]!)![1]!;
}
