import path from 'node:path';
import { Z as verdict, _ as commentStep, $ as githubApi, a0 as artifactOf, a1 as downloadRunArtifact, a2 as loadBaseline, a3 as RESULTS_FILE, a4 as writeFileAtomic, a5 as runInfoOf, a6 as writeReportFiles, u as uploadResults, a7 as computeOutputs, a8 as gateAgainstBaseline, a9 as githubContext, b as artifactName } from './pipeline.js';
import { mkdir, mkdtemp } from 'node:fs/promises';
import 'node:fs';
import './github.js';
import 'node:timers/promises';
import 'node:crypto';
import 'node:stream';
import os from 'node:os';
import 'node:util';
import 'node:child_process';
import 'node:string_decoder';

/**
 * `mode: comment`: the safe pattern for pull requests from forks. The PR's
 * own run has a read-only token, so it only uploads its results; a second
 * workflow, triggered by `workflow_run` in the base repository (with a
 * token that may write), runs this mode. It never checks out or runs PR
 * code: it reads the PR run's artifact (data only), checks that the PR's
 * current head is the commit that run tested (else the results are stale,
 * or the artifact names another PR), and posts or updates the one comment.
 */
/** A usage mistake: the step fails with this (API trouble never does). */
class CommentModeError extends Error {
}
function triggeringRun(payload) {
    const run = payload.workflow_run;
    if (!run || typeof run.id !== 'number' || !run.head_sha) {
        throw new CommentModeError("mode 'comment' reads the results of another workflow's run: use it in a workflow triggered by `on: workflow_run` (README, \"Fork pull requests\"); this event has no workflow_run.");
    }
    return { id: run.id, headSha: run.head_sha, event: run.event ?? '', pullRequests: (run.pull_requests ?? []).map((p) => p.number ?? 0).filter((n) => n > 0) };
}
const GET_PULL = { what: 'reading the pull request', permission: 'pull-requests: read' };
/** Null when the PR's head is the tested commit, else why not. */
async function staleReason(opts, prNumber, run, results) {
    if (results.run?.headSha && results.run.headSha !== run.headSha) {
        return `the artifact says it tested ${results.run.headSha.slice(0, 7)}, but run ${run.id} was for ${run.headSha.slice(0, 7)}`;
    }
    const { data } = await githubApi(opts).call(GET_PULL, (o) => o.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: opts.ctx.owner, repo: opts.ctx.repo, pull_number: prNumber }));
    if (data.head.sha !== run.headSha) {
        return `pull request #${prNumber}'s head is now ${data.head.sha.slice(0, 7)}, but run ${run.id} tested ${run.headSha.slice(0, 7)} (a newer push, or results of another PR): not posting them`;
    }
    return null;
}
async function fetchResults(opts, run) {
    const api = githubApi(opts);
    const artifact = await artifactOf(api, opts.ctx, run.id, opts.artifactName);
    if (!artifact)
        return `run ${run.id} has no artifact '${opts.artifactName}' (set the same 'artifact-name' in both workflows)`;
    const dir = await downloadRunArtifact(api, opts.ctx, opts.token, { id: artifact.id, runId: run.id }, path.join(opts.resultsDir, `run-${run.id}`));
    return { results: await loadBaseline(path.join(dir, 'results.json')), artifactId: artifact.id };
}
async function runCommentMode(opts) {
    const run = triggeringRun(opts.ctx.payload);
    const skip = (why) => {
        opts.log.notice(`mode 'comment': nothing posted: ${why}.`);
        return { body: null, posted: null, skipped: why };
    };
    if (!run.event.startsWith('pull_request'))
        return skip(`run ${run.id} was for a '${run.event}' event, not a pull request`);
    let results;
    let prNumber;
    let artifactId;
    try {
        const fetched = await fetchResults(opts, run);
        if (typeof fetched === 'string')
            return skip(fetched);
        ({ results, artifactId } = fetched);
        // Fork PRs are missing from workflow_run.pull_requests: the PR run recorded its number.
        prNumber = results.run?.pullRequest ?? run.pullRequests[0] ?? 0;
        if (!prNumber)
            return skip(`run ${run.id}'s results name no pull request`);
        const stale = await staleReason(opts, prNumber, run, results);
        if (stale)
            return skip(stale);
    }
    catch (e) {
        return skip(e.message);
    }
    const v = verdict(results, opts.failOn);
    const out = await commentStep(results, {
        ctx: { ...opts.ctx, pullRequest: null },
        token: opts.token,
        log: opts.log,
        signal: opts.signal,
        policy: opts.policy === 'never' ? 'never' : 'always',
        resultsDir: opts.resultsDir,
        artifactName: opts.artifactName,
        artifactId,
        pullRequest: prNumber,
        runId: run.id,
        verdict: { failed: v.failed, reason: v.reason },
        latencyTolerancePct: opts.latencyTolerancePct,
    });
    return { body: out.body, posted: out.posted, skipped: null };
}

/**
 * `mode: merge` (`allhw merge`): the shards of a matrix become one report.
 * Each shard's results.json is taken (from this run's artifacts named
 * `<artifact-name>-…`, or from folders given on the command line), merged
 * into one results.json in the order an unsharded run would have written,
 * then gated, reported, uploaded and commented on as one run. A shard that
 * stopped early makes the whole run fail, with its reason.
 */
const LIST = { what: "listing this run's artifacts", permission: 'actions: read' };
class MergeError extends Error {
}
/** Image names made unique across boards (the same model built for two boards is two images). */
function qualifyImages(parts) {
    const boardsOf = new Map();
    for (const p of parts)
        for (const i of p.images)
            boardsOf.set(i.name, (boardsOf.get(i.name) ?? new Set()).add(i.board));
    const clash = (name) => (boardsOf.get(name)?.size ?? 0) > 1;
    return parts.map((p) => {
        const boardOf = new Map(p.images.map((i) => [i.name, i.board]));
        const rename = (name) => (clash(name) ? `${name}@${boardOf.get(name)}` : name);
        return {
            ...p,
            images: p.images.map((i) => ({ ...i, name: rename(i.name) })),
            results: p.results.map((r) => ({ ...r, image: rename(r.image) })),
            tasks: p.tasks.map((t) => ({ ...t, image: rename(t.image) })),
        };
    });
}
function mergedMeasurement(parts) {
    const all = parts.map((p) => p.measurement ?? null);
    const first = all[0];
    if (!first)
        return null;
    const same = all.every((m) => m && m.mode === first.mode && m.board === first.board && m.timing === first.timing);
    return same ? first : { mode: first.mode, board: 'several', timing: first.timing };
}
const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** One results.json from the shards' (gate, baseline and comment are the caller's). */
function mergeResults(input) {
    const parts = qualifyImages(input);
    const [first] = parts;
    if (!first)
        throw new MergeError('No shard results to merge.');
    const images = [];
    for (const p of parts)
        for (const i of p.images)
            if (!images.some((x) => x.name === i.name))
                images.push(i);
    images.sort((a, b) => byText(a.name, b.name));
    const imageOrder = new Map(images.map((i, n) => [i.name, n]));
    // An unsharded run reports per image, inputs in their loaded (sorted) order.
    const results = parts.flatMap((p) => p.results).sort((a, b) => (imageOrder.get(a.image) ?? 0) - (imageOrder.get(b.image) ?? 0) || byText(a.input, b.input));
    const errors = parts.map((p, n) => (p.error ? `shard ${p.shard ? `${p.shard.index}/${p.shard.count}` : n + 1}: ${p.error}` : null)).filter(Boolean);
    const times = parts.map((p) => p.startedAt).sort();
    const ends = parts
        .map((p) => p.finishedAt)
        .filter((t) => Boolean(t))
        .sort();
    return {
        ...first,
        startedAt: times[0] ?? first.startedAt,
        finishedAt: ends.at(-1) ?? null,
        images,
        tasks: parts.flatMap((p) => p.tasks),
        results,
        gate: null,
        totals: {
            inputs: results.length,
            passed: results.filter((r) => r.status === 'passed').length,
            failed: results.filter((r) => r.status === 'failed').length,
            errors: results.filter((r) => r.status === 'error').length,
            tasks: parts.reduce((n, p) => n + p.tasks.length, 0),
        },
        error: errors.length ? errors.join('; ') : null,
        measurement: mergedMeasurement(parts),
        baseline: null,
        shard: null,
    };
}
/** Expected shard count from the parts themselves: a missing shard is a failure, not a smaller report. */
function missingShards(parts) {
    const counts = new Set(parts.map((p) => p.shard?.count).filter((c) => c !== undefined));
    if (counts.size === 0)
        return null;
    if (counts.size > 1)
        return `the shards disagree on their number (${[...counts].join(', ')})`;
    const [n = 0] = counts;
    const have = new Set(parts.map((p) => p.shard?.index));
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !have.has(i));
    return missing.length ? `shard ${missing.map((i) => `${i}/${n}`).join(', ')} left no results (did its job fail before uploading?)` : null;
}
async function loadShardDirs(dirs) {
    return Promise.all(dirs.map((d) => loadBaseline(d)));
}
/** Every shard artifact of this run, downloaded and read. */
async function downloadShards(opts) {
    const { ctx } = opts;
    if (!ctx.runId || !ctx.owner)
        throw new MergeError("mode 'merge' downloads this run's shard artifacts: it runs only in a GitHub Actions job (no GITHUB_RUN_ID).");
    const all = await opts.api.call(LIST, (o) => o.paginate('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', { owner: ctx.owner, repo: ctx.repo, run_id: ctx.runId, per_page: 100 }));
    const shards = all.filter((a) => a.name.startsWith(`${opts.prefix}-`) && !a.expired);
    if (shards.length === 0) {
        throw new MergeError(`This run has no artifacts named '${opts.prefix}-…' to merge: run the shards with 'shard: i/n' (and 'artifact-name' unset or starting with '${opts.prefix}-'), and make this job 'needs:' them.`);
    }
    opts.log.info(`Merging ${shards.length} shard artifact(s): ${shards.map((s) => s.name).join(', ')}`);
    const parts = [];
    for (const a of shards.sort((x, y) => byText(x.name, y.name))) {
        const dir = await downloadRunArtifact(opts.api, ctx, opts.token, { id: a.id, runId: ctx.runId }, path.join(opts.dir, a.name));
        parts.push(await loadBaseline(dir));
    }
    return parts;
}
/** Writes results.json atomically (as the results store does). */
async function writeResultsFile(dir, results) {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, RESULTS_FILE);
    await writeFileAtomic(file, JSON.stringify(results, null, 2) + '\n');
}

/**
 * The merge job end to end: shards in, one report out (results.json,
 * summary, JUnit, gate, artifact, comment), failing where the unsharded run
 * would have failed. Plain options; the action and the CLI call it.
 */
async function gateMerged(merged, opts, scratch) {
    if (!opts.baseline || !merged.measurement)
        return merged;
    const auto = opts.baseline === 'auto';
    const file = auto ? null : await loadBaseline(opts.baseline);
    const { source, gate } = await gateAgainstBaseline(merged, {
        ctx: opts.ctx,
        token: opts.token,
        log: opts.log,
        signal: opts.signal,
        file,
        auto,
        artifactName: opts.artifactName,
        downloadDir: path.join(scratch, 'baseline'),
        measurement: merged.measurement,
        tolerances: opts.tolerances,
    });
    return { ...merged, baseline: source, gate };
}
async function runMerge(opts) {
    const scratch = await mkdtemp(path.join(opts.env.RUNNER_TEMP || os.tmpdir(), 'allhw-merge-'));
    const parts = opts.dirs
        ? await loadShardDirs(opts.dirs)
        : await downloadShards({ api: githubApi(opts), ctx: opts.ctx, token: opts.token, prefix: opts.artifactName, dir: scratch, log: opts.log });
    let merged = mergeResults(parts);
    const missing = missingShards(parts);
    if (missing)
        merged.error = [merged.error, missing].filter(Boolean).join('; ');
    merged.run = runInfoOf(opts.ctx) ?? merged.run ?? null;
    if (!merged.error)
        merged = await gateMerged(merged, opts, scratch);
    await writeResultsFile(opts.resultsDir, merged);
    const report = await writeReportFiles(merged, opts.resultsDir, { artifactName: opts.artifactName });
    let artifactId = null;
    try {
        artifactId =
            (await uploadResults({ dir: opts.resultsDir, name: opts.artifactName, retentionDays: opts.retentionDays, env: opts.env, log: opts.log }))?.id ?? null;
    }
    catch (e) {
        opts.log.warning(`Artifact upload failed: ${e.message}`);
    }
    const v = verdict(merged, opts.failOn);
    const comment = await commentStep(merged, {
        ctx: opts.ctx,
        token: opts.token,
        log: opts.log,
        signal: opts.signal,
        policy: opts.comment,
        resultsDir: opts.resultsDir,
        artifactName: opts.artifactName,
        artifactId,
        verdict: v,
        latencyTolerancePct: opts.tolerances.latencyTolerancePct,
    });
    return {
        results: merged,
        outputs: { ...computeOutputs(merged, { resultsDir: opts.resultsDir, artifactId }), 'comment-body': comment.body },
        failed: v.failed,
        reason: v.reason,
        summaryMarkdown: report.summaryMarkdown,
    };
}

/**
 * The two modes that build and run nothing, as the entry points call them:
 * `merge` (the shards of this run → one report) and `comment` (a
 * workflow_run job posts the PR comment from the PR run's artifact).
 * Like the pipeline, it takes a checked Config (config.ts reportConfig) and
 * plain options: the action (src/action/) and `allhw merge` (src/cli/) call it.
 */
async function runReportMode(mode, config, c) {
    const ctx = githubContext(c.env);
    const resultsDir = path.resolve(c.workspace, config.results.dir);
    const token = config.github.token;
    c.log.secret(token);
    if (mode === 'comment') {
        const out = await runCommentMode({
            ctx,
            token,
            log: c.log,
            signal: c.signal,
            artifactName: artifactName(config),
            policy: config.github.comment,
            resultsDir,
            failOn: config.results.failOn,
            latencyTolerancePct: config.results.latencyTolerancePct,
        });
        return { outputs: { 'comment-body': out.body ?? '' }, failed: false, reason: out.skipped ?? `comment ${out.posted ?? 'not posted'}`, summaryMarkdown: '' };
    }
    const baseline = config.results.baseline && config.results.baseline !== 'auto' ? path.resolve(c.workspace, config.results.baseline) : config.results.baseline;
    const out = await runMerge({
        dirs: c.dirs ?? null,
        resultsDir,
        artifactName: artifactName(config),
        retentionDays: config.report.retentionDays,
        baseline,
        tolerances: { ...config.results, mode: config.results.gate },
        failOn: config.results.failOn,
        comment: config.github.comment,
        ctx,
        token,
        env: c.env,
        log: c.log,
        signal: c.signal,
    });
    return out;
}

/** SIGINT and SIGTERM, the two ways a job or a terminal asks a run to stop. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'];
/**
 * An AbortSignal that fires at the first SIGINT or SIGTERM, after `onSignal`
 * has said what happens next. Each signal is caught once: a repeat of the same
 * one gets Node's default (exit), so a second Ctrl-C still kills a run that
 * does not stop. `dispose` removes the handlers once the run is over.
 */
function abortOnStopSignals(onSignal) {
    const controller = new AbortController();
    const handler = (signal) => {
        onSignal(signal);
        controller.abort(new Error(`cancelled by ${signal}`));
    };
    for (const s of STOP_SIGNALS)
        process.once(s, handler);
    return {
        signal: controller.signal,
        dispose: () => {
            for (const s of STOP_SIGNALS)
                process.off(s, handler);
        },
    };
}
/** SIGINT/SIGTERM as a sequence: `next` resolves at the next one, every time. */
function stopSignalSequence() {
    let resolveNext = () => undefined;
    let next = new Promise((r) => (resolveNext = r));
    const on = (signal) => {
        const resolve = resolveNext;
        next = new Promise((r) => (resolveNext = r));
        resolve(signal);
    };
    for (const s of STOP_SIGNALS)
        process.on(s, on);
    return {
        get next() {
            return next;
        },
        dispose() {
            for (const s of STOP_SIGNALS)
                process.off(s, on);
        },
    };
}

export { abortOnStopSignals as a, runReportMode as r, stopSignalSequence as s };
//# sourceMappingURL=signals.js.map
