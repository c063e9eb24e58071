/**
 * The one logging interface every stage uses. The action maps it to
 * @actions/core (annotations, groups, masking); the CLI to the terminal.
 * Stages never know which.
 */
import { terminalSafe } from './printable.js';
import { Redactor } from './secrets.js';

export interface AnnotationProps {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
  /**
   * What every occurrence of one problem shares, phrased to follow a count of
   * tasks ("could not be created: …" → "5 tasks could not be created: …"):
   * the action makes one annotation per cause (GitHub shows 10 per step).
   */
  cause?: string;
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

export interface ConsoleLoggerOptions {
  verbose?: boolean;
  /** Every line is redacted through it; `secret` adds to it (one per process: the entry point's). */
  redactor?: Redactor;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

/** Terminal logger for the CLI, the server and tests. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const redactor = options.redactor ?? new Redactor();
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const where = (p?: AnnotationProps): string =>
    p?.file ? `${p.file}${p.startLine ? `:${p.startLine}` : ''}${p.startColumn ? `:${p.startColumn}` : ''}: ` : '';
  const write = (stream: NodeJS.WritableStream, line: string): void => {
    stream.write(terminalSafe(redactor.redact(line)) + '\n');
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
    secret: (v) => redactor.add(v),
  };
}

/** A logger that keeps every line, for tests. */
export interface MemoryLogger extends Logger {
  lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const redactor = new Redactor();
  const push = (kind: string, m: string): void => {
    lines.push(redactor.redact(`${kind}: ${m}`));
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
    secret: (v) => redactor.add(v),
  };
}
