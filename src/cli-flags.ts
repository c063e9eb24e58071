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
      throw new FlagError(`Unknown flag '--${name}'. Known flags: ${[...known, ...booleans].map((k) => `--${k}`).join(', ')}.`);
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
