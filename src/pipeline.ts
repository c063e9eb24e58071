/**
 * The whole job, the same from the action, the CLI and the tests:
 * toolchain → build → run (tasks on All-HW or the emulated farm) → results → report.
 * Every stage gets plain options; nothing here reads action inputs.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AllhwClient } from './allhw/client.js';
import { buildProject } from './build/build.js';
import type { Build } from './build/types.js';
import { publicConfig, type Config } from './config.js';
import type { Logger } from './log.js';
import { uploadResults } from './report/artifact.js';
import { writeReportFiles } from './report/index.js';
import { computeOutputs } from './report/outputs.js';
import { emitAnnotations } from './report/annotations.js';
import { renderTextTable } from './report/summary.js';
import { applyGolden, compareBaseline, loadBaseline, loadGolden, verdict } from './results/gate.js';
import { parseOutcome } from './results/parse.js';
import { ResultsStore } from './results/store.js';
import type { InputResult, Results } from './results/types.js';
import { loadInputs } from './run/inputs.js';
import { runTasks } from './run/runner.js';
import type { TaskOutcome } from './run/types.js';
import { startServe, type RunningServe } from './serve/server.js';
import { setupToolchain } from './toolchain/install.js';
import type { Toolchain } from './toolchain/types.js';

export interface PipelineContext {
  githubActions: boolean;
  /** The environment, passed in: stages never read process.env themselves. */
  env: NodeJS.ProcessEnv;
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

export function artifactName(config: Config, env: NodeJS.ProcessEnv): string {
  if (config.report.artifactName) return config.report.artifactName;
  // Jobs of a matrix upload side by side: a fixed name would clash.
  const inMatrix = Boolean(env.ALLHW_MATRIX || env.MATRIX_CONTEXT);
  return inMatrix ? `allhw-results-${config.build.board}` : 'allhw-results';
}

export async function runPipeline(config: Config, log: Logger, ctx: PipelineContext): Promise<PipelineOutcome> {
  log.secret(config.allhw.apiKey);
  const resultsDir = path.resolve(ctx.workspace, config.results.dir);
  await mkdir(resultsDir, { recursive: true });
  log.notice(config.modeReason);

  const store = await ResultsStore.create(resultsDir, {
    mode: config.mode,
    config: publicConfig(config),
  });
  let serve: RunningServe | null = null;
  let outcomes: TaskOutcome[] = [];
  let fatal: Error | null = null;
  try {
    const toolchain: Toolchain = await log.group('Toolchain', () =>
      setupToolchain({ spec: config.toolchain.spec, mirror: config.toolchain.mirror || undefined, log }),
    );
    store.setToolchain(toolchain);

    const build: Build = await log.group('Build', () =>
      buildProject({
        ...config.build,
        projectDir: path.resolve(ctx.workspace, config.build.projectDir),
        resultsDir,
        toolchain,
        githubActions: ctx.githubActions,
        log,
      }),
    );
    store.setImages(build.images);
    await store.save();

    const inputs = await loadInputs(config.run.inputs, ctx.workspace);

    let baseUrl = config.allhw.url;
    let apiKey = config.allhw.apiKey;
    if (config.mode === 'emulator') {
      // A fresh key per run: the embedded farm checks it like the real one does.
      apiKey = randomUUID();
      log.secret(apiKey);
      serve = await startServe({ port: 0, boards: config.run.emulatorBoards, keys: [apiKey], log });
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
    try {
      outcomes = await log.group('Run', () =>
        runTasks({
          client,
          images: build.images,
          inputs,
          inputsPerTask: config.run.inputsPerTask,
          uartBuffer: config.run.uartBuffer,
          exitLine: config.run.exitLine,
          maxParallel: config.run.maxParallel,
          retries: config.run.retries,
          timeoutS: config.allhw.timeoutS,
          queueTimeoutS: config.allhw.queueTimeoutS,
          log,
          signal: ctx.signal,
          onTaskEnd: async (o) => {
            o.log = await store.writeUartLog(o);
            store.addTask(o);
            await store.save();
          },
        }),
      );
    } finally {
      await client.close();
    }
  } catch (e) {
    fatal = e as Error;
  }

  // Whatever happened above, what is known is written and reported.
  let results: InputResult[] = outcomes.flatMap((o) => parseOutcome(o, { outputCount: config.run.outputCount }));
  if (config.results.golden) {
    try {
      const golden = await loadGolden(path.resolve(ctx.workspace, config.results.golden));
      results = applyGolden(results, golden, config.results);
    } catch (e) {
      fatal ??= e as Error;
    }
  }
  store.setResults(results);
  if (config.results.baseline && !fatal) {
    try {
      const baseline = await loadBaseline(path.resolve(ctx.workspace, config.results.baseline));
      store.setGate(
        compareBaseline(store.snapshot(), baseline, {
          latencyTolerancePct: config.results.latencyTolerancePct,
          sizeTolerancePct: config.results.sizeTolerancePct,
        }),
      );
    } catch (e) {
      fatal ??= e as Error;
    }
  }
  if (fatal) store.setError(fatal.message);
  await store.finish();
  const final = store.snapshot();

  const name = artifactName(config, ctx.env);
  const report = await writeReportFiles(final, resultsDir, { artifactName: name });
  emitAnnotations(final, log);
  if (serve) await serve.close();

  const upload = await uploadResults({
    dir: resultsDir,
    name,
    retentionDays: config.report.retentionDays,
    env: ctx.env,
    log,
  }).catch((e: Error) => {
    log.warning(`Artifact upload failed: ${e.message}`);
    return null;
  });

  const v = verdict(final, config.results.failOn);
  const failed = Boolean(fatal) || v.failed;
  return {
    results: final,
    outputs: computeOutputs(final, { resultsDir, artifactId: upload?.id ?? null }),
    failed,
    reason: fatal ? fatal.message : v.reason,
    summaryMarkdown: report.summaryMarkdown,
    textTable: renderTextTable(final),
    resultsDir,
  };
}
