/**
 * The build stage: turns the project into image(s) with the toolchain the
 * action installed, keeps the whole build log, and sizes each image.
 */
import { dropStaleCmakeCache } from './cmake-cache.js';
import { printable } from '../common/printable.js';
import { Redactor, redactingWriter } from '../common/secrets.js';
import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { listInput, type BuildConfig } from '../config.js';
import type { Logger } from '../common/log.js';
import type { Toolchain } from '../toolchain/index.js';
import { toolchainFile } from './assets.js';
import { boardInfo } from './boards.js';
import { NONE_WITHOUT_IMAGE, detectSystem, notADirectory, probeProject } from './detect.js';
import { BuildError } from './errors.js';
import { runStep } from './exec.js';
import { discoverImages, globImages, groupArtifacts, imageNames, scanImages, type FoundImage } from './images.js';
import { DiagnosticAnchor, addMatcherCommand, removeMatcherCommands } from './matcher.js';
import { planBuild, showStep, type BuildPlan, type BuildStep } from './plan.js';
import { describeSize, describeSplit, measureImage, overCapacity } from './size.js';
import { ZephyrBoardWatch } from './zephyr-board.js';
import type { Build, Image, MemorySplit, SizeReport } from './types.js';

export { BuildError } from './errors.js';

export interface BuildOptions extends BuildConfig {
  resultsDir: string;
  toolchain: Toolchain;
  /** Inside GitHub Actions: register the gcc problem matcher. */
  githubActions?: boolean;
  log: Logger;
  /** Environment the build commands inherit (the entry layer passes its process's). */
  env: Record<string, string | undefined>;
  /** The run's secrets, masked in the build log (the logger masks the lines it prints). */
  redactor?: Redactor;
  /** Where CMake/Zephyr builds go (default: <projectDir>/build). */
  buildDir?: string;
  /**
   * How to split an image's memory the way a model engineer reads it (a
   * generated MLF project's; undefined for other projects). Given by the
   * caller so that the build stage knows nothing of models.
   */
  memorySplit?: (projectDir: string, size: SizeReport, elf: string) => Promise<MemorySplit | undefined>;
}

const TAIL_LINES = 20;
const HINTS: Record<string, string> = {
  cmake: "install CMake, or choose another 'build-system'",
  make: "install GNU make, or choose another 'build-system'",
  sh: 'a POSIX shell is needed for build-command',
};

function closeLog(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

async function runSteps(plan: BuildPlan, logFile: Writable, logPath: string, opts: BuildOptions): Promise<void> {
  const { log } = opts;
  for (const step of plan.steps) {
    const shown = showStep(step);
    logFile.write(`$ ${shown}\n`);
    log.info(`$ ${shown}`);
    const tail: string[] = [];
    const anchor = new DiagnosticAnchor(step.cwd);
    const zephyrBoard = new ZephyrBoardWatch();
    const result = await runStep(step, plan.env, {
      log: logFile,
      onLine: (raw) => {
        // A build that forces colour (-fdiagnostics-color=always) must still be matched:
        // the runner matches the lines we print. The build log keeps the raw bytes.
        const line = stripVTControlCharacters(raw);
        if (plan.system === 'zephyr') zephyrBoard.line(line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        log.info(opts.githubActions ? anchor.line(line) : line);
      },
    });
    if (result.spawnError) throw spawnFailure(step, result.spawnError, logPath);
    if (result.code !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `failed with exit code ${result.code}`;
      const explained = zephyrBoard.explain(opts.board, logPath);
      const message =
        (explained ? `${explained}\n` : '') +
        `Build command ${how}: ${shown}\n` +
        `The whole build log is in ${logPath}.` +
        (tail.length ? `\nLast ${tail.length} lines:\n${tail.join('\n')}` : '');
      throw new BuildError(message, { command: shown, exitCode: result.code, logPath, tail });
    }
  }
}

function spawnFailure(step: BuildStep, error: NodeJS.ErrnoException, logPath: string): BuildError {
  const program = step.argv[0];
  const why = error.code === 'ENOENT' ? `'${program}' is not on PATH` : error.message;
  const hint = program !== undefined && HINTS[program] ? ` (${HINTS[program]})` : '';
  return new BuildError(`Could not start the build command ${showStep(step)}: ${why}${hint}. The build log is in ${logPath}.`, {
    command: showStep(step),
    exitCode: null,
    logPath,
  });
}

async function chooseImages(plan: BuildPlan, opts: BuildOptions, projectDir: string, startedAtMs: number): Promise<FoundImage[]> {
  const patterns = listInput(opts.image);
  const resultsDir = path.resolve(opts.resultsDir);
  if (patterns.length > 0) {
    const { images, unmatched } = await globImages(patterns, projectDir);
    if (unmatched.length > 0) {
      const produced = (await scanImages(plan.searchDir, [resultsDir])).map((c) => path.relative(projectDir, c.path));
      throw new BuildError(
        `'image' pattern ${unmatched.map((p) => `'${p}'`).join(', ')} matched no file under ${projectDir}. ` +
          (produced.length ? `Images there: ${produced.join(', ')}. ` : 'No ELF or Intel HEX image is there. ') +
          "Set 'image' to a path or glob relative to 'project-dir'.",
      );
    }
    return images;
  }
  if (plan.system === 'none') {
    throw new BuildError(NONE_WITHOUT_IMAGE);
  }
  if (plan.knownImages) {
    const present = plan.knownImages.filter((file) => existsSync(file));
    const images = await groupArtifacts(present);
    if (images.length === 0) {
      throw new BuildError(`The Zephyr build finished but neither ${plan.knownImages.join(' nor ')} exists: set 'image' to the image the build writes.`);
    }
    return images;
  }
  const { images, stale } = await discoverImages(plan.searchDir, startedAtMs, [resultsDir]);
  if (images.length === 0) {
    throw new BuildError(
      `The build finished but produced no ELF (.elf, .axf) or Intel HEX (.hex) image under ${plan.searchDir}: set 'image' to the image's path (a glob relative to 'project-dir').`,
    );
  }
  if (stale) opts.log.info('No image was rewritten by this build (already up to date): taking the ones already there.');
  if (images.length > 1) {
    const list = images.map((i) => `  ${path.relative(projectDir, i.path)}`).join('\n');
    throw new BuildError(
      `The build produced ${images.length} images:\n${list}\nSet 'image' to the one to run (a glob relative to 'project-dir'), or to a glob matching all of them to run each.`,
    );
  }
  return images;
}

async function toImages(found: FoundImage[], opts: BuildOptions, projectDir: string): Promise<Image[]> {
  const names = imageNames(
    opts.board,
    found.map((f) => f.path),
    projectDir,
  );
  const images: Image[] = [];
  for (const [i, f] of found.entries()) {
    const name = names[i];
    if (name === undefined) throw new Error(`No image name for ${f.path}`);
    let size = null;
    if (f.elfForSize) {
      try {
        size = await measureImage(f.elfForSize, opts.board, { flash: opts.flashSize, ram: opts.ramSize });
        size.memory = await opts.memorySplit?.(projectDir, size, f.elfForSize);
      } catch (e) {
        throw new BuildError(`Image ${f.path} cannot be used: ${(e as Error).message}`);
      }
    }
    images.push({ name, path: f.path, format: f.format, board: opts.board, size });
    opts.log.info(
      `Image ${printable(name)}: ${printable(f.path)} (${f.format})${size ? `, ${describeSize(size)}` : ''}${size?.memory ? ` (${describeSplit(size.memory)})` : ''}`,
    );
    for (const problem of size ? overCapacity(size) : []) opts.log.warning(`Image ${printable(name)} ${problem}: it will not fit on ${opts.board}.`);
  }
  return images;
}

/** The notice for a board outside the table: what is not checked, and how to check it. */
function uncheckedSizes(opts: BuildOptions): string | null {
  if (boardInfo(opts.board)) return null;
  const flash = opts.flashSize == null;
  const ram = opts.ramSize == null;
  if (!flash && !ram) return null;
  const what = flash && ram ? 'flash and RAM use are' : flash ? 'flash use is' : 'RAM use is';
  const set = flash && ram ? "'flash-size' and 'ram-size'" : flash ? "'flash-size'" : "'ram-size'";
  return `Board '${opts.board}' is not in allhw-ci's board table: ${what} not checked against the board. Set ${set} to check ${flash && ram ? 'them' : 'it'}.`;
}

export async function buildProject(opts: BuildOptions): Promise<Build> {
  const { log } = opts;
  const projectDir = path.resolve(opts.projectDir);
  const logPath = path.resolve(opts.resultsDir, 'logs', 'build.log');
  await mkdir(path.dirname(logPath), { recursive: true });
  // The project's commands may print their environment: the log is redacted like every file of the results.
  const logFile = redactingWriter(createWriteStream(logPath), opts.redactor ?? new Redactor());
  // A log that cannot be written (disk full) must not crash the process: say so at the end.
  let logError: Error | null = null;
  logFile.on('error', (e) => {
    logError ??= e;
  });
  const baseEnv = opts.env;
  try {
    const dirStat = await stat(projectDir).catch(() => null);
    if (!dirStat?.isDirectory()) throw notADirectory(projectDir);
    const facts = await probeProject(projectDir, opts.toolchain.binDir ? `${opts.toolchain.binDir}${path.delimiter}${baseEnv.PATH ?? ''}` : baseEnv.PATH);
    const detection = detectSystem(opts.system, opts.command, projectDir, facts);
    const plan = planBuild({
      system: detection.system,
      projectDir,
      buildDir: path.resolve(opts.buildDir ?? path.join(projectDir, 'build')),
      board: opts.board,
      args: opts.args,
      command: opts.command,
      toolchain: opts.toolchain,
      facts,
      baseEnv,
      jobs: availableParallelism(),
      toolchainFile: toolchainFile(),
    });
    log.info(`Build system: ${plan.system} (${detection.reason}); board ${opts.board}; project ${projectDir}`);
    const unchecked = uncheckedSizes(opts);
    if (unchecked) log.notice(unchecked);
    logFile.write(`# allhw-ci build: ${plan.system} (${detection.reason}), board ${opts.board}, project ${projectDir}\n`);
    for (const [k, v] of Object.entries(plan.envChanges)) logFile.write(`# env ${k}=${v}\n`);
    for (const note of plan.notes) {
      log.info(note);
      logFile.write(`# ${note}\n`);
    }

    const startedAtMs = Date.now();
    if (plan.steps.length > 0) {
      // No log.group here: the caller groups the whole stage, and GitHub's groups do not nest.
      if (opts.githubActions) log.info(addMatcherCommand());
      try {
        if (plan.system === 'cmake' || plan.system === 'zephyr') await dropStaleCmakeCache(plan.buildDir, log);
        await runSteps(plan, logFile, logPath, opts);
      } finally {
        if (opts.githubActions) for (const command of removeMatcherCommands()) log.info(command);
      }
    }
    const found = await chooseImages(plan, opts, projectDir, startedAtMs);
    const images = await toImages(found, opts, projectDir);
    logFile.write(`# images: ${images.map((i) => `${i.name}=${i.path}`).join(', ')}\n`);
    await closeLog(logFile);
    if (logError) throw new BuildError(`Could not write the build log ${logPath}: ${(logError as Error).message}`);
    return { images, logPath, system: plan.system };
  } catch (e) {
    const error = e instanceof BuildError ? e : new BuildError(`The build stage failed: ${(e as Error).message}`);
    if (!error.details.logPath) Object.assign(error.details, { logPath });
    if (!logFile.writableEnded) logFile.write(`# error: ${error.message}\n`);
    throw error;
  } finally {
    if (!logFile.writableEnded) await closeLog(logFile);
  }
}
