/** `allhw generate`: an MLF tarball → a CMake project for a board, written to a directory. */
import path from 'node:path';
import { BOARDS } from '../config.js';
import { FlagError, flag, parseFlags } from '../cli-flags.js';
import type { Logger } from '../log.js';
import { MlfError } from './errors.js';
import { generateProject } from './generate.js';

const USAGE = `usage: allhw generate --model FILE --out DIR [--board ${BOARDS.join('|')}]
Writes a plain CMake project for the board from an MLF tarball (.tar, .tar.gz, .tgz) or an
unpacked MLF directory, as 'tvmc compile --executor=aot --runtime=crt --output-format=mlf' writes it.
Build it with 'allhw build --project-dir DIR --board BOARD', or by hand (DIR/README.md).
Regenerating into the same DIR rewrites only files whose content changed. Default board: f746_disco.`;

export async function generateCommand(argv: string[], log: Logger): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(USAGE);
    return 0;
  }
  const parsed = parseFlags(argv, ['model', 'out', 'board']);
  if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE}`);
  const model = flag(parsed, 'model');
  const out = flag(parsed, 'out');
  const board = flag(parsed, 'board') ?? 'f746_disco';
  if (!model || !out) throw new FlagError(`${!model ? '--model FILE' : '--out DIR'} is required.\n${USAGE}`);
  if (!BOARDS.includes(board)) throw new FlagError(`Flag --board has value '${board}': known boards are ${BOARDS.map((b) => `'${b}'`).join(', ')}.`);
  try {
    const project = await generateProject({ model: path.resolve(model), board, outDir: path.resolve(out) });
    const m = project.model;
    log.info(`Generated ${project.dir} for ${board} from ${model} (MLF v${m.metadataVersion}, module ${m.module}, entry point ${m.entry.symbol}).`);
    if (project.note) log.warning(project.note);
    log.info(`${project.files.written.length} file(s) written, ${project.files.unchanged} unchanged, ${project.files.removed.length} removed.`);
    log.info(`Build it: allhw build --project-dir ${out} --board ${board}`);
    return 0;
  } catch (e) {
    if (e instanceof MlfError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
}
