/** Untrusted text (UART output, reasons, names) made safe for Markdown reports. */
import { redactSecretParams } from '../common/redact.js';
import { visibleControls } from '../common/printable.js';
import { clip } from '../common/text.js';

/** Untrusted text as one Markdown table cell: one line, no pipes or HTML, clipped. */
export function mdCell(text: string | null | undefined, max = 300): string {
  if (text === null || text === undefined || text === '') return '';
  const line = visibleControls(
    redactSecretParams(text)
      .replace(/\r?\n|\r/g, ' ⏎ ')
      .replace(/\t/g, ' '),
  );
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
  const line = clip(visibleControls(text.replace(/[\r\n]+/g, ' ')), max)
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|');
  return `\`${line}\``;
}
