/**
 * A fuzz pass over the input readers (.csv, .json, .npy, #input text) with a
 * fixed seed and a bound on runs and time: whatever the bytes, a reader
 * returns `#input:` lines of plain decimals or throws an Error that names the
 * file and quotes none of it. Every generated file carries a marker word
 * (the stand-in for a secret line), which no message may contain.
 * A longer run: FUZZ_RUNS=20000 npx vitest run test/run/inputs-fuzz.test.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInputs } from '../../src/run/inputs.js';
import { npyBytes } from './npy-writer.js';

const MARKER = 'ZQXSECRETZQX';
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SETTINGS = { seed: 20261201, numRuns: RUNS, interruptAfterTimeLimit: 8_000, markInterruptAsFailure: false };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'allhw-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** Loads `content` as a file with extension `ext`; checks the one rule of every outcome. */
async function check(ext: string, content: string | Buffer): Promise<void> {
  const name = `f${++n}${ext}`;
  await writeFile(path.join(dir, name), content);
  try {
    const items = await loadInputs([name], dir);
    for (const item of items) {
      expect(item.line.startsWith('#input:')).toBe(true);
      if (ext !== '.txt') expect(item.line.slice(7)).toMatch(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?)*$/);
    }
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    const message = (e as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain(MARKER);
  }
}

/** Text made of pieces that readers react to, and the marker. */
const piece = fc.oneof(
  fc.constantFrom(',', '\n', '\r\n', '[', ']', '{', '}', '"', ' ', '-', '.', 'e', '1e999', '#input:', MARKER, '\uFEFF', 'NaN', '0x1F'),
  fc.integer({ min: -300, max: 300 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ maxLength: 6 }),
);
const text = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''));

describe('input readers under fuzzing', () => {
  it('.csv', async () => {
    await fc.assert(
      fc.asyncProperty(text, (t) => check('.csv', t)),
      SETTINGS,
    );
  });
  it('.json', async () => {
    await fc.assert(
      fc.asyncProperty(text, (t) => check('.json', t)),
      SETTINGS,
    );
  });
  it('#input text', async () => {
    await fc.assert(
      fc.asyncProperty(text, (t) => check('.txt', t)),
      SETTINGS,
    );
  });
  it('.npy: random headers and data', async () => {
    const descr = fc.oneof(fc.constantFrom('<f4', '<i1', '|u1', '>i2', '<f8', '<c8', MARKER), fc.string({ maxLength: 8 }));
    const shape = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 });
    const npy = fc
      .tuple(descr, shape, fc.uint8Array({ maxLength: 64 }), fc.boolean())
      .map(([d, s, data, fortran]) => npyBytes(d, s.length ? s : [1], Buffer.from(data), { fortran }));
    const flipped = fc.tuple(npy, fc.nat(), fc.nat({ max: 255 })).map(([b, at, v]) => {
      const copy = Buffer.from(b);
      if (copy.length) copy[at % copy.length] = v;
      return copy;
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(npy, flipped), (b) => check('.npy', b)),
      SETTINGS,
    );
  });
});
