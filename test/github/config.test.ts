/** The PR-loop inputs: github-token, comment, shard, and the two report modes. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, publicConfig, reportConfig, reportModeOf, type InputName } from '../../src/config.js';

const parse = (inputs: Partial<Record<InputName, string>>) => parseConfig((n) => ({ inputs: 'in/*.txt', ...inputs })[n]);

function refused(inputs: Partial<Record<InputName, string>>): ConfigError {
  try {
    parse(inputs);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('PR-loop inputs', () => {
  it('shard i/n: parsed, or refused with the form to use', () => {
    expect(parse({ shard: '2/3' }).github.shard).toEqual({ index: 2, count: 3 });
    expect(parse({ shard: ' 1 / 1 ' }).github.shard).toEqual({ index: 1, count: 1 });
    expect(parse({}).github.shard).toBeNull();
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '1/999']) {
      const e = refused({ shard: bad });
      expect(e.input).toBe('shard');
      expect(e.message).toContain(`Input 'shard' has value '${bad}'`);
      expect(e.message).toContain("expected 'i/n' with 1 ≤ i ≤ n ≤ 256");
    }
  });

  it('comment is auto, always or never', () => {
    expect(parse({}).github.comment).toBe('auto');
    expect(refused({ comment: 'sometimes' }).message).toBe("Input 'comment' has value 'sometimes': allowed values are 'auto', 'always', 'never'.");
  });

  it("the token is kept out of the public config; the action's unexpanded default is no token", () => {
    const c = parse({ 'github-token': 'ghs_secretValue123' });
    expect(c.github.token).toBe('ghs_secretValue123');
    expect(JSON.stringify(publicConfig(c))).not.toContain('ghs_secretValue123');
    expect(parse({ 'github-token': '${{ github.token }}' }).github.token).toBe('');
  });

  it("merge and comment are report modes: their inputs are checked without a run's", () => {
    const get = (v: Partial<Record<InputName, string>>) => (n: InputName) => v[n];
    expect(reportModeOf(get({ mode: 'merge' }))).toBe('merge');
    expect(reportModeOf(get({ mode: 'emulator' }))).toBeNull();
    expect(reportConfig(get({ mode: 'comment', 'fail-on': 'none' })).results.failOn).toBe('none');
    expect(() => reportConfig(get({ mode: 'merge', 'latency-tolerance': 'x' }))).toThrow(/Input 'latency-tolerance' has value 'x'/);
    // A run's config refuses them with a pointer, rather than running nothing.
    expect(refused({ mode: 'merge' }).message).toMatch(/builds and runs nothing/);
  });
});
