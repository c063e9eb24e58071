/**
 * Property-based checks (fast-check) of what reads hostile input: serve's
 * multipart reader and the toolchain's archive guard. The CI tests run them
 * with a fixed seed and a time bound (test/fuzz/*.test.ts); scripts/fuzz.ts
 * runs them longer, with any seed.
 */
import { mkdir, readdir, realpath, lstat, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Header } from 'tar';
import { MultipartError, readMultipart } from '../../src/serve/multipart.js';
import { EntryGuard, UnsafeArchiveError, type EntryKind } from '../../src/toolchain/archive-guard.js';
import { ToolchainError } from '../../src/toolchain/errors.js';
import { openExtractingSink } from '../../src/toolchain/extract.js';
import { readZipEntries } from '../../src/toolchain/zip.js';

// ---------------------------------------------------------------- multipart

const BOUNDARY = 'fuzz-Boundary_0123';

/** Bytes that look like pieces of the syntax, so that near-misses come up often. */
const trickyBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .constantFrom('\r\n', '--', `--${BOUNDARY}`, `\r\n--${BOUNDARY}`, `\r\n--${BOUNDARY}--`, '\r', '\n', '-', BOUNDARY.slice(0, 7))
        .map((s) => Buffer.from(s)),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => Buffer.concat(pieces.map((p) => Buffer.from(p))));

const partArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/),
  filename: fc.option(fc.stringMatching(/^[A-Za-z0-9 ._-]{1,20}$/), { nil: null }),
  data: trickyBytes,
});

function encode(parts: { name: string; filename: string | null; data: Buffer }[]): Buffer {
  const pieces: Buffer[] = [];
  for (const p of parts) {
    const filename = p.filename === null ? '' : `; filename="${p.filename}"`;
    pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${filename}\r\n\r\n`), p.data, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

/** A body cut into chunks at the given sizes (cycled). */
async function* chunked(body: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield body.subarray(at, at + n);
    at += n;
  }
}

async function readAll(body: Buffer, sizes: number[]): Promise<{ name: string; filename: string | null; data: Buffer }[]> {
  const parts: { name: string; filename: string | null; data: Buffer }[] = [];
  await readMultipart(chunked(body, sizes), BOUNDARY, (info) => {
    const pieces: Buffer[] = [];
    return {
      write: (chunk) => void pieces.push(Buffer.from(chunk)),
      end: () => void parts.push({ name: info.name, filename: info.filename, data: Buffer.concat(pieces) }),
    };
  });
  return parts;
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 });

/** Well-formed bodies read back exactly, however they are cut. */
export const multipartRoundTrip = fc.asyncProperty(fc.array(partArb, { maxLength: 5 }), chunkSizes, async (parts, sizes) => {
  // A part whose bytes hold the delimiter cannot be sent with this boundary: a real client would pick another.
  const delimiter = Buffer.from(`\r\n--${BOUNDARY}`);
  fc.pre(parts.every((p) => !Buffer.concat([Buffer.from('\r\n'), p.data, Buffer.from('\r\n')]).includes(delimiter)));
  const read = await readAll(encode(parts), sizes);
  if (read.length !== parts.length) throw new Error(`read ${read.length} parts of ${parts.length}`);
  read.forEach((r, i) => {
    const p = parts[i]!;
    if (r.name !== p.name || r.filename !== p.filename || !r.data.equals(p.data)) throw new Error(`part ${i} differs`);
  });
});

/** Any damage to a body (cut, bytes changed, bytes put in) ends in a result or a MultipartError, never another error. */
export const multipartDamage = fc.asyncProperty(
  fc.array(partArb, { minLength: 1, maxLength: 3 }),
  fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant(null), trickyBytes)), { minLength: 1, maxLength: 4 }),
  fc.option(fc.nat(), { nil: null }),
  chunkSizes,
  async (parts, edits, cutAt, sizes) => {
    let body = encode(parts);
    for (const [at, insert] of edits) {
      const p = at % (body.length + 1);
      body = insert === null ? Buffer.concat([body.subarray(0, p), body.subarray(p + 1)]) : Buffer.concat([body.subarray(0, p), insert, body.subarray(p)]);
    }
    if (cutAt !== null) body = body.subarray(0, cutAt % (body.length + 1));
    try {
      await readAll(body, sizes);
    } catch (e) {
      if (!(e instanceof MultipartError)) throw e;
    }
  },
);

/** Random bytes: never another error than MultipartError. */
export const multipartNoise = fc.asyncProperty(trickyBytes, chunkSizes, async (body, sizes) => {
  try {
    await readAll(body, sizes);
  } catch (e) {
    if (!(e instanceof MultipartError)) throw e;
  }
});

// ---------------------------------------------------------------- archive guard

const segment = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z]{1,3}$/) },
  { weight: 2, arbitrary: fc.constantFrom('..', '.', '', 'C:', '\\', '..\\..') },
);
const archivePath = fc
  .tuple(fc.constantFrom('', '', '', '/', '\\', 'C:/'), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([lead, segs]) => lead + segs.join('/'));
const entryArb = fc.record({
  path: archivePath,
  kind: fc.constantFrom<EntryKind>('file', 'file', 'directory', 'symlink', 'symlink', 'hardlink', 'other'),
  target: archivePath,
});

/**
 * An oracle for one archive's entries, written from the rules, not from the
 * guard's code: where each path lands (following links made before it),
 * and whether a link target leaves the root. The guard must refuse every
 * list the oracle calls unsafe.
 */
function oracleUnsafe(entries: { path: string; kind: EntryKind; target: string }[]): boolean {
  const links = new Map<string, string>(); // link path (normalised, relative) -> its target as given
  const absolute = (p: string): boolean => /^([/\\]|[A-Za-z]:)/.test(p);
  /** Segments of p resolved from base; null when absolute or above the root. */
  const norm = (p: string, base: string[] = []): string[] | null => {
    if (absolute(p)) return null;
    const out = [...base];
    for (const s of p.split(/[/\\]+/)) {
      if (s === '' || s === '.') continue;
      if (s === '..') {
        if (out.pop() === undefined) return null;
      } else out.push(s);
    }
    return out;
  };
  for (const e of entries) {
    if (e.kind === 'other') return true;
    if (e.path.split(/[/\\]+/).includes('..')) return true;
    const at = norm(e.path);
    if (at === null) return true;
    for (let i = 1; i < at.length; i++) if (links.has(at.slice(0, i).join('/'))) return true;
    if (e.kind === 'hardlink' && (norm(e.target) === null || e.target.split(/[/\\]+/).includes('..') || norm(e.target)!.length === 0)) return true;
    if (e.kind === 'symlink') {
      if (norm(e.target, at.slice(0, -1)) === null) return true;
      links.set(at.join('/'), e.target);
    }
  }
  return false;
}

/** The guard refuses whatever the oracle calls unsafe, and only with UnsafeArchiveError. */
export const guardMatchesOracle = fc.property(fc.array(entryArb, { minLength: 1, maxLength: 6 }), (entries) => {
  const guard = new EntryGuard();
  let refused = false;
  try {
    for (const e of entries) guard.check(e.path, e.kind, e.target);
  } catch (err) {
    if (!(err instanceof UnsafeArchiveError)) throw err;
    refused = true;
  }
  if (oracleUnsafe(entries) && !refused) throw new Error('the guard let an unsafe entry list through');
});

// ---------------------------------------------------------------- real extraction

/** A ustar archive of the entries (FIFOs for 'other'), headers written by node-tar's Header. */
function tarOf(entries: { path: string; kind: EntryKind; target: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.kind === 'file' ? Buffer.from(`${e.path}\n`) : Buffer.alloc(0);
    const block = Buffer.alloc(512);
    const header = new Header({
      path: e.path || 'x',
      mode: e.kind === 'directory' ? 0o755 : 0o644,
      size: data.length,
      mtime: new Date(0),
      type: ({ file: 'File', directory: 'Directory', symlink: 'SymbolicLink', hardlink: 'Link', other: 'FIFO' } as const)[e.kind],
      linkpath: e.kind === 'symlink' || e.kind === 'hardlink' ? e.target || 'x' : '',
    });
    header.encode(block);
    blocks.push(block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Every path under root, relative, and whether each stays inside (links resolved). */
async function escapes(root: string): Promise<string | null> {
  const real = await realpath(root);
  const walk = async (d: string): Promise<string | null> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const st = await lstat(full);
      if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) return `${full} is special`;
      if (st.isSymbolicLink()) {
        const to = await realpath(full).catch(() => null);
        if (to !== null && to !== real && !to.startsWith(real + path.sep)) return `${full} -> ${to}`;
      }
      if (st.isDirectory()) {
        const found = await walk(full);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(root);
}

/**
 * Real extraction (gzip and node-tar, as an install runs) of random
 * archives into dir/box/out: it fails with a ToolchainError, or leaves a
 * tree with nothing outside and nothing special; dir/box holds only `out`.
 */
export function extractionStaysInside(dir: string): fc.IAsyncPropertyWithHooks<[{ path: string; kind: EntryKind; target: string }[]]> {
  let n = 0;
  return fc.asyncProperty(fc.array(entryArb, { minLength: 1, maxLength: 6 }), async (entries) => {
    const box = path.join(dir, `box-${n++}`);
    await mkdir(box, { recursive: true });
    const gz = gzipSync(tarOf(entries));
    const out = path.join(box, 'out');
    const sink = await openExtractingSink({ format: 'tar.gz', dir: out, tempDir: box, platform: 'linux', searchPath: process.env.PATH ?? '' });
    try {
      await sink.write(gz);
      await sink.finish();
    } catch (e) {
      await sink.abort();
      if (!(e instanceof ToolchainError)) throw e;
    }
    const left = await readdir(box);
    if (left.some((name) => name !== 'out')) throw new Error(`written beside the extraction dir: ${left.join(', ')}`);
    if (left.includes('out')) {
      const found = await escapes(out);
      if (found) throw new Error(`extraction escaped: ${found}`);
    }
    await rm(box, { recursive: true, force: true });
  });
}

/** Damaged real zip files: readZipEntries answers or throws a ToolchainError, nothing else. */
export function zipDamage(zipBytes: Buffer, dir: string): fc.IAsyncPropertyWithHooks<[[number, number][]]> {
  let n = 0;
  return fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
    const bytes = Buffer.from(zipBytes);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    const file = path.join(dir, `z-${n++}.zip`);
    await writeFile(file, bytes);
    try {
      await readZipEntries(file);
    } catch (e) {
      if (!(e instanceof ToolchainError)) throw e;
    } finally {
      await rm(file, { force: true });
    }
  });
}
