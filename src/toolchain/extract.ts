/**
 * Download sinks that extract. Tar archives are unpacked while they download:
 * the system decompressor (xz, bzip2, gzip) feeds a tar-header check (the
 * `tar` package's parser, which only reads headers) that forwards each chunk
 * to the system `tar` only once the headers in it passed, so an unsafe entry
 * never reaches tar. Zip files need their central directory, at the end, so
 * they are written to disk, checked whole, then unzipped.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import * as tc from '@actions/tool-cache';
import { Parser, type ReadEntry } from 'tar';
import { checkLinksStayInside, EntryGuard, type EntryKind } from './archive-guard.js';
import type { DownloadSink } from './download.js';
import { ToolchainError } from './errors.js';
import { exitOf, findExecutable, runProcess, stop } from './proc.js';
import type { ArchiveFormat } from './table-shape.js';
import { readZipEntries } from './zip.js';

/** A sink that leaves the extracted archive in `dir`. */
export interface ExtractingSink extends DownloadSink {
  readonly dir: string;
}

export interface ExtractOptions {
  format: ArchiveFormat;
  /** Where the archive's entries go; created, and removed on abort. */
  dir: string;
  /** For zip files, which are written whole before extraction. */
  tempDir: string;
  platform: NodeJS.Platform;
  /** Where to look for xz, bzip2, tar and unzip. */
  searchPath: string;
}

/** Decompressors per format, preferred first (the parallel ones are faster where installed). */
const DECOMPRESSORS: Record<Exclude<ArchiveFormat, 'zip'>, [string, string[]][]> = {
  'tar.xz': [['xz', ['-dc', '-T0']]],
  'tar.bz2': [['lbzip2', ['-dc']], ['pbzip2', ['-dc']], ['bzip2', ['-dc']]],
  'tar.gz': [['pigz', ['-dc']], ['gzip', ['-dc']]],
};

const PACKAGES: Record<string, string> = { xz: 'xz-utils (brew: xz)', bzip2: 'bzip2', gzip: 'gzip', tar: 'tar', unzip: 'unzip' };

async function need(name: string, o: ExtractOptions): Promise<string> {
  const found = await findExecutable(name, o.searchPath, o.platform);
  if (!found) throw new ToolchainError(`Extracting a .${o.format} archive needs '${name}', which is not on PATH: install ${PACKAGES[name] ?? name}.`);
  return found;
}

function kindOf(entry: ReadEntry): EntryKind | null {
  if (entry.meta) return null;
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
    case 'SparseFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'ExtendedHeader':
    case 'GlobalExtendedHeader':
    case 'OldExtendedHeader':
    case 'NextFileHasLongPath':
    case 'NextFileHasLongLinkpath':
      return null;
    default:
      return 'other';
  }
}

export async function openExtractingSink(o: ExtractOptions): Promise<ExtractingSink> {
  return o.format === 'zip' ? openZipSink(o) : openTarSink(o);
}

async function openTarSink(o: ExtractOptions): Promise<ExtractingSink> {
  const format = o.format as Exclude<ArchiveFormat, 'zip'>;
  let decompressor: [string, string[]] | null = null;
  for (const [name, args] of DECOMPRESSORS[format]) {
    const found = await findExecutable(name, o.searchPath, o.platform);
    if (found) {
      decompressor = [found, args];
      break;
    }
  }
  if (!decompressor) await need(DECOMPRESSORS[format].at(-1)![0], o);
  const tarPath = await need('tar', o);
  await mkdir(o.dir, { recursive: true });

  const [cmd, args] = decompressor!;
  // Decompressors write 8 KB at a time, and every read costs Node a callback
  // (~90,000 for a toolchain). dd regroups them into 1 MB writes, so Node reads
  // full 64 KB chunks: a third of the CPU, when dd is there.
  const dd = await findExecutable('dd', o.searchPath, o.platform);
  const regroup = dd ? spawn(dd, ['ibs=64k', 'obs=1M'], { stdio: ['pipe', 'pipe', 'pipe'] }) : null;
  const decompress = spawn(cmd, args, { stdio: ['pipe', regroup ? regroup.stdin! : 'pipe', 'pipe'] });
  // dd must see end-of-file when the decompressor exits: drop our copy of its input.
  regroup?.stdin!.destroy();
  const input = decompress.stdin!;
  const tar = spawn(tarPath, ['-x', '-f', '-', '-C', o.dir, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const decompressExit = exitOf(decompress);
  const regroupExit = regroup ? exitOf(regroup) : Promise.resolve({ code: 0, signal: null, stderr: '' });
  const tarExit = exitOf(tar);

  const guard = new EntryGuard();
  // The first thing that went wrong with the archive itself wins over the knock-on failures.
  let archiveError: Error | null = null;
  let failure: Error | null = null;
  let rejectFailed: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  const fail = (e: Error): void => {
    failure ??= e;
    rejectFailed(archiveError ?? failure);
  };
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const kind = kindOf(entry);
      try {
        if (kind) guard.check(entry.path, kind, entry.linkpath);
      } catch (e) {
        archiveError ??= e as Error;
      }
      entry.resume();
    },
  });
  parser.on('error', (e: Error) => {
    archiveError ??= new ToolchainError(`The archive is not a valid tar file: ${e.message}`);
  });
  // Hand-piped rather than stream.pipeline: tar stops reading at the end-of-archive
  // marker and exits, and the padding after it must then be drained, not turned
  // into a broken pipe that would fail the decompressor.
  let tarReading = true;
  const out = (regroup ?? decompress).stdout!;
  out.on('data', (chunk: Buffer) => {
    if (archiveError) return;
    parser.write(chunk);
    if (archiveError) {
      fail(archiveError);
      tar.stdin.destroy();
      return;
    }
    if (tarReading && !tar.stdin.write(chunk)) {
      out.pause();
      tar.stdin.once('drain', () => out.resume());
    }
  });
  const decompressed = once(out, 'end').then(() => {
    parser.end();
    if (archiveError) fail(archiveError);
    tar.stdin.end();
  });
  decompressed.catch(() => undefined);
  const tarStopped = (): void => {
    tarReading = false;
    out.resume();
  };
  tar.stdin.on('error', tarStopped);
  tar.stdin.on('close', tarStopped);
  input.on('error', (e) => fail(e));
  void decompressExit.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`${path.basename(cmd)} could not decompress the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  void regroupExit.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`dd failed passing the decompressed archive on (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  void tarExit.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`tar could not extract the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  const problem = (): Error => archiveError ?? failure!;

  return {
    dir: o.dir,
    async write(chunk) {
      if (failure || archiveError) throw problem();
      if (!input.write(chunk)) {
        await Promise.race([once(input, 'drain'), failed]).catch(() => {
          throw problem();
        });
      }
    },
    async finish() {
      input.end();
      await Promise.all([decompressExit, regroupExit, tarExit, decompressed.catch(() => undefined)]);
      if (failure || archiveError) throw problem();
      await checkLinksStayInside(o.dir, guard.symlinks);
    },
    async abort() {
      input.destroy();
      await Promise.all([stop(decompress, decompressExit), regroup ? stop(regroup, regroupExit) : undefined, stop(tar, tarExit)]);
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}

async function openZipSink(o: ExtractOptions): Promise<ExtractingSink> {
  const unzip = o.platform === 'win32' ? null : await need('unzip', o);
  await mkdir(o.dir, { recursive: true });
  await mkdir(o.tempDir, { recursive: true });
  const file = path.join(o.tempDir, `allhw-toolchain-${randomUUID()}.zip`);
  const out = createWriteStream(file);
  // Errors surface through once()/finished() below; this listener only keeps them from being uncaught.
  out.on('error', () => undefined);
  await once(out, 'open');
  return {
    dir: o.dir,
    async write(chunk) {
      if (!out.write(chunk)) await once(out, 'drain');
    },
    async finish() {
      out.end();
      await finished(out);
      const guard = new EntryGuard();
      for (const entry of await readZipEntries(file)) guard.check(entry.name, entry.kind, entry.linkTarget);
      if (unzip) {
        const r = await runProcess(unzip, ['-q', '-o', file, '-d', o.dir]);
        if (r.code !== 0) throw new ToolchainError(`unzip could not extract the archive (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
      } else {
        await tc.extractZip(file, o.dir);
      }
      await checkLinksStayInside(o.dir, guard.symlinks);
      await rm(file, { force: true });
    },
    async abort() {
      out.destroy();
      await rm(file, { force: true });
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}
