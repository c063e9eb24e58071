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
import type { Logger } from '../common/log.js';
import { Redactor } from '../common/secrets.js';

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
  const stop = abortOnStopSignals((name) => log.warning(`${name}: the job is being cancelled; writing the partial results`));
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
          redactor,
        });
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, redactor.redact(value));
    await writeJobSummary(redactor.redact(outcome.summaryMarkdown), log);
    markFinished();
    // setFailed would annotate the reason again, last: the pipeline made it the first annotation.
    if (outcome.failed && outcome.reasonAnnotated) process.exitCode = core.ExitCode.Failure;
    else if (outcome.failed) fail(outcome.reason);
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
