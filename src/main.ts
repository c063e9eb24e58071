/**
 * The action. The only file that reads action inputs: it reads them all once
 * into one checked Config, then runs the same pipeline as the CLI.
 */
import * as core from '@actions/core';
import { actionsLogger } from './action-log.js';
import { environmentTokens, Redactor } from './common/secrets.js';
import type { Logger } from './log.js';
import { ConfigError, parseConfig, type Config, type InputName } from './config.js';
import path from 'node:path';
import { artifactName, runPipeline } from './pipeline.js';
import { uploadResults } from './report/artifact.js';

export function readConfig(log: Logger): Config {
  // The key and any GitHub token are masked before anything else can print them.
  for (const secret of [core.getInput('ci-api-key'), ...environmentTokens(process.env)]) log.secret(secret);
  return parseConfig((name: InputName) => core.getInput(name));
}

/**
 * The action's own sinks besides the logger (outputs, job summary, the
 * failure) write through the same redactor as every line and file.
 */
export async function run(): Promise<void> {
  const redactor = new Redactor();
  const log = actionsLogger(redactor);
  const fail = (message: string): void => core.setFailed(redactor.redact(message));
  let config: Config;
  try {
    config = readConfig(log);
  } catch (e) {
    fail(e instanceof ConfigError ? e.message : `Could not read the inputs: ${(e as Error).message}`);
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
    const outcome = await runPipeline(config, log, {
      githubActions: true,
      env: process.env,
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      signal: controller.signal,
      redactor,
    });
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, redactor.redact(value));
    await writeJobSummary(redactor.redact(outcome.summaryMarkdown), log);
    core.saveState('finished', 'true');
    if (outcome.failed) fail(outcome.reason);
  } catch (e) {
    fail((e as Error).message);
  }
}

async function writeJobSummary(markdown: string, log: Logger): Promise<void> {
  if (!markdown || !process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    log.warning(`Could not write the job summary: ${(e as Error).message}`);
  }
}

/**
 * The post step runs only when the job was cancelled: the main step may have
 * died before its own upload, so whatever the results directory holds goes up.
 */
export async function runPost(): Promise<void> {
  if (core.getState('finished') === 'true') return;
  const log = actionsLogger(new Redactor());
  try {
    const config = readConfig(log);
    const dir = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), config.results.dir);
    const name = artifactName(config);
    await uploadResults({ dir, name, retentionDays: config.report.retentionDays, env: process.env, log });
  } catch (e) {
    log.warning(`Post step: could not upload the partial results: ${(e as Error).message}`);
  }
}
