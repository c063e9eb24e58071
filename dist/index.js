import { a as addPath, s as setOutput, E as ExitCode, b as setFailed, c as summary } from './chunks/core.js';
import { a as actionsLogger, r as readConfig, b as readReportMode, m as markFinished } from './chunks/state.js';
import { R as Redactor, C as ConfigError, r as runPipeline, a as actionsCacheLayer } from './chunks/pipeline.js';
import path from 'node:path';
import { a as abortOnStopSignals, r as runReportMode } from './chunks/signals.js';
import 'node:crypto';
import 'node:fs/promises';
import 'node:os';
import 'node:timers/promises';
import 'node:fs';
import 'node:events';
import 'node:stream/promises';
import 'node:child_process';
import 'node:zlib';
import 'os';
import 'crypto';
import 'fs';
import 'path';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'assert';
import 'util';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:buffer';
import 'node:util';
import 'node:querystring';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'child_process';
import 'timers';
import 'node:sqlite';
import 'node:stream/web';
import 'node:timers';
import 'node:string_decoder';
import 'buffer';
import 'zlib';
import './chunks/index.js';
import 'stream';
import 'node:readline';
import './chunks/github.js';

/**
 * Puts a directory on PATH for this process and, on GitHub, for the job's
 * following steps (core.addPath writes GITHUB_PATH). Without GITHUB_PATH,
 * core.addPath would print a workflow command: only this process's PATH changes.
 */
function addToPath(dir) {
    if (process.env.GITHUB_PATH)
        addPath(dir);
    else
        process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ''}`;
}

/**
 * The action's main step: reads the inputs once into one checked Config
 * (inputs.ts), runs the same pipeline as the CLI, then hands the outputs,
 * the job summary and the toolchain's PATH entry to the runner.
 */
/**
 * The action's own sinks besides the logger (outputs, job summary, the
 * failure) write through the same redactor as every line and file.
 */
async function run() {
    const redactor = new Redactor();
    const log = actionsLogger(redactor);
    const fail = (message) => setFailed(redactor.redact(message));
    let config;
    try {
        config = readConfig(log);
    }
    catch (e) {
        fail(e instanceof ConfigError ? e.message : `Could not read the inputs: ${e.message}`);
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
        for (const [name, value] of Object.entries(outcome.outputs))
            setOutput(name, redactor.redact(value));
        await writeJobSummary(redactor.redact(outcome.summaryMarkdown), log);
        markFinished();
        // setFailed would annotate the reason again, last: the pipeline made it the first annotation.
        if (outcome.failed && outcome.reasonAnnotated)
            process.exitCode = ExitCode.Failure;
        else if (outcome.failed)
            fail(outcome.reason);
    }
    catch (e) {
        fail(e.message);
    }
}
async function writeJobSummary(markdown, log) {
    if (!markdown || !process.env.GITHUB_STEP_SUMMARY)
        return;
    try {
        await summary.addRaw(markdown).write();
    }
    catch (e) {
        log.warning(`Could not write the job summary: ${e.message}`);
    }
}

// The action's entry point: everything happens in run().
await run();
//# sourceMappingURL=index.js.map
