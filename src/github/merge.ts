/**
 * `mode: merge` (`allhw merge`): the shards of a matrix become one report.
 * Each shard's results.json is taken (from this run's artifacts named
 * `<artifact-name>-…`, or from folders given on the command line), merged
 * into one results.json in the order an unsharded run would have written,
 * then gated, reported, uploaded and commented on as one run. A shard that
 * stopped early makes the whole run fail, with its reason.
 */
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../common/disk-write.js';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { loadBaseline } from '../results/index.js';
import { RESULTS_FILE } from '../results/index.js';
import type { ImageEntry, Measurement, Results } from '../results/index.js';
import type { GitHubApi } from './api.js';
import { downloadRunArtifact } from './baseline.js';
import type { GitHubContext } from './context.js';

const LIST = { what: "listing this run's artifacts", permission: 'actions: read' };

export class MergeError extends Error {}

/** Image names made unique across boards (the same model built for two boards is two images). */
function qualifyImages(parts: Results[]): Results[] {
  const boardsOf = new Map<string, Set<string>>();
  for (const p of parts) for (const i of p.images) boardsOf.set(i.name, (boardsOf.get(i.name) ?? new Set()).add(i.board));
  const clash = (name: string): boolean => (boardsOf.get(name)?.size ?? 0) > 1;
  return parts.map((p) => {
    const boardOf = new Map(p.images.map((i) => [i.name, i.board]));
    const rename = (name: string): string => (clash(name) ? `${name}@${boardOf.get(name)}` : name);
    return {
      ...p,
      images: p.images.map((i) => ({ ...i, name: rename(i.name) })),
      results: p.results.map((r) => ({ ...r, image: rename(r.image) })),
      tasks: p.tasks.map((t) => ({ ...t, image: rename(t.image) })),
    };
  });
}

function mergedMeasurement(parts: Results[]): Measurement | null {
  const all = parts.map((p) => p.measurement ?? null);
  const first = all[0];
  if (!first) return null;
  const same = all.every((m) => m && m.mode === first.mode && m.board === first.board && m.timing === first.timing);
  return same ? first : { mode: first.mode, board: 'several', timing: first.timing };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One results.json from the shards' (gate, baseline and comment are the caller's). */
export function mergeResults(input: Results[]): Results {
  const parts = qualifyImages(input);
  const [first] = parts;
  if (!first) throw new MergeError('No shard results to merge.');
  const images: ImageEntry[] = [];
  for (const p of parts) for (const i of p.images) if (!images.some((x) => x.name === i.name)) images.push(i);
  images.sort((a, b) => byText(a.name, b.name));
  const imageOrder = new Map(images.map((i, n) => [i.name, n]));
  // An unsharded run reports per image, inputs in their loaded (sorted) order.
  const results = parts.flatMap((p) => p.results).sort((a, b) => (imageOrder.get(a.image) ?? 0) - (imageOrder.get(b.image) ?? 0) || byText(a.input, b.input));
  const errors = parts.map((p, n) => (p.error ? `shard ${p.shard ? `${p.shard.index}/${p.shard.count}` : n + 1}: ${p.error}` : null)).filter(Boolean);
  const times = parts.map((p) => p.startedAt).sort();
  const ends = parts
    .map((p) => p.finishedAt)
    .filter((t): t is string => Boolean(t))
    .sort();
  return {
    ...first,
    startedAt: times[0] ?? first.startedAt,
    finishedAt: ends.at(-1) ?? null,
    images,
    tasks: parts.flatMap((p) => p.tasks),
    results,
    gate: null,
    totals: {
      inputs: results.length,
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      errors: results.filter((r) => r.status === 'error').length,
      tasks: parts.reduce((n, p) => n + p.tasks.length, 0),
    },
    error: errors.length ? errors.join('; ') : null,
    measurement: mergedMeasurement(parts),
    baseline: null,
    shard: null,
  };
}

/** Expected shard count from the parts themselves: a missing shard is a failure, not a smaller report. */
export function missingShards(parts: Results[]): string | null {
  const counts = new Set(parts.map((p) => p.shard?.count).filter((c): c is number => c !== undefined));
  if (counts.size === 0) return null;
  if (counts.size > 1) return `the shards disagree on their number (${[...counts].join(', ')})`;
  const [n = 0] = counts;
  const have = new Set(parts.map((p) => p.shard?.index));
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !have.has(i));
  return missing.length ? `shard ${missing.map((i) => `${i}/${n}`).join(', ')} left no results (did its job fail before uploading?)` : null;
}

export async function loadShardDirs(dirs: string[]): Promise<Results[]> {
  return Promise.all(dirs.map((d) => loadBaseline(d)));
}

export interface DownloadShardsOptions {
  api: GitHubApi;
  ctx: GitHubContext;
  token: string;
  /** Shards are the artifacts named `<prefix>-…` (the merged report uploads as `<prefix>`). */
  prefix: string;
  dir: string;
  log: Logger;
}

/** Every shard artifact of this run, downloaded and read. */
export async function downloadShards(opts: DownloadShardsOptions): Promise<Results[]> {
  const { ctx } = opts;
  if (!ctx.runId || !ctx.owner)
    throw new MergeError("mode 'merge' downloads this run's shard artifacts: it runs only in a GitHub Actions job (no GITHUB_RUN_ID).");
  const all = await opts.api.call(LIST, (o) =>
    o.paginate('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', { owner: ctx.owner, repo: ctx.repo, run_id: ctx.runId!, per_page: 100 }),
  );
  const shards = (all as { id: number; name: string; expired: boolean }[]).filter((a) => a.name.startsWith(`${opts.prefix}-`) && !a.expired);
  if (shards.length === 0) {
    throw new MergeError(
      `This run has no artifacts named '${opts.prefix}-…' to merge: run the shards with 'shard: i/n' (and 'artifact-name' unset or starting with '${opts.prefix}-'), and make this job 'needs:' them.`,
    );
  }
  opts.log.info(`Merging ${shards.length} shard artifact(s): ${shards.map((s) => s.name).join(', ')}`);
  const parts: Results[] = [];
  for (const a of shards.sort((x, y) => byText(x.name, y.name))) {
    const dir = await downloadRunArtifact(opts.api, ctx, opts.token, { id: a.id, runId: ctx.runId }, path.join(opts.dir, a.name));
    parts.push(await loadBaseline(dir));
  }
  return parts;
}

/** Writes results.json atomically (as the results store does). */
export async function writeResultsFile(dir: string, results: Results): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, RESULTS_FILE);
  await writeFileAtomic(file, JSON.stringify(results, null, 2) + '\n');
}
