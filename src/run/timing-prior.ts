/**
 * Where a run's timing prior comes from, and where what it learned goes:
 * the baseline's results.json (`timing`), and a small file in the tool cache
 * (it outlives runs on a self-hosted runner and in a developer's ~/.cache),
 * both for the same farm only: the same service (a hash of its URL, which
 * never holds the key; or 'emulator') and the same board kind.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/log.js';
import { writeFileAtomic } from '../common/disk-write.js';
import type { Results, TimingRecord } from '../results/index.js';
import { RunTiming } from './timing.js';

export interface FarmKey {
  /** 'emulator', or the first 16 hex digits of the service URL's SHA-256. */
  service: string;
  board: string;
}

/** The emulated farm listens on a new port each run: it is one farm whatever its URL. */
export function farmKey(mode: 'allhw' | 'emulator', url: string, board: string): FarmKey {
  const service = mode === 'emulator' ? 'emulator' : createHash('sha256').update(url).digest('hex').slice(0, 16);
  return { service, board };
}

export function timingFile(toolCacheDir: string, key: FarmKey): string {
  return path.join(toolCacheDir, 'allhw-timing', `${key.service}-${key.board.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

const sameFarm = (r: TimingRecord | null | undefined, key: FarmKey): r is TimingRecord =>
  Boolean(r && typeof r === 'object' && r.service === key.service && r.board === key.board && typeof r.images === 'object' && r.images);

async function cached(file: string): Promise<TimingRecord | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TimingRecord;
  } catch {
    return null; // none yet, or unreadable: a prior is a help, never a requirement
  }
}

/** The run's timing, primed from the baseline (its figures win) and the tool cache's file, for this farm only. */
export async function loadRunTiming(opts: { baseline: Results | null; key: FarmKey; toolCacheDir: string; log: Logger }): Promise<RunTiming> {
  const fromBaseline = sameFarm(opts.baseline?.timing, opts.key) ? opts.baseline!.timing! : null;
  const fromCache = await cached(timingFile(opts.toolCacheDir, opts.key)).then((r) => (sameFarm(r, opts.key) ? r : null));
  if (!fromBaseline && !fromCache) return new RunTiming();
  const images = { ...fromCache?.images, ...fromBaseline?.images };
  const startLagMs = fromBaseline?.startLagMs ?? fromCache?.startLagMs;
  const where = [fromBaseline && 'the baseline', fromCache && 'the tool cache'].filter(Boolean).join(' and ');
  opts.log.debug(`task timing prior from ${where}: ${Object.keys(images).length} image(s)`);
  return new RunTiming({ images, ...(startLagMs === undefined ? {} : { startLagMs }) });
}

/** What goes in results.json's `timing`. */
export function timingRecord(runTiming: RunTiming, key: FarmKey): TimingRecord {
  return { ...runTiming.record(), service: key.service, board: key.board };
}

/** Keeps the run's figures in the tool cache for the next run; a failure only costs the next run its prior. */
export async function saveRunTiming(record: TimingRecord, toolCacheDir: string, log: Logger): Promise<void> {
  if (Object.keys(record.images).length === 0) return;
  const file = timingFile(toolCacheDir, { service: record.service ?? '', board: record.board ?? '' });
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(record) + '\n');
  } catch (e) {
    log.debug(`task timing not kept in the tool cache: ${(e as Error).message}`);
  }
}
