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
import { buildModelProject, projectMemorySplit } from './mlf/index.js';
import { checkEmulatorImages, preflight, type Preflight } from './pipeline-checks.js';
import { ConfigError, publicConfig, type Config } from './config.js';
import { environmentTokens, Redactor } from './common/secrets.js';
import type { Logger } from './common/log.js';
import { uploadWithStatus, type ArtifactStatus } from './report/index.js';
import { rewriteSummary, writeReportFiles } from './report/index.js';
import { computeOutputs } from './report/index.js';
import { emitAnnotations } from './report/index.js';
import { collectProblems, describeProblem } from './report/index.js';
import { renderSummary, renderTextTable, type SummaryOptions } from './report/index.js';
import { checkCorrectness, verdict } from './results/index.js';
import { parseOutcome } from './results/index.js';
import { ResultsStore } from './results/index.js';
import type { InputResult, Results } from './results/index.js';
import { stopOnServiceRefusal } from './run/index.js';
import { runTasks } from './run/index.js';
import { farmKey, loadRunTiming, saveRunTiming, timingRecord } from './run/index.js';
import type { TaskOutcome } from './run/index.js';
import { startServe, type RunningServe } from './serve/index.js';
import { cacheDirs, setupToolchain } from './toolchain/index.js';
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
  /**
   * The entry point's redactor (the one its logger prints through): the run
   * adds its secrets to it, and every file it writes goes through it.
   */
  redactor?: Redactor;
}

export interface PipelineOutcome {
  results: Results;
  outputs: Record<string, string>;
  failed: boolean;
  reason: string;
  /** The reason is already the step's first error annotation: the action must not annotate it again. */
  reasonAnnotated: boolean;
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

/**
 * summary.md written again once the upload's outcome is known. When it (or
 * the first report write, `lost`) could not be written, the Markdown for the
 * job summary says so instead, and the loss is returned for the run's error.
 */
async function finalSummary(final: Results, resultsDir: string, opts: SummaryOptions, lost: string | null): Promise<{ markdown: string; lost: string | null }> {
  if (!lost) {
    try {
      return { markdown: await rewriteSummary(final, resultsDir, opts), lost: null };
    } catch (e) {
      lost = (e as Error).message;
    }
  }
  return { markdown: `${renderSummary(final, opts)}\n\n> [!WARNING]\n> ${lost}\n`, lost };
}

export async function runPipeline(config: Config, actionLog: Logger, ctx: PipelineContext): Promise<PipelineOutcome> {
  // In the action, the stages' errors and warnings are annotated at the end, root cause first (see annotations.ts).
  const problems = collectProblems(actionLog, { hold: ctx.githubActions });
  const log = problems.logger;
  // The embedded farm checks a key like the real one does: a fresh one per run,
  // made here so that every writer below masks it along with the user's.
  const emulatorKey = config.mode === 'emulator' ? randomUUID() : '';
  const redactor = ctx.redactor ?? new Redactor();
  for (const s of [config.allhw.apiKey, emulatorKey, config.github.token, ...environmentTokens(ctx.env)].filter(Boolean)) {
    redactor.add(s);
    log.secret(s);
  }
  const resultsDir = await makeResultsDir(config, ctx.workspace);
  log.notice(config.modeReason);
  const github = githubContext(ctx.env);
  const measurement = measurementOf({ mode: config.mode, board: config.build.board, icountShift: DEFAULT_ICOUNT_SHIFT });

  const store = await ResultsStore.create(
    resultsDir,
    { mode: config.mode, config: publicConfig(config), measurement, run: runInfoOf(github), shard: config.github.shard },
    { redactor },
  );
  let serve: RunningServe | null = null;
  let outcomes: TaskOutcome[] = [];
  const parsedByTask = new Map<number, InputResult[]>();
  let fatal: Error | null = null;
  let checked: Preflight | null = null;
  // A generated MLF firmware answers each #input with a #result or one Error line.
  const parseOptions = { outputCount: config.run.outputCount, repeat: config.run.repeat, warmup: config.run.warmup, errorAnswers: config.model !== '' };
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

    const buildOptions = { ...config.build, projectDir, resultsDir, toolchain, githubActions: ctx.githubActions, env: withoutKeyVariables(ctx.env), redactor, log };
    // A project generated earlier and kept (project-dir) gets its memory split too.
    const build: Build = await log.group('Build', () =>
      config.model ? buildModelProject(buildOptions) : buildProject({ ...buildOptions, memorySplit: projectMemorySplit }),
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
    const farm = farmKey(config.mode, config.allhw.url, config.build.board);
    // The timing file lives in the tool cache, found from the environment here, not in the run stage.
    const { toolCacheDir } = cacheDirs({}, ctx.env);
    const runTiming = await loadRunTiming({ baseline: checked.baseline, key: farm, toolCacheDir, log });
    try {
      outcomes = await log.group('Run', () =>
        runTasks({
          client: guard.client,
          images: build.images,
          inputs,
          inputsPerTask: config.run.inputsPerTask,
          uartBuffer: config.run.uartBuffer,
          exitLine: config.run.exitLine,
          sends: config.run.warmup + config.run.repeat,
          maxParallel: config.run.maxParallel,
          retries: config.run.retries,
          timeoutS: config.allhw.timeoutS,
          queueTimeoutS: config.allhw.queueTimeoutS,
          rate: config.allhw.rate,
          runTiming,
          log,
          signal: ctx.signal,
          plan: config.github.shard
            ? shardPlan(build.images, inputs, config.github.shard, { inputsPerTask: config.run.inputsPerTask, uartBuffer: config.run.uartBuffer, exitLine: config.run.exitLine, log })
            : undefined,
          onTaskCreated: (planIndex, attempt, id, task) => store.recordCreated({ planIndex, attempt, id, ...task }),
          onTaskEnd: async (o) => {
            o.log = await store.writeUartLog(o);
            // Parsed now, so the journal (and soon results.json) holds every result known so far.
            const parsed = parseOutcome(o, parseOptions);
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
      store.setTiming(timingRecord(runTiming, farm));
      await saveRunTiming(timingRecord(runTiming, farm), toolCacheDir, log);
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
    (o) => parsedByTask.get(o.planIndex) ?? parseOutcome(o, parseOptions),
  );
  const correctness = checked?.golden ? checkCorrectness(results, checked.golden, config.results) : null;
  if (correctness) results = correctness.results;
  store.setResults(results);
  store.setCorrectness(correctness?.correctness ?? null);
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
      tolerances: { ...config.results, mode: config.results.gate },
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
  const reportsLost = await writeReportFiles(final, resultsDir, { artifactName: name, redactor }).then(
    () => null,
    (e: Error) => e.message,
  );
  if (serve) await serve.close();

  let upload: ArtifactStatus;
  try {
    upload = await uploadWithStatus({ dir: resultsDir, name, retentionDays: config.report.retentionDays, env: ctx.env, log });
  } catch (e) {
    // A clash (matrix jobs sharing a name) would silently lose this job's
    // artifact: that fails the step; other upload failures only warn.
    fatal ??= e as Error;
    upload = { state: 'failed', name, why: (e as Error).message, dir: resultsDir };
  }
  // The summary was written before the upload: now it can say what became of it, and list every problem.
  const summary = await finalSummary(
    final,
    resultsDir,
    {
      artifactName: name,
      artifact: upload,
      // Stage messages are not masked by the store: the summary is a file anyone with the artifact reads.
      problems: problems.problems().map((p) => redactor.redact(describeProblem(p))),
    },
    reportsLost,
  );
  if (summary.lost) fatal = withLostWrites(fatal, [summary.lost], resultsDir);
  const v = verdict(final, config.results.failOn);
  const failed = Boolean(fatal) || v.failed;
  const reason = fatal ? fatal.message : v.reason;
  // The action annotates the reason itself, first; the CLI prints it as its last line.
  const reasonAnnotated = ctx.githubActions && failed;
  emitAnnotations(final, actionLog, {
    rootCause: reasonAnnotated ? reason : null,
    problems: ctx.githubActions ? problems.problems() : [],
    failOn: config.results.failOn,
    // A run stopped before any input has no totals worth a notice (a line of zeros is noise).
    totals: final.results.length > 0,
  });
  // A shard's comment would be a part of the report: `mode: merge` posts the whole one.
  const comment = await commentStep(final, {
    ...ghSteps,
    policy: config.github.shard ? 'never' : config.github.comment,
    resultsDir,
    artifactName: name,
    artifactId: upload.state === 'uploaded' ? upload.id : null,
    verdict: { failed, reason },
    latencyTolerancePct: config.results.latencyTolerancePct,
  });
  // What the entry point prints or writes (outputs, job summary, the failure) is redacted like the files.
  return redactor.redactValues({
    results: final,
    outputs: { ...computeOutputs(final, { resultsDir, artifactId: upload.state === 'uploaded' ? upload.id : null }), 'comment-body': comment.body },
    failed,
    reason,
    reasonAnnotated,
    summaryMarkdown: summary.markdown,
    // The CLI prints the reason as its last (error) line, right after the table.
    textTable: renderTextTable(final, { withError: false, withTasks: summary.lost !== null || store.failedWrites().length > 0 }),
    resultsDir,
  });
}

/**
 * The build runs the project's own commands: they get no variable holding the
 * All-HW key (a script that prints its environment would put it in build.log).
 */
export function withoutKeyVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(INPUT_CI[-_]API[-_]KEY|ALLHW_API_KEY)$/i.test(name)));
}
