/**
 * Unpacks a compressed tar archive while it downloads:
 *
 *   download → xz/bzip2/gzip → Node: size limits → node-tar's parser + the guard
 *            → the same entries, re-written in plain ustar/pax → system tar -x
 *
 * One parser decides. The guard used to read the tar headers itself and
 * hand the raw stream to the system tar, which parsed it again by rules of
 * its own: a pax `path` next to a GNU long name, or a pax `size=0x200`, made
 * the two see different entries, and an escaping link got through. Here
 * node-tar's parser (well kept, and the one npm uses) is the only reader of
 * the archive's headers; the guard judges each entry as node-tar parsed it;
 * and the system tar is never shown those headers: it gets each approved
 * entry re-written by node-tar's header writer, one plain header (plus a pax
 * record for long names) with the path, link, size and mode the guard saw,
 * followed by the entry's bytes. Nothing is left for it to read differently.
 * Why not let node-tar write the files too: its unpacking costs about 1.9x
 * the CPU of `curl | tar` on the bench, against a 1.2x goal; re-writing the
 * headers costs little, and the C tar does the file system work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { checkTreeStaysInside, EntryGuard, UnsafeArchiveError, type EntryKind } from './archive-guard.js';
import { ToolchainError } from './errors.js';
import type { ExtractingSink, ExtractOptions } from './extract.js';
import { exitOf, findExecutable, stop, type Exit } from '../common/process.js';
import type { ArchiveFormat } from './table-shape.js';
import { UnpackMeter } from './unpack-limits.js';

/** Decompressors per format, preferred first (the parallel ones are faster where installed). */
const DECOMPRESSORS: Record<Exclude<ArchiveFormat, 'zip'>, [string, string[]][]> = {
  'tar.xz': [['xz', ['-dc', '-T0']]],
  'tar.bz2': [
    ['lbzip2', ['-dc']],
    ['pbzip2', ['-dc']],
    ['bzip2', ['-dc']],
  ],
  'tar.gz': [
    ['pigz', ['-dc']],
    ['gzip', ['-dc']],
  ],
};

const INSTALL_HINT: Record<string, string> = { xz: 'xz-utils (brew: xz)' };

/** Decompressed bytes handed to the parser at once: the pipe's ~16 KB reads, regrouped. */
const FEED_BYTES = 1 << 20;
const BLOCK = 512;
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

const CANONICAL_TYPE: Partial<Record<EntryKind, 'File' | 'Directory' | 'SymbolicLink' | 'Link'>> = {
  file: 'File',
  directory: 'Directory',
  symlink: 'SymbolicLink',
  hardlink: 'Link',
};

/**
 * The plain header (pax record first, when the path or link needs one) of
 * an approved entry: only what the guard judged, permission bits only (no
 * set-id), no owner.
 */
function canonicalHeader(entry: ReadEntry, kind: EntryKind): Buffer {
  const type = CANONICAL_TYPE[kind]!;
  const fields = {
    path: entry.path,
    type,
    size: kind === 'file' ? entry.size : 0,
    mode: (entry.mode ?? (kind === 'directory' ? 0o755 : 0o644)) & 0o777,
    mtime: entry.mtime ?? new Date(0),
    uid: 0,
    gid: 0,
    linkpath: kind === 'symlink' || kind === 'hardlink' ? (entry.linkpath ?? '') : '',
  };
  const block = Buffer.alloc(BLOCK);
  const needsPax = new Header(fields).encode(block);
  if (!needsPax) return block;
  const pax = new Pax({ path: fields.path, linkpath: fields.linkpath || undefined, size: fields.size, mtime: fields.mtime }).encode();
  return Buffer.concat([pax, block]);
}

async function decompressorFor(o: ExtractOptions): Promise<[string, string[]]> {
  const candidates = DECOMPRESSORS[o.format as Exclude<ArchiveFormat, 'zip'>];
  for (const [name, args] of candidates) {
    const found = await findExecutable(name, o.searchPath, o.platform);
    if (found) return [found, args];
  }
  const name = candidates[candidates.length - 1]![0];
  throw new ToolchainError(`Extracting a .${o.format} archive needs '${name}', which is not on PATH: install ${INSTALL_HINT[name] ?? name}.`);
}

/** node-tar's entry types as the guard's kinds; anything not listed (devices, FIFOs, unknown) is 'other'. */
function kindOf(entry: ReadEntry): EntryKind {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/**
 * The guard's verdict on one parsed entry. Beyond where it lands: its size
 * must have been a plain number (a pax `size` of `0x200` or `1e3` is kept by
 * node-tar as text, which no honest archive writes).
 */
function judge(guard: EntryGuard, meter: UnpackMeter, entry: ReadEntry): void {
  meter.entry();
  if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new UnsafeArchiveError(`Refused the archive: entry '${entry.path}' has a malformed size (${String(entry.size).slice(0, 20)}).`);
  }
  guard.check(entry.path, kindOf(entry), entry.linkpath);
}

export async function openTarSink(o: ExtractOptions): Promise<ExtractingSink> {
  const [cmd, args] = await decompressorFor(o);
  const tarPath = await findExecutable('tar', o.searchPath, o.platform);
  if (!tarPath) throw new ToolchainError(`Extracting a .${o.format} archive needs 'tar', which is not on PATH: install tar.`);
  await mkdir(o.dir, { recursive: true });
  const guard = new EntryGuard();
  const meter = new UnpackMeter(o.limits);
  const pipeline = startPipeline(cmd, args, tarPath, o.dir);
  const parser = guardedParser(pipeline, guard, meter);
  pumpThroughParser(pipeline, parser, meter);
  reportExits(pipeline, cmd);
  return sinkOver(pipeline, o.dir, meter);
}

/** The first thing wrong with the archive itself wins over its knock-on failures. */
interface FirstFailure {
  readonly current: Error | null;
  /** Rejects with the first failure, once there is one. */
  readonly failed: Promise<never>;
  fail(e: Error): void;
}

function firstFailure(): FirstFailure {
  let current: Error | null = null;
  let rejectFailed: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  return {
    get current() {
      return current;
    },
    failed,
    fail(e) {
      current ??= e;
      rejectFailed(current);
    },
  };
}

/** The decompressor and tar processes, their pipes, and how a failure or refusal stops them. */
interface Pipeline {
  decompress: ChildProcess;
  tar: ChildProcess;
  exits: Record<'decompress' | 'tar', Promise<Exit>>;
  input: NodeJS.WritableStream & { destroy(): void };
  toTar: NodeJS.WritableStream & { destroy(): void; writableNeedDrain: boolean };
  failure: FirstFailure;
  /** False once refused: nothing more reaches tar. */
  feeding(): boolean;
  refuse(e: Error): void;
}

function startPipeline(cmd: string, args: string[], tarPath: string, dir: string): Pipeline {
  const failure = firstFailure();
  const decompress = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const tar = spawn(tarPath, ['-x', '-f', '-', '-C', dir, '--no-same-owner', '--no-same-permissions'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const exits: Record<'decompress' | 'tar', Promise<Exit>> = { decompress: exitOf(decompress), tar: exitOf(tar) };
  const input = decompress.stdin;
  const toTar = tar.stdin;
  input.on('error', (e) => failure.fail(e));
  toTar.on('error', (e) => failure.fail(e));
  // On a refusal nothing more reaches tar, and the decompressor is stopped: nothing it would still produce is wanted.
  let fed = true;
  const refuse = (e: Error): void => {
    failure.fail(e);
    if (!fed) return;
    fed = false;
    decompress.kill('SIGKILL');
    toTar.destroy();
  };
  return { decompress, tar, exits, input, toTar, failure, feeding: () => fed, refuse };
}

/** node-tar's parser, with the guard judging every entry before it is relayed to tar. */
function guardedParser(p: Pipeline, guard: EntryGuard, meter: UnpackMeter): Parser {
  const parser = new Parser({
    strict: true, // every damaged header is an error, not a warning
    filter: (_path, entry) => {
      if (p.failure.current) return false;
      try {
        judge(guard, meter, entry as ReadEntry);
        return true;
      } catch (e) {
        p.refuse(e as Error);
        return false;
      }
    },
  });
  parser.on('error', (e: Error) => p.refuse(e instanceof ToolchainError ? e : new ToolchainError(`The archive is not a valid tar file: ${e.message}`)));
  parser.on('entry', (entry: ReadEntry) => relayEntry(entry, p.toTar, p.feeding));
  parser.on('end', () => {
    if (p.feeding()) p.toTar.end(END_OF_ARCHIVE);
  });
  return parser;
}

/**
 * The decompressed stream into the parser, 1 MiB at a time, and only while
 * tar keeps up: what one feed relays to tar is buffered at most once over.
 */
function pumpThroughParser(p: Pipeline, parser: Parser, meter: UnpackMeter): void {
  const decompressed = p.decompress.stdout!;
  let parserBlocked = false;
  let tarBlocked = false;
  const resumeIfFree = (): void => {
    if (!parserBlocked && !tarBlocked) decompressed.resume();
  };
  parser.on('drain', () => {
    parserBlocked = false;
    resumeIfFree();
  });
  let held: Buffer[] = [];
  let heldBytes = 0;
  const feed = (): void => {
    const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    if (!parser.write(chunk)) parserBlocked = true;
    if (p.toTar.writableNeedDrain && !tarBlocked) {
      tarBlocked = true;
      p.toTar.once('drain', () => {
        tarBlocked = false;
        resumeIfFree();
      });
    }
    if (parserBlocked || tarBlocked) decompressed.pause();
  };
  decompressed.on('data', (chunk: Buffer) => {
    if (!p.feeding()) return;
    try {
      meter.unpacked(chunk.length);
    } catch (e) {
      p.refuse(e as Error);
      return;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= FEED_BYTES) feed();
  });
  decompressed.on('end', () => {
    if (!p.feeding()) return;
    if (heldBytes > 0) feed();
    parser.end();
  });
}

function reportExits(p: Pipeline, cmd: string): void {
  void p.exits.decompress.then((x) => {
    if (x.code !== 0)
      p.failure.fail(new ToolchainError(`${path.basename(cmd)} could not decompress the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  void p.exits.tar.then((x) => {
    if (x.code !== 0) p.failure.fail(new ToolchainError(`tar could not extract the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
}

function sinkOver(p: Pipeline, dir: string, meter: UnpackMeter): ExtractingSink {
  return {
    dir,
    async write(chunk) {
      if (p.failure.current) throw p.failure.current;
      meter.archive(chunk.length);
      if (!p.input.write(chunk)) {
        await Promise.race([once(p.input, 'drain'), p.failure.failed]).catch(() => {
          throw p.failure.current;
        });
      }
    },
    async finish() {
      p.input.end();
      await Promise.all([p.exits.decompress, p.exits.tar]);
      if (p.failure.current) throw p.failure.current;
      await checkTreeStaysInside(dir);
    },
    async abort() {
      p.input.destroy();
      p.refuse(p.failure.current ?? new ToolchainError('extraction stopped'));
      await Promise.all([stop(p.decompress, p.exits.decompress), stop(p.tar, p.exits.tar)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One approved entry to tar: its re-written header, then (files only) its bytes and padding. */
function relayEntry(entry: ReadEntry, toTar: NodeJS.WritableStream, feeding: () => boolean): void {
  const kind = kindOf(entry);
  if (!feeding()) return void entry.resume();
  toTar.write(canonicalHeader(entry, kind));
  if (kind !== 'file') return void entry.resume(); // a link's or directory's "body" is not passed on
  // Written at once: backpressure is applied before the parser is fed (see feed), not per entry.
  entry.on('data', (chunk: Buffer) => {
    if (feeding()) toTar.write(chunk);
  });
  entry.on('end', () => {
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (padding && feeding()) toTar.write(Buffer.alloc(padding));
  });
}
