/**
 * The Markdown job summary (also summary.md) and the CLI's plain-text table.
 * GitHub refuses a step summary over 1 MiB: long tables are trimmed (failures
 * kept first) with a note that the full data is in the artifact.
 */
import { correctnessLines, gateHeading, latencyCell, metricsNote, thresholdLines } from './measure.js';
import { printable, visibleControls } from '../common/printable.js';
import { redactSecretParams } from '../common/redact.js';
import type { GateResult, ImageEntry, InputResult, Results, TaskEntry } from '../results/index.js';
import { clip, formatBytes, formatMs, formatNumber, plural } from '../common/text.js';
import { mdCell, mdCode } from './markdown.js';
import type { ArtifactStatus } from './artifact.js';
import { describeSplit } from '../build/index.js';
import { latencyFigure } from './latency-chart.js';

/** GitHub's step summary limit is 1 MiB; stay well below it (the caller may add a line or two). */
/** One line naming the baseline's run, commit and date (or why it was not compared); also in the job summary. */
export function baselineLine(results: Results): string {
  const b = results.baseline;
  if (!b) return 'Baseline: none given.';
  const what =
    b.kind === 'run'
      ? `run [${b.runId}](${b.url ?? ''}) (commit ${mdCode((b.sha ?? '').slice(0, 7) || '?')}${b.branch ? ` on ${mdCode(b.branch)}` : ''}, ${mdCell(b.date ?? '', 40)})`
      : 'the file given in `baseline`';
  return b.skipped ? `Baseline: ${b.runId || b.kind === 'file' ? `${what}, ` : ''}not compared: ${mdCell(b.skipped, 400)}.` : `Baseline: ${what}.`;
}

export const SUMMARY_BYTE_BUDGET = 1024 * 1024 - 64 * 1024;

export interface SummaryOptions {
  /** Name of the artifact the results go to; null when none is uploaded. */
  artifactName?: string | null;
  /** What became of the upload (the last line); default: pending under artifactName, if any. */
  artifact?: ArtifactStatus | null;
  /** Problems the stages reported, one line per cause (annotations show only 10 per step). */
  problems?: string[];
  /** Shown with the verdict line when given. */
  failOn?: 'any' | 'none';
  /** Input rows across all images before trimming (default 1000). */
  maxInputRows?: number;
  /** Task rows per image before trimming (default 300). */
  maxTaskRows?: number;
  /** Gate check rows before trimming (default 100). */
  maxGateRows?: number;
  /** Bars in a latency chart (default 50; more: the slowest ones). */
  maxChartBars?: number;
}

const STATUS_ICON: Record<string, string> = { passed: '✅ passed', failed: '❌ failed', error: '⚠️ error' };

function counts(results: InputResult[]): { passed: number; failed: number; errors: number } {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const r of results) {
    if (r.status === 'passed') passed++;
    else if (r.status === 'failed') failed++;
    else errors++;
  }
  return { passed, failed, errors };
}

/** Keeps `max` items, the ones `important` first, in their original order; returns how many were left out. */
function trim<T>(items: T[], max: number, important: (t: T) => boolean): { kept: T[]; omitted: number } {
  if (items.length <= max) return { kept: items, omitted: 0 };
  const keep = new Set<T>();
  for (const t of items) if (keep.size < max && important(t)) keep.add(t);
  for (const t of items) if (keep.size < max) keep.add(t);
  return { kept: items.filter((t) => keep.has(t)), omitted: items.length - keep.size };
}

function usage(used: number, capacity: number | null): string {
  if (capacity === null || capacity <= 0) return formatBytes(used);
  const pct = (used / capacity) * 100;
  const warn = used > capacity ? ' ❌ over capacity' : '';
  return `${formatBytes(used)} of ${formatBytes(capacity)} (${pct.toFixed(1)}%)${warn}`;
}

function gateSection(gate: GateResult, max: number): string[] {
  const checks = gate.checks;
  const lines = [`### Gate against the baseline: ${gateHeading(gate)}`, '', ...thresholdLines(gate), '| | check | change |', '|---|---|---|'];
  const { kept, omitted } = trim(checks, max, (c) => !c.passed);
  // Failures first: they are what a reviewer looks for.
  for (const c of [...kept.filter((x) => !x.passed), ...kept.filter((x) => x.passed)])
    lines.push(`| ${c.passed ? '✅' : '❌'} | ${mdCell(c.name, 120)} | ${mdCell(c.detail)} |`);
  if (omitted > 0) lines.push('', `_${plural(omitted, 'more passed check')} not shown: all checks are in results.json (\`gate\`)._`);
  lines.push('');
  return lines;
}

function taskRows(tasks: TaskEntry[], max: number): string[] {
  const lines = ['| task id | attempt | status | code | reservation | inputs | log | reason |', '|---|---|---|---|---|---|---|---|'];
  const { kept, omitted } = trim(tasks, max, (t) => t.end !== 'finished' || t.code !== 0 || t.reason !== null);
  for (const t of kept) {
    const inputs = t.inputs.length <= 3 ? t.inputs.join(', ') : `${t.inputs.slice(0, 2).join(', ')} +${t.inputs.length - 2} more`;
    lines.push(
      `| ${t.id ? mdCode(t.id) : '—'} | ${t.attempt} | ${mdCell(t.status ?? t.end, 40)} | ${t.code ?? '—'} | ${t.reservation ?? '—'} | ` +
        `${mdCell(inputs, 120)} | ${t.log ? mdCode(t.log) : ''} | ${mdCell(t.reason, 200)} |`,
    );
  }
  if (omitted > 0) lines.push('', `_${plural(omitted, 'more task')} not shown: every task id and reservation is in results.json (\`tasks\`)._`);
  return lines;
}

function imageSection(
  img: ImageEntry,
  rows: InputResult[],
  tasks: TaskEntry[],
  rowCap: number,
  opts: Required<SummaryOptions>,
  baseline?: Record<string, number | null>,
): string[] {
  const c = counts(rows);
  const lines = [`### Image ${mdCode(img.name)} on board ${mdCode(img.board || 'unknown')}`, ''];
  if (img.size) {
    lines.push(`**Flash** ${usage(img.size.flash, img.size.flashCapacity)} · **RAM** ${usage(img.size.ram, img.size.ramCapacity)}`, '');
    if (img.size.memory) lines.push(describeSplit(img.size.memory), '');
  } else {
    lines.push('_Flash/RAM use unknown (no ELF to measure)._', '');
  }
  lines.push(`${plural(rows.length, 'input')}: ${c.passed} passed, ${c.failed} failed, ${plural(c.errors, 'error')}.`, '');
  if (rows.length > 0) {
    lines.push('| input | status | top-1 | max abs error | latency (ms) | note |', '|---|---|---|---|---|---|');
    const { kept, omitted } = trim(rows, rowCap, (r) => r.status !== 'passed' || r.reason !== null);
    for (const r of kept) {
      const note = [r.reason, metricsNote(r), ...r.events].filter((x): x is string => Boolean(x)).join(' · ');
      lines.push(
        `| ${mdCode(r.input)} | ${STATUS_ICON[r.status] ?? mdCell(r.status)} | ${r.top1 ?? '—'} | ` +
          `${r.maxAbsError === null ? '—' : formatNumber(r.maxAbsError)} | ${latencyCell(r)} | ${mdCell(note)} |`,
      );
    }
    if (omitted > 0) {
      lines.push(
        '',
        `_Showing ${kept.length} of ${rows.length} inputs (failed, errored and noted ones first); ${plural(omitted, 'passed input')} not shown: ` +
          `the full data is in results.json and junit.xml${opts.artifactName ? ` in the artifact ${mdCode(opts.artifactName)}` : ''}._`,
      );
    }
    lines.push('');
    lines.push(...latencyFigure(`Latency per input (ms), ${img.name}`, rows, baseline, opts.maxChartBars));
  }
  if (tasks.length > 0) {
    lines.push(`<details><summary>${plural(tasks.length, 'task')}: ids and reservations (what All-HW support asks for)</summary>`, '');
    lines.push(...taskRows(tasks, opts.maxTaskRows), '', '</details>', '');
  }
  return lines;
}

function duration(results: Results): string {
  if (!results.finishedAt) return '';
  const ms = Date.parse(results.finishedAt) - Date.parse(results.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ` · ${(ms / 1000).toFixed(1)} s` : '';
}

export function renderSummary(results: Results, options: SummaryOptions = {}): string {
  const opts: Required<SummaryOptions> = {
    artifactName: options.artifactName ?? null,
    artifact: options.artifact ?? (options.artifactName ? { state: 'pending', name: options.artifactName } : null),
    problems: options.problems ?? [],
    failOn: options.failOn ?? 'any',
    maxInputRows: options.maxInputRows ?? 1000,
    maxTaskRows: options.maxTaskRows ?? 300,
    maxGateRows: options.maxGateRows ?? 100,
    maxChartBars: options.maxChartBars ?? 50,
  };
  const c = results.totals;
  const gateFails = results.gate !== null && !results.gate.passed && results.gate.mode !== 'warn';
  const bad = c.failed + c.errors > 0 || Boolean(results.error) || gateFails || results.correctness?.passed === false;
  const lines: string[] = [
    `## ${bad ? '❌' : '✅'} All-HW CI: ${c.passed} passed, ${c.failed} failed, ${plural(c.errors, 'error')} of ${plural(results.results.length, 'input')}`,
    '',
  ];
  const tc = results.toolchain;
  lines.push(
    `Mode ${mdCode(results.mode)}` +
      (tc ? ` · toolchain ${mdCode(tc.release)}${tc.gccVersion ? ` (gcc ${mdCell(tc.gccVersion, 40)})` : ''}` : '') +
      ` · ${plural(results.tasks.length, 'task')}` +
      ` · started ${mdCell(results.startedAt, 40)}${duration(results)}` +
      (options.failOn ? ` · fail-on ${mdCode(opts.failOn)}` : ''),
    '',
  );
  if (results.error) lines.push(`> [!CAUTION]`, `> The run stopped early: ${mdCell(results.error, 1000)}`, '');
  lines.push(...correctnessLines(results));
  if (results.baseline) lines.push(baselineLine(results), '');
  if (results.gate) lines.push(...gateSection(results.gate, opts.maxGateRows));
  lines.push(...problemSection(opts.problems));

  // Images in results.json order, then any image only the results name (a run that failed early).
  const images: ImageEntry[] = [...results.images];
  for (const r of results.results) {
    if (!images.some((i) => i.name === r.image)) images.push({ name: r.image, path: '', board: '', size: null });
  }
  const rowCap = Math.max(50, Math.floor(opts.maxInputRows / Math.max(1, images.length)));
  for (const img of images) {
    const rows = results.results.filter((r) => r.image === img.name);
    const tasks = results.tasks.filter((t) => t.image === img.name);
    lines.push(...imageSection(img, rows, tasks, rowCap, opts, results.baseline?.figures?.latencyUs[img.name]));
  }

  lines.push('---', '');
  lines.push(artifactLine(opts.artifact));
  return fitBudget(lines.join('\n') + '\n');
}

const MAX_PROBLEM_ROWS = 100;

function problemSection(problems: string[]): string[] {
  if (problems.length === 0) return [];
  const lines = [`<details><summary>${plural(problems.length, 'problem')} reported during the run (each cause once)</summary>`, ''];
  for (const p of problems.slice(0, MAX_PROBLEM_ROWS)) lines.push(`- ${mdCell(p, 600)}`);
  if (problems.length > MAX_PROBLEM_ROWS) lines.push(`- _${problems.length - MAX_PROBLEM_ROWS} more: the step's log has them all._`);
  lines.push('', '</details>', '');
  return lines;
}

const CONTENTS = 'results.json, junit.xml, summary.md and the logs';

/** The summary's last line: what really happened to the upload. */
export function artifactLine(a: ArtifactStatus | null): string {
  if (a === null) return `📦 No artifact was uploaded: the results directory holds ${CONTENTS}.`;
  switch (a.state) {
    case 'pending':
      return `📦 The results directory (${CONTENTS}) goes up as the artifact ${mdCode(a.name)}; the job summary says whether the upload succeeded.`;
    case 'uploaded': {
      const name = a.url ? `[${mdCode(a.name)}](${a.url})` : mdCode(a.name);
      return `📦 Artifact ${name}${a.id !== null ? ` (id ${a.id})` : ''}: ${CONTENTS}.`;
    }
    case 'skipped':
      return `📦 No artifact was uploaded: ${mdCell(a.why, 300)}. The results directory ${mdCode(a.dir)} holds ${CONTENTS}.`;
    case 'failed':
      return `📦 The artifact upload failed: ${mdCell(redactSecretParams(a.why), 600)} The results directory ${mdCode(a.dir)} on the runner holds ${CONTENTS}.`;
  }
}

/** Last resort when even the trimmed tables are too big (very long names): cut whole lines. */
function fitBudget(markdown: string): string {
  if (Buffer.byteLength(markdown) <= SUMMARY_BYTE_BUDGET) return markdown;
  const note = "\n\n_The summary was cut to stay under GitHub's 1 MiB limit: the full data is in results.json in the artifact._\n";
  let cut = markdown.slice(0, SUMMARY_BYTE_BUDGET - 1024);
  while (Buffer.byteLength(cut) > SUMMARY_BYTE_BUDGET - 1024) cut = cut.slice(0, Math.floor(cut.length * 0.95));
  cut = cut.slice(0, cut.lastIndexOf('\n'));
  // Close an open code block so the note renders as text.
  if ((cut.match(/^```/gm) ?? []).length % 2 === 1) cut += '\n```';
  return cut + note;
}

export interface TextTableOptions {
  /** The 'run stopped early' line (default true); off where the caller prints the reason itself. */
  withError?: boolean;
  /** A line per task (id, image, code, how it ended): where the results directory could not hold them. */
  withTasks?: boolean;
}

/** A plain-text table for the terminal (the CLI), every input, no trimming. */
export function renderTextTable(results: Results, options: TextTableOptions = {}): string {
  const several = new Set(results.results.map((r) => r.image)).size > 1;
  const header = [...(several ? ['image'] : []), 'input', 'status', 'top-1', 'max err', 'latency ms', 'note'];
  const rows = results.results.map((r) => [
    ...(several ? [printable(r.image)] : []),
    printable(r.input),
    r.status,
    r.top1 === null ? '-' : String(r.top1),
    r.maxAbsError === null ? '-' : formatNumber(r.maxAbsError),
    r.latencyUs === null ? '-' : formatMs(r.latencyUs),
    clip(visibleControls(redactSecretParams([r.reason, ...r.events].filter(Boolean).join('; ')).replace(/[\r\n]+/g, ' ')), 160),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const c = results.totals;
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  let total = `${plural(c.inputs, 'input')}: ${c.passed} passed, ${c.failed} failed, ${plural(c.errors, 'error')}; ${plural(c.tasks, 'task')}`;
  if (results.gate) total += `; gate ${results.gate.passed ? 'passed' : 'failed'}`;
  out.push('', total);
  if (results.gate) for (const ch of results.gate.checks.filter((x) => !x.passed)) out.push(`  gate: ${ch.detail}`);
  if (options.withTasks) {
    for (const t of results.tasks) {
      out.push(`  task ${visibleControls(t.id ?? '(not created)')}  ${visibleControls(t.image)}  attempt ${t.attempt}  code ${t.code ?? '-'}  ${t.end}`);
    }
  }
  if (results.error && options.withError !== false) out.push(`run stopped early: ${redactSecretParams(results.error)}`);
  return out.join('\n') + '\n';
}
