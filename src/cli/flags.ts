/**
 * The one flag parser of every `allhw` command: node:util parseArgs reads
 * `--name value` and `--name=value`, repeated flags collect; this module adds
 * the messages (an unknown flag names the one most likely meant) and the few
 * rules parseArgs leaves to its caller, checked on its tokens.
 */
import { parseArgs } from 'node:util';
import { editDistance } from '../common/edit-distance.js';

/** A flag the user got wrong: the commands print the message and exit 2. */
export class FlagError extends Error {
  override name = 'FlagError';
}

export interface ParsedFlags {
  /** Every value of each flag given, in order; a boolean flag holds 'true' (or its `=value`). */
  values: Map<string, string[]>;
  /** Arguments that are not flags (a lone `-x` or `--` too), for the command to refuse in its own words. */
  positionals: string[];
}

/** How a command words each mistake; the defaults are those of `allhw run`, `build` and `toolchain`. */
export interface FlagMessages {
  unknown(name: string, near: string | null, known: readonly string[]): string;
  needsValue(name: string): string;
  takesNoValue(name: string): string;
}

const DEFAULT_MESSAGES: FlagMessages = {
  unknown: (name, near, known) => `Unknown flag '--${name}'.${near ? ` Did you mean '--${near}'?` : ''} Known flags: ${known.map((k) => `--${k}`).join(', ')}.`,
  needsValue: (name) => `Flag '--${name}' needs a value.`,
  takesNoValue: (name) => `Flag '--${name}' takes no value.`,
};

export interface FlagRules {
  /** Flags that take no value. */
  booleans?: readonly string[];
  /** A boolean flag written `--name=value` is refused (else the value is kept). */
  strictBooleans?: boolean;
  /** A value that starts with `--` (without `=`) means the value is missing (else it is taken as the value). */
  dashesMeanMissing?: boolean;
  messages?: Partial<FlagMessages>;
}

export function parseFlags(argv: string[], known: readonly string[], rules: FlagRules | readonly string[] = {}): ParsedFlags {
  const r: FlagRules = Array.isArray(rules) ? { booleans: rules as readonly string[] } : (rules as FlagRules);
  const booleans = r.booleans ?? [];
  const say = { ...DEFAULT_MESSAGES, ...r.messages };
  const options = Object.fromEntries([
    ...known.map((k) => [k, { type: 'string' as const, multiple: true }]),
    ...booleans.map((k) => [k, { type: 'boolean' as const }]),
  ]);
  // strict: false, so that every mistake reaches the checks below and gets this module's message.
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const seenAt = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !t.rawName.startsWith('--')) {
      // Single-dash groups (-abc) yield one token per letter: the argument counts once, as written.
      if (!seenAt.has(t.index)) positionals.push(argv[t.index]!);
      seenAt.add(t.index);
      continue;
    }
    const { name } = t;
    if (booleans.includes(name)) {
      if (t.value !== undefined && r.strictBooleans) throw new FlagError(say.takesNoValue(name));
      values.set(name, [t.value ?? 'true']);
      continue;
    }
    if (!known.includes(name)) {
      const all = [...known, ...booleans];
      throw new FlagError(say.unknown(name, closest(name, all), all));
    }
    const missing = t.value === undefined || (r.dashesMeanMissing && !t.inlineValue && t.value.startsWith('--'));
    if (missing) throw new FlagError(say.needsValue(name));
    values.set(name, [...(values.get(name) ?? []), t.value!]);
  }
  return { values, positionals };
}

/** The last value of a flag, or undefined. */
export function flag(parsed: ParsedFlags, name: string): string | undefined {
  const v = parsed.values.get(name);
  return v ? v[v.length - 1] : undefined;
}

/** The known name a typo most likely meant: a close edit, or one that contains it. */
export function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const k of known) {
    const score = k.endsWith(`-${name}`) || k.startsWith(`${name}-`) ? 1 : editDistance(name, k);
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}
