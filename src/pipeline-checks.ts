/**
 * Checks the pipeline makes of what the user gave before it spends a run on
 * it, and advice added to a failure about a common mistake.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkProject } from './build/index.js';
import type { Image } from './build/index.js';
import { generateForRun } from './mlf/index.js';
import type { Config, InputName } from './config.js';
import type { Logger } from './common/log.js';
import { ensureCommand } from './common/os-packages.js';
import { loadBaseline, loadGolden, type Golden } from './results/index.js';
import { checkOutputCount, goldenCoverage, someNames } from './results/index.js';
import type { Results } from './results/index.js';
import { loadInputs } from './run/index.js';
import type { InputItem } from './run/index.js';
import { QEMU_COMMAND } from './serve/index.js';
import { ImageError, inspectImage } from './serve/index.js';

export interface Preflight {
  inputs: InputItem[];
  golden: Golden | null;
  baseline: Results | null;
  projectDir: string;
  /** The emulated board's QEMU (emulator mode only). */
  qemuPath: string | undefined;
}

/**
 * A file an input names could not be used: the message names the input, as
 * the config's own messages do (unless it already does).
 */
async function fromInput<T>(input: InputName, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const message = (e as Error).message;
    throw message.includes(`'${input}'`) ? e : new Error(`Input '${input}': ${message}`);
  }
}

/**
 * Cheap checks of what the user sent come first: a typo in a glob, a broken
 * golden or baseline file, a wrong project path or a runner without QEMU
 * should not cost a toolchain download, a build and a run.
 */
export async function preflight(config: Config, workspace: string, env: NodeJS.ProcessEnv, log: Logger): Promise<Preflight> {
  const inputs = await fromInput('inputs', () => loadInputs(config.run.inputs, workspace, { log })).catch((e: Error) => {
    throw spacedGlobHint(e, config.run.inputs);
  });
  let golden: Golden | null = null;
  if (config.results.golden) {
    golden = await fromInput('golden', async () => {
      const loaded = await loadGolden(path.resolve(workspace, config.results.golden));
      checkOutputCount(loaded, config.run.outputCount);
      checkGoldenCoverage(loaded, inputs, log);
      return loaded;
    });
  }
  let baseline: Results | null = null;
  // 'auto' is looked up on GitHub after the run (github/pr-loop.ts).
  if (config.results.baseline && config.results.baseline !== 'auto') {
    const file = path.resolve(workspace, config.results.baseline);
    // The first run of a repository (or a branch whose base has none) has
    // no baseline yet: that is not the user's mistake, only nothing to gate.
    if (existsSync(file)) baseline = await fromInput('baseline', () => loadBaseline(file));
    else log.warning(`No baseline at '${config.results.baseline}' (input 'baseline'): latency and size are not gated in this run.`);
  }
  // With 'model', the project is generated (cheap, and it checks the tarball) rather than checked.
  const projectDir = config.model
    ? await generateForRun({
        model: config.model,
        workspace,
        resultsDir: config.results.dir,
        board: config.build.board,
        emulator: config.mode === 'emulator',
        log,
      })
    : path.resolve(workspace, config.build.projectDir);
  if (!config.model) await checkProject({ projectDir, system: config.build.system, command: config.build.command, image: config.build.image });
  // Found or installed (apt) now, before a toolchain download and a build it would waste.
  const qemuPath =
    config.mode === 'emulator'
      ? await ensureCommand({
          ...QEMU_COMMAND,
          why: "mode 'emulator'",
          otherwise: "give 'ci-api-key' to run on All-HW",
          allowInstall: true,
          searchPath: env.PATH ?? '',
          platform: process.platform,
          log,
        })
      : undefined;
  return { inputs, golden, baseline, projectDir, qemuPath };
}

/**
 * A golden file that names none of the inputs checks nothing (a renamed
 * folder, keys with another extension): that stops the run before it is
 * spent. Keys that match no input, and inputs without a key (which will
 * fail), are warned about by name.
 */
function checkGoldenCoverage(golden: Golden, inputs: InputItem[], log: Logger): void {
  const names = inputs.map((i) => i.name);
  const { unmatchedKeys, inputsWithout } = goldenCoverage(golden, names);
  const file = path.basename(golden.path);
  if (inputsWithout.length === names.length && names.length > 0) {
    throw new Error(
      `none of the ${names.length} inputs has an entry in ${file}` +
        (unmatchedKeys.length ? ` (its keys ${someNames(unmatchedKeys)} match no input)` : ' (it has no entries)') +
        `: name each key after an input, by its file's base name (e.g. ${someNames(names, 1)}) or its path relative to the workspace.`,
    );
  }
  if (unmatchedKeys.length) log.warning(`${file}: ${unmatchedKeys.length} key(s) match no input: ${someNames(unmatchedKeys)}.`);
  if (inputsWithout.length) log.warning(`${file} has no entry for ${inputsWithout.length} input(s), which will fail: ${someNames(inputsWithout)}.`);
}

/** 'a.txt b.txt' is one glob with a space in it: a failure naming it says how to give several. */
export function spacedGlobHint(e: Error, globs: string[]): Error {
  const spaced = globs.some((g) => /\s/.test(g) && e.message.includes(g));
  return spaced ? new Error(`${e.message} To give several globs, separate them with commas or new lines, not spaces.`) : e;
}

/**
 * An image the emulated board cannot run (one built for the F746's flash, a
 * binary that is neither ELF nor HEX) would only come back as code 255 on
 * every attempt, its reason buried in a UART log: the serve's own check says
 * why now, before any task.
 */
export async function checkEmulatorImages(images: Image[]): Promise<void> {
  for (const image of images) {
    try {
      await inspectImage(image.path);
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      throw new Error(
        `Image '${image.name}' (${image.path}) cannot run on the emulated board: ${e.message} ` + "Or give 'ci-api-key' to run it on the All-HW farm.",
      );
    }
  }
}
