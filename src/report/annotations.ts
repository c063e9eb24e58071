/**
 * Annotations: an error per failed input or failed gate check, and one notice
 * with the totals. GitHub displays at most 10 error annotations per step, and
 * the step's own failure message (core.setFailed) is one of them: by default 9
 * are ours, the last of which sums up the rest when there are more.
 */
import { redactKeyParams, type Logger } from '../common/log.js';
import type { Results } from '../results/index.js';
import { clip, plural, visibleControls } from '../common/text.js';

export interface AnnotationOptions {
  /** Error annotations at most (default 9). */
  maxErrors?: number;
}

interface Item {
  title: string;
  message: string;
}

const safe = (text: string): string => clip(visibleControls(redactKeyParams(text)), 1000);

export function emitAnnotations(results: Results, log: Logger, options: AnnotationOptions = {}): { errors: number } {
  const max = Math.max(1, options.maxErrors ?? 9);
  const several = new Set(results.results.map((r) => r.image)).size > 1;
  const items: Item[] = [];
  for (const r of results.results) {
    if (r.status === 'passed') continue;
    const name = several ? `${r.image}/${r.input}` : r.input;
    const kind = r.status === 'error' ? 'errored (infrastructure)' : 'failed';
    const where = r.taskId ? ` [task ${r.taskId}, attempt ${r.attempt ?? '?'}]` : '';
    items.push({ title: `${name} ${kind}`, message: `${name}: ${r.reason ?? r.status}${where}` });
  }
  for (const c of results.gate?.checks ?? []) {
    if (!c.passed) items.push({ title: `gate: ${c.name}`, message: `Regression gate: ${c.detail}` });
  }

  const shown = items.length <= max ? items : items.slice(0, max - 1);
  for (const it of shown) log.error(safe(it.message), { title: safe(it.title) });
  if (shown.length < items.length) {
    const rest = items.length - shown.length;
    log.error(`…and ${plural(rest, 'more problem')} (failed inputs or gate checks): see the job summary, junit.xml and results.json.`, {
      title: `${rest} more`,
    });
  }

  const n = results.results.length;
  const passed = results.results.filter((r) => r.status === 'passed').length;
  const failed = results.results.filter((r) => r.status === 'failed').length;
  const errors = n - passed - failed;
  let totals = `All-HW CI: ${plural(n, 'input')}, ${passed} passed, ${failed} failed, ${plural(errors, 'error')}; ${plural(results.tasks.length, 'task')}`;
  if (results.gate) totals += `; gate ${results.gate.passed ? 'passed' : 'failed'}`;
  log.notice(totals, { title: 'All-HW CI results' });
  return { errors: shown.length + (shown.length < items.length ? 1 : 0) };
}
