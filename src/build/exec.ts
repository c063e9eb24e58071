/**
 * Runs one build command: every byte of its output goes to the build log as
 * it arrives, each line to the logger, and the last lines are kept for the
 * error message.
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { BuildStep } from './plan.js';

export interface StepSinks {
  /** The build log (raw bytes). */
  log: Writable;
  /** Each complete line of output (stdout and stderr). */
  onLine: (line: string) => void;
}

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all. */
  spawnError: NodeJS.ErrnoException | null;
}

/** Splits a byte stream into lines (a partial line waits for the rest). */
function lineSplitter(onLine: (line: string) => void): { push: (chunk: Buffer) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const flush = (text: string): void => {
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  };
  return {
    push: (chunk) => flush(decoder.write(chunk)),
    end: () => {
      flush(decoder.end());
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

export function runStep(step: BuildStep, env: Record<string, string>, sinks: StepSinks): Promise<StepResult> {
  return new Promise((resolve) => {
    const [program, ...args] = step.argv;
    if (program === undefined) throw new Error(`The build step in ${step.cwd} has no command`);
    const child = spawn(program, args, { cwd: step.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSplitter(sinks.onLine);
    const err = lineSplitter(sinks.onLine);
    let spawnError: NodeJS.ErrnoException | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      sinks.log.write(chunk);
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      sinks.log.write(chunk);
      err.push(chunk);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    // 'close' comes after both pipes are drained (and after 'error' on a failed spawn).
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      resolve({ code, signal, spawnError });
    });
  });
}
