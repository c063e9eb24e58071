/**
 * Work = images × inputs, grouped into tasks: one flash per task instead of
 * one per input. `auto` packs consecutive inputs into a task while the bytes
 * written to the UART (each line + '\n', plus the exit line) fit in
 * `uartBuffer` — the receive ring of the microTVM demo firmware — so that no
 * firmware can overflow it, however slowly it reads.
 */
import type { Image } from '../build/index.js';
import type { Logger } from '../common/log.js';
import type { InputItem, PlannedTask } from './types.js';

export type InputsPerTask = 'auto' | 'all' | number;

export interface PlanOptions {
  inputsPerTask: InputsPerTask;
  uartBuffer: number;
  /** Appended after the inputs of every task ('' = none). */
  exitLine: string;
  log?: Logger;
}

const lineBytes = (line: string): number => Buffer.byteLength(line, 'utf8') + 1;

/** The exact bytes written to the board's UART for these inputs. */
export function taskPayload(inputs: InputItem[], exitLine: string): Buffer {
  const text = inputs.map((i) => `${i.line}\n`).join('') + (exitLine ? `${exitLine}\n` : '');
  return Buffer.from(text, 'utf8');
}

/** Splits inputs into groups per the inputs-per-task setting. */
export function groupInputs(inputs: InputItem[], opts: PlanOptions): InputItem[][] {
  if (inputs.length === 0) return [];
  if (opts.inputsPerTask === 'all') return [inputs];
  if (typeof opts.inputsPerTask === 'number') {
    const n = opts.inputsPerTask;
    if (!Number.isInteger(n) || n < 1) throw new Error(`inputs-per-task must be a whole number ≥ 1, 'auto' or 'all', not ${n}`);
    const groups: InputItem[][] = [];
    for (let i = 0; i < inputs.length; i += n) groups.push(inputs.slice(i, i + n));
    return groups;
  }
  const exitBytes = opts.exitLine ? lineBytes(opts.exitLine) : 0;
  const groups: InputItem[][] = [];
  let current: InputItem[] = [];
  let used = exitBytes;
  for (const input of inputs) {
    const size = lineBytes(input.line);
    if (current.length > 0 && used + size > opts.uartBuffer) {
      groups.push(current);
      current = [];
      used = exitBytes;
    }
    if (current.length === 0 && exitBytes + size > opts.uartBuffer) {
      opts.log?.warning(
        `Input ${input.name} alone is ${exitBytes + size} bytes with the exit line, more than uart-buffer (${opts.uartBuffer}): ` +
          'it gets a task of its own, and a firmware reading slower than the UART may lose part of it.',
      );
    }
    current.push(input);
    used += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The tasks to run: for each image (in order), its groups of inputs. */
export function planTasks(images: Image[], inputs: InputItem[], opts: PlanOptions): PlannedTask[] {
  // Group once: the warning about an oversized input is said once, not per image.
  const groups = groupInputs(inputs, opts);
  const tasks: PlannedTask[] = [];
  for (const image of images) {
    for (const group of groups) {
      tasks.push({ index: tasks.length, image, inputs: group, payload: taskPayload(group, opts.exitLine) });
    }
  }
  return tasks;
}
