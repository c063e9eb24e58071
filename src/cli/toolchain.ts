/** `allhw toolchain install|list`: the toolchain stage alone, from a terminal. */
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { AS_FLAG, toolchainMirrorValue } from '../config.js';
import { setupToolchain, ToolchainError } from '../toolchain/index.js';
import { archiveFor, defaultTable } from '../toolchain/index.js';
import { FlagError, flag, parseFlags } from './flags.js';

const COMMAND_USAGE = `usage: allhw toolchain install [--toolchain RELEASE|latest|system|none] [--toolchain-mirror URL] [--tool-cache-dir DIR]
       allhw toolchain list`;

/** `allhw toolchain install|list`. Returns the exit code. */
export async function toolchainCommand(argv: string[], log: Logger): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const table = defaultTable();
    const here = `${process.platform}-${os.arch()}`;
    log.info(`Arm GNU toolchain releases (newest first); this host: ${here}`);
    for (const r of table.releases) {
      const choice = archiveFor(r, process.platform, os.arch());
      const note = choice
        ? `${choice.archive.checksum?.algorithm ?? 'no checksum'}${choice.emulated ? `, ${choice.host} build ${choice.emulated}` : ''}`
        : `no ${here} build`;
      log.info(`  ${r.name.padEnd(18)} gcc ${r.gccVersion.padEnd(8)} ${note}`);
    }
    return 0;
  }
  if (sub !== 'install' || rest.includes('--help') || rest.includes('-h')) {
    log.info(COMMAND_USAGE);
    return sub === 'install' || sub === '--help' || sub === '-h' || sub === 'help' ? 0 : 2;
  }
  const parsed = parseFlags(rest, ['toolchain', 'toolchain-mirror', 'tool-cache-dir'], ['verbose']);
  if (parsed.positionals.length) throw new FlagError(`Unexpected argument '${parsed.positionals[0]}'.\n${COMMAND_USAGE}`);
  try {
    const t = await setupToolchain({
      spec: flag(parsed, 'toolchain') ?? 'latest',
      mirror: toolchainMirrorValue((flag(parsed, 'toolchain-mirror') ?? '').trim(), AS_FLAG) || undefined,
      toolCacheDir: flag(parsed, 'tool-cache-dir'),
      log,
      searchPath: process.env.PATH ?? '',
      env: process.env,
    });
    if (t.binDir) log.info(`To use it in this shell: export PATH="${t.binDir}${path.delimiter}$PATH"`);
    return 0;
  } catch (e) {
    if (!(e instanceof ToolchainError)) throw e;
    log.error(e.message);
    return 1;
  }
}
