/**
 * A farm stand-in with a physical timing on a real loopback HTTP server
 * (the contract of allhw-api.md, through farm.ts): `boards` boards taking
 * tasks first come, first served; each task is flashed, boots, has its
 * input written at the UART rate, computes, and ends — its timing is this
 * stand-in's own (fixed flash time, a boot time varied per task, the
 * service's lag before a free board starts a task, status reads answered
 * late), not serve's model. Records every status read per task, so a test
 * or the benchmark can count them against the task's life.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startFarm, type Farm } from './farm.js';
import { itemAt } from '../helpers/item.js';

export interface TimedFarmOptions {
  boards: number;
  flashMs: number;
  /** Reset to the first input byte, per task (by creation order). */
  bootMs: (task: number) => number;
  computeMs: number;
  /** The service's lag before a free board starts a task. */
  queueMs: number;
  /** How late each status read is answered (by read order). */
  answerMs: (read: number) => number;
  /** UART rate the service writes the input at. */
  rate?: number;
}

export interface TimedFarm extends Farm {
  /** Per task (creation order): when the farm started and ended it (our clock), and its status reads. */
  timeline: { postedAt: number; startedAt: number; endedAt: number; reads: number; readsAt: number[] }[];
}

export async function startTimedFarm(opts: TimedFarmOptions): Promise<TimedFarm> {
  const boardFree = Array.from({ length: opts.boards }, () => 0);
  const rate = opts.rate ?? 115200;
  const timeline: TimedFarm['timeline'] = [];
  const farm = await startFarm((input, index) => {
    const now = Date.now();
    const board = boardFree.indexOf(Math.min(...boardFree));
    const startedAt = Math.max(now, itemAt(boardFree, board)) + opts.queueMs;
    const runMs = opts.flashMs + opts.bootMs(index) + (Buffer.byteLength(input) * 10 * 1000) / rate + opts.computeMs;
    boardFree[board] = startedAt + runMs;
    timeline.push({ postedAt: now, startedAt, endedAt: startedAt + runMs, reads: 0, readsAt: [] });
    return { queueMs: startedAt - now, runMs };
  });
  const handle = farm.server.handle;
  let reads = 0;
  farm.server.handle = async (req, res, index) => {
    if (req.method === 'GET') {
      const k = farm.tasks.findIndex((t) => t.id === req.url.searchParams.get('id'));
      if (k >= 0) {
        const entry = itemAt(timeline, k);
        entry.reads++;
        entry.readsAt.push(Date.now());
      }
      await sleep(opts.answerMs(reads++));
    }
    return handle(req, res, index);
  };
  return Object.assign(farm, { timeline });
}
