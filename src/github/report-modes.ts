/**
 * The two modes that build and run nothing, as the entry points call them:
 * `merge` (the shards of this run → one report) and `comment` (a
 * workflow_run job posts the PR comment from the PR run's artifact).
 * Their inputs are checked by the same code as a run's (parseConfig), so a
 * bad `fail-on` or `latency-tolerance` gets the same message here.
 */
import path from 'node:path';
import { parseConfig, REPORT_MODES, type Config, type InputName } from '../config.js';
import type { Logger } from '../log.js';
import type { Results } from '../results/types.js';
import { githubContext } from './context.js';
import { runCommentMode } from './comment-mode.js';
import { runMerge } from './merge-run.js';
import { artifactName } from '../pipeline.js';

export type ReportMode = (typeof REPORT_MODES)[number];

export function reportModeOf(get: (name: InputName) => string | undefined): ReportMode | null {
  const mode = (get('mode') ?? '').trim();
  return (REPORT_MODES as readonly string[]).includes(mode) ? (mode as ReportMode) : null;
}

/** A run's config with the report inputs checked; the build and run parts are unused. */
export function reportConfig(get: (name: InputName) => string | undefined): Config {
  // 'inputs' is required of a run, not of a report: any value passes the check.
  return parseConfig((name) => (name === 'mode' ? 'emulator' : name === 'inputs' ? 'unused' : get(name)));
}

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
    latencyTolerancePct: config.results.latencyTolerancePct,
    sizeTolerancePct: config.results.sizeTolerancePct,
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
