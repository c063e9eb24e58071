/**
 * The summary's measurement parts: repeated runs' latency figures, #metric
 * values, the correctness rate over the data set and the gate's thresholds.
 */
import { passRateText } from '../results/index.js';
import type { GateResult, InputResult, Results } from '../results/index.js';
import { formatMs, formatNumber } from '../common/text.js';

/** The latency cell: the median, and with repeats p90, min and the cold first run. */
export function latencyCell(r: InputResult): string {
  const s = r.repeats;
  if (!s) return formatMs(r.latencyUs);
  return `${formatMs(s.medianUs)} (median of ${s.repeat}; p90 ${formatMs(s.p90Us)}, min ${formatMs(s.minUs)}, cold ${formatMs(s.coldUs)})`;
}

/** `name median unit` for each #metric of the input, for the note column. */
export function metricsNote(r: InputResult): string | null {
  const entries = Object.entries(r.metrics ?? {});
  if (entries.length === 0) return null;
  return entries.map(([name, m]) => `${name} ${formatNumber(m.median)}${m.unit ? ` ${m.unit}` : ''}`).join(', ');
}

/** "Outputs matched golden on k/n (p %) of the inputs (compare …, min-pass-rate …)". */
export function correctnessLines(results: Results): string[] {
  const c = results.correctness;
  if (!c) return [];
  const icon = c.passed ? '✅' : '❌';
  return [
    `${icon} **Correctness**: outputs matched golden on ${passRateText(c)} of the inputs with a golden entry ` +
      `(compare \`${c.compare}\`, min-pass-rate ${formatNumber(c.minPassRate)} %).`,
    '',
  ];
}

/** The gate's heading word and its thresholds in words. */
export function gateHeading(gate: GateResult): string {
  if (gate.passed) return '✅ passed';
  return gate.mode === 'warn' ? '⚠️ failed checks (gate: warn, the step does not fail on them)' : '❌ failed';
}

export function thresholdLines(gate: GateResult): string[] {
  if (!gate.thresholds?.length) return [];
  return ['Thresholds: ' + gate.thresholds.join(' · ') + '.', ''];
}
