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

/** What the steps of one run share: set up by prepare(), filled in as the run goes. */
interface Run {
  config: Config;
  /** The entry point's logger: annotations go there. */
  actionLog: Logger;
  /** The stages' logger (in the action, it holds their problems for the annotations at the end). */
  log: Logger;
  problems: ReturnType<typeof collectProblems>;
  ctx: PipelineContext;
  redactor: Redactor;
  /** The embedded farm's key (emulator mode), else ''. */
  emulatorKey: string;
  resultsDir: string;
  github: ReturnType<typeof githubContext>;
  measurement: ReturnType<typeof measurementOf>;
  store: ResultsStore;
  parseOptions: Parameters<typeof parseOutcome>[1];
  checked: Preflight | null;
  outcomes: TaskOutcome[];
  /** Each task's last attempt, parsed as it ended. */
  parsedByTask: Map<number, InputResult[]>;
  serve: RunningServe | null;
  fatal: Error | null;
}

/**
 * The whole run as named steps: prepare → build → run on the farm → judge →
 * publish. A failure in build or run is kept (run.fatal), and judge and
 * publish still write and report whatever is known.
 */
export async function runPipeline(config: Config, actionLog: Logger, ctx: PipelineContext): Promise<PipelineOutcome> {
  const run = await prepare(config, actionLog, ctx);
  try {
    const build = await buildImages(run);
    await runOnFarm(run, build);
  } catch (e) {
    run.fatal = e as Error;
  }
  if (ctx.signal?.aborted) run.fatal = cancelled(run);
  const final = await judge(run);
  return publish(run, final);
}

/** Secrets known to the redactor and the logger, the results directory and its store. */
export async function prepare(config: Config, actionLog: Logger, ctx: PipelineContext): Promise<Run> {
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
  // A generated MLF firmware answers each #input with a #result or one Error line.
  const parseOptions = { outputCount: config.run.outputCount, repeat: config.run.repeat, warmup: config.run.warmup, errorAnswers: config.model !== '' };
  return {
    config,
    actionLog,
    log,
    problems,
    ctx,
    redactor,
    emulatorKey,
    resultsDir,
    github,
    measurement,
    store,
    parseOptions,
    checked: null,
    outcomes: [],
    parsedByTask: new Map(),
    serve: null,
    fatal: null,
  };
}

/** The checks before any spending, the toolchain and the build (of the project, or of one generated from `model`). */
export async function buildImages(run: Run): Promise<Build> {
  const { config, ctx, log, store } = run;
  run.checked = await preflight(config, ctx.workspace, ctx.env, log);
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

  const projectDir = run.checked.projectDir;
  const buildOptions = {
    ...config.build,
    projectDir,
    resultsDir: run.resultsDir,
    toolchain,
    githubActions: ctx.githubActions,
    env: withoutKeyVariables(ctx.env),
    redactor: run.redactor,
    log,
  };
  // A project generated earlier and kept (project-dir) gets its memory split too.
  const build: Build = await log.group('Build', () =>
    config.model ? buildModelProject(buildOptions) : buildProject({ ...buildOptions, memorySplit: projectMemorySplit }),
  );
  store.setImages(build.images);
  await store.save();
  throwIfCancelled(ctx.signal);
  if (config.mode === 'emulator') await checkEmulatorImages(build.images);
  return build;
}

/** The farm to send tasks to: All-HW, or the embedded emulated one (started here, closed by publish). */
async function connectFarm(run: Run): Promise<AllhwClient> {
  const { config, log } = run;
  let baseUrl = config.allhw.url;
  let apiKey = config.allhw.apiKey;
  if (config.mode === 'emulator') {
    apiKey = run.emulatorKey;
    run.serve = await startServe({ port: 0, boards: config.run.emulatorBoards, keys: [apiKey], qemuPath: run.checked?.qemuPath, log: quieter(log) });
    baseUrl = run.serve.url;
    log.info(`emulated All-HW farm with ${config.run.emulatorBoards} board(s) on ${baseUrl}`);
  }
  const { timeoutS, rate } = config.allhw;
  return new AllhwClient({ baseUrl, apiKey, timeoutS, rate, log: config.allhw.log, core: config.allhw.core || undefined, logger: log });
}

/** Every image with every input on the farm; each task's log, results and journal lines recorded as it ends. */
export async function runOnFarm(run: Run, build: Build): Promise<void> {
  const { config, ctx, log, store } = run;
  const inputs = run.checked?.inputs ?? [];
  const client = await connectFarm(run);
  const guard = stopOnServiceRefusal(client);
  const farm = farmKey(config.mode, config.allhw.url, config.build.board);
  // The timing file lives in the tool cache, found from the environment here, not in the run stage.
  const { toolCacheDir } = cacheDirs({}, ctx.env);
  const runTiming = await loadRunTiming({ baseline: run.checked?.baseline ?? null, key: farm, toolCacheDir, log });
  const packing = { inputsPerTask: config.run.inputsPerTask, uartBuffer: config.run.uartBuffer, exitLine: config.run.exitLine };
  try {
    run.outcomes = await log.group('Run', () =>
      runTasks({
        ...packing,
        client: guard.client,
        images: build.images,
        inputs,
        sends: config.run.warmup + config.run.repeat,
        maxParallel: config.run.maxParallel,
        retries: config.run.retries,
        timeoutS: config.allhw.timeoutS,
        queueTimeoutS: config.allhw.queueTimeoutS,
        rate: config.allhw.rate,
        runTiming,
        log,
        signal: ctx.signal,
        plan: config.github.shard ? shardPlan(build.images, inputs, config.github.shard, { ...packing, log }) : undefined,
        onTaskCreated: (planIndex, attempt, id, task) => store.recordCreated({ planIndex, attempt, id, ...task }),
        onTaskEnd: (o) => recordAttempt(run, o),
        // The bytes are in the UART log once recorded: a run of many tasks
        // with large outputs must not hold them all until it ends.
        releaseOutput: true,
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
}

/** An attempt that ended: its UART log written, its inputs parsed now, so the journal (and soon results.json) holds every result known so far. */
async function recordAttempt(run: Run, o: TaskOutcome): Promise<void> {
  await run.store.writeUartLog(o);
  const parsed = parseOutcome(o, run.parseOptions);
  run.parsedByTask.set(o.planIndex, parsed);
  run.store.addTask(o, parsed);
  run.store.saveSoon();
}

/** The error a cancelled run reports: where its partial results are, and which tasks still run on. */
function cancelled(run: Run): Error {
  const { fatal, outcomes, resultsDir } = run;
  const inFlight = outcomes.filter((o) => o.id && o.end !== 'finished' && o.end !== 'timeout' && o.end !== 'infra');
  const ids = inFlight.map((o) => o.id).join(', ');
  // A stage the signal cut short (a build killed by SIGINT) fails with its
  // own message: the cancel is the cause, so it leads, the stage's line follows.
  const interrupted = fatal && !/^cancelled\b/.test(fatal.message) ? ` (It stopped: ${fatal.message.split('\n')[0]})` : '';
  return new Error(
    `The run was cancelled; partial results are in ${resultsDir}.` +
      (inFlight.length ? ` ${inFlight.length} task(s) were still in flight: ${ids}. All-HW has no cancel call: they run on to their timeout.` : '') +
      interrupted,
  );
}

/**
 * Whatever happened before, what is known is judged and written: outputs
 * against golden, the gate against the baseline, results.json. Returns the
 * results as results.json holds them (secrets masked): every report is made from it.
 */
export async function judge(run: Run): Promise<Results> {
  const { config, store, checked } = run;
  // The last attempt of each task was parsed as it ended; tasks never sent are parsed here.
  let results: InputResult[] = run.outcomes.flatMap((o) => run.parsedByTask.get(o.planIndex) ?? parseOutcome(o, run.parseOptions));
  const correctness = checked?.golden ? checkCorrectness(results, checked.golden, config.results) : null;
  if (correctness) results = correctness.results;
  store.setResults(results);
  store.setCorrectness(correctness?.correctness ?? null);
  if (!run.fatal && (checked?.baseline || config.results.baseline === 'auto')) {
    const { source, gate } = await gateAgainstBaseline(store.snapshot(), {
      ...githubSteps(run),
      file: checked?.baseline ?? null,
      auto: config.results.baseline === 'auto',
      artifactName: artifactName(config),
      // Never inside the results directory: that one is uploaded.
      downloadDir: path.join(run.ctx.env.RUNNER_TEMP || os.tmpdir(), 'allhw-baseline'),
      measurement: run.measurement,
      tolerances: { ...config.results, mode: config.results.gate },
    });
    store.setBaselineSource(source);
    store.setGate(gate);
  }
  // A full disk must not hide what is known: what could not be written is
  // said in the error, and the reports (made in memory) still reach stdout
  // and the job summary.
  await store.finish().catch(() => undefined);
  run.fatal = withLostWrites(run.fatal, store.failedWrites(), run.resultsDir);
  if (run.fatal) {
    store.setError(run.fatal.message);
    await store.save().catch(() => undefined);
  }
  return store.masked();
}

function githubSteps(run: Run) {
  return { ctx: run.github, token: run.config.github.token, log: run.log, signal: run.ctx.signal };
}

/** The artifact upload, as a status the summary can tell (a failure is kept as the run's error). */
async function upload(run: Run, name: string): Promise<ArtifactStatus> {
  try {
    return await uploadWithStatus({ dir: run.resultsDir, name, retentionDays: run.config.report.retentionDays, env: run.ctx.env, log: run.log });
  } catch (e) {
    // A clash (matrix jobs sharing a name) would silently lose this job's
    // artifact: that fails the step; other upload failures only warn.
    run.fatal ??= e as Error;
    return { state: 'failed', name, why: (e as Error).message, dir: run.resultsDir };
  }
}

/** junit.xml, summary.md, the artifact, annotations, the PR comment, and what the entry point prints. */
export async function publish(run: Run, final: Results): Promise<PipelineOutcome> {
  const { config, resultsDir, redactor } = run;
  const name = artifactName(config);
  const reportsLost = await writeReportFiles(final, resultsDir, { artifactName: name, redactor }).then(
    () => null,
    (e: Error) => e.message,
  );
  if (run.serve) await run.serve.close();
  const artifact = await upload(run, name);
  // The summary was written before the upload: now it can say what became of it, and list every problem.
  // Stage messages are not masked by the store: the summary is a file anyone with the artifact reads.
  const problems = run.problems.problems().map((p) => redactor.redact(describeProblem(p)));
  const summary = await finalSummary(final, resultsDir, { artifactName: name, artifact, problems }, reportsLost);
  if (summary.lost) run.fatal = withLostWrites(run.fatal, [summary.lost], resultsDir);
  const v = verdict(final, config.results.failOn);
  const failed = Boolean(run.fatal) || v.failed;
  const reason = run.fatal ? run.fatal.message : v.reason;
  // The action annotates the reason itself, first; the CLI prints it as its last line.
  const reasonAnnotated = run.ctx.githubActions && failed;
  emitAnnotations(final, run.actionLog, {
    rootCause: reasonAnnotated ? reason : null,
    problems: run.ctx.githubActions ? run.problems.problems() : [],
    failOn: config.results.failOn,
    // A run stopped before any input has no totals worth a notice (a line of zeros is noise).
    totals: final.results.length > 0,
  });
  const artifactId = artifact.state === 'uploaded' ? artifact.id : null;
  // A shard's comment would be a part of the report: `mode: merge` posts the whole one.
  const comment = await commentStep(final, {
    ...githubSteps(run),
    policy: config.github.shard ? 'never' : config.github.comment,
    resultsDir,
    artifactName: name,
    artifactId,
    verdict: { failed, reason },
    latencyTolerancePct: config.results.latencyTolerancePct,
  });
  // What the entry point prints or writes (outputs, job summary, the failure) is redacted like the files.
  return redactor.redactValues({
    results: final,
    outputs: { ...computeOutputs(final, { resultsDir, artifactId }), 'comment-body': comment.body },
    failed,
    reason,
    reasonAnnotated,
    summaryMarkdown: summary.markdown,
    resultsDir,
    // The CLI prints the reason as its last (error) line, right after the table.
    textTable: renderTextTable(final, { withError: false, withTasks: summary.lost !== null || run.store.failedWrites().length > 0 }),
  });
}

/**
 * The build runs the project's own commands: they get no variable holding the
 * All-HW key (a script that prints its environment would put it in build.log).
 */
export function withoutKeyVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(INPUT_CI[-_]API[-_]KEY|ALLHW_API_KEY)$/i.test(name)));
}
