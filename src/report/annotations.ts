/**
 * Annotations at the end of a run. GitHub shows at most 10 error and 10
 * warning annotations per step and drops the rest, so: the root cause (what
 * fails the step) comes first; then each cause once, with a count (problems
 * the stages reported, failed inputs grouped by reason, failed gate checks);
 * past the limit one line says how many more there are, and the log lists
 * them (the summary, junit.xml and results.json have them all). With
 * `fail-on: none` nothing fails the step for a failed input: those are
 * warnings, and errors are left for what does fail it.
 */
import type { Logger } from '../common/log.js';
import { redactSecretParams } from '../common/redact.js';
import type { InputResult, Results } from '../results/index.js';
import { describeProblem, withoutCause, type Problem } from './problems.js';
import { visibleControls } from '../common/printable.js';
import { clip, plural } from '../common/text.js';

export interface AnnotationOptions {
  /** Error annotations at most (default 10, GitHub's limit). */
  maxErrors?: number;
  /** Warning annotations at most (default 8: GitHub shows 10, and the artifact client or a cancel may add their own). */
  maxWarnings?: number;
  /** What fails the step, annotated first; null: the caller reports it (the CLI prints it last). */
  rootCause?: string | null;
  /** What the stages reported during the run. */
  problems?: Problem[];
  failOn?: 'any' | 'none';
  /** The totals notice (default true; a run stopped before any input has no totals worth a notice). */
  totals?: boolean;
}

interface Item {
  level: 'error' | 'warning';
  /** None: as the stage said it (a plain ::warning:: line). */
  title?: string;
  message: string;
}

const safe = (text: string): string => clip(visibleControls(redactSecretParams(text)), 1000);

function inputItems(results: Results, level: Item['level']): Item[] {
  const several = new Set(results.results.map((r) => r.image)).size > 1;
  const name = (r: InputResult): string => (several ? `${r.image}/${r.input}` : r.input);
  const groups = new Map<string, [InputResult, ...InputResult[]]>();
  for (const r of results.results) {
    if (r.status === 'passed') continue;
    const key = `${r.status}\0${r.reason ?? r.status}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((rows): Item => {
    const r = rows[0];
    const kind = r.status === 'error' ? 'errored' : 'failed';
    if (rows.length === 1) {
      const where = r.taskId ? ` [task ${r.taskId}, attempt ${r.attempt ?? '?'}]` : '';
      return {
        level,
        title: `${name(r)} ${r.status === 'error' ? 'errored (infrastructure)' : 'failed'}`,
        message: `${name(r)}: ${r.reason ?? r.status}${where}`,
      };
    }
    const some = rows.slice(0, 3).map(name).join(', ') + (rows.length > 3 ? ', …' : '');
    return { level, title: `${rows.length} inputs ${kind}`, message: `${rows.length} inputs ${kind}: ${r.reason ?? r.status} (${some})` };
  });
}

/** Every annotation worth making, most important first. */
function collect(results: Results, options: AnnotationOptions): Item[] {
  const soft = options.failOn === 'none' ? 'warning' : 'error';
  const root = options.rootCause ?? null;
  const items: Item[] = [];
  if (root) items.push({ level: 'error', title: 'All-HW CI failed', message: root });
  for (const p of options.problems ?? []) {
    const message = describeProblem(p);
    // The root cause already says it (a build failure is both a stage error and the reason).
    if (root && (root.includes(p.first) || p.first.includes(root))) continue;
    const title = withoutCause(p.props)?.title ?? (p.count > 1 && p.cause !== null ? plural(p.count, 'task') : undefined);
    items.push({ level: p.level === 'error' ? soft : 'warning', title, message });
  }
  items.push(...inputItems(results, soft));
  // gate: warn: its failed checks are warnings (the step does not fail on them).
  const gateWarns = results.gate?.mode === 'warn';
  for (const c of results.gate?.checks ?? []) {
    if (c.passed) continue;
    if (gateWarns) items.push({ level: 'warning', title: `gate: ${c.name}`, message: `Regression gate (gate: warn): ${c.detail}` });
    else items.push({ level: soft, title: `gate: ${c.name}`, message: `Regression gate: ${c.detail}` });
  }
  return items;
}

/** The items of one level within its limit: the first ones, and a line for the rest. */
function withinLimit(items: Item[], max: number): { shown: Item[]; left: Item[] } {
  const [first] = items;
  if (!first || items.length <= max) return { shown: items, left: [] };
  const shown = items.slice(0, Math.max(0, max - 1));
  const left = items.slice(shown.length);
  const level = first.level;
  shown.push({
    level,
    title: `${left.length} more`,
    message: `…and ${plural(left.length, `more ${level === 'error' ? 'problem' : 'warning'}`)}: the log lists them; the job summary, junit.xml and results.json have every input.`,
  });
  return { shown, left };
}

export function emitAnnotations(results: Results, log: Logger, options: AnnotationOptions = {}): { errors: number; warnings: number } {
  const items = collect(results, options);
  const errors = withinLimit(
    items.filter((i) => i.level === 'error'),
    Math.max(1, options.maxErrors ?? 10),
  );
  const warnings = withinLimit(
    items.filter((i) => i.level === 'warning'),
    Math.max(1, options.maxWarnings ?? 8),
  );
  const props = (it: Item) => (it.title === undefined ? undefined : { title: safe(it.title) });
  for (const it of errors.shown) log.error(safe(it.message), props(it));
  for (const it of warnings.shown) log.warning(safe(it.message), props(it));
  for (const it of [...errors.left, ...warnings.left]) log.info(`Not annotated (GitHub shows 10 per step): ${it.level}: ${safe(it.message)}`);

  if (options.totals ?? true) {
    // The totals results.json stores (the store keeps them), not a count of our own.
    const t = results.totals;
    let totals = `All-HW CI: ${plural(t.inputs, 'input')}, ${t.passed} passed, ${t.failed} failed, ${plural(t.errors, 'error')}; ${plural(t.tasks, 'task')}`;
    if (results.gate) totals += `; gate ${results.gate.passed ? 'passed' : 'failed'}`;
    log.notice(totals, { title: 'All-HW CI results' });
  }
  return { errors: errors.shown.length, warnings: warnings.shown.length };
}
