/**
 * A task's UART output → one result per input it was sent.
 *
 * The k-th `#result:o1,...,oN:t1:...:tK` line of a task belongs to its k-th
 * `#input` line (the protocol has no other key). A result that cannot be
 * read, or has the wrong number of outputs, fails its input. An input left
 * without a result:
 *  - `failed` when the task ran normally — it finished (the firmware
 *    returned) or ran to its timeout (code 156) — since the firmware had the
 *    whole timeout to answer; the reason says which;
 *  - `error` when the task itself did not run normally (code 255, our
 *    deadline, the service failing us): the firmware may never have seen it.
 * A code-255 task's output is not trusted: all its inputs are `error`.
 * Results beyond the inputs fail the last input (the firmware answered
 * something it was not asked: alignment is no longer certain).
 * `Error:` / `TVMPlatformAbort` lines and reboots (the first line — the
 * banner — seen again) are events of the input in flight when they appeared.
 */
import type { TaskOutcome } from '../run/types.js';
import type { InputResult } from './types.js';

export interface ParseOptions {
  /** Expected number of outputs per result (from output-count or the golden file), or null. */
  outputCount: number | null;
}

export const RESULT_PREFIX = '#result:';
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EVENT = /^(Error\b|TVMPlatformAbort)/;

/** UART bytes → lines (`\r\n` or `\n` ends; a last unterminated line is kept). */
export function uartLines(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export type ParsedResult = { outputs: number[]; timers: number[] } | { error: string };

function shorten(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Reads one `#result:` line (from the prefix on). */
export function parseResultLine(line: string): ParsedResult {
  const fields = line.slice(RESULT_PREFIX.length).trim().split(':');
  const [outputsText, ...timerTexts] = fields;
  if (!outputsText) return { error: 'it has no output values' };
  if (timerTexts.length === 0) return { error: 'it has no timer value (expected #result:o1,...,oN:t1[:...:tK])' };
  const outputs: number[] = [];
  for (const [i, raw] of outputsText.split(',').entries()) {
    const v = raw.trim();
    if (!NUMBER.test(v)) return { error: `output ${i + 1} is '${shorten(v, 20)}', not a number` };
    outputs.push(Number(v));
  }
  const timers: number[] = [];
  for (const [i, raw] of timerTexts.entries()) {
    const v = raw.trim();
    if (!NUMBER.test(v) || Number(v) < 0) return { error: `timer ${i + 1} is '${shorten(v, 20)}', not a number of µs` };
    timers.push(Number(v));
  }
  return { outputs, timers };
}

interface Slot {
  line: string | null;
  events: string[];
}

export function parseOutcome(outcome: TaskOutcome, opts: ParseOptions): InputResult[] {
  const n = outcome.inputs.length;
  if (n === 0) return [];
  const slots: Slot[] = outcome.inputs.map(() => ({ line: null, events: [] }));
  const extras: string[] = [];
  let inFlight = 0;
  let banner: string | null = null;
  const eventFor = (text: string): void => {
    slots[Math.min(inFlight, n - 1)].events.push(text);
  };

  for (const raw of uartLines(outcome.uart)) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const at = line.indexOf(RESULT_PREFIX);
    if (at >= 0) {
      if (at > 0) eventFor(`text before a result: '${shorten(line.slice(0, at))}'`);
      if (inFlight < n) slots[inFlight++].line = line.slice(at);
      else extras.push(line.slice(at));
      continue;
    }
    if (banner === null) {
      banner = line;
    } else if (line === banner) {
      eventFor(`reboot: the first line '${shorten(banner)}' was printed again`);
    } else if (EVENT.test(line)) {
      eventFor(shorten(line, 200));
    }
  }

  const got = slots.filter((s) => s.line !== null).length;
  const results = slots.map((slot, k): InputResult => {
    const result: InputResult = {
      image: outcome.image,
      input: outcome.inputs[k],
      status: 'passed',
      reason: null,
      outputs: null,
      timers: null,
      latencyUs: null,
      taskId: outcome.id,
      attempt: outcome.attempt,
      expected: null,
      maxAbsError: null,
      top1: null,
      events: slot.events,
    };
    if (outcome.end === 'infra') {
      return { ...result, status: 'error', reason: outcome.reason ?? 'infrastructure failure (code 255)' };
    }
    if (slot.line === null) {
      return { ...result, ...missing(outcome, got, n) };
    }
    const parsed = parseResultLine(slot.line);
    if ('error' in parsed) {
      return { ...result, status: 'failed', reason: `unreadable #result line (${parsed.error}): '${shorten(slot.line)}'` };
    }
    const filled = { ...result, outputs: parsed.outputs, timers: parsed.timers, latencyUs: parsed.timers[parsed.timers.length - 1] };
    if (opts.outputCount !== null && parsed.outputs.length !== opts.outputCount) {
      return { ...filled, status: 'failed', reason: `${parsed.outputs.length} output values, expected ${opts.outputCount}` };
    }
    return filled;
  });

  if (extras.length > 0) {
    const last = results[n - 1];
    const why = `${extras.length} #result line(s) more than the ${n} input(s) sent: the firmware answered something it was not asked (an input treated as two, or the exit line as an input?)`;
    last.events.push(...extras.map((e) => `extra result: '${shorten(e)}'`));
    if (last.status !== 'error') {
      last.status = 'failed';
      last.reason = last.reason ? `${last.reason}; ${why}` : why;
    }
  }
  return results;
}

function missing(outcome: TaskOutcome, got: number, n: number): Pick<InputResult, 'status' | 'reason'> {
  const count = `${got} of ${n} result(s) received`;
  switch (outcome.end) {
    case 'finished':
      return {
        status: 'failed',
        reason: `no #result for this input: the firmware ended (code ${outcome.code ?? 'none'}) before answering it; ${count}`,
      };
    case 'timeout':
      return {
        status: 'failed',
        reason: `no #result for this input before the task's timeout (code 156): the firmware did not answer it in time (a longer ci-timeout?); ${count}`,
      };
    default:
      return { status: 'error', reason: `${outcome.reason ?? `task ${outcome.end}`}; ${count}` };
  }
}
