/**
 * The baseline's latency and size for this run's images and inputs, matched
 * as the gate matches them, so that results.json carries them: the PR
 * comment, the chart and `mode: comment` show deltas without the baseline.
 */
import { imageNames, matchImages } from '../results/index.js';
import type { BaselineFigures, Results } from '../results/index.js';

export function baselineFigures(current: Results, baseline: Results): BaselineFigures {
  const imageMap = matchImages(imageNames(current), imageNames(baseline));
  const latencyUs: BaselineFigures['latencyUs'] = {};
  const size: BaselineFigures['size'] = {};
  for (const [name, baseName] of imageMap) {
    const base = baseline.images.find((i) => i.name === baseName);
    size[name] = base?.size ? { flash: base.size.flash, ram: base.size.ram } : null;
    const inputs: Record<string, number | null> = {};
    for (const r of baseline.results) if (r.image === baseName) inputs[r.input] = r.latencyUs;
    latencyUs[name] = inputs;
  }
  return { latencyUs, size };
}

/** Percent change, or null when either side is unknown (0 → more is +∞). */
export function deltaPct(before: number | null | undefined, after: number | null | undefined): number | null {
  if (before === null || before === undefined || after === null || after === undefined) return null;
  if (before === after) return 0;
  if (before === 0) return after > 0 ? Infinity : -Infinity;
  return ((after - before) / before) * 100;
}
