/**
 * The merge job end to end: shards in, one report out (results.json,
 * summary, JUnit, gate, artifact, comment), failing where the unsharded run
 * would have failed. Plain options; the action and the CLI call it.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { uploadResults } from '../report/index.js';
import { computeOutputs } from '../report/index.js';
import { writeReportFiles } from '../report/index.js';
import { loadBaseline, verdict, type FailOn } from '../results/index.js';
import type { BaselineTolerances, Results } from '../results/index.js';
import type { GitHubContext } from './context.js';
import { downloadShards, loadShardDirs, mergeResults, missingShards, writeResultsFile } from './merge.js';
import { commentStep, gateAgainstBaseline, githubApi, runInfoOf, type CommentPolicy } from './pr-loop.js';

export interface MergeRunOptions {
  /** Shard result folders (the CLI); null: this run's shard artifacts. */
  dirs: string[] | null;
  resultsDir: string;
  artifactName: string;
  retentionDays: number | null;
  /** '' (no gate), 'auto', or a results.json path. */
  baseline: string;
  /** The gate's thresholds (the comment shows the latency one). */
  tolerances: BaselineTolerances & { latencyTolerancePct: number };
  failOn: FailOn;
  comment: CommentPolicy;
  ctx: GitHubContext;
  /** Secret. */
  token: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  signal?: AbortSignal;
}

export interface MergeOutcome {
  results: Results;
  outputs: Record<string, string>;
  failed: boolean;
  reason: string;
  summaryMarkdown: string;
}

async function gateMerged(merged: Results, opts: MergeRunOptions, scratch: string): Promise<Results> {
  if (!opts.baseline || !merged.measurement) return merged;
  const auto = opts.baseline === 'auto';
  const file = auto ? null : await loadBaseline(opts.baseline);
  const { source, gate } = await gateAgainstBaseline(merged, {
    ctx: opts.ctx,
    token: opts.token,
    log: opts.log,
    signal: opts.signal,
    file,
    auto,
    artifactName: opts.artifactName,
    downloadDir: path.join(scratch, 'baseline'),
    measurement: merged.measurement,
    tolerances: opts.tolerances,
  });
  return { ...merged, baseline: source, gate };
}

export async function runMerge(opts: MergeRunOptions): Promise<MergeOutcome> {
  const scratch = await mkdtemp(path.join(opts.env.RUNNER_TEMP || os.tmpdir(), 'allhw-merge-'));
  const parts = opts.dirs
    ? await loadShardDirs(opts.dirs)
    : await downloadShards({ api: githubApi(opts), ctx: opts.ctx, token: opts.token, prefix: opts.artifactName, dir: scratch, log: opts.log });
  let merged = mergeResults(parts);
  const missing = missingShards(parts);
  if (missing) merged.error = [merged.error, missing].filter(Boolean).join('; ');
  merged.run = runInfoOf(opts.ctx) ?? merged.run ?? null;
  if (!merged.error) merged = await gateMerged(merged, opts, scratch);
  await writeResultsFile(opts.resultsDir, merged);
  const report = await writeReportFiles(merged, opts.resultsDir, { artifactName: opts.artifactName });
  let artifactId: number | null = null;
  try {
    artifactId =
      (await uploadResults({ dir: opts.resultsDir, name: opts.artifactName, retentionDays: opts.retentionDays, env: opts.env, log: opts.log }))?.id ?? null;
  } catch (e) {
    opts.log.warning(`Artifact upload failed: ${(e as Error).message}`);
  }
  const v = verdict(merged, opts.failOn);
  const comment = await commentStep(merged, {
    ctx: opts.ctx,
    token: opts.token,
    log: opts.log,
    signal: opts.signal,
    policy: opts.comment,
    resultsDir: opts.resultsDir,
    artifactName: opts.artifactName,
    artifactId,
    verdict: v,
    latencyTolerancePct: opts.tolerances.latencyTolerancePct,
  });
  return {
    results: merged,
    outputs: { ...computeOutputs(merged, { resultsDir: opts.resultsDir, artifactId }), 'comment-body': comment.body },
    failed: v.failed,
    reason: v.reason,
    summaryMarkdown: report.summaryMarkdown,
  };
}
