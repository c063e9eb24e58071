/**
 * The fuzz pass CI runs: each property with a fixed seed and a time bound
 * of a few seconds (fast-check stops early, and says so, when the bound is
 * hit). Longer runs: scripts/fuzz.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildArchives, ROOT_NAME, type Archives } from '../toolchain/fixtures.js';
import { extractionStaysInside, guardMatchesOracle, multipartDamage, multipartNoise, multipartRoundTrip, zipDamage } from './properties.js';

const SEED = 20261201;
const bounded = (numRuns: number, ms = 4000): fc.Parameters<unknown> => ({ seed: SEED, numRuns, interruptAfterTimeLimit: ms });

let dir: string;
let archives: Archives;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'allhw-fuzz-'));
  archives = await buildArchives();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (archives) await rm(archives.work, { recursive: true, force: true });
});

describe('fuzz: serve multipart reader', () => {
  it('reads well-formed bodies back exactly, however they are cut', async () => {
    await fc.assert(multipartRoundTrip, bounded(400));
  });
  it('answers damaged bodies with a result or a MultipartError', async () => {
    await fc.assert(multipartDamage, bounded(400));
  });
  it('answers random bytes with a result or a MultipartError', async () => {
    await fc.assert(multipartNoise, bounded(400));
  });
});

describe('fuzz: archive guard', () => {
  it('refuses every entry list an independent oracle calls unsafe', () => {
    fc.assert(guardMatchesOracle, bounded(3000));
  });
  it('real extraction of random archives stays inside its directory or fails with a ToolchainError', async () => {
    await fc.assert(extractionStaysInside(dir), bounded(60, 8000));
  });
  it('damaged zip files are read or refused with a ToolchainError', async () => {
    await fc.assert(zipDamage(archives.files.get(`${ROOT_NAME}.zip`)!, dir), bounded(300));
  });
});
