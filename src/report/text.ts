/**
 * Small text helpers shared by the reports: number formats, redaction, and
 * making untrusted text (UART output, reasons) safe for Markdown and logs.
 */
import { visibleControls } from '../common/printable.js';
import { redactKeyParams } from '../log.js';

/** Integers as is; other numbers with up to 6 significant digits (no exponent below 1e21). */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** 1234567 → "1,234,567" (a fixed locale: reports must not depend on the runner's). */
export function formatBytes(n: number): string {
  return `${String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} B`;
}

/** µs → ms with 3 decimals ("1.234"), or null. */
export function usToMs(us: number | null): number | null {
  return us === null ? null : Math.round(us) / 1000;
}

export function formatMs(us: number | null): string {
  const ms = usToMs(us);
  return ms === null ? '—' : ms.toFixed(3);
}

/** +13.4%, -2.0% */
export function formatPct(pct: number): string {
  if (!Number.isFinite(pct)) return pct > 0 ? '+∞%' : '-∞%';
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export { visibleControls } from '../common/printable.js';

/** Cuts to at most `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Untrusted text as one Markdown table cell: one line, no pipes or HTML, clipped. */
export function mdCell(text: string | null | undefined, max = 300): string {
  if (text === null || text === undefined || text === '') return '';
  const line = visibleControls(redactKeyParams(text).replace(/\r?\n|\r/g, ' ⏎ ').replace(/\t/g, ' '));
  return clip(line, max)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'")
    .replace(/([*_[\]])/g, '\\$1');
}

/** A name shown as inline code (backticks cannot be escaped inside code spans: they are replaced). */
export function mdCode(text: string, max = 120): string {
  const line = clip(visibleControls(text.replace(/[\r\n]+/g, ' ')), max).replace(/`/g, "'").replace(/\|/g, '\\|');
  return `\`${line}\``;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
