/**
 * The action's main step: reads the inputs once into one checked Config
 * (inputs.ts), runs the same pipeline as the CLI, then hands the outputs,
 * the job summary and the toolchain's PATH entry to the runner.
 */
import * as core from '@actions/core';
import { actionsLogger } from './log.js';
import { ConfigError, type Config } from '../config.js';
import { readConfig, readReportMode } from './inputs.js';
import { addToPath } from './path.js';
import { markFinished } from './state.js';
import { runPipeline } from '../pipeline.js';
import { runReportMode } from '../report-modes.js';
import { actionsCacheLayer } from '../toolchain/index.js';
import { abortOnStopSignals } from '../common/signals.js';

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
  const stop = abortOnStopSignals((name) => core.warning(`${name}: the job is being cancelled; writing the partial results`));
  try {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const mode = readReportMode();
    const outcome = mode
      ? await runReportMode(mode, config, { env: process.env, workspace, log, signal: stop.signal })
      : await runPipeline(config, log, {
          githubActions: true,
          env: process.env,
          workspace,
          onToolchainBin: addToPath,
          // @actions/cache reads its settings only from process.env: the layer
          // is made here, from the environment, and sets them around each call.
          toolchainCache: actionsCacheLayer(process.env, log),
          signal: stop.signal,
        });
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);
    await writeJobSummary(outcome.summaryMarkdown);
    markFinished();
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
