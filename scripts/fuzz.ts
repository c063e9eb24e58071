/**
 * The long fuzz run: the properties CI runs for a few seconds
 * (test/fuzz/fuzz.test.ts), here for as long as asked, with a random or a
 * given seed. A failure prints fast-check's counterexample and the seed and
 * path that replay it; exit 1.
 *
 * Run: node_modules/.bin/node --import ./scripts/ts-resolve.mjs scripts/fuzz.ts [--seconds N] [--seed N] [--only NAME]
 * (NAME: multipart-roundtrip, multipart-damage, multipart-noise, guard, extraction, zip)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { buildArchives, ROOT_NAME } from '../test/toolchain/fixtures.js';
import { extractionStaysInside, guardMatchesOracle, multipartDamage, multipartNoise, multipartRoundTrip, zipDamage } from '../test/fuzz/properties.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const dir = await mkdtemp(path.join(os.tmpdir(), 'allhw-fuzz-long-'));
const archives = await buildArchives();

const properties: [string, () => fc.IRawProperty<unknown[]>][] = [
  ['multipart-roundtrip', () => multipartRoundTrip as fc.IRawProperty<unknown[]>],
  ['multipart-damage', () => multipartDamage as fc.IRawProperty<unknown[]>],
  ['multipart-noise', () => multipartNoise as fc.IRawProperty<unknown[]>],
  ['guard', () => guardMatchesOracle as fc.IRawProperty<unknown[]>],
  ['extraction', () => extractionStaysInside(dir) as fc.IRawProperty<unknown[]>],
  ['zip', () => zipDamage(archives.files.get(`${ROOT_NAME}.zip`)!, dir) as fc.IRawProperty<unknown[]>],
];
const chosen = properties.filter(([name]) => !values.only || name === values.only);
const share = (seconds * 1000) / chosen.length;
let failed = false;
try {
  for (const [name, property] of chosen) {
    const started = performance.now();
    const result = await fc.check(property(), { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: share });
    const took = ((performance.now() - started) / 1000).toFixed(1);
    if (result.failed) {
      failed = true;
      console.log(`FAIL ${name} after ${result.numRuns} runs (${took} s): ${fc.defaultReportMessage(result)}`);
    } else {
      console.log(`ok   ${name}: ${result.numRuns} runs in ${took} s (seed ${seed})`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await rm(archives.work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
