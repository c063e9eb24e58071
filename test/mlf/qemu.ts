/**
 * Runs an image on QEMU's mps2-an500 (the emulated board) with `input` on its
 * UART, the way test/examples/synth.test.ts does, and returns what the
 * firmware printed. The firmware must end on #exit; a run that does not is
 * killed after `timeoutMs` and reported as such.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface QemuResult {
  lines: string[];
  code: number | null;
  timedOut: boolean;
}

export function runOnQemu(elf: string, input: string, timeoutMs = 60_000): Promise<QemuResult> {
  const inputFile = path.join(os.tmpdir(), `mlf-uart-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(inputFile, input);
  const fd = openSync(inputFile, 'r');
  const args = [
    '-M',
    'mps2-an500',
    '-display',
    'none',
    '-monitor',
    'none',
    '-nodefaults',
    '-serial',
    'stdio',
    '-semihosting-config',
    'enable=on,target=native',
    '-kernel',
    elf,
  ];
  const child = spawn('qemu-system-arm', args, { stdio: [fd, 'pipe', 'ignore'] });
  closeSync(fd);
  let out = '';
  let timedOut = false;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(inputFile, { force: true });
      resolve({
        lines: out
          .split('\n')
          .map((l) => l.replace(/\r$/, ''))
          .filter((l) => l !== ''),
        code,
        timedOut,
      });
    });
  });
}

/** "#result:o1,...,oN:t" → the output values as written, and t. */
export function parseResultLine(line: string): { values: string[]; us: number } {
  const m = /^#result:(.*):(\d+)$/.exec(line);
  if (!m) throw new Error(`not a result line: ${line}`);
  const [, values = '', us] = m;
  return { values: values.split(','), us: Number(us) };
}
