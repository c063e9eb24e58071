/**
 * The fault suite as a table: for each fault kind, `allhw serve --faults`
 * and the real CLI against it (test/faults/suite.ts says what is measured).
 *
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs bench/fault-suite.ts
 *        [--only 503,reset] [--seed N] [--concurrency N] [--keep] [--markdown]
 * The CLI is bundled from the current sources into .test-work/faults-cli
 * (or ALLHW_CLI=dist/cli.js to run a given bundle). Exit 1 when a case
 * breaks a required property (listed under the table).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCli } from '../test/faults/processes.js';
import { FAULT_CASES, formatMarkdownRows, formatTable, runFaultSuite, violations } from '../test/faults/suite.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});
const only = values.only?.split(',').map((k) => k.trim());
const unknown = only?.filter((k) => !FAULT_CASES.some((c) => c.kind === k)) ?? [];
if (unknown.length) {
  console.error(`unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_CASES.map((c) => c.kind).join(', ')}`);
  process.exit(2);
}
const cases = only ? FAULT_CASES.filter((c) => only.includes(c.kind)) : FAULT_CASES;

const cli = await ensureCli();
const workDir = await mkdtemp(path.join(os.tmpdir(), 'allhw-fault-suite-'));
console.log(`CLI ${cli}; ${cases.length} fault kind(s), seed ${values.seed}, ${values.concurrency} at a time; work dir ${workDir}`);
const began = performance.now();
const reports = await runFaultSuite(cases, { cli, workDir, seed: Number(values.seed) }, Number(values.concurrency), (r) =>
  console.log(`  ${r.spec}: ${r.outcome} in ${r.seconds.toFixed(1)} s`),
);
console.log('');
console.log(formatTable(reports));
if (values.markdown) console.log(`\n${formatMarkdownRows(reports)}`);
console.log(`\n${cases.length} kinds in ${((performance.now() - began) / 1000).toFixed(0)} s`);

let failed = false;
for (const [i, r] of reports.entries()) {
  const problems = violations(r, cases[i]!);
  if (problems.length === 0) continue;
  failed = true;
  console.log(`\n${r.spec}: ${problems.join('; ')}\n  files: ${r.dir}\n  stderr (last lines):\n${r.stderrTail.replace(/^/gm, '    ')}`);
}
if (!values.keep && !failed) await rm(workDir, { recursive: true, force: true });
else console.log(`\nkept ${workDir}`);
process.exitCode = failed ? 1 : 0;
