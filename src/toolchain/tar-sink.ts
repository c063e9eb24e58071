/**
 * Unpacks a compressed tar archive while it downloads:
 *
 *   download → xz/bzip2/gzip (system) → Node: size limits → node-tar (guard + extraction)
 *
 * One parser decides and extracts. The archive guard used to read the tar
 * headers itself and hand the stream to the system tar, which parsed it
 * again by rules of its own: a pax `path` followed by a GNU long name, or a
 * pax `size=0x200`, made the two see different entries, and an escaping
 * link got through. Here node-tar's parser is the only one: the guard
 * (EntryGuard) judges each entry node-tar has parsed, before node-tar writes
 * it, so it decides on exactly what gets written. This costs speed (node-tar
 * unpacks in JS, where GNU tar used to, about 1.4x instead of 1.2x `curl |
 * tar` on the bench); a guard that can be talked past is worth less than
 * the difference.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Unpack, type ReadEntry } from 'tar';
import { checkTreeStaysInside, EntryGuard, UnsafeArchiveError, type EntryKind } from './archive-guard.js';
import { ToolchainError } from './errors.js';
import type { ExtractingSink, ExtractOptions } from './extract.js';
import { exitOf, findExecutable, stop } from '../common/process.js';
import type { ArchiveFormat } from './table-shape.js';
import { UnpackMeter } from './unpack-limits.js';

/** Decompressors per format, preferred first (the parallel ones are faster where installed). */
const DECOMPRESSORS: Record<Exclude<ArchiveFormat, 'zip'>, [string, string[]][]> = {
  'tar.xz': [['xz', ['-dc', '-T0']]],
  'tar.bz2': [['lbzip2', ['-dc']], ['pbzip2', ['-dc']], ['bzip2', ['-dc']]],
  'tar.gz': [['pigz', ['-dc']], ['gzip', ['-dc']]],
};

const INSTALL_HINT: Record<string, string> = { xz: 'xz-utils (brew: xz)' };

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
  await mkdir(o.dir, { recursive: true });
  const guard = new EntryGuard();
  const meter = new UnpackMeter(o.limits);
  // The first thing wrong with the archive itself wins over its knock-on failures.
  let failure: Error | null = null;
  let rejectFailed: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  const fail = (e: Error): void => {
    failure ??= e;
    rejectFailed(failure);
  };
  // On a refusal node-tar is not aborted (an aborted Unpack never says when
  // its last write is done, and the staging dir must be removed after it):
  // it is fed nothing more, ended, and let finish the entries it started.
  // The decompressor is stopped: nothing it would still produce is wanted.
  let fed = true;
  const stopFeeding = (e: Error): void => {
    fail(e);
    if (!fed) return;
    fed = false;
    decompress.kill('SIGKILL');
    setImmediate(() => unpack.end());
  };

  const unpack = new Unpack({
    cwd: o.dir,
    strict: true, // every damaged header or refused entry is an error, not a warning
    preserveOwner: false,
    filter: (_path, entry) => {
      if (failure) return false;
      try {
        judge(guard, meter, entry as ReadEntry);
        return true;
      } catch (e) {
        stopFeeding(e as Error);
        return false;
      }
    },
  });
  unpack.on('error', (e: Error) => stopFeeding(e instanceof ToolchainError ? e : new ToolchainError(`The archive is not a valid tar file: ${e.message}`)));
  const unpacked = new Promise<void>((resolve) => unpack.on('close', resolve));

  const decompress = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const decompressed = exitOf(decompress);
  const input = decompress.stdin!;
  input.on('error', (e) => fail(e));
  decompress.stdout!.on('data', (chunk: Buffer) => {
    if (!fed) return;
    try {
      meter.unpacked(chunk.length);
    } catch (e) {
      stopFeeding(e as Error);
      return;
    }
    if (!unpack.write(chunk)) decompress.stdout!.pause();
  });
  unpack.on('drain', () => decompress.stdout!.resume());
  decompress.stdout!.on('end', () => {
    if (fed) {
      fed = false;
      unpack.end();
    }
  });
  void decompressed.then((x) => {
    if (x.code !== 0 && !failure) {
      fail(new ToolchainError(`${path.basename(cmd)} could not decompress the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
    }
  });

  return {
    dir: o.dir,
    async write(chunk) {
      if (failure) throw failure;
      meter.archive(chunk.length);
      if (!input.write(chunk)) {
        await Promise.race([once(input, 'drain'), failed]).catch(() => {
          throw failure;
        });
      }
    },
    async finish() {
      input.end();
      await decompressed;
      await Promise.race([unpacked, failed]).catch(() => undefined);
      if (failure) throw failure;
      await checkTreeStaysInside(o.dir);
    },
    async abort() {
      input.destroy();
      stopFeeding(failure ?? new ToolchainError('extraction stopped'));
      await stop(decompress, decompressed);
      // node-tar finishes the writes it started, then closes; bounded, should it never say so.
      await Promise.race([unpacked, sleep(30_000, undefined, { ref: false })]);
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}
