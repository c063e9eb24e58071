/** The only reader of the action's inputs: all of them, once, into one checked Config. */
import * as core from '@actions/core';
import type { Logger } from '../common/log.js';
import { environmentTokens } from '../common/secrets.js';
import { parseConfig, reportConfig, reportModeOf, type Config, type InputName, type ReportMode } from '../config.js';

const input = (name: InputName): string => core.getInput(name);

export function readConfig(log: Logger): Config {
  // The key and any GitHub token are masked before anything else can print them.
  for (const secret of [input('ci-api-key'), input('github-token'), ...environmentTokens(process.env)]) log.secret(secret);
  return reportModeOf(input) ? reportConfig(input) : parseConfig(input);
}

/** `mode: comment` or `mode: merge` (they build and run nothing), else null. */
export function readReportMode(): ReportMode | null {
  return reportModeOf(input);
}
