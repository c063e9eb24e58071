/**
 * Checks the toolchain versions table's shape: every release named the way
 * Arm names them (and mapped to a distinct tool-cache version), newest first,
 * each host's archive with a file name, URLs that serve that file, and a
 * checksum with its source. Prints a summary; exits 1 on any problem.
 *
 * Run (Node 24 strips the types itself):
 *   node_modules/.bin/node scripts/check-toolchain-table.ts [table.json] [--allow-missing-checksums]
 * or compiled: node_modules/.bin/tsc -p . --outDir build-ts && node build-ts/scripts/check-toolchain-table.js
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Run from source, the sources' `.js` imports need the resolve hook; compiled, they don't.
if (import.meta.url.endsWith('.ts')) await import(new URL('./ts-resolve.mjs', import.meta.url).href);
const { HOST_KEYS, cacheVersion, tableProblems } = (await import('../src/toolchain/table-shape.js')) as typeof import('../src/toolchain/table-shape.js');
type VersionsTable = import('../src/toolchain/table-shape.js').VersionsTable;

const args = process.argv.slice(2);
const allowMissing = args.includes('--allow-missing-checksums');
const file = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../src/toolchain/versions.json', import.meta.url));

let table: unknown;
try {
  table = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`${file}: cannot read it as JSON: ${(e as Error).message}`);
  process.exit(1);
}
const problems = tableProblems(table, !allowMissing);
if (problems.length) {
  console.error(`${file}: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
const { releases } = table as VersionsTable;
const archives = releases.flatMap((r) => Object.values(r.hosts));
const count = (alg: string | null): number => archives.filter((a) => (a?.checksum?.algorithm ?? null) === alg).length;
console.log(`${file}: OK`);
console.log(`  ${releases.length} releases, newest first: ${releases.map((r) => `${r.name} (${cacheVersion(r.name)})`).join(', ')}`);
console.log(`  ${archives.length} archives: ${count('sha256')} sha256, ${count('md5')} md5 only, ${count(null)} without a checksum`);
for (const host of HOST_KEYS) {
  const have = releases.filter((r) => r.hosts[host]).length;
  console.log(`  ${host.padEnd(13)} ${have} of ${releases.length} releases`);
}
