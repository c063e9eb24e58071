import { d as setSecret, g as group, e as error, w as warning, n as notice, i as info, f as debug, h as getInput, j as saveState, k as getState } from './core.js';
import { R as Redactor, v as visibleControls, t as terminalSafe, e as environmentTokens, c as reportModeOf, d as reportConfig, p as parseConfig } from './pipeline.js';

/**
 * The Logger of the action: @actions/core's annotations, groups and masking.
 * Every message is redacted here before core prints it: the runner masks the
 * values it was told of in what it shows, but the raw stdout (and spellings
 * it was not told of) must hold no secret either.
 */
/** The one command our stages print as a line of their own: the build's problem matcher (build/matcher.ts). */
const OWN_COMMAND = /^::(add-matcher::|remove-matcher )[^\n]*$/;
function actionsLogger(redactor = new Redactor()) {
    // core escapes the newlines of annotations and debug lines, not their other control characters.
    const r = (m) => visibleControls(redactor.redact(m));
    // core.info writes the text as it is: a line of it that starts with :: would be a command to the runner.
    const line = (m) => (OWN_COMMAND.test(m) ? m : terminalSafe(r(m)));
    const props = (p) => (p?.title ? { ...p, title: r(p.title) } : p);
    return {
        debug: (m) => debug(r(m)),
        info: (m) => info(line(m)),
        notice: (m, p) => notice(r(m), props(p)),
        warning: (m, p) => warning(r(m), props(p)),
        error: (m, p) => error(r(m), props(p)),
        group: (name, fn) => group(r(name), fn),
        secret: (v) => {
            redactor.add(v);
            for (const form of new Redactor([v]).forms())
                setSecret(form);
        },
    };
}

/** The only reader of the action's inputs: all of them, once, into one checked Config. */
const input = (name) => getInput(name);
function readConfig(log) {
    // The key and any GitHub token are masked before anything else can print them.
    for (const secret of [input('ci-api-key'), input('github-token'), ...environmentTokens(process.env)])
        log.secret(secret);
    return reportModeOf(input) ? reportConfig(input) : parseConfig(input);
}
/** `mode: comment` or `mode: merge` (they build and run nothing), else null. */
function readReportMode() {
    return reportModeOf(input);
}

/** What the main step tells the post step (runner state, @actions/core's saveState/getState). */
const FINISHED = 'finished';
/** The main step got to its end: the post step has nothing left to upload. */
function markFinished() {
    saveState(FINISHED, 'true');
}
function mainStepFinished() {
    return getState(FINISHED) === 'true';
}

export { actionsLogger as a, readReportMode as b, mainStepFinished as c, markFinished as m, readConfig as r };
//# sourceMappingURL=state.js.map
