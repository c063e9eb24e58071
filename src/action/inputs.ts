/** The only reader of the action's inputs: all of them, once, into one checked Config. */
import * as core from '@actions/core';
import type { Logger } from '../common/log.js';
import { parseConfig, type Config, type InputName } from '../config.js';

export function readConfig(log: Logger): Config {
  // The key is masked before anything else can print it.
  log.secret(core.getInput('ci-api-key'));
  return parseConfig((name: InputName) => core.getInput(name));
}
