/**
 * The whole job, the same from the action, the CLI and the tests:
 * toolchain → build → run (tasks on All-HW or the emulated farm) → results → report.
 * Every stage gets plain options; nothing here reads action inputs.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AllhwClient } from './allhw/index.js';
import { buildProject } from './build/index.js';
import type { Build } from './build/index.js';
import { checkEmulatorImages, preflight, type Preflight } from './pipeline-checks.js';
import { ConfigError, publicConfig, type Config } from './config.js';
import { secretForms, type Logger } from './common/log.js';
import { ArtifactNameClashError, uploadResults, type UploadedArtifact } from './report/index.js';
import { writeReportFiles } from './report/index.js';
import { computeOutputs } from './report/index.js';
import { emitAnnotations } from './report/index.js';
import { renderSummary, renderTextTable } from './report/index.js';
import { applyGolden, verdict } from './results/index.js';
import { parseOutcome } from './results/index.js';
import { ResultsStore } from './results/index.js';
import type { InputResult, Results } from './results/index.js';
import { stopOnServiceRefusal } from './run/index.js';
import { runTasks } from './run/index.js';
import type { TaskOutcome } from './run/index.js';
import { startServe, type RunningServe } from './serve/index.js';
import { setupToolchain } from './toolchain/index.js';
import type { Toolchain } from './toolchain/index.js';
import { commentStep, gateAgainstBaseline, githubContext, measurementOf, runInfoOf, shardPlan } from './github/index.js';
import { DEFAULT_ICOUNT_SHIFT } from './serve/index.js';
import type { ToolchainCacheLayer } from './toolchain/index.js';

/** The embedded farm's per-task lines repeat the runner's: keep them for --verbose. */
function quieter(log: Logger): Logger {
  return { ...log, info: (m) => log.debug(m), notice: (m) => log.debug(m) };
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  // The message is written by the cancellation report below.
  if (signal?.aborted) throw new Error('cancelled');
}

export interface PipelineContext {
  githubActions: boolean;
  /**
   * The environment, passed in: the stages get what they need of it as
   * options. (The toolchain and report stages still set process.env
   * around @actions/tool-cache, @actions/cache and @actions/artifact calls,
   * from this env, through common/process-env.ts: the only way those
   * libraries take their directories and tokens.)
   */
  env: NodeJS.ProcessEnv;
  /** Called with the toolchain's bin directory (the action puts it on PATH for the job's later steps). */
  onToolchainBin?: (binDir: string) => void;
  /** The Actions cache for the toolchain across jobs (the action passes actionsCacheLayer(env); the CLI none). */
  toolchainCache?: ToolchainCacheLayer | null;
  /** Relative paths in the config are relative to this. */
  workspace: string;
  signal?: AbortSignal;
}

export interface PipelineOutcome {
  results: Results;
  outputs: Record<string, string>;
  failed: boolean;
  reason: string;
  summaryMarkdown: string;
  textTable: string;
  resultsDir: string;
}

/**
 * Jobs of a matrix upload into one run: the default name would clash there.
 * GitHub tells an action nothing about its matrix, so the clash is caught at
 * upload time with a message that says to set `artifact-name`.
 */
export function artifactName(config: Config): string {
  const shard = config.github.shard;
  // Shards of one run need names of their own; `mode: merge` finds them by the prefix.
  const suffix = shard && !config.report.artifactName ? `-shard-${shard.index}-of-${shard.count}` : '';
  return (config.report.artifactName || 'allhw-results') + suffix;
}

/** The results directory, or a ConfigError naming 'results-dir' (nothing is written then). */
async function makeResultsDir(config: Config, workspace: string): Promise<string> {
  const dir = path.resolve(workspace, config.results.dir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file, not a directory, is in the way' : (e as Error).message;
    throw new ConfigError(
      'results-dir',
      `Input 'results-dir' has value '${config.results.dir}': the results directory cannot be made there (${why}): set 'results-dir' to another path (it is created if missing).`,
    );
  }
  return dir;
}

/** The run's error, with what could not be written (each file once) added to it. */
function withLostWrites(fatal: Error | null, lost: string[], resultsDir: string): Error | null {
  if (lost.length === 0) return fatal;
  const what = `Some results could not be written to ${resultsDir}: ${lost.join('; ')}. The task ids and codes are in the table above and in the job summary.`;
  return new Error(fatal ? `${fatal.message}\n${what}` : what);
}

export async function runPipeline(config: Config, log: Logger, ctx: PipelineContext): Promise<PipelineOutcome> {
  // The embedded farm checks a key like the real one does: a fresh one per run,
  // made here so that every writer below masks it along with the user's.
  const emulatorKey = config.mode === 'emulator' ? randomUUID() : '';
  const secrets = [config.allhw.apiKey, emulatorKey, config.github.token].filter(Boolean);
  for (const s of secrets) log.secret(s);
  const resultsDir = await makeResultsDir(config, ctx.workspace);
  log.notice(config.modeReason);
  const github = githubContext(ctx.env);
  const measurement = measurementOf({ mode: config.mode, board: config.build.board, icountShift: DEFAULT_ICOUNT_SHIFT });

  const store = await ResultsStore.create(
    resultsDir,
    { mode: config.mode, config: publicConfig(config), measurement, run: runInfoOf(github), shard: config.github.shard },
    { secrets: secrets.flatMap(secretForms) },
  );
  let serve: RunningServe | null = null;
  let outcomes: TaskOutcome[] = [];
  const parsedByTask = new Map<number, InputResult[]>();
  let fatal: Error | null = null;
  let checked: Preflight | null = null;
  try {
    checked = await preflight(config, ctx.workspace, ctx.env, log);
    const { inputs, projectDir, qemuPath } = checked;

    const toolchain: Toolchain = await log.group('Toolchain', () =>
      setupToolchain({
        spec: config.toolchain.spec,
        mirror: config.toolchain.mirror || undefined,
        searchPath: ctx.env.PATH ?? '',
        env: ctx.env,
        onBinDir: ctx.onToolchainBin,
        log,
        actionsCache: ctx.toolchainCache ?? null,
      }),
    );
    store.setToolchain(toolchain);
    throwIfCancelled(ctx.signal);

    const build: Build = await log.group('Build', () =>
      buildProject({
        ...config.build,
        projectDir,
        resultsDir,
        toolchain,
        githubActions: ctx.githubActions,
        env: ctx.env,
        log,
      }),
    );
    store.setImages(build.images);
    await store.save();
    throwIfCancelled(ctx.signal);
    if (config.mode === 'emulator') await checkEmulatorImages(build.images);

    let baseUrl = config.allhw.url;
    let apiKey = config.allhw.apiKey;
    if (config.mode === 'emulator') {
      apiKey = emulatorKey;
      serve = await startServe({ port: 0, boards: config.run.emulatorBoards, keys: [apiKey], qemuPath, log: quieter(log) });
      baseUrl = serve.url;
      log.info(`emulated All-HW farm with ${config.run.emulatorBoards} board(s) on ${baseUrl}`);
    }
    const client = new AllhwClient({
      baseUrl,
      apiKey,
      timeoutS: config.allhw.timeoutS,
      rate: config.allhw.rate,
      log: config.allhw.log,
      core: config.allhw.core || undefined,
      logger: log,
    });
    const guard = stopOnServiceRefusal(client);
    try {
      outcomes = await log.group('Run', () =>
        runTasks({
          client: guard.client,
          images: build.images,
          inputs,
          inputsPerTask: config.run.inputsPerTask,
          uartBuffer: config.run.uartBuffer,
          exitLine: config.run.exitLine,
          maxParallel: config.run.maxParallel,
          retries: config.run.retries,
          timeoutS: config.allhw.timeoutS,
          queueTimeoutS: config.allhw.queueTimeoutS,
          rate: config.allhw.rate,
          log,
          signal: ctx.signal,
          plan: config.github.shard
            ? shardPlan(build.images, inputs, config.github.shard, { inputsPerTask: config.run.inputsPerTask, uartBuffer: config.run.uartBuffer, exitLine: config.run.exitLine, log })
            : undefined,
          onTaskCreated: (planIndex, attempt, id, task) => store.recordCreated({ planIndex, attempt, id, ...task }),
          onTaskEnd: async (o) => {
            o.log = await store.writeUartLog(o);
            // Parsed now, so the journal (and soon results.json) holds every result known so far.
            const parsed = parseOutcome(o, { outputCount: config.run.outputCount });
            parsedByTask.set(o.planIndex, parsed);
            store.addTask(o, parsed);
            store.saveSoon();
            // The bytes are in the log now: a run of many tasks with large
            // outputs must not hold them all until it ends.
            o.uart = Buffer.alloc(0);
          },
        }),
      );
    } finally {
      await client.close();
    }
    const refusal = guard.stoppedBy();
    if (refusal) {
      const what = refusal.kind === 'key-rejected' ? 'rejection' : 'failure to reach the service (check ci-url)';
      throw new Error(`${refusal.message}. No task was sent after the first ${what}.`);
    }
  } catch (e) {
    fatal = e as Error;
  }

  if (ctx.signal?.aborted) {
    const inFlight = outcomes.filter((o) => o.id && o.end !== 'finished' && o.end !== 'timeout' && o.end !== 'infra');
    const ids = inFlight.map((o) => o.id).join(', ');
    // A stage the signal cut short (a build killed by SIGINT) fails with its
    // own message: the cancel is the cause, so it leads, the stage's line follows.
    const interrupted = fatal && !/^cancelled\b/.test(fatal.message) ? ` (It stopped: ${fatal.message.split('\n')[0]})` : '';
    fatal = new Error(
      `The run was cancelled; partial results are in ${resultsDir}.` +
        (inFlight.length
          ? ` ${inFlight.length} task(s) were still in flight: ${ids}. All-HW has no cancel call: they run on to their timeout.`
          : '') +
        interrupted,
    );
  }

  // Whatever happened above, what is known is written and reported.
  // The last attempt of each task was parsed as it ended; tasks never sent are parsed here.
  let results: InputResult[] = outcomes.flatMap(
    (o) => parsedByTask.get(o.planIndex) ?? parseOutcome(o, { outputCount: config.run.outputCount }),
  );
  if (checked?.golden) results = applyGolden(results, checked.golden, config.results);
  store.setResults(results);
  const ghSteps = { ctx: github, token: config.github.token, log, signal: ctx.signal };
  if (!fatal && (checked?.baseline || config.results.baseline === 'auto')) {
    // Never inside the results directory: that one is uploaded.
    const downloadDir = path.join(ctx.env.RUNNER_TEMP || os.tmpdir(), 'allhw-baseline');
    const { source, gate } = await gateAgainstBaseline(store.snapshot(), {
      ...ghSteps,
      file: checked?.baseline ?? null,
      auto: config.results.baseline === 'auto',
      artifactName: artifactName(config),
      downloadDir,
      measurement,
      latencyTolerancePct: config.results.latencyTolerancePct,
      sizeTolerancePct: config.results.sizeTolerancePct,
    });
    store.setBaselineSource(source);
    store.setGate(gate);
  }
  // A full disk must not hide what is known: what could not be written is
  // said in the error, and the reports (made in memory) still reach stdout
  // and the job summary.
  await store.finish().catch(() => undefined);
  fatal = withLostWrites(fatal, store.failedWrites(), resultsDir);
  if (fatal) {
    store.setError(fatal.message);
    await store.save().catch(() => undefined);
  }
  // Reports, annotations and outputs are made from what results.json holds: secrets masked.
  const final = store.masked();

  const name = artifactName(config);
  let reportsLost = false;
  const report = await writeReportFiles(final, resultsDir, { artifactName: name }).catch((e: Error) => {
    reportsLost = true;
    fatal = withLostWrites(fatal, [e.message], resultsDir);
    return { summaryMarkdown: `${renderSummary(final, { artifactName: name })}\n\n> [!WARNING]\n> ${e.message}\n` };
  });
  // A run stopped before any input has nothing to annotate (a totals line of zeros is noise).
  if (final.results.length > 0) emitAnnotations(final, log);
  if (serve) await serve.close();

  let upload: UploadedArtifact | null = null;
  try {
    upload = await uploadResults({ dir: resultsDir, name, retentionDays: config.report.retentionDays, env: ctx.env, log });
  } catch (e) {
    // A clash (matrix jobs sharing a name) would silently lose this job's
    // artifact: that fails the step; other upload failures only warn.
    if (e instanceof ArtifactNameClashError) fatal ??= e;
    else log.warning(`Artifact upload failed: ${(e as Error).message}`);
  }

  const v = verdict(final, config.results.failOn);
  const failed = Boolean(fatal) || v.failed;
  // A shard's comment would be a part of the report: `mode: merge` posts the whole one.
  const comment = await commentStep(final, {
    ...ghSteps,
    policy: config.github.shard ? 'never' : config.github.comment,
    resultsDir,
    artifactName: name,
    artifactId: upload?.id ?? null,
    verdict: { failed, reason: fatal ? fatal.message : v.reason },
    latencyTolerancePct: config.results.latencyTolerancePct,
  });
  return {
    results: final,
    outputs: { ...computeOutputs(final, { resultsDir, artifactId: upload?.id ?? null }), 'comment-body': comment.body },
    failed,
    reason: fatal ? fatal.message : v.reason,
    summaryMarkdown: report.summaryMarkdown,
    // The CLI prints the reason as its last (error) line, right after the table.
    textTable: renderTextTable(final, { withError: false, withTasks: reportsLost || store.failedWrites().length > 0 }),
    resultsDir,
  };
}
