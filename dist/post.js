import path from 'node:path';
import { b as artifactName, u as uploadResults } from './chunks/pipeline.js';
import 'node:fs/promises';
import 'node:fs';
import 'node:os';
import 'node:util';
import 'node:child_process';
import 'node:string_decoder';
import { c as mainStepFinished, b as readReportMode, a as actionsLogger, r as readConfig } from './chunks/state.js';
import 'node:crypto';
import 'node:timers/promises';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:sqlite';
import 'node:buffer';
import 'node:tls';
import 'node:stream/web';
import 'node:async_hooks';
import 'node:url';
import 'node:console';
import 'node:timers';
import 'node:dns';
import 'events';
import 'fs';
import 'path';
import 'assert';
import 'buffer';
import 'zlib';
import './chunks/core.js';
import 'os';
import 'crypto';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'util';
import 'string_decoder';
import 'child_process';
import 'timers';
import './chunks/index.js';
import 'stream';
import 'node:stream/promises';
import 'node:readline';
import './chunks/github.js';

/** The action's post step (post-if: cancelled()). */
/**
 * The post step runs only when the job was cancelled: the main step may have
 * died before its own upload, so whatever the results directory holds goes up.
 */
async function run() {
    if (mainStepFinished())
        return;
    // The report modes write their results only at the end: a cancel leaves nothing to upload.
    if (readReportMode())
        return;
    const log = actionsLogger();
    try {
        const config = readConfig(log);
        const dir = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), config.results.dir);
        const name = artifactName(config);
        await uploadResults({ dir, name, retentionDays: config.report.retentionDays, env: process.env, log });
    }
    catch (e) {
        log.warning(`Post step: could not upload the partial results: ${e.message}`);
    }
}

// The bundled post step's entry point (dist/post.js): everything happens in run().
// post.ts only exports run(), so that @github/local-action (`--post src/action/post.ts`)
// can import it and call run() itself.
await run();
//# sourceMappingURL=post.js.map
