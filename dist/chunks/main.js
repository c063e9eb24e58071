import { s as setSecret, g as group, e as error, w as warning, n as notice, i as info, d as debug, a as setFailed, b as setOutput, c as saveState, f as getInput, h as summary, j as getState } from './core.js';
import { x as secretForms, C as ConfigError, v as runPipeline, u as parseConfig, y as artifactName, z as uploadResults } from './pipeline.js';
import path from 'node:path';

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

/**
 * The action. The only file that reads action inputs: it reads them all once
 * into one checked Config, then runs the same pipeline as the CLI.
 */
function readConfig(log) {
    // The key is masked before anything else can print it.
    log.secret(getInput('ci-api-key'));
    return parseConfig((name) => getInput(name));
}
async function run() {
    const log = actionsLogger();
    let config;
    try {
        config = readConfig(log);
    }
    catch (e) {
        setFailed(e instanceof ConfigError ? e.message : `Could not read the inputs: ${e.message}`);
        return;
    }
    // A cancelled job gets SIGINT, then SIGTERM: write what is known before the kill.
    const controller = new AbortController();
    const onSignal = (signal) => {
        warning(`${signal}: the job is being cancelled; writing the partial results`);
        controller.abort(new Error(`cancelled by ${signal}`));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
        const outcome = await runPipeline(config, log, {
            githubActions: true,
            env: process.env,
            workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
            signal: controller.signal,
        });
        for (const [name, value] of Object.entries(outcome.outputs))
            setOutput(name, value);
        await writeJobSummary(outcome.summaryMarkdown);
        saveState('finished', 'true');
        if (outcome.failed)
            setFailed(outcome.reason);
    }
    catch (e) {
        setFailed(e.message);
    }
}
async function writeJobSummary(markdown) {
    if (!markdown || !process.env.GITHUB_STEP_SUMMARY)
        return;
    try {
        await summary.addRaw(markdown).write();
    }
    catch (e) {
        warning(`Could not write the job summary: ${e.message}`);
    }
}
/**
 * The post step runs only when the job was cancelled: the main step may have
 * died before its own upload, so whatever the results directory holds goes up.
 */
async function runPost() {
    if (getState('finished') === 'true')
        return;
    const log = actionsLogger();
    try {
        const config = readConfig(log);
        const dir = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), config.results.dir);
        const name = artifactName(config);
        await uploadResults({ dir, name, retentionDays: config.report.retentionDays, env: process.env, log });
    }
    catch (e) {
        warning(`Post step: could not upload the partial results: ${e.message}`);
    }
}

export { runPost as a, run as r };
//# sourceMappingURL=main.js.map
