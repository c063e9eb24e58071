/** The action's logger: what it hands @actions/core is redacted, and no line of an info message can be a runner command. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { actionsLogger } from '../../src/action/log.js';

function captureStdout(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split(/\r?\n/).filter(Boolean));
    return true;
  });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('actionsLogger', () => {
  it('defuses info lines that would start a command, keeps the matcher commands, masks the key', () => {
    const out = captureStdout();
    const log = actionsLogger();
    log.secret('the-key-12345');
    log.info('input\n::error::forged\n##[warning]old\n\x1b[2Jkey the-key-12345');
    log.info('::add-matcher::/tmp/gcc.json');
    log.info('::remove-matcher owner=allhw-gcc::');
    const shown = out.filter((l) => !l.startsWith('::add-mask::'));
    expect(shown).toEqual([
      'input',
      ':\\x3aerror::forged',
      '#\\x23[warning]old',
      '\\x1b[2Jkey ***',
      '::add-matcher::/tmp/gcc.json',
      '::remove-matcher owner=allhw-gcc::',
    ]);
  });

  it('masks annotation messages and titles, and shows their control characters as escapes', () => {
    const out = captureStdout();
    const log = actionsLogger();
    log.secret('the-key-12345');
    log.error('bad the-key-12345\x1b[0m', { title: 'x the-key-12345' });
    expect(out.filter((l) => !l.startsWith('::add-mask::'))).toEqual(['::error title=x ***::bad ***\\x1b[0m']);
  });
});
