import { describe, expect, it } from 'vitest';
import { FlagError, closest, flag, parseFlags } from '../../src/cli/flags.js';

describe('parseFlags', () => {
  it('reads --name value, --name=value, repeats and booleans', () => {
    const p = parseFlags(['--inputs', 'a', '--inputs=b', '--verbose', 'pos'], ['inputs'], ['verbose']);
    expect(p.values.get('inputs')).toEqual(['a', 'b']);
    expect(flag(p, 'inputs')).toBe('b');
    expect(flag(p, 'verbose')).toBe('true');
    expect(p.positionals).toEqual(['pos']);
  });

  it('refuses an unknown flag, suggesting the one meant', () => {
    expect(() => parseFlags(['--timeout', '3'], ['ci-timeout', 'ci-rate'])).toThrow(/Did you mean '--ci-timeout'\?/);
    expect(() => parseFlags(['--bord', 'x'], ['board', 'image'])).toThrow(/Did you mean '--board'\?/);
    expect(() => parseFlags(['--zzzzzz', 'x'], ['board'])).toThrow(FlagError);
    expect(closest('zzzzzz', ['board'])).toBeNull();
    expect(() => parseFlags(['--board'], ['board'])).toThrow(/'--board' needs a value/);
  });
});
