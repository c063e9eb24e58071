/**
 * The PR comment: verdict, baseline, and per board a table per image (status,
 * outputs against golden, latency and flash/RAM with deltas against the
 * baseline), then links to the run and the artifact. GitHub refuses a
 * comment over 65536 characters: rows are ranked (failures, then changes
 * beyond the tolerance, then the rest) and the rest is summarised in a line.
 */
import type { ImageEntry, InputResult, Results } from '../results/index.js';
import { formatBytes, formatMs, formatPct, plural } from '../common/text.js';
import { baselineLine, mdCell, mdCode } from '../report/index.js';
import { deltaPct } from './figures.js';

/** GitHub's limit for an issue comment body, in characters. */
export const COMMENT_LIMIT = 65536;
/** Room kept for the marker, headings and the closing lines. */
const BUDGET = COMMENT_LIMIT - 4096;

export interface CommentLinks {
  runUrl: string | null;
  artifactUrl: string | null;
  artifactName: string | null;
}

export interface CommentOptions {
  marker: string;
  links: CommentLinks;
  verdict: { failed: boolean; reason: string };
  /** Latency change (percent) from which a row counts as changed. */
  latencyTolerancePct: number;
}

/** The hidden line that finds this action's comment again (one per artifact name). */
export function commentMarker(key: string): string {
  return `<!-- allhw-ci:report:${key.replace(/-->/g, '')} -->`;
}

const ICON: Record<string, string> = { passed: '✅', failed: '❌', error: '⚠️' };

function golden(r: InputResult): string {
  if (r.expected === null) return '—';
  if (r.status === 'passed') return r.maxAbsError === null ? 'match' : `match (max err ${r.maxAbsError})`;
  return mdCell(r.reason, 120) || 'mismatch';
}

function delta(pct: number | null): string {
  return pct === null ? '—' : formatPct(pct);
}

interface Row {
  rank: number;
  text: string;
}

function inputRows(results: Results, img: ImageEntry, rows: InputResult[], tolPct: number): Row[] {
  const before = results.baseline?.figures?.latencyUs[img.name] ?? {};
  return rows.map((r) => {
    const pct = deltaPct(before[r.input], r.latencyUs);
    const changed = pct !== null && Math.abs(pct) > tolPct;
    return {
      rank: r.status !== 'passed' ? 0 : changed ? 1 : 2,
      text: `| ${mdCode(r.input, 80)} | ${ICON[r.status] ?? ''} ${r.status} | ${golden(r)} | ${formatMs(r.latencyUs)} | ${delta(pct)} |`,
    };
  });
}

function sizeLine(results: Results, img: ImageEntry): string {
  if (!img.size) return '_Flash/RAM unknown._';
  const base = results.baseline?.figures?.size[img.name] ?? null;
  const part = (label: string, now: number, was: number | undefined): string =>
    `**${label}** ${formatBytes(now)}${was === undefined ? '' : ` (${delta(deltaPct(was, now))})`}`;
  return `${part('Flash', img.size.flash, base?.flash)} · ${part('RAM', img.size.ram, base?.ram)}`;
}

function imagesOf(results: Results): ImageEntry[] {
  const images = [...results.images];
  for (const r of results.results) if (!images.some((i) => i.name === r.image)) images.push({ name: r.image, path: '', board: '', size: null });
  return images;
}

export function renderComment(results: Results, opts: CommentOptions): string {
  const head: string[] = [opts.marker, `## ${opts.verdict.failed ? '❌' : '✅'} All-HW CI: ${mdCell(opts.verdict.reason, 600)}`, '', baselineLine(results), ''];
  if (results.gate) {
    const bad = results.gate.checks.filter((c) => !c.passed);
    head.push(
      `Gate: ${
        results.gate.passed
          ? '✅ passed'
          : `❌ ${plural(bad.length, 'check')} failed: ${bad
              .slice(0, 5)
              .map((c) => mdCell(c.detail, 200))
              .join('; ')}`
      }`,
      '',
    );
  }
  const sections: { header: string[]; rows: Row[]; image: string }[] = [];
  const boards = [...new Set(imagesOf(results).map((i) => i.board || 'unknown'))];
  for (const board of boards) {
    const images = imagesOf(results).filter((i) => (i.board || 'unknown') === board);
    images.forEach((img, n) => {
      const rows = results.results.filter((r) => r.image === img.name);
      const header = [
        ...(n === 0 && boards.length > 1 ? [`### Board ${mdCode(board)}`, ''] : []),
        `#### ${mdCode(img.name)}${boards.length === 1 ? ` on ${mdCode(board)}` : ''}`,
        '',
        sizeLine(results, img),
        '',
        '| input | status | outputs vs golden | latency (ms) | Δ latency |',
        '|---|---|---|---|---|',
      ];
      sections.push({ header, rows: inputRows(results, img, rows, opts.latencyTolerancePct), image: img.name });
    });
  }
  return fitRows(head, sections, tail(opts.links));
}

function tail(links: CommentLinks): string[] {
  const parts = [
    links.runUrl ? `[the run](${links.runUrl})` : null,
    links.artifactUrl
      ? `[artifact ${mdCode(links.artifactName ?? 'results')}](${links.artifactUrl})`
      : links.artifactName
        ? `artifact ${mdCode(links.artifactName)}`
        : null,
  ].filter(Boolean);
  return ['', '---', parts.length ? `Full results (every input, UART logs): ${parts.join(' · ')}.` : 'Full results: results.json in the results directory.'];
}

/**
 * Keeps the best-ranked rows across all tables within the budget; each table
 * says how many of its rows were left out.
 */
function fitRows(head: string[], sections: { header: string[]; rows: Row[]; image: string }[], end: string[]): string {
  const fixed = [...head, ...sections.flatMap((s) => [...s.header, '', '']), ...end].join('\n').length;
  const all = sections.flatMap((s, si) => s.rows.map((r, ri) => ({ ...r, si, ri })));
  const order = [...all].sort((a, b) => a.rank - b.rank || a.si - b.si || a.ri - b.ri);
  const kept = new Set<string>();
  let used = fixed;
  for (const row of order) {
    if (used + row.text.length + 1 > BUDGET - 200 * sections.length) break;
    used += row.text.length + 1;
    kept.add(`${row.si}/${row.ri}`);
  }
  const lines = [...head];
  sections.forEach((s, si) => {
    const shown = s.rows.map((r, ri) => ({ r, ri })).filter(({ ri }) => kept.has(`${si}/${ri}`));
    // Failures and changes first within a table, too: they are what a reviewer reads.
    shown.sort((a, b) => a.r.rank - b.r.rank || a.ri - b.ri);
    lines.push(...s.header, ...shown.map(({ r }) => r.text));
    const hidden = s.rows.filter((_r, ri) => !kept.has(`${si}/${ri}`));
    if (hidden.length > 0) {
      const bad = hidden.filter((r) => r.rank === 0).length;
      const changed = hidden.filter((r) => r.rank === 1).length;
      const what = bad + changed === 0 ? 'all passed, no latency change beyond the tolerance' : `${bad} failed or errored, ${changed} changed`;
      lines.push(
        '',
        `_${plural(hidden.length, 'more input')} of ${mdCode(s.image)} not shown (${what}) to stay under GitHub's comment size limit: every input is in the artifact._`,
      );
    }
    lines.push('');
  });
  lines.push(...end);
  return lines.join('\n') + '\n';
}
