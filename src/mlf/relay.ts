/**
 * Tensor types from the Relay text an MLF keeps in src/ (`src/<mod>.relay`,
 * or `src/relay.txt` before TVM 0.9): the parameters and the return type of
 * `def @main(%name: Tensor[(1, 5), int8], ...) -> Tensor[(1, 10), int8] {`.
 * v5/v6 metadata lists no input or output types, so this is where they are.
 * Only main's signature is read; comments (`/* span=... *\/`) are dropped.
 */
export interface RelayTensor {
  shape: number[];
  dtype: string;
}

export interface RelaySignature {
  params: Map<string, RelayTensor>;
  /** Null when the text carries no return type. */
  results: RelayTensor[] | null;
}

/** Index just past the bracket closing the one at `open` (any of ( [ ), or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Splits at commas outside brackets. */
function topLevelSplit(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Tensor types in a type: one for Tensor[...], each leaf of a tuple (...), null for anything else. */
function tensorsOf(type: string): RelayTensor[] | null {
  const t = type.trim();
  const tensor = /^Tensor\[\(([^)]*)\),\s*([A-Za-z0-9_]+)\]$/.exec(t);
  if (tensor) {
    const [, shape = '', dtype = ''] = tensor;
    const dims = shape
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '');
    if (!dims.every((d) => /^\d+$/.test(d))) return null;
    return [{ shape: dims.map(Number), dtype }];
  }
  if (t.startsWith('(') && closing(t, 0) === t.length) {
    const leaves: RelayTensor[] = [];
    for (const part of topLevelSplit(t.slice(1, -1))) {
      const inner = tensorsOf(part);
      if (!inner) return null;
      leaves.push(...inner);
    }
    return leaves;
  }
  return null;
}

/** main's signature, or null when the text has no `def @main(`. */
export function parseRelayMain(source: string): RelaySignature | null {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, ' ');
  const at = text.indexOf('def @main(');
  if (at < 0) return null;
  const open = at + 'def @main'.length;
  const end = closing(text, open);
  if (end < 0) return null;
  const params = new Map<string, RelayTensor>();
  for (const part of topLevelSplit(text.slice(open + 1, end - 1))) {
    // "%serving_default_input_1:0: Tensor[(1, 5), int8]": the name may hold ':', the type follows ': '.
    const [, name, type] = /^%(.+?):\s+(\S[\s\S]*)$/.exec(part) ?? [];
    const tensors = type !== undefined ? tensorsOf(type) : null;
    if (name !== undefined && tensors?.length === 1) params.set(name, tensors[0]!);
  }
  const rest = text.slice(end, text.indexOf('{', end) < 0 ? undefined : text.indexOf('{', end));
  const ret = /^\s*->\s*([\s\S]+?)\s*$/.exec(rest);
  const [, resultType] = ret ?? [];
  return { params, results: resultType !== undefined ? tensorsOf(resultType) : null };
}
