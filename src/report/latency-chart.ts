/**
 * The latency figure of an image in the summary: what a reviewer wants to
 * see is this run against the baseline, input by input, with the failures
 * marked. A Mermaid xychart (GitHub renders ```mermaid blocks): bars for this
 * run, a line for the baseline. When every bar would be the same height a
 * chart says nothing a line of figures does not, so that is what is shown.
 */
import type { InputResult } from '../results/index.js';
import { clip, formatNumber, usToMs } from '../common/text.js';
import { mdCode } from './markdown.js';

/** Marks a failed or errored input in an axis label. */
const FAILED_MARK = '✗ ';

function sameEverywhere(values: number[]): boolean {
  return values.every((v) => v === values[0]);
}

/** Lines of Markdown (empty when no input was timed). */
export function latencyFigure(title: string, rows: InputResult[], baseline: Record<string, number | null> | undefined, maxBars: number): string[] {
  let timed = rows.filter((r) => r.latencyUs !== null);
  const untimed = rows.filter((r) => r.latencyUs === null).map((r) => r.input);
  if (timed.length === 0) return [];
  const notes: string[] = [];
  if (timed.length > maxBars) {
    const slowest = new Set([...timed].sort((a, b) => (b.latencyUs ?? 0) - (a.latencyUs ?? 0)).slice(0, maxBars));
    notes.push(`_The ${maxBars} slowest of ${timed.length} timed inputs._`);
    timed = timed.filter((r) => slowest.has(r));
  }
  const current = timed.map((r) => usToMs(r.latencyUs) ?? 0);
  const before = timed.map((r) => usToMs(baseline?.[r.input] ?? null));
  const hasBaseline = before.some((v) => v !== null);
  const failed = timed.filter((r) => r.status !== 'passed').map((r) => r.input);
  if (untimed.length)
    notes.push(
      `_No latency (not timed): ${untimed
        .slice(0, 10)
        .map((i) => mdCode(i, 60))
        .join(', ')}${untimed.length > 10 ? ` and ${untimed.length - 10} more` : ''}._`,
    );

  const all = [...current, ...before.filter((v): v is number => v !== null)];
  if (sameEverywhere(all)) {
    const base = hasBaseline ? `, the same as the baseline` : '';
    const marks = failed.length ? ` (${FAILED_MARK}failed: ${failed.map((i) => mdCode(i, 60)).join(', ')})` : '';
    return [
      `Latency: ${formatNumber(current[0] ?? 0)} ms for each of ${timed.length === 1 ? 'the 1 timed input' : `the ${timed.length} timed inputs`}${base}${marks}.`,
      ...notes,
      '',
    ];
  }

  // Labels are quoted Mermaid strings: no quotes, brackets or control characters in them.
  const label = (r: InputResult): string => `"${r.status === 'passed' ? '' : FAILED_MARK}${clip(r.input.replace(/["[\]\\;#`\x00-\x1f]/g, '_'), 24)}"`;
  const top = Math.max(...all);
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/["\x00-\x1f]/g, '_')}"`,
    `    x-axis [${timed.map(label).join(', ')}]`,
    `    y-axis "latency (ms)" 0 --> ${formatNumber(top > 0 ? Number((top * 1.1).toPrecision(3)) : 1)}`,
    `    bar [${current.map((v) => formatNumber(v)).join(', ')}]`,
  ];
  // An input new in this run has no baseline point: the line stays at the current value there, so no false step is drawn.
  if (hasBaseline) lines.push(`    line [${before.map((v, i) => formatNumber(v ?? current[i] ?? 0)).join(', ')}]`);
  lines.push('```');
  const legend = [hasBaseline ? 'bars: this run, line: the baseline' : '', failed.length ? `${FAILED_MARK.trim()}: failed or errored` : ''].filter(Boolean);
  if (legend.length) notes.unshift(`_${legend.join('; ')}._`);
  return [...lines, ...notes, ''];
}
