/**
 * The `inputs` globs → the `#input:` lines sent to the boards, each with a
 * stable name used in every report.
 *
 * - `.npy`: 0-D or 1-D = one input; 2-D and more = one input per entry of
 *   the first axis (the batch), each flattened in C order. So one 28×28
 *   image must be saved as shape (784,) or (1, 28, 28): a (28, 28) array is
 *   28 inputs of 28 values (the log says so).
 * - `.csv`: numbers only, one input per non-blank row (no header row).
 * - `.json`: an array of numbers = one input; an array of arrays = one input
 *   per element (each flattened).
 * - any other file: `#input:` lines, sent as they are (CRLF tolerated, blank
 *   lines skipped; any other line is ignored with a warning — it is almost
 *   always a mistake, since the firmware would never see it).
 * Names: the file's base name (its path relative to `cwd` when two inputs
 * share a base name), plus `#k` (k from 0) when a file holds several inputs.
 *
 * Errors name the file, the line and column, and what was expected, and never
 * quote the file: it may be anything a symlink leads to. A symlink that leads
 * out of `cwd` (the workspace) is refused, saying where it leads.
 */
import { glob, lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeValue, jsonSyntaxError } from '../common/describe.js';
import type { Logger } from '../common/log.js';
import { formatFloat64 } from './decimal.js';
import { parseNpy } from './npy.js';
import type { InputItem } from './types.js';

export const INPUT_PREFIX = '#input:';

export interface LoadInputsOptions {
  log?: Logger;
}

/** Files matched by the globs, in order (each glob's matches sorted; `!glob` excludes). */
async function expandGlobs(globs: string[], cwd: string): Promise<string[]> {
  const include = globs.filter((g) => !g.startsWith('!'));
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  if (include.length === 0) {
    throw new Error("Input 'inputs' is empty: give one or more globs of input files, e.g. 'inputs/*.txt' or 'data/batch.npy'.");
  }
  const excluded = new Set<string>();
  for (const pattern of exclude) {
    for await (const f of glob(pattern, { cwd })) excluded.add(path.resolve(cwd, f));
  }
  const files: string[] = [];
  const seen = new Set<string>();
  for (const pattern of include) {
    const matched: string[] = [];
    let any = false;
    for await (const f of glob(pattern, { cwd })) {
      const abs = path.resolve(cwd, f);
      if (excluded.has(abs) || !(await usableFile(abs, cwd))) continue;
      any = true;
      if (!seen.has(abs)) matched.push(abs);
    }
    if (!any) {
      throw new Error(`Input glob '${pattern}' matches no file (relative to ${cwd}): check the path and the 'inputs' setting.`);
    }
    matched.sort();
    for (const f of matched) seen.add(f);
    files.push(...matched);
  }
  return files;
}

const shown = (file: string, cwd: string): string => path.relative(cwd, file).split(path.sep).join('/') || file;

/** True for a regular file inside `cwd` (through symlinks too); false for a directory; a clear error otherwise. */
async function usableFile(abs: string, cwd: string): Promise<boolean> {
  const link = await lstat(abs);
  if (link.isSymbolicLink()) {
    const target = await realpath(abs).catch(() => null);
    if (target === null) {
      throw new Error(`Input file ${shown(abs, cwd)} is a symbolic link to a file that does not exist: fix the link or leave it out of 'inputs'.`);
    }
    const root = await realpath(cwd);
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new Error(
        `Input file ${shown(abs, cwd)} is a symbolic link that leads out of the workspace (to ${target}): inputs are read only from inside it; copy the file into the workspace.`,
      );
    }
  }
  return (await stat(abs)).isFile();
}

function numbersLine(values: string[]): string {
  return INPUT_PREFIX + values.join(',');
}

function fromText(text: string, file: string, log?: Logger): string[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const inputs: string[] = [];
  const ignored: number[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith(INPUT_PREFIX)) inputs.push(line);
    else if (line.trim() !== '') ignored.push(i + 1);
  });
  if (inputs.length === 0) {
    throw new Error(
      `${file} holds no '#input:' line: an input file is '#input:v1,v2,...' lines, or numbers in a .csv, .json or .npy file (name it so to have it converted).`,
    );
  }
  if (ignored.length > 0) {
    const shown = ignored.slice(0, 5).join(', ') + (ignored.length > 5 ? ', ...' : '');
    log?.warning(`${file}: ${ignored.length} line(s) not starting with '#input:' are not sent (line ${shown})`, { file, startLine: ignored[0] });
  }
  return inputs;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fromCsv(text: string, file: string): string[] {
  const inputs: string[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') return;
      let offset = 0;
      const values = line.split(',').map((cell, col) => {
        const at = `${file}:${i + 1}:${offset + 1}: column ${col + 1}`;
        offset += cell.length + 1;
        const c = cell.trim();
        if (!NUMBER.test(c)) {
          throw new Error(`${at} is not a number: a .csv input holds only numbers, one input per row (remove any header row).`);
        }
        if (!Number.isFinite(Number(c))) throw new Error(`${at} is a number too large for a float64 (over about 1.8e308).`);
        return formatFloat64(Number(c));
      });
      inputs.push(numbersLine(values));
    });
  if (inputs.length === 0) throw new Error(`${file} holds no rows of numbers.`);
  return inputs;
}

/** Deeper than any tensor: beyond it the input is a mistake (or an attack on the stack). */
const MAX_JSON_DEPTH = 32;

function flattenJson(value: unknown, where: string, file: string, out: string[], depth = 0): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    out.push(formatFloat64(value));
  } else if (Array.isArray(value) && depth < MAX_JSON_DEPTH) {
    value.forEach((v, i) => flattenJson(v, `${where}[${i}]`, file, out, depth + 1));
  } else if (Array.isArray(value)) {
    throw new Error(
      `${file}: ${where} is nested more than ${MAX_JSON_DEPTH} arrays deep: a .json input is an array of numbers or an array of arrays of numbers.`,
    );
  } else {
    throw new Error(
      `${file}: ${where || 'the top level'} is ${describeValue(value)}, not a number: a .json input is an array of numbers or an array of arrays of numbers.`,
    );
  }
}

function fromJson(text: string, file: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${jsonSyntaxError(text, e)}): a .json input is an array of numbers or an array of arrays of numbers.`);
  }
  if (!Array.isArray(data) || data.length === 0) {
    throw new Error(`${file}: expected a non-empty array of numbers (one input) or of arrays (one input each).`);
  }
  const batch = data.every((v) => Array.isArray(v));
  if (!batch && data.some((v) => Array.isArray(v))) {
    throw new Error(`${file}: the array mixes numbers and arrays: use either an array of numbers (one input) or an array of arrays (one input each).`);
  }
  const groups = batch ? data : [data];
  return groups.map((g, k) => {
    const values: string[] = [];
    flattenJson(g, batch ? `[${k}]` : '', file, values);
    if (values.length === 0) throw new Error(`${file}: input ${k} is an empty array.`);
    return numbersLine(values);
  });
}

function fromNpy(buf: Buffer, file: string, log?: Logger): string[] {
  const { shape, dtype, texts } = parseNpy(buf, file);
  const n = shape.length >= 2 ? shape[0]! : 1;
  const per = texts.length / n;
  const shown = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  log?.info(`${file}: ${dtype} array of shape ${shown} → ${n} input(s) of ${per} values`);
  return Array.from({ length: n }, (_, k) => numbersLine(texts.slice(k * per, (k + 1) * per)));
}

async function linesOf(file: string, shownAs: string, log?: Logger): Promise<string[]> {
  const buf = await readFile(file);
  if (buf.length === 0) {
    throw new Error(
      `Input file ${shownAs} is empty: write '#input:v1,v2,...' lines in it (or numbers, as a .csv, .json or .npy file), or leave it out of 'inputs'.`,
    );
  }
  switch (path.extname(file).toLowerCase()) {
    case '.npy':
      return fromNpy(buf, shownAs, log);
    case '.csv':
      return fromCsv(buf.toString('utf8'), shownAs);
    case '.json':
      return fromJson(buf.toString('utf8'), shownAs);
    default:
      return fromText(buf.toString('utf8'), shownAs, log);
  }
}

export async function loadInputs(globs: string[], cwd: string, options: LoadInputsOptions = {}): Promise<InputItem[]> {
  const files = await expandGlobs(globs, cwd);
  const rel = (f: string): string => path.relative(cwd, f).split(path.sep).join('/');
  const baseCount = new Map<string, number>();
  for (const f of files) baseCount.set(path.basename(f), (baseCount.get(path.basename(f)) ?? 0) + 1);

  const items: InputItem[] = [];
  for (const file of files) {
    const shownAs = rel(file);
    const base = path.basename(file);
    const name = baseCount.get(base)! > 1 ? shownAs : base;
    const lines = await linesOf(file, shownAs, options.log);
    lines.forEach((line, k) => items.push({ name: lines.length > 1 ? `${name}#${k}` : name, source: shownAs, line }));
  }
  return items;
}
