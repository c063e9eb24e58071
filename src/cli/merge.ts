/**
 * `allhw merge [--results-dir DIR] [--baseline FILE] [...] SHARD_DIR...`:
 * the shards' results folders (from `allhw run --shard i/n`) become one
 * report, as `mode: merge` makes one from a run's artifacts.
 */
import { flag, parseFlags } from './flags.js';
import { ConfigError, reportConfig, type InputName } from '../config.js';
import type { Logger } from '../common/log.js';
import { renderTextTable } from '../report/index.js';
import { runReportMode } from '../report-modes.js';

const FLAGS: InputName[] = ['results-dir', 'baseline', 'latency-tolerance', 'size-tolerance', 'fail-on', 'artifact-name', 'comment', 'github-token'];

export const MERGE_USAGE = `usage: allhw merge [--results-dir DIR] [--baseline FILE|auto] [--fail-on any|none] SHARD_DIR...

Merges the results folders of 'allhw run --shard i/n' runs into one results.json,
summary.md and junit.xml in --results-dir (default allhw-results), gated against
--baseline when given. Exit code 1 when the merged run fails.
Flags: ${FLAGS.map((f) => `--${f}`).join(', ')}`;

export async function mergeCommand(argv: string[], log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(MERGE_USAGE);
    return 0;
  }
  const parsed = parseFlags(argv, FLAGS);
  if (parsed.positionals.length === 0) throw new ConfigError('merge', `allhw merge needs the shard results folders to merge.\n${MERGE_USAGE}`);
  const token = flag(parsed, 'github-token') ?? env.GITHUB_TOKEN ?? '';
  log.secret(token);
  const config = reportConfig((name) => (name === 'github-token' ? token : parsed.values.get(name)?.join('\n')));
  const out = await runReportMode(
    'merge',
    { ...config, github: { ...config.github, comment: 'never' } },
    { env, workspace: process.cwd(), log, dirs: parsed.positionals },
  );
  if (out.results) log.info(renderTextTable(out.results, { withError: false }));
  if (!out.failed) return 0;
  log.error(out.reason);
  return 1;
}
