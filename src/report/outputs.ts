/**
 * The action's outputs, as strings: the action shell calls core.setOutput on
 * each; the CLI may print them. JSON-valued outputs are compact JSON.
 */
import path from 'node:path';
import type { Results } from '../results/index.js';
import { usToMs } from '../common/text.js';

export interface OutputOptions {
  /** The results directory (results.json is in it). */
  resultsDir: string;
  /** Id of the uploaded artifact; null when none was uploaded. */
  artifactId: number | null;
}

export function computeOutputs(results: Results, opts: OutputOptions): Record<string, string> {
  // Always `image/input`: a workflow reading one key must not break when a second image is added.
  const latency: Record<string, number | null> = {};
  for (const r of results.results) latency[`${r.image}/${r.input}`] = usToMs(r.latencyUs);

  const taskIds = [...new Set(results.tasks.map((t) => t.id).filter((id): id is string => Boolean(id)))];

  const first = results.images[0]?.size ?? null;
  return {
    results: path.join(opts.resultsDir, 'results.json'),
    passed: String(results.totals.passed),
    failed: String(results.totals.failed),
    errors: String(results.totals.errors),
    'task-ids': JSON.stringify(taskIds),
    'latency-ms': JSON.stringify(latency),
    'artifact-id': opts.artifactId === null ? '' : String(opts.artifactId),
    images: JSON.stringify(results.images.map((i) => i.path)),
    'image-names': JSON.stringify(results.images.map((i) => i.name)),
    'flash-used': first ? String(first.flash) : '',
    'ram-used': first ? String(first.ram) : '',
    'toolchain-path': results.toolchain?.path ?? '',
    'gcc-version': results.toolchain?.gccVersion ?? '',
  };
}
