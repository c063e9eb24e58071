/**
 * Writes a task's input file into the board's UART at the link's rate: a
 * real UART moves one byte per 10 bit times (8N1), so a 115200-baud link
 * carries 11 520 bytes/s. QEMU's UART alone would take ~27 kB/s and never
 * drop a byte, so without pacing a firmware would see its input far sooner
 * than on the real board.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

/** Bits on the wire per byte: start + 8 data + stop. */
export const BITS_PER_BYTE = 10;
/** Timer period: small enough that a chunk is ~1 % of a second at any rate. */
const TICK_MS = 10;
const READ_BLOCK = 64 * 1024;

export interface UartPacer {
  /** Resolves once every byte was handed to the UART, or the pacer was stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

export function paceInputIntoUart(inputFile: string, sink: Writable, baud: number): UartPacer {
  const bytesPerMs = baud / BITS_PER_BYTE / 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    if (timer) clearTimeout(timer);
    wake?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const run = async (): Promise<void> => {
    const file = await open(inputFile, 'r');
    try {
      const block = Buffer.alloc(READ_BLOCK);
      let pending = Buffer.alloc(0); // read from the file, not yet written
      let eof = false;
      let sent = 0;
      let clockStart = performance.now();
      while (!stopped) {
        if (pending.length === 0 && !eof) {
          const { bytesRead } = await file.read(block, 0, block.length, null);
          if (bytesRead === 0) eof = true;
          else pending = Buffer.from(block.subarray(0, bytesRead));
        }
        if (pending.length === 0 && eof) return;
        const due = Math.floor((performance.now() - clockStart) * bytesPerMs) - sent;
        if (due > 0) {
          const chunk = pending.subarray(0, Math.min(due, pending.length));
          pending = pending.subarray(chunk.length);
          sent += chunk.length;
          if (sink.destroyed || sink.writableEnded) return;
          if (!sink.write(chunk)) {
            // The board is not reading (QEMU holds bytes until the firmware
            // takes them). Wait, then go on at the link rate from where we
            // are: never burst faster than the link to catch up.
            await new Promise<void>((resolve) => {
              const resume = (): void => {
                sink.off('drain', resume);
                sink.off('close', resume);
                resolve();
              };
              wake = resume;
              sink.on('drain', resume);
              sink.on('close', resume);
            });
            clockStart = performance.now() - sent / bytesPerMs;
            continue;
          }
        }
        if (pending.length > 0 || !eof) await sleep(TICK_MS);
      }
    } finally {
      await file.close();
    }
  };
  const done = run();
  return { done, stop };
}
