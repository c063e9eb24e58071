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
 * Output of a task that did not end (our deadline, an error) was read while it
 * ran: an unterminated last `#result` line in it was still being written, so
 * it is no result (an event of the input in flight).
 * With repeats (warm-ups + timed runs), each input was sent that many times
 * in a row: its runs are that many consecutive results (repeats.ts).
 * `#metric:name=value[unit]` lines belong to the input in flight (printed
 * before its `#result`).
 * Results beyond the inputs fail the last input (the firmware answered
 * something it was not asked: alignment is no longer certain).
 * `Error:` / `TVMPlatformAbort` lines and reboots (the first line — the
 * banner — seen again) are events of the input in flight when they appeared.
 * A board printing in a loop for its whole timeout can make a million of
 * them: an input lists its first MAX_EVENTS and then how many more there
 * were (the UART log has them all).
 */
import type { TaskOutcome } from '../run/index.js';
import { MetricSet, METRIC_PREFIX, medianTimers, parseMetricLine, repeatDifference, repeatStats, runTotalUs, type RunResult } from './repeats.js';
import type { InputResult } from './types.js';
import { clip } from '../common/text.js';

export interface ParseOptions {
  /** Expected number of outputs per result (from output-count or the golden file), or null. */
  outputCount: number | null;
  /** Timed runs of each input (default 1), after `warmup` untimed ones (default 0). */
  repeat?: number;
  warmup?: number;
  /**
   * An `Error:` line answers the input in flight instead of its #result (the
   * firmware allhw-ci generates from an MLF tarball answers every #input with
   * exactly one of the two): the input fails with that line as its reason and
   * the next #result belongs to the next input. Off for firmware of one's own,
   * whose Error lines may be extra.
   */
  errorAnswers?: boolean;
}

export const RESULT_PREFIX = '#result:';
/** Events listed per input; the rest are counted. */
export const MAX_EVENTS = 20;
/** UART lines kept per input (for junit.xml's system-out), and characters per line: the log has them all. */
export const MAX_UART_LINES = 20;
const MAX_UART_LINE_CHARS = 200;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EVENT = /^(Error\b|TVMPlatformAbort)/;
/** Control characters, spaces and undecodable bytes before a line's text. */
const LEADING_NOISE = /^[\u0000-\u0020\u007f\ufffd]+/;

const LF = 0x0a;
const CR = 0x0d;

/**
 * UART bytes → lines, one at a time (`\r\n` or `\n` ends; a last
 * unterminated line is kept). Each line is decoded on its own: a 50 MB
 * output is never one string, nor a million-line array (a `\n` byte is
 * never inside a UTF-8 sequence, so this decodes as the whole would).
 */
export function* eachUartLine(bytes: Buffer): Generator<string> {
  for (let start = 0; start < bytes.length;) {
    const newline = bytes.indexOf(LF, start);
    const stop = newline < 0 ? bytes.length : newline;
    const end = stop > start && bytes[stop - 1] === CR ? stop - 1 : stop;
    // An unterminated last line that is only a CR is no line (as when the output ends with CRLF).
    if (newline < 0 && end === start) break;
    yield bytes.toString('utf8', start, end);
    if (newline < 0) break;
    start = newline + 1;
  }
}

/** UART bytes → all their lines (see eachUartLine). */
export function uartLines(bytes: Buffer): string[] {
  return [...eachUartLine(bytes)];
}

export type ParsedResult = { outputs: number[]; timers: number[] } | { error: string };

/** Reads one `#result:` line (from the prefix on). */
export function parseResultLine(line: string): ParsedResult {
  const fields = line.slice(RESULT_PREFIX.length).trim().split(':');
  const [outputsText, ...timerTexts] = fields;
  if (!outputsText) return { error: 'it has no output values' };
  if (timerTexts.length === 0) return { error: 'it has no timer value (expected #result:o1,...,oN:t1[:...:tK])' };
  const outputs: number[] = [];
  for (const [i, raw] of outputsText.split(',').entries()) {
    const v = raw.trim();
    if (!NUMBER.test(v)) return { error: `output ${i + 1} is '${clip(v, 20)}', not a number` };
    outputs.push(Number(v));
  }
  const timers: number[] = [];
  for (const [i, raw] of timerTexts.entries()) {
    const v = raw.trim();
    if (!NUMBER.test(v) || Number(v) < 0) return { error: `timer ${i + 1} is '${clip(v, 20)}', not a number of µs` };
    timers.push(Number(v));
  }
  return { outputs, timers };
}

interface Slot {
  /** The input's name. */
  input: string;
  /** Its runs' #result lines, in order. */
  lines: string[];
  metrics: MetricSet;
  /** The `Error:` line that answered this input (errorAnswers). */
  answer?: string;
  events: string[];
  /** Events beyond MAX_EVENTS, not listed. */
  unlisted: number;
  uart: { lines: string[]; more: number };
}

function keepUartLine(slot: Slot, line: string): void {
  if (slot.uart.lines.length < MAX_UART_LINES) slot.uart.lines.push(clip(line, MAX_UART_LINE_CHARS));
  else slot.uart.more++;
}

function addEvent(slot: Slot, text: string): void {
  if (slot.events.length < MAX_EVENTS) slot.events.push(text);
  else slot.unlisted++;
}

/** The slot's events, with the count of those not listed. */
function listedEvents(slot: Slot): string[] {
  if (slot.unlisted === 0) return slot.events;
  return [...slot.events, `… ${slot.unlisted} more event(s) not listed (the task's UART log has them all)`];
}

export function parseOutcome(outcome: TaskOutcome, opts: ParseOptions): InputResult[] {
  const n = outcome.inputs.length;
  if (n === 0) return [];
  const warmup = opts.warmup ?? 0;
  const sends = warmup + (opts.repeat ?? 1);
  const slots: Slot[] = outcome.inputs.map((input) => ({ input, lines: [], metrics: new MetricSet(), events: [], unlisted: 0, uart: { lines: [], more: 0 } }));
  const reading: Reading = { slots, sends, errorAnswers: opts.errorAnswers === true, extras: [], extraCount: 0, answered: 0, banner: null };
  readUart(reading, outcome);

  const got = slots.filter((s) => s.lines.length > 0 || s.answer !== undefined).length;
  // Extra results are the last input's events, after those seen while it was in flight.
  for (const e of reading.extras) addEvent(slots[n - 1]!, `extra result: '${clip(e, 80)}'`);
  slots[n - 1]!.unlisted += reading.extraCount - reading.extras.length;
  const results = slots.map((slot) => inputResult(slot, outcome, got, { ...opts, warmup, sends }));
  if (reading.extraCount > 0) failForExtras(results[n - 1]!, reading.extraCount, n);
  return results;
}

/** The UART lines read so far, sorted to the inputs they belong to. */
interface Reading {
  slots: Slot[];
  sends: number;
  errorAnswers: boolean;
  /** #result lines beyond the inputs: the first are kept for events, all are counted. */
  extras: string[];
  extraCount: number;
  /** #result lines taken so far: input floor(answered / sends) is in flight. */
  answered: number;
  banner: string | null;
}

function slotInFlight(r: Reading): Slot {
  return r.slots[Math.min(Math.floor(r.answered / r.sends), r.slots.length - 1)]!;
}

function readUart(r: Reading, outcome: TaskOutcome): void {
  // Output read before the task ended (a bonus while running) may stop inside a line the
  // firmware was still writing: a #result cut there could read as numbers (`:496` → `:49`).
  const whole = outcome.end === 'finished' || outcome.end === 'timeout' || outcome.end === 'infra';
  const uart = outcome.uart;
  const complete = whole || uart.length === 0 || uart[uart.length - 1] === LF ? uart : uart.subarray(0, uart.lastIndexOf(LF) + 1);
  for (const raw of eachUartLine(complete)) takeLine(r, raw);
  const cut = uart.subarray(complete.length).toString('utf8');
  const cutAt = cut.indexOf(RESULT_PREFIX);
  if (cutAt >= 0) addEvent(slotInFlight(r), `a #result line was still being written when the output was last read: '${clip(cut.slice(cutAt).trimEnd(), 80)}'`);
  else if (cut !== '') takeLine(r, cut);
}

function takeLine(r: Reading, raw: string): void {
  // Leading: the CR of a driver ending lines with LF CR, a reset's glitch byte (NUL, 0xFF).
  const line = raw.replace(LEADING_NOISE, '').trimEnd();
  if (line === '') return;
  // The line belongs to the input in flight (a result line: to the input it answers).
  keepUartLine(slotInFlight(r), line);
  const at = line.indexOf(RESULT_PREFIX);
  if (at >= 0) return takeResultLine(r, line, at);
  if (line.startsWith(METRIC_PREFIX)) return takeMetricLine(r, line);
  const n = r.slots.length;
  if (r.banner === null) {
    r.banner = line;
  } else if (line === r.banner) {
    addEvent(slotInFlight(r), `reboot: the first line '${clip(r.banner, 80)}' was printed again`);
  } else if (r.errorAnswers && line.startsWith('Error') && r.answered < n * r.sends) {
    // One send of the input in flight is answered; its first Error is the reason.
    const slot = r.slots[Math.floor(r.answered++ / r.sends)]!;
    slot.answer ??= clip(line, 200);
  } else if (EVENT.test(line)) {
    addEvent(slotInFlight(r), clip(line, 200));
  }
}

function takeResultLine(r: Reading, line: string, at: number): void {
  if (at > 0) addEvent(slotInFlight(r), `text before a result: '${clip(line.slice(0, at), 80)}'`);
  if (r.answered < r.slots.length * r.sends) r.slots[Math.floor(r.answered++ / r.sends)]!.lines.push(line.slice(at));
  else if (r.extraCount++ < MAX_EVENTS) r.extras.push(line.slice(at));
}

function takeMetricLine(r: Reading, line: string): void {
  const m = parseMetricLine(line);
  if ('error' in m) addEvent(slotInFlight(r), `unreadable #metric line (${m.error}): '${clip(line, 80)}'`);
  else slotInFlight(r).metrics.add(m.name, m.value, m.unit);
}

/** One input's result; got is how many inputs were answered at all. */
function inputResult(slot: Slot, outcome: TaskOutcome, got: number, opts: ParseOptions & { warmup: number; sends: number }): InputResult {
  const result: InputResult = {
    image: outcome.image,
    input: slot.input,
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
    events: listedEvents(slot),
    uart: slot.uart,
  };
  const metrics = slot.metrics.toRecord();
  if (metrics) result.metrics = metrics;
  if (outcome.end === 'infra') {
    return { ...result, status: 'error', reason: outcome.reason ?? 'infrastructure failure (code 255)' };
  }
  if (slot.answer !== undefined) {
    return { ...result, status: 'failed', reason: `the board answered '${slot.answer}' instead of a #result` };
  }
  if (slot.lines.length === 0) {
    return { ...result, ...missing(outcome, got, outcome.inputs.length) };
  }
  return slotResult(result, slot.lines, outcome, opts);
}

/** More #result lines than inputs fail the last input (unless it is already an error). */
function failForExtras(last: InputResult, extraCount: number, n: number): void {
  const why = `${extraCount} #result line(s) more than the ${n} input(s) sent: the firmware answered something it was not asked (an input treated as two, or the exit line as an input?)`;
  if (last.status !== 'error') {
    last.status = 'failed';
    last.reason = last.reason ? `${last.reason}; ${why}` : why;
  }
}

/** An input's result from its runs' #result lines (one per send, or fewer when the task stopped). */
function slotResult(result: InputResult, lines: string[], outcome: TaskOutcome, opts: ParseOptions & { warmup: number; sends: number }): InputResult {
  const runs: RunResult[] = [];
  for (const [k, line] of lines.entries()) {
    const parsed = parseResultLine(line);
    const which = opts.sends > 1 ? ` of run ${k + 1} of ${opts.sends}` : '';
    if ('error' in parsed) return { ...result, status: 'failed', reason: `unreadable #result line${which} (${parsed.error}): '${clip(line, 80)}'` };
    runs.push(parsed);
  }
  const [first] = runs;
  const last = runs.at(-1);
  if (!first || !last) throw new Error(`No #result line to read for input ${result.input}`);
  let filled: InputResult = { ...result, outputs: last.outputs, timers: last.timers, latencyUs: runTotalUs(last) };
  if (opts.sends > 1) {
    const stats = repeatStats(runs, Math.min(opts.warmup, runs.length));
    filled = { ...filled, outputs: first.outputs, timers: medianTimers(runs, stats.warmup), latencyUs: stats.medianUs, repeats: stats };
  }
  const wrongCount = opts.outputCount === null ? undefined : runs.find((r) => r.outputs.length !== opts.outputCount);
  if (wrongCount) return { ...filled, status: 'failed', reason: `${wrongCount.outputs.length} output values, expected ${opts.outputCount}` };
  const differ = repeatDifference(runs, opts.warmup);
  if (differ) return { ...filled, status: 'failed', reason: differ };
  if (runs.length < opts.sends) {
    const runsSeen = `${runs.length} of this input's ${opts.sends} runs (warm-ups included)`;
    const [status, reason]: [InputResult['status'], string] =
      outcome.end === 'finished'
        ? ['failed', `the firmware ended (code ${outcome.code ?? 'none'}) after ${runsSeen}`]
        : outcome.end === 'timeout'
          ? ['failed', `the task's timeout (code 156) came after ${runsSeen}: a longer ci-timeout, or fewer repeats?`]
          : ['error', `${outcome.reason ?? `task ${outcome.end}`}; ${runsSeen} answered`];
    return { ...filled, status, reason };
  }
  return filled;
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
