/** The pipeline's use of an MLF tarball: generate the project into the results directory, before anything costly. */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { generateProject } from './generate.js';

/** Where the generated project goes: inside the results directory, so the artifact holds it for reproducing a failure. */
export const projectDirIn = (resultsDir: string): string => path.join(resultsDir, 'project');

export async function generateForRun(config: Config, workspace: string, log: Logger): Promise<string> {
  const source = path.resolve(workspace, config.model);
  const outDir = projectDirIn(path.resolve(workspace, config.results.dir));
  const board = config.build.board;
  const project = await generateProject({ model: source, board, outDir });
  const m = project.model;
  const io = (list: typeof m.inputs) => list.map((t) => `${t.dtype}[${t.count}]`).join(', ');
  log.info(
    `Generated ${outDir} from ${config.model}: MLF v${m.metadataVersion} module ${m.module} (${m.cpu}), inputs ${io(m.inputs)}, outputs ${io(m.outputs)}, ` +
      `workspace ${m.workspaceBytes} B; ${project.files.written.length} file(s) written, ${project.files.unchanged} unchanged.`,
  );
  if (project.note) log.warning(project.note);
  if (config.mode === 'emulator') log.info(`Emulator mode: the project is built for ${board}, the emulated board.`);
  return outDir;
}
