import { editDistance } from './common/edit-distance.js';

/** `--name value` / `--name=value` flags for the CLI's commands; repeated flags collect. */
export class FlagError extends Error {
  override name = 'FlagError';
}

export interface ParsedFlags {
  values: Map<string, string[]>;
  positionals: string[];
}

export function parseFlags(argv: string[], known: readonly string[], booleans: readonly string[] = []): ParsedFlags {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.includes(name)) {
      values.set(name, [eq < 0 ? 'true' : arg.slice(eq + 1)]);
      continue;
    }
    if (!known.includes(name)) {
      const near = closest(name, [...known, ...booleans]);
      throw new FlagError(
        `Unknown flag '--${name}'.${near ? ` Did you mean '--${near}'?` : ''} Known flags: ${[...known, ...booleans].map((k) => `--${k}`).join(', ')}.`,
      );
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new FlagError(`Flag '--${name}' needs a value.`);
      value = argv[++i];
    }
    values.set(name, [...(values.get(name) ?? []), value]);
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
