import { d as setSecret, g as group, e as error, w as warning, n as notice, i as info, f as debug, h as getInput, j as saveState, k as getState } from './core.js';
import { s as secretForms, p as parseConfig } from './pipeline.js';

/** The Logger of the action: @actions/core's annotations, groups and masking. */
function actionsLogger() {
    return {
        debug: (m) => debug(m),
        info: (m) => info(m),
        notice: (m, p) => notice(m, p),
        warning: (m, p) => warning(m, p),
        error: (m, p) => error(m, p),
        group: (name, fn) => group(name, fn),
        secret: (v) => {
            for (const form of secretForms(v))
                setSecret(form);
        },
    };
}

/** The only reader of the action's inputs: all of them, once, into one checked Config. */
function readConfig(log) {
    // The key is masked before anything else can print it.
    log.secret(getInput('ci-api-key'));
    return parseConfig((name) => getInput(name));
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

export { actionsLogger as a, mainStepFinished as b, markFinished as m, readConfig as r };
//# sourceMappingURL=state.js.map
