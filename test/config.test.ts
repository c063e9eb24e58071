import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, INPUT_DEFAULTS, INPUT_NAMES, parseConfig, publicConfig, splitArgs } from '../src/config.js';
import { REPO_ROOT } from './helpers/firmware.js';
import { entryOf } from './helpers/item.js';

const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

const config = (values: Record<string, string>) => parseConfig((name) => values[name] ?? (name === 'inputs' ? 'in/*.txt' : undefined));

function errorOf(values: Record<string, string>): ConfigError {
  try {
    config(values);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('action.yml', () => {
  it('declares exactly the inputs the config reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const name of INPUT_NAMES) {
      const declared = entryOf(action.inputs, name);
      expect(declared.description, name).toMatch(/\S/);
      if (declared.required) expect(INPUT_DEFAULTS[name], name).toBe('');
      else expect(declared.default ?? '', name).toBe(INPUT_DEFAULTS[name]);
    }
  });

  it('runs on node24 from the bundle', () => {
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe('dist/index.js');
  });

  it('is documented input for input and output for output in the README', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const rows = (section: string) => {
      const start = readme.indexOf(`<!-- ${section}:start -->`);
      const end = readme.indexOf(`<!-- ${section}:end -->`);
      expect(start, section).toBeGreaterThan(0);
      return [...readme.slice(start, end).matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    };
    expect(rows('inputs')).toEqual(Object.keys(action.inputs));
    expect(rows('outputs')).toEqual(Object.keys(action.outputs));
  });
});

describe('parseConfig', () => {
  it('takes the defaults and picks the emulator when no key is given', () => {
    const c = config({});
    expect(c.mode).toBe('emulator');
    expect(c.build.board).toBe('mps2_an500');
    expect(c.allhw).toMatchObject({ timeoutS: 30, rate: 115200, log: '0', url: 'https://cloud.all-hw.com/ci/usertask' });
    expect(c.run).toMatchObject({ inputsPerTask: 'auto', uartBuffer: 8192, maxParallel: 4, retries: 2 });
  });

  it('says when the emulated board replaces the board asked for', () => {
    expect(config({ mode: 'emulator', board: 'f746_disco' }).modeReason).toBe("mode 'emulator'; board 'mps2_an500' (the emulated one) instead of 'f746_disco'");
    expect(config({}).modeReason).toMatch(/running on the emulated board; board 'mps2_an500' \(the emulated one\) instead of 'f746_disco'$/);
    expect(config({ mode: 'emulator', board: 'mps2_an500' }).modeReason).toBe("mode 'emulator'");
    expect(config({ 'ci-api-key': 'k', board: 'f746_disco' }).modeReason).not.toContain('instead of');
  });

  it('picks All-HW when a key is given and keeps the key out of the public config', () => {
    const c = config({ 'ci-api-key': 'f00dcafe-1234' });
    expect(c.mode).toBe('allhw');
    expect(c.build.board).toBe('f746_disco');
    expect(JSON.stringify(publicConfig(c))).not.toContain('f00dcafe-1234');
  });

  it.each([
    ['ci-timeout', 'abc', /Input 'ci-timeout' has value 'abc': expected a whole number of seconds from 1 to 3600/],
    ['ci-timeout', '0', /'ci-timeout' has value '0'/],
    ['ci-timeout', '-1', /'ci-timeout' has value '-1'/],
    ['ci-timeout', '100000', /'ci-timeout' has value '100000'/],
    ['ci-rate', 'fast', /'ci-rate' has value 'fast'/],
    ['ci-rate', '0', /'ci-rate' has value '0'/],
    ['ci-log', '2', /'ci-log' has value '2': allowed values are '0', 'DEBUG'/],
    ['ci-url', 'ftp://x', /'ci-url' has value 'ftp:\/\/x': expected an http:\/\/ or https:\/\/ URL/],
    ['max-parallel', '0', /'max-parallel' has value '0'/],
    ['retries', '-1', /'retries' has value '-1'/],
    ['board', 'my board;x', /'board' has value 'my board;x': expected a board name of letters, digits and _ - . \/ \(the table knows 'f746_disco', /],
    ['flash-size', '12 GB', /'flash-size' has value '12 GB': expected a size in bytes, e\.g\. 1048576, 1024K or 1M/],
    ['ram-size', '0', /'ram-size' has value '0': expected a size in bytes/],
    ['mode', 'cloud', /'mode' has value 'cloud': allowed values are 'auto', 'allhw', 'emulator'/],
    ['build-system', 'bazel', /'build-system' has value 'bazel'/],
    ['compare', 'exact', /'compare' has value 'exact'/],
    ['fail-on', 'some', /'fail-on' has value 'some'/],
    ['inputs-per-task', '0', /'inputs-per-task' has value '0'/],
    ['retention-days', '365', /'retention-days' has value '365'/],
    ['atol', '-0.5', /'atol' has value '-0.5'/],
    ['compare', 'topk:0', /'compare' has value 'topk:0': allowed values are 'values', 'top1', 'topk:N' \(N a whole number ≥ 1\)/],
    ['repeat', '0', /'repeat' has value '0': expected a whole number from 1 to 1000/],
    ['warmup', 'two', /'warmup' has value 'two'/],
    ['gate', 'soft', /'gate' has value 'soft': allowed values are 'warn', 'fail'/],
    ['min-pass-rate', '101', /'min-pass-rate' has value '101': expected a number from 0 to 100/],
    ['flash-tolerance', '-1', /'flash-tolerance' has value '-1'/],
    ['latency-min-change-us', 'x', /'latency-min-change-us' has value 'x'/],
  ])('rejects %s = %s with a message naming the input', (input, value, message) => {
    const e = errorOf({ [input]: value });
    expect(e.input).toBe(input);
    expect(e.message).toMatch(message);
  });

  it('reads the measuring and gating inputs; flash and RAM tolerances default to size-tolerance', () => {
    const c = config({
      repeat: '5',
      warmup: '2',
      compare: 'topk:3',
      'min-pass-rate': '99',
      'size-tolerance': '4',
      'ram-tolerance': '8',
      gate: 'warn',
      'latency-min-change-us': '20',
    });
    expect(c.run).toMatchObject({ repeat: 5, warmup: 2 });
    expect(c.results).toMatchObject({
      compare: 'topk:3',
      minPassRate: 99,
      sizeTolerancePct: 4,
      flashTolerancePct: null,
      ramTolerancePct: 8,
      gate: 'warn',
      latencyMinChangeUs: 20,
    });
    expect(config({}).run).toMatchObject({ repeat: 1, warmup: 0 });
    expect(config({}).results).toMatchObject({ gate: 'fail', minPassRate: 100, metricTolerancePct: 10, latencyMinChangeUs: 0 });
  });

  it('refuses a key in the URL and mode allhw without a key', () => {
    expect(errorOf({ 'ci-url': 'https://h/ci?key=abc' }).message).toMatch(/must not contain a query string/);
    expect(errorOf({ mode: 'allhw' }).message).toMatch(/'ci-api-key' is empty/);
    expect(() => parseConfig(() => undefined)).toThrow(/Input 'inputs' is required/);
  });

  it('splits build arguments with simple quoting', () => {
    expect(splitArgs(`-DA=1 "-DB=two words" '-DC=x y'`)).toEqual(['-DA=1', '-DB=two words', '-DC=x y']);
  });

  it('splits build arguments as a POSIX shell does: quotes inside a word, escapes, nothing expanded', () => {
    expect(splitArgs('-DCMAKE_C_FLAGS="-O2 -g" -DX=1')).toEqual(['-DCMAKE_C_FLAGS=-O2 -g', '-DX=1']);
    expect(config({ 'build-args': '-DCMAKE_C_FLAGS="-O2 -g"' }).build.args).toEqual(['-DCMAKE_C_FLAGS=-O2 -g']);
    expect(splitArgs(`a\\ b 'it''s' "say \\"hi\\"" $HOME src/*.c`)).toEqual(['a b', 'its', 'say "hi"', '$HOME', 'src/*.c']);
    expect(splitArgs('  ')).toEqual([]);
  });

  it('refuses shell operators in build arguments, saying how to pass them', () => {
    expect(() => splitArgs('-DX=1 > out.txt')).toThrow(/contains the shell operator '>': build-args are the build's arguments, not a shell command/);
    expect(errorOf({ 'build-args': 'A=1 && rm x' }).input).toBe('build-args');
    expect(splitArgs(`'-DX=a>b'`)).toEqual(['-DX=a>b']);
  });
});

describe('numbers in exponent form', () => {
  it('are read wherever a decimal is: tolerances and the gate percentages', () => {
    const c = config({ rtol: '1e-3', atol: '1E-5', 'latency-tolerance': '2.5e1', 'size-tolerance': '5e+0' });
    expect(c.results.rtol).toBe(0.001);
    expect(c.results.atol).toBe(0.00001);
    expect(c.results.latencyTolerancePct).toBe(25);
    expect(c.results.sizeTolerancePct).toBe(5);
    expect(config({ rtol: '.5', atol: '3.' }).results).toMatchObject({ rtol: 0.5, atol: 3 });
  });

  it.each([
    ['rtol', '1e'],
    ['rtol', 'e-3'],
    ['atol', '-1e-5'],
    ['atol', '1e999'],
    ['rtol', '0x10'],
  ])('still refuses %s = %s', (input, value) => {
    expect(errorOf({ [input]: value }).message).toMatch(new RegExp(`'${input}' has value '${value}': expected a number from 0`));
  });
});

describe('boards outside the table', () => {
  it('are accepted (All-HW lends more kinds than the table knows), with optional flash and RAM limits', () => {
    const c = config({ board: 'frdm_k64f', mode: 'allhw', 'ci-api-key': 'k' });
    expect(c.build).toMatchObject({ board: 'frdm_k64f', flashSize: null, ramSize: null });
    expect(config({ board: 'mimxrt1060_evk', 'flash-size': '8M', 'ram-size': '1024K', mode: 'allhw', 'ci-api-key': 'k' }).build).toMatchObject({
      flashSize: 8 * 1024 * 1024,
      ramSize: 1024 * 1024,
    });
    const allhw = { mode: 'allhw', 'ci-api-key': 'k' };
    expect(config({ ...allhw, 'flash-size': '1048576', 'ram-size': '320KiB' }).build).toMatchObject({ flashSize: 1048576, ramSize: 327680 });
    // The emulated board replaces the chosen one, and with it the chosen one's limits.
    expect(config({ 'flash-size': '1M', 'ram-size': '320K' }).build).toMatchObject({ board: 'mps2_an500', flashSize: null, ramSize: null });
  });
});
