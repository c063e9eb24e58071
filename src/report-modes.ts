/**
 * The two modes that build and run nothing, as the entry points call them:
 * `merge` (the shards of this run → one report) and `comment` (a
 * workflow_run job posts the PR comment from the PR run's artifact).
 * Like the pipeline, it takes a checked Config (config.ts reportConfig) and
 * plain options: the action (src/action/) and `allhw merge` (src/cli/) call it.
 */
import path from 'node:path';
import type { Config, ReportMode } from './config.js';
import type { Logger } from './common/log.js';
import type { Results } from './results/index.js';
import { githubContext, runCommentMode, runMerge } from './github/index.js';
import { artifactName } from './pipeline.js';

export interface ReportModeContext {
  env: NodeJS.ProcessEnv;
  workspace: string;
  log: Logger;
  signal?: AbortSignal;
  /** `allhw merge DIR...`: shard folders instead of this run's artifacts. */
  dirs?: string[];
}

export interface ReportModeOutcome {
  /** The merged results (merge mode). */
  results?: Results;
  outputs: Record<string, string>;
  failed: boolean;
  reason: string;
  summaryMarkdown: string;
  /** Report modes annotate nothing themselves: the entry point annotates the reason. */
  reasonAnnotated?: false;
}

export async function runReportMode(mode: ReportMode, config: Config, c: ReportModeContext): Promise<ReportModeOutcome> {
  const ctx = githubContext(c.env);
  const resultsDir = path.resolve(c.workspace, config.results.dir);
  const token = config.github.token;
  c.log.secret(token);
  if (mode === 'comment') {
    const out = await runCommentMode({
      ctx,
      token,
      log: c.log,
      signal: c.signal,
      artifactName: artifactName(config),
      policy: config.github.comment,
      resultsDir,
      failOn: config.results.failOn,
      latencyTolerancePct: config.results.latencyTolerancePct,
    });
    return { outputs: { 'comment-body': out.body ?? '' }, failed: false, reason: out.skipped ?? `comment ${out.posted ?? 'not posted'}`, summaryMarkdown: '' };
  }
  const baseline = config.results.baseline && config.results.baseline !== 'auto' ? path.resolve(c.workspace, config.results.baseline) : config.results.baseline;
  const out = await runMerge({
    dirs: c.dirs ?? null,
    resultsDir,
    artifactName: artifactName(config),
    retentionDays: config.report.retentionDays,
    baseline,
    tolerances: { ...config.results, mode: config.results.gate },
    failOn: config.results.failOn,
    comment: config.github.comment,
    ctx,
    token,
    env: c.env,
    log: c.log,
    signal: c.signal,
  });
  return out;
}
