/** The pipeline's use of an MLF tarball: generate the project into the results directory, before anything costly. */
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { generateProject } from './generate.js';

/** Where the generated project goes: inside the results directory, so the artifact holds it for reproducing a failure. */
export const projectDirIn = (resultsDir: string): string => path.join(resultsDir, 'project');

export interface RunGenerateOptions {
  /** The 'model' input as given (a path relative to the workspace). */
  model: string;
  workspace: string;
  /** The results directory, relative to the workspace or absolute. */
  resultsDir: string;
  board: string;
  /** The board is the emulated one (said so in the log). */
  emulator: boolean;
  log: Logger;
}

export async function generateForRun(opts: RunGenerateOptions): Promise<string> {
  const { model, workspace, board, log } = opts;
  const outDir = projectDirIn(path.resolve(workspace, opts.resultsDir));
  const project = await generateProject({ model: path.resolve(workspace, model), board, outDir });
  const m = project.model;
  const io = (list: typeof m.inputs) => list.map((t) => `${t.dtype}[${t.count}]`).join(', ');
  log.info(
    `Generated ${outDir} from ${model}: MLF v${m.metadataVersion} module ${m.module} (${m.cpu}), inputs ${io(m.inputs)}, outputs ${io(m.outputs)}, ` +
      `workspace ${m.workspaceBytes} B; ${project.files.written.length} file(s) written, ${project.files.unchanged} unchanged.`,
  );
  if (project.note) log.warning(project.note);
  if (opts.emulator) log.info(`Emulator mode: the project is built for ${board}, the emulated board.`);
  return outDir;
}
