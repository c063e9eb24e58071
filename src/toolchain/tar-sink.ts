/**
 * Unpacks a compressed tar archive while it downloads, checking every entry
 * before tar sees it:
 *
 *   download → xz/bzip2/gzip → dd → FIFO → Node: header check → tar -x
 *
 * Node forwards each chunk to the system tar only after the headers in it
 * passed the EntryGuard, so an unsafe entry never reaches tar. The
 * decompressed stream (~1 GB for a toolchain) is read through a FIFO into one
 * reused buffer (net.Socket's `onread`): read as ordinary stream chunks, its
 * ~13,000 fresh buffers kept V8 busy with some 50 full collections, which
 * cost more CPU than the extraction itself. dd regroups the decompressor's
 * 8 KB writes so each read brings a full 64 KB.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { close, constants, open } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkLinksStayInside, EntryGuard } from './archive-guard.js';
import { ToolchainError } from './errors.js';
import type { ExtractingSink, ExtractOptions } from './extract.js';
import { exitOf, findExecutable, runProcess, stop, type Exit } from '../common/process.js';
import type { ArchiveFormat } from './table-shape.js';
import { TarHeaderReader } from './tar-headers.js';

const openFd = promisify(open);
const closeFd = promisify(close);

/** Decompressors per format, preferred first (the parallel ones are faster where installed). */
const DECOMPRESSORS: Record<Exclude<ArchiveFormat, 'zip'>, [string, string[]][]> = {
  'tar.xz': [['xz', ['-dc', '-T0']]],
  'tar.bz2': [['lbzip2', ['-dc']], ['pbzip2', ['-dc']], ['bzip2', ['-dc']]],
  'tar.gz': [['pigz', ['-dc']], ['gzip', ['-dc']]],
};

const INSTALL_HINT: Record<string, string> = { xz: 'xz-utils (brew: xz)', mkfifo: 'coreutils' };

async function need(name: string, o: ExtractOptions): Promise<string> {
  const found = await findExecutable(name, o.searchPath, o.platform);
  if (!found) throw new ToolchainError(`Extracting a .${o.format} archive needs '${name}', which is not on PATH: install ${INSTALL_HINT[name] ?? name}.`);
  return found;
}

const EXITED_OK: Promise<Exit> = Promise.resolve({ code: 0, signal: null, stderr: '' });

export async function openTarSink(o: ExtractOptions): Promise<ExtractingSink> {
  const candidates = DECOMPRESSORS[o.format as Exclude<ArchiveFormat, 'zip'>];
  let decompressor: [string, string[]] | null = null;
  for (const [name, args] of candidates) {
    const found = await findExecutable(name, o.searchPath, o.platform);
    if (found) {
      decompressor = [found, args];
      break;
    }
  }
  if (!decompressor) await need(candidates[candidates.length - 1][0], o);
  const [cmd, args] = decompressor!;
  const tarPath = await need('tar', o);
  const mkfifo = await need('mkfifo', o);
  const dd = await findExecutable('dd', o.searchPath, o.platform);
  await mkdir(o.dir, { recursive: true });

  const fifo = `${o.dir}.fifo`;
  const made = await runProcess(mkfifo, [fifo]);
  if (made.code !== 0) throw new ToolchainError(`mkfifo ${fifo} failed: ${made.stderr.trim()}`);
  // Reader first (non-blocking), so opening the writer end does not wait.
  const readFd = await openFd(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = await openFd(fifo, 'w');
  const regroup = dd ? spawn(dd, ['ibs=65536', 'obs=1048576'], { stdio: ['pipe', writeFd, 'pipe'] }) : null;
  const decompress = spawn(cmd, args, { stdio: ['pipe', regroup ? regroup.stdin! : writeFd, 'pipe'] });
  // Our copies of the write ends must go, or the readers never see end-of-file.
  regroup?.stdin!.destroy();
  await closeFd(writeFd);
  const tar = spawn(tarPath, ['-x', '-f', '-', '-C', o.dir, '--no-same-owner'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const input = decompress.stdin!;
  const exits = { decompress: exitOf(decompress), regroup: regroup ? exitOf(regroup) : EXITED_OK, tar: exitOf(tar) };

  const guard = new EntryGuard();
  // The first thing wrong with the archive itself wins over its knock-on failures.
  let archiveError: Error | null = null;
  let failure: Error | null = null;
  let rejectFailed: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  const problem = (): Error => archiveError ?? failure!;
  const fail = (e: Error): void => {
    failure ??= e;
    rejectFailed(problem());
  };
  const refuse = (e: unknown): void => {
    archiveError ??= e as Error;
    fail(archiveError);
    tar.stdin.destroy();
  };
  const headers = new TarHeaderReader((entry) => guard.check(entry.path, entry.kind, entry.linkTarget));

  // tar stops reading at the end-of-archive marker and exits; the padding after it is then dropped.
  let tarReading = true;
  tar.stdin.on('error', () => (tarReading = false));
  tar.stdin.on('close', () => (tarReading = false));
  const buffer = Buffer.allocUnsafe(64 * 1024);
  const relay: Socket = new Socket({
    fd: readFd,
    readable: true,
    writable: false,
    onread: {
      buffer,
      callback: (n: number): boolean => {
        if (archiveError) return true;
        const chunk = buffer.subarray(0, n);
        try {
          headers.push(chunk);
        } catch (e) {
          refuse(e);
          return true;
        }
        if (!tarReading) return true;
        // The buffer is reused: stay paused until tar has taken this chunk.
        tar.stdin.write(chunk, () => relay.resume());
        return false;
      },
    },
  });
  const relayed = once(relay, 'end').then(() => {
    try {
      headers.end();
    } catch (e) {
      refuse(e);
    }
    tar.stdin.end();
  });
  relayed.catch((e: Error) => fail(e));
  input.on('error', (e) => fail(e));
  void exits.decompress.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`${path.basename(cmd)} could not decompress the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  void exits.regroup.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`dd failed passing the decompressed archive on (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });
  void exits.tar.then((x) => {
    if (x.code !== 0) fail(new ToolchainError(`tar could not extract the archive (exit ${x.code ?? x.signal}): ${x.stderr.trim()}`));
  });

  const cleanUp = async (): Promise<void> => {
    relay.destroy();
    await rm(fifo, { force: true });
  };
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
      await Promise.all([exits.decompress, exits.regroup, exits.tar, relayed.catch(() => undefined)]);
      await cleanUp();
      if (failure || archiveError) throw problem();
      await checkLinksStayInside(o.dir, guard.symlinks);
    },
    async abort() {
      input.destroy();
      await Promise.all([stop(decompress, exits.decompress), regroup ? stop(regroup, exits.regroup) : undefined, stop(tar, exits.tar)]);
      await cleanUp();
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}
