/**
 * Download sinks that extract. Tar archives are unpacked while they download
 * (tar-sink.ts), under size limits, into a staging directory that reaches
 * the cache only once the checksum matched. Zip files keep their directory
 * at the end, so they are written to disk, verified, their entries checked
 * from the central directory and local headers, then unzipped.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import * as tc from '@actions/tool-cache';
import { checkTreeStaysInside, EntryGuard } from './archive-guard.js';
import type { DownloadSink } from './download.js';
import { ToolchainError } from './errors.js';
import { findExecutable, runProcess } from '../common/process.js';
import type { ArchiveFormat } from './table-shape.js';
import { openTarSink } from './tar-sink.js';
import { UnpackMeter, type UnpackLimits } from './unpack-limits.js';
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
  /** Where to look for xz, bzip2, gzip, tar and unzip. */
  searchPath: string;
  /** Default DEFAULT_UNPACK_LIMITS. */
  limits?: UnpackLimits;
}

export async function openExtractingSink(o: ExtractOptions): Promise<ExtractingSink> {
  return o.format === 'zip' ? openZipSink(o) : openTarSink(o);
}

async function openZipSink(o: ExtractOptions): Promise<ExtractingSink> {
  const unzip = o.platform === 'win32' ? null : await findExecutable('unzip', o.searchPath, o.platform);
  if (o.platform !== 'win32' && !unzip) throw new ToolchainError("Extracting a .zip archive needs 'unzip', which is not on PATH: install unzip.");
  await mkdir(o.dir, { recursive: true });
  await mkdir(o.tempDir, { recursive: true });
  const file = path.join(o.tempDir, `allhw-toolchain-${randomUUID()}.zip`);
  const out = createWriteStream(file);
  // Errors surface through once()/finished() below; this listener only keeps them from being uncaught.
  out.on('error', () => undefined);
  await once(out, 'open');
  const meter = new UnpackMeter(o.limits);
  return {
    dir: o.dir,
    async write(chunk) {
      meter.archive(chunk.length);
      if (!out.write(chunk)) await once(out, 'drain');
    },
    async finish() {
      out.end();
      await finished(out);
      const guard = new EntryGuard();
      for (const entry of await readZipEntries(file)) {
        meter.entry();
        meter.unpacked(entry.size);
        for (const name of [entry.name, ...entry.otherNames]) guard.check(name, entry.kind, entry.linkTarget);
      }
      if (unzip) {
        const r = await runProcess(unzip, ['-q', '-o', file, '-d', o.dir]);
        if (r.code !== 0) throw new ToolchainError(`unzip could not extract the archive (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
      } else {
        await tc.extractZip(file, o.dir);
      }
      await checkTreeStaysInside(o.dir);
      await rm(file, { force: true });
    },
    async abort() {
      out.destroy();
      await rm(file, { force: true });
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}
