/** The only reader of the action's inputs: all of them, once, into one checked Config. */
import * as core from '@actions/core';
import type { Logger } from '../common/log.js';
import { environmentTokens } from '../common/secrets.js';
import { parseConfig, type Config, type InputName } from '../config.js';

export function readConfig(log: Logger): Config {
  // The key and any GitHub token are masked before anything else can print them.
  for (const secret of [core.getInput('ci-api-key'), ...environmentTokens(process.env)]) log.secret(secret);
  return parseConfig((name: InputName) => core.getInput(name));
}
