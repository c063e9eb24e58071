import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, INPUT_DEFAULTS, INPUT_NAMES, parseConfig, publicConfig, splitArgs } from '../src/config.js';
import { REPO_ROOT } from './helpers/firmware.js';

const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};

const config = (values: Record<string, string>) =>
  parseConfig((name) => values[name] ?? (name === 'inputs' ? 'in/*.txt' : undefined));

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
      const declared = action.inputs[name];
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
    expect(config({ mode: 'emulator', board: 'f746_disco' }).modeReason).toBe(
      "mode 'emulator'; board 'mps2_an500' (the emulated one) instead of 'f746_disco'",
    );
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
    ['board', 'esp32', /'board' has value 'esp32': known boards are 'f746_disco', 'mps2_an500'/],
    ['mode', 'cloud', /'mode' has value 'cloud': allowed values are 'auto', 'allhw', 'emulator'/],
    ['build-system', 'bazel', /'build-system' has value 'bazel'/],
    ['compare', 'exact', /'compare' has value 'exact'/],
    ['fail-on', 'some', /'fail-on' has value 'some'/],
    ['inputs-per-task', '0', /'inputs-per-task' has value '0'/],
    ['retention-days', '365', /'retention-days' has value '365'/],
    ['atol', '-0.5', /'atol' has value '-0.5'/],
  ])('rejects %s = %s with a message naming the input', (input, value, message) => {
    const e = errorOf({ [input]: value });
    expect(e.input).toBe(input);
    expect(e.message).toMatch(message);
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
