/**
 * What the generated C says about how to call the model:
 * - the header `codegen/host/include/tvmgen_<mod>.h` (TVM's C interface API)
 *   declares `struct tvmgen_<mod>_inputs` / `_outputs` with one `void*` per
 *   tensor, in the order of the entry point's arguments, and since TVM 0.9 a
 *   `#define TVMGEN_<MOD>_<NAME>_SIZE` per tensor;
 * - the sources define the entry point: `tvmgen_<mod>_run(struct ..._inputs*,
 *   struct ..._outputs*)`, or in older tarballs only
 *   `tvmgen_<mod>_run_model(void* arg0, ...)` (one pointer per input, then
 *   per output) even where the header declares the first.
 * We scan for a definition (a parameter list followed by `{`), not a
 * declaration, so that the firmware calls what will link.
 */
import { recompileError } from './errors.js';

/** The C identifier prefix TVM gives a module's symbols ("tvmgen_" + the name in C variable style). */
export function symbolPrefix(module: string): string {
  return `tvmgen_${module.replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;
}

/** TVM's sanitizing of a tensor name into a struct member: every non-alphanumeric character becomes '_'. */
export function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

export interface HeaderFacts {
  inputMembers: string[];
  outputMembers: string[];
  /** Member name (upper-cased) → bytes, from the _SIZE defines where present. */
  sizes: Map<string, number>;
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function structMembers(code: string, name: string): string[] | null {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(code);
  if (!m) return null;
  const [, body = ''] = m;
  return [...body.matchAll(/void\s*\*\s*([A-Za-z_]\w*)\s*;/g)].map(([, member = '']) => member);
}

export function parseHeader(text: string, prefix: string, headerName: string): HeaderFacts {
  const code = stripComments(text);
  const inputMembers = structMembers(code, `${prefix}_inputs`);
  const outputMembers = structMembers(code, `${prefix}_outputs`);
  if (!inputMembers || !outputMembers || outputMembers.length === 0) {
    throw recompileError(
      'header',
      `The header ${headerName} does not declare struct ${prefix}_inputs and ${prefix}_outputs (it was not generated with --executor-aot-interface-api=c).`,
    );
  }
  const sizes = new Map<string, number>();
  const upper = prefix.toUpperCase();
  for (const [, member = '', size] of code.matchAll(new RegExp(`#define\\s+${upper}_(\\w+)_SIZE\\s+(\\d+)`, 'g'))) sizes.set(member, Number(size));
  return { inputMembers, outputMembers, sizes };
}

export type EntryPoint =
  /** tvmgen_<mod>_run(struct inputs*, struct outputs*) */
  | { kind: 'structs'; symbol: string; file: string }
  /** tvmgen_<mod>_run_model(void*, ...): inputs then outputs */
  | { kind: 'pointers'; symbol: string; file: string; argCount: number };

interface Definition {
  symbol: string;
  params: string[];
  file: string;
}

/** Definitions of `symbol` in the sources: a return type, the name, a parameter list, then `{`. */
function definitionsOf(symbol: string, sources: { file: string; text: string }[]): Definition[] {
  const found: Definition[] = [];
  const re = new RegExp(`\\b${symbol}\\s*\\(([^()]*)\\)\\s*\\{`, 'g');
  for (const { file, text } of sources) {
    if (!text.includes(symbol)) continue;
    for (const [, list = ''] of stripComments(text).matchAll(re)) {
      const params = list
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '' && p !== 'void');
      found.push({ symbol, params, file });
    }
  }
  return found;
}

const isPointer = (p: string) => /^void\s*\*\s*\w*$/.test(p);

/** Finds the entry point the sources define, for a model with `inputs` inputs and `outputs` outputs. */
export function findEntryPoint(prefix: string, sources: { file: string; text: string }[], inputs: number, outputs: number): EntryPoint {
  const run = definitionsOf(`${prefix}_run`, sources);
  const structs = run.find((d) => d.params.length >= 2 && /struct\s+\w+_inputs\s*\*/.test(d.params[0]!) && /struct\s+\w+_outputs\s*\*/.test(d.params[1]!));
  if (structs && structs.params.length > 2) {
    throw recompileError(
      'entry-point',
      `The entry point ${prefix}_run also takes workspace pools or devices (${structs.params.length} arguments): allhw-ci provides the workspace itself. Compile without USMP memory pools and without external devices.`,
    );
  }
  if (structs) return { kind: 'structs', symbol: `${prefix}_run`, file: structs.file };
  const total = inputs + outputs;
  const runModel = definitionsOf(`${prefix}_run_model`, sources);
  for (const d of [...runModel, ...run]) {
    if (d.params.length === total && d.params.every(isPointer)) {
      return { kind: 'pointers', symbol: d.symbol, file: d.file, argCount: total };
    }
  }
  const packed = [...run, ...runModel].some((d) => d.params.some((p) => /type_code/.test(p)));
  throw recompileError(
    'entry-point',
    packed
      ? `The sources define ${prefix}_run only with TVM's packed calling convention (args, type codes): allhw-ci calls the unpacked C interface.`
      : `No source in codegen/host/src defines ${prefix}_run(struct ${prefix}_inputs*, struct ${prefix}_outputs*) or ${prefix}_run_model with ${total} pointer arguments.`,
  );
}
