/** The Logger of the action: @actions/core's annotations, groups and masking. */
import * as core from '@actions/core';
import { secretForms, type Logger } from '../common/log.js';

export function actionsLogger(): Logger {
  return {
    debug: (m) => core.debug(m),
    info: (m) => core.info(m),
    notice: (m, p) => core.notice(m, p),
    warning: (m, p) => core.warning(m, p),
    error: (m, p) => core.error(m, p),
    group: (name, fn) => core.group(name, fn),
    secret: (v) => {
      for (const form of secretForms(v)) core.setSecret(form);
    },
  };
}
