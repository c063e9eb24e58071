/**
 * Small text helpers shared by the reports: number formats, redaction, and
 * making untrusted text (UART output, reasons) safe for Markdown and logs.
 */
import { redactKeyParams } from './log.js';

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

const SIZE_UNITS = { KiB: 1024, MiB: 1024 * 1024, MB: 1e6 } as const;

/**
 * A size in one unit: whole values as is ("4 MiB"), others with `decimals`
 * digits ("42.1 KiB"). Without a unit: MiB for whole mebibytes, else KiB.
 */
export function formatSize(bytes: number, unit?: keyof typeof SIZE_UNITS, decimals = 1): string {
  const chosen = unit ?? (bytes >= SIZE_UNITS.MiB && bytes % SIZE_UNITS.MiB === 0 ? 'MiB' : 'KiB');
  const value = bytes / SIZE_UNITS[chosen];
  return `${Number.isInteger(value) ? value : value.toFixed(decimals)} ${chosen}`;
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

/** Control characters (except tab/newline) shown as \xNN, so a UART's garbage stays visible but harmless. */
export function visibleControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Cuts to at most `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
