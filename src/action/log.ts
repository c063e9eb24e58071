/**
 * The Logger of the action: @actions/core's annotations, groups and masking.
 * Every message is redacted here before core prints it: the runner masks the
 * values it was told of in what it shows, but the raw stdout (and spellings
 * it was not told of) must hold no secret either.
 */
import * as core from '@actions/core';
import { terminalSafe, visibleControls } from '../common/printable.js';
import { Redactor } from '../common/secrets.js';
import type { AnnotationProps, Logger } from '../common/log.js';

/** The one command our stages print as a line of their own: the build's problem matcher (build/matcher.ts). */
const OWN_COMMAND = /^::(add-matcher::|remove-matcher )[^\n]*$/;

export function actionsLogger(redactor = new Redactor()): Logger {
  // core escapes the newlines of annotations and debug lines, not their other control characters.
  const r = (m: string): string => visibleControls(redactor.redact(m));
  // core.info writes the text as it is: a line of it that starts with :: would be a command to the runner.
  const line = (m: string): string => (OWN_COMMAND.test(m) ? m : terminalSafe(r(m)));
  const props = (p?: AnnotationProps): AnnotationProps | undefined => (p?.title ? { ...p, title: r(p.title) } : p);
  return {
    debug: (m) => core.debug(r(m)),
    info: (m) => core.info(line(m)),
    notice: (m, p) => core.notice(r(m), props(p)),
    warning: (m, p) => core.warning(r(m), props(p)),
    error: (m, p) => core.error(r(m), props(p)),
    group: (name, fn) => core.group(r(name), fn),
    secret: (v) => {
      redactor.add(v);
      for (const form of new Redactor([v]).forms()) core.setSecret(form);
    },
  };
}
