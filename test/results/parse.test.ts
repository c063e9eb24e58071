import { describe, expect, it } from 'vitest';
import { MAX_EVENTS, parseOutcome, parseResultLine, uartLines } from '../../src/results/parse.js';
import type { TaskEnd, TaskOutcome } from '../../src/run/types.js';

/*
 * Real UART output of examples/synth (mps2_an500) under QEMU 7.2, captured with
 *   scripts/run_qemu.sh synth.elf inputs/input-00.txt inputs/input-01.txt          (EXITED)
 *   scripts/run_qemu.sh synth.elf inputs/input-00.txt bad.txt inputs/input-02.txt \
 *                                 long.txt inputs/input-03.txt                     (WITH_ERRORS)
 * where bad.txt is '#input:1,2,3\r\n' and long.txt a 5000-character #input line.
 */
const BANNER = 'allhw-ci synth AOT runtime (mps2_an500)';
const R00 = '#result:-13209,10745,-23072,103435,15997,43659,-9554,58788,41101,-27424:727';
const R01 = '#result:43506,13624,67088,32147,46590,-53723,8321,49972,67779,-27840:496';
const EXITED = `${BANNER}\n${R00}\n${R01}\n`;
const WITH_ERRORS = [
  BANNER,
  '#result:-13209,10745,-23072,103435,15997,43659,-9554,58788,41101,-27424:696',
  'Error: expected 784 input values, got 3',
  '#result:46028,38253,40481,84248,41891,32169,-56278,-22557,-84493,-28678:936',
  'Error: line too long',
  '#result:2316,48215,-119481,90298,28787,35752,-4592,-5460,-32120,35971:510',
  '',
].join('\n');

function outcome(uart: string, inputs: string[], end: TaskEnd = 'finished', extra: Partial<TaskOutcome> = {}): TaskOutcome {
  return {
    planIndex: 0,
    image: 'synth',
    inputs,
    attempt: 1,
    id: 'task-1',
    end,
    status: 'finished',
    code: end === 'timeout' ? 156 : end === 'infra' ? 255 : 0,
    reservation: 3,
    created: null,
    started: null,
    finished: null,
    uart: Buffer.from(uart, 'utf8'),
    reason: null,
    ...extra,
  };
}

describe('parseOutcome on real firmware output', () => {
  it('gives each input its result, outputs and timer', () => {
    const [a, b] = parseOutcome(outcome(EXITED, ['input-00.txt', 'input-01.txt']), { outputCount: 10 });
    expect(a).toMatchObject({
      image: 'synth',
      input: 'input-00.txt',
      status: 'passed',
      reason: null,
      outputs: [-13209, 10745, -23072, 103435, 15997, 43659, -9554, 58788, 41101, -27424],
      timers: [727],
      latencyUs: 727,
      taskId: 'task-1',
      attempt: 1,
      expected: null,
      events: [],
    });
    expect(b?.outputs?.[9]).toBe(-27840);
    expect(b?.latencyUs).toBe(496);
  });

  it('reads CRLF output the same', () => {
    const crlf = parseOutcome(outcome(EXITED.replace(/\n/g, '\r\n'), ['a', 'b']), { outputCount: 10 });
    expect(crlf).toEqual(parseOutcome(outcome(EXITED, ['a', 'b']), { outputCount: 10 }));
  });

  it('reads LF CR line ends (a UART driver adding CR after LF) and a reset glitch byte the same', () => {
    const lfcr = parseOutcome(outcome(WITH_ERRORS.replace(/\n/g, '\n\r'), ['in-0', 'bad', 'in-2', 'long', 'in-3']), { outputCount: 10 });
    expect(lfcr).toEqual(parseOutcome(outcome(WITH_ERRORS, ['in-0', 'bad', 'in-2', 'long', 'in-3']), { outputCount: 10 }));
    // The banner after a board reset may come behind a NUL the line noise made.
    const glitch = parseOutcome(outcome(`\0${BANNER}\n${R00}\n${BANNER}\n${R01}\n`, ['a', 'b']), { outputCount: 10 });
    expect(glitch[1]?.events).toEqual([`reboot: the first line '${BANNER}' was printed again`]);
  });

  it('puts Error lines on the input in flight, and fails inputs left without a result', () => {
    const r = parseOutcome(outcome(WITH_ERRORS, ['in-0', 'bad', 'in-2', 'long', 'in-3']), { outputCount: 10 });
    expect(r.map((x) => x.status)).toEqual(['passed', 'passed', 'passed', 'failed', 'failed']);
    // Results follow the order of inputs: the malformed input's slot takes the next result.
    expect(r[1]?.events).toEqual(['Error: expected 784 input values, got 3']);
    expect(r[2]?.events).toEqual(['Error: line too long']);
    expect(r[3]?.reason).toBe('no #result for this input: the firmware ended (code 0) before answering it; 3 of 5 result(s) received');
  });

  it("errorAnswers (generated MLF firmware): an Error line answers its input, and the next result is the next input's", () => {
    const r = parseOutcome(outcome(WITH_ERRORS, ['in-0', 'bad', 'in-2', 'long', 'in-3']), { outputCount: 10, errorAnswers: true });
    expect(r.map((x) => x.status)).toEqual(['passed', 'failed', 'passed', 'failed', 'passed']);
    expect(r[1]?.reason).toBe("the board answered 'Error: expected 784 input values, got 3' instead of a #result");
    expect(r[3]?.reason).toBe("the board answered 'Error: line too long' instead of a #result");
    expect(r[2]?.outputs?.[0]).toBe(46028);
    expect(r[4]?.outputs?.[0]).toBe(2316);
    // an Error line after every input was answered is an event again
    const late = parseOutcome(outcome(`${BANNER}\n${R00}\nError: rx overflow\n`, ['a']), { outputCount: 10, errorAnswers: true });
    expect(late[0]?.status).toBe('passed');
    expect(late[0]?.events).toEqual(['Error: rx overflow']);
  });

  it('reports a reboot (the banner again) against the input in flight', () => {
    // A board reset after the first result: QEMU's output of a fresh boot follows.
    const r = parseOutcome(outcome(`${BANNER}\n${R00}\n${BANNER}\n${R01}\n`, ['a', 'b', 'c'], 'timeout'), { outputCount: 10 });
    expect(r[1]?.events).toEqual([`reboot: the first line '${BANNER}' was printed again`]);
    expect(r[1]?.status).toBe('passed');
    expect(r[2]).toMatchObject({ status: 'failed', outputs: null });
    expect(r[2]?.reason).toMatch(/before the task's timeout \(code 156\).*2 of 3/);
  });

  it('fails a result with the wrong number of outputs, and an unreadable one', () => {
    const uart = `${BANNER}\n${R00}\n#result:1,2,x:5\n#result:1,2\n#result::4\n`;
    const r = parseOutcome(outcome(uart, ['a', 'b', 'c', 'd']), { outputCount: 3 });
    expect(r.map((x) => x.reason)).toEqual([
      '10 output values, expected 3',
      "unreadable #result line (output 3 is 'x', not a number): '#result:1,2,x:5'",
      "unreadable #result line (it has no timer value (expected #result:o1,...,oN:t1[:...:tK])): '#result:1,2'",
      "unreadable #result line (it has no output values): '#result::4'",
    ]);
    expect(r.every((x) => x.status === 'failed')).toBe(true);
    // Without an expected count, any count passes.
    expect(parseOutcome(outcome(EXITED, ['a', 'b']), { outputCount: null }).map((x) => x.status)).toEqual(['passed', 'passed']);
  });

  it('fails the last input when there are more results than inputs', () => {
    const r = parseOutcome(outcome(EXITED, ['a']), { outputCount: 10 });
    expect(r).toHaveLength(1);
    expect(r[0]?.status).toBe('failed');
    expect(r[0]?.reason).toMatch(/1 #result line\(s\) more than the 1 input\(s\) sent/);
    expect(r[0]?.events).toEqual([`extra result: '${R01}'`]);
  });

  it('keeps what arrived before a deadline and errors the rest with the reason', () => {
    const partial = `${BANNER}\n${R00}\n#result:43506,136`;
    const r = parseOutcome(outcome(partial, ['a', 'b', 'c'], 'deadline', { reason: 'no end within 40 s' }), { outputCount: 10 });
    expect(r[0]?.status).toBe('passed');
    // The line still being written when the output was last read is no result: the firmware may well have finished it.
    expect(r[1]).toMatchObject({ status: 'error', reason: 'no end within 40 s; 1 of 3 result(s) received' });
    expect(r[1]?.events).toEqual(["a #result line was still being written when the output was last read: '#result:43506,136'"]);
    expect(r[2]).toMatchObject({ status: 'error', reason: 'no end within 40 s; 1 of 3 result(s) received' });
  });

  it('never passes a result cut short in output read before the end (its timer or last value incomplete)', () => {
    // R01 cut in its timer (':496' → ':49'): every value reads as a number.
    for (const end of ['deadline', 'error'] as const) {
      const partial = `${BANNER}\n${R00}\n${R01.slice(0, -1)}`;
      const r = parseOutcome(outcome(partial, ['a', 'b'], end, { status: 'running', reason: 'no end' }), { outputCount: 10 });
      expect(r.map((x) => [x.status, x.latencyUs])).toEqual([
        ['passed', 727],
        ['error', null],
      ]);
    }
    // A finished task's output is whole: an unterminated last line is the firmware's own.
    const [, last] = parseOutcome(outcome(`${BANNER}\n${R00}\n${R01}`, ['a', 'b'], 'finished'), { outputCount: 10 });
    expect(last).toMatchObject({ status: 'passed', latencyUs: 496 });
  });

  it('errors every input of an infrastructure failure, whatever the output says', () => {
    const r = parseOutcome(outcome(EXITED, ['a', 'b'], 'infra', { reason: 'could not run (code 255), on each of 3 attempts' }), { outputCount: 10 });
    expect(r.map((x) => [x.status, x.reason])).toEqual([
      ['error', 'could not run (code 255), on each of 3 attempts'],
      ['error', 'could not run (code 255), on each of 3 attempts'],
    ]);
  });

  it('errors inputs of a task never created', () => {
    const r = parseOutcome(outcome('', ['a'], 'error', { id: null, reason: 'could not create the task: HTTP 500' }), { outputCount: null });
    expect(r[0]).toMatchObject({ status: 'error', taskId: null, reason: 'could not create the task: HTTP 500; 0 of 1 result(s) received' });
  });
});

describe('a board printing in a loop for its whole timeout', () => {
  it("lists an input's first events and counts the rest (a reboot loop)", () => {
    const uart = `${BANNER}\n${R00}\n${`${BANNER}\r\nError: boot failed\r\n`.repeat(300_000)}`;
    const [a, b] = parseOutcome(outcome(uart, ['a', 'b'], 'timeout'), { outputCount: 10 });
    expect(a!.events).toEqual([]);
    expect(b!.events).toHaveLength(MAX_EVENTS + 1);
    expect(b!.events.slice(0, 2)).toEqual([`reboot: the first line '${BANNER}' was printed again`, 'Error: boot failed']);
    expect(b!.events[MAX_EVENTS]).toBe(`… ${600_000 - MAX_EVENTS} more event(s) not listed (the task's UART log has them all)`);
    expect(b!.status).toBe('failed');
  });

  it('reads half a million extra results (a firmware answering in a loop) without failing', () => {
    const uart = `${BANNER}\n${R00}\n${`${R01}\n`.repeat(500_000)}`;
    const [a] = parseOutcome(outcome(uart, ['a']), { outputCount: 10 });
    expect(a!.status).toBe('failed');
    expect(a!.reason).toMatch(/^500000 #result line\(s\) more than the 1 input\(s\) sent/);
    expect(a!.events).toHaveLength(MAX_EVENTS + 1);
    expect(a!.events[0]).toBe(`extra result: '${R01}'`);
    expect(a!.events[MAX_EVENTS]).toMatch(new RegExp(`^… ${500_000 - MAX_EVENTS} more event`));
  });
});

describe('line helpers', () => {
  it('splits UART bytes into lines, keeping an unterminated last one', () => {
    expect(uartLines(Buffer.from('a\r\nb\n\nc'))).toEqual(['a', 'b', '', 'c']);
    expect(uartLines(Buffer.alloc(0))).toEqual([]);
    // A last line that is only a CR is no line (as when the output ends with CRLF).
    expect(uartLines(Buffer.from('\n\r\n\r'))).toEqual(['', '']);
  });

  it('decodes each line as decoding the whole output would (multi-byte, invalid and cut UTF-8, lone CRs)', () => {
    const pieces = ['µs', '→', '😀', '\r', '\n', '\r\n', 'a', '#result:1:2'].map((t) => Buffer.from(t));
    pieces.push(Buffer.from([0xe2, 0x82]), Buffer.from([0xff]), Buffer.from([0xf0, 0x9f]), Buffer.from([0xc3]));
    let seed = 7;
    // mulberry32: a small seeded PRNG, so a failure repeats.
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n) | 0;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.concat(Array.from({ length: random(12) }, () => pieces[random(pieces.length)]!));
      // The previous implementation: the whole output as one string, split.
      const whole = bytes
        .toString('utf8')
        .split('\n')
        .map((l) => l.replace(/\r$/, ''));
      if (whole.at(-1) === '') whole.pop();
      expect(uartLines(bytes), bytes.toString('hex')).toEqual(whole);
    }
  });

  it('reads several timers, the last being the total, and decimals', () => {
    expect(parseResultLine('#result:0.125,-1.000,3:10:20:30:40:100')).toEqual({ outputs: [0.125, -1, 3], timers: [10, 20, 30, 40, 100] });
    expect(parseResultLine('#result:nan,1:5')).toEqual({ error: "output 1 is 'nan', not a number" });
    expect(parseResultLine('#result:1:-5')).toEqual({ error: "timer 1 is '-5', not a number of µs" });
  });
});
