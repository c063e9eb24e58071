/** `allhw generate`: an MLF tarball → a CMake project for a board, written to a directory. */
import path from 'node:path';
import { AS_FLAG, BOARDS, boardValue, modelValue } from '../config.js';
import { FlagError, flag, parseFlags } from './flags.js';
import type { Logger } from '../common/log.js';
import { MlfError, generateProject } from '../mlf/index.js';

const USAGE = `usage: allhw generate --model FILE --out DIR [--board ${BOARDS.join('|')}]
Writes a plain CMake project for the board from an MLF tarball (.tar, .tar.gz, .tgz) or an
unpacked MLF directory, as 'tvmc compile --executor=aot --runtime=crt --output-format=mlf' writes it.
Build it with 'allhw build --project-dir DIR --board BOARD', or by hand (DIR/README.md).
Regenerating into the same DIR rewrites only files whose content changed. Default board: f746_disco.`;

/** Flag mistakes are thrown (FlagError, ConfigError) for main to print with exit code 2; a tarball that cannot become a project exits 1. */
export async function generateCommand(argv: string[], log: Logger): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(USAGE);
    return 0;
  }
  const parsed = parseFlags(argv, ['model', 'out', 'board']);
  if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}': flags are --name value.\n${USAGE}`);
  const given = flag(parsed, 'model');
  const out = flag(parsed, 'out');
  if (!given || !out) throw new FlagError(`${!given ? '--model FILE' : '--out DIR'} is required.\n${USAGE}`);
  const model = modelValue(given, AS_FLAG);
  const board = boardValue(flag(parsed, 'board') ?? 'f746_disco', AS_FLAG);
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
