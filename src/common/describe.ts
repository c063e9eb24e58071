/**
 * What an error may say about a value read from a user's file: its kind and
 * size, never its text. A file can be anything a glob or a symlink reaches
 * (a key file, /etc/shadow), and an error is printed, annotated and stored
 * in results.json.
 */
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** `a string of 12 characters`, `an object`, `null`, `true`, `-1`, `[1,10]`… */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Short numbers are no one's secret, and the user needs them to find the mistake.
  if (typeof value === 'number') return !Number.isFinite(value) ? 'a number too large for a float64' : String(value).length <= 24 ? String(value) : 'a number';
  if (Array.isArray(value)) {
    const small = value.length <= 8 && value.every((v) => typeof v === 'number' && String(v).length <= 24);
    return small ? JSON.stringify(value) : `an array of ${value.length}`;
  }
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Line and column (1-based) of a character offset in text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * Where and why JSON.parse failed (`at line 2, column 4: value expected`),
 * without its message: V8's messages quote
 * the text around the error (`Unexpected token 'r', "root:…" is not valid
 * JSON`) and often give no position. jsonc-parser (VS Code's) reports the
 * first error's offset and kind instead; it is asked only after JSON.parse
 * failed, in strict mode (no comments, no trailing commas).
 */
export function jsonSyntaxError(text: string, e: unknown): string {
  if (e instanceof RangeError) return 'nested too deeply to read';
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return 'at an unknown place';
  if (first.offset >= text.trimEnd().length) return 'it ends too early';
  const { line, column } = lineColumn(text, first.offset);
  return `at line ${line}, column ${column}: ${printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()}`;
}
