/** The action's post step (post-if: cancelled()). */
import path from 'node:path';
import { artifactName } from '../pipeline.js';
import { uploadResults } from '../report/index.js';
import { readConfig, readReportMode } from './inputs.js';
import { actionsLogger } from './log.js';
import { mainStepFinished } from './state.js';

/**
 * The post step runs only when the job was cancelled: the main step may have
 * died before its own upload, so whatever the results directory holds goes up.
 */
export async function run(): Promise<void> {
  if (mainStepFinished()) return;
  // The report modes write their results only at the end: a cancel leaves nothing to upload.
  if (readReportMode()) return;
  const log = actionsLogger();
  try {
    const config = readConfig(log);
    const dir = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), config.results.dir);
    const name = artifactName(config);
    await uploadResults({ dir, name, retentionDays: config.report.retentionDays, env: process.env, log });
  } catch (e) {
    log.warning(`Post step: could not upload the partial results: ${(e as Error).message}`);
  }
}
