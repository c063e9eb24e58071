/**
 * The one logging interface every stage uses. The action maps it to
 * @actions/core (annotations, groups, masking); the CLI to the terminal.
 * Stages never know which.
 */
export interface AnnotationProps {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  notice(message: string, props?: AnnotationProps): void;
  warning(message: string, props?: AnnotationProps): void;
  error(message: string, props?: AnnotationProps): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Mask a value in everything printed from now on. */
  secret(value: string): void;
}

/** Every spelling of `secret` a URL or a form could carry (raw, URL-encoded, form-encoded). */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  return [...new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')])];
}

/**
 * The API key travels as `key=` in task URLs: any text that may quote one
 * (an error, a reason) has the value masked. It stops only at `&`, white
 * space or a quote, so it never masks less than the URL's own value.
 */
export function redactKeyParams(text: string): string {
  return text.replace(/([?&]key=)[^&\s"]*/gi, '$1***');
}

/** Replaces every registered secret (raw and URL-encoded forms) with ***. */
export class SecretMasker {
  private readonly values = new Set<string>();

  add(value: string): void {
    for (const form of secretForms(value)) this.values.add(form);
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join('***');
    return out;
  }
}

export interface ConsoleLoggerOptions {
  verbose?: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

/** Terminal logger for the CLI, the server and tests. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const masker = new SecretMasker();
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const where = (p?: AnnotationProps): string =>
    p?.file ? `${p.file}${p.startLine ? `:${p.startLine}` : ''}${p.startColumn ? `:${p.startColumn}` : ''}: ` : '';
  const write = (stream: NodeJS.WritableStream, line: string): void => {
    stream.write(masker.mask(line) + '\n');
  };
  return {
    debug: (m) => {
      if (options.verbose) write(err, `debug: ${m}`);
    },
    info: (m) => write(out, m),
    notice: (m, p) => write(out, `notice: ${where(p)}${m}`),
    warning: (m, p) => write(err, `warning: ${where(p)}${m}`),
    error: (m, p) => write(err, `error: ${where(p)}${m}`),
    group: async (name, fn) => {
      write(out, `== ${name}`);
      return fn();
    },
    secret: (v) => masker.add(v),
  };
}

/** A logger that keeps every line, for tests. */
export interface MemoryLogger extends Logger {
  lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const masker = new SecretMasker();
  const push = (kind: string, m: string): void => {
    lines.push(masker.mask(`${kind}: ${m}`));
  };
  return {
    lines,
    debug: (m) => push('debug', m),
    info: (m) => push('info', m),
    notice: (m) => push('notice', m),
    warning: (m) => push('warning', m),
    error: (m) => push('error', m),
    group: async (name, fn) => {
      push('group', name);
      return fn();
    },
    secret: (v) => masker.add(v),
  };
}
