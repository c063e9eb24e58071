/**
 * Problems the stages report while the run goes on (log.error / log.warning),
 * collected so that the action can annotate each cause once, with a count,
 * after the root cause (GitHub shows 10 error and 10 warning annotations per
 * step; the 11th is lost). Held (the action): each problem is written to the
 * log at once as a plain line and annotated at the end. Not held (the CLI):
 * it is printed as it comes, and only counted.
 */
import type { AnnotationProps, Logger } from '../common/log.js';
import { plural } from '../common/text.js';

export interface Problem {
  level: 'error' | 'warning';
  /** The first occurrence's whole message. */
  first: string;
  /** The shared cause (AnnotationProps.cause), or null: then occurrences are grouped by their message. */
  cause: string | null;
  count: number;
  props: AnnotationProps | undefined;
}

export interface ProblemLog {
  /** The logger for the stages. */
  logger: Logger;
  /** Every cause, in the order first seen. */
  problems(): Problem[];
}

export function collectProblems(log: Logger, options: { hold: boolean }): ProblemLog {
  const byKey = new Map<string, Problem>();
  const record = (level: Problem['level'], message: string, props?: AnnotationProps): void => {
    const cause = props?.cause ?? null;
    const key = `${level}\0${cause ?? message}`;
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { level, first: message, cause, count: 1, props });
  };
  const pass =
    (level: Problem['level']) =>
    (message: string, props?: AnnotationProps): void => {
      record(level, message, props);
      // Held: a plain line now keeps the log in order; the annotation comes at the end.
      if (options.hold) log.info(`${level}: ${message}`);
      else log[level](message, withoutCause(props));
    };
  return {
    logger: { ...log, error: pass('error'), warning: pass('warning') },
    problems: () => [...byKey.values()],
  };
}

/** The properties GitHub reads (title, file, line, column), without ours. */
export function withoutCause(props: AnnotationProps | undefined): AnnotationProps | undefined {
  if (!props) return undefined;
  const { cause: _cause, ...rest } = props;
  return Object.keys(rest).length ? rest : undefined;
}

/** One line for a cause: the message itself once, else the count and the cause. */
export function describeProblem(p: Problem): string {
  if (p.count === 1) return p.first;
  return p.cause !== null ? `${plural(p.count, 'task')} ${p.cause}` : `${p.first} (${p.count} times)`;
}
