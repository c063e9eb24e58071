/**
 * The action. The only file that reads action inputs: it reads them all once
 * into one checked Config, then runs the same pipeline as the CLI.
 */
import * as core from '@actions/core';
import { actionsLogger } from './action-log.js';
import type { Logger } from './log.js';
import { ConfigError, parseConfig, type Config, type InputName } from './config.js';
import path from 'node:path';
import { artifactName, runPipeline } from './pipeline.js';
import { uploadResults } from './report/artifact.js';
import { reportConfig, reportModeOf, runReportMode } from './github/report-modes.js';

export function readConfig(log: Logger): Config {
  // The key is masked before anything else can print it.
  log.secret(core.getInput('ci-api-key'));
  log.secret(core.getInput('github-token'));
  const get = (name: InputName): string => core.getInput(name);
  return reportModeOf(get) ? reportConfig(get) : parseConfig(get);
}

export async function run(): Promise<void> {
  const log = actionsLogger();
  let config: Config;
  try {
    config = readConfig(log);
  } catch (e) {
    core.setFailed(e instanceof ConfigError ? e.message : `Could not read the inputs: ${(e as Error).message}`);
    return;
  }
  // A cancelled job gets SIGINT, then SIGTERM: write what is known before the kill.
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    core.warning(`${signal}: the job is being cancelled; writing the partial results`);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const mode = reportModeOf((name) => core.getInput(name));
    const outcome = mode
      ? await runReportMode(mode, config, { env: process.env, workspace, log, signal: controller.signal })
      : await runPipeline(config, log, { githubActions: true, env: process.env, workspace, signal: controller.signal });
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);
    await writeJobSummary(outcome.summaryMarkdown);
    core.saveState('finished', 'true');
    if (outcome.failed) core.setFailed(outcome.reason);
  } catch (e) {
    core.setFailed((e as Error).message);
  }
}

async function writeJobSummary(markdown: string): Promise<void> {
  if (!markdown || !process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    core.warning(`Could not write the job summary: ${(e as Error).message}`);
  }
}

/**
 * The post step runs only when the job was cancelled: the main step may have
 * died before its own upload, so whatever the results directory holds goes up.
 */
export async function runPost(): Promise<void> {
  if (core.getState('finished') === 'true') return;
  // The report modes write their results only at the end: a cancel leaves nothing to upload.
  if (reportModeOf((name) => core.getInput(name))) return;
  const log = actionsLogger();
  try {
    const config = readConfig(log);
    const dir = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), config.results.dir);
    const name = artifactName(config);
    await uploadResults({ dir, name, retentionDays: config.report.retentionDays, env: process.env, log });
  } catch (e) {
    core.warning(`Post step: could not upload the partial results: ${(e as Error).message}`);
  }
}
