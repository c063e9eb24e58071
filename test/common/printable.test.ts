/** Names printed safely: no control character reaches a terminal, no name starts a workflow command. */
import { describe, expect, it } from 'vitest';
import { printable, terminalSafe, visibleControls } from '../../src/common/printable.js';

describe('printable', () => {
  it('escapes control and invisible characters, newlines included', () => {
    expect(printable('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(printable('x\ny\rz\t')).toBe('x\\x0ay\\x0dz\\x09');
    expect(printable('\x7f\x9b')).toBe('\\x7f\\x9b');
    expect(printable('abc\u202edcba\u2028')).toBe('abc\\u{202e}dcba\\u{2028}');
  });

  it('defuses every workflow command opener, old syntax too', () => {
    expect(printable('::error::forged')).toBe(':\\x3aerror:\\x3aforged');
    expect(printable('##[error]forged')).toBe('#\\x23[error]forged');
    expect(printable('in/a\n::add-mask::x')).toBe('in/a\\x0a:\\x3aadd-mask:\\x3ax');
  });

  it('keeps ordinary names, non-ASCII ones included', () => {
    for (const name of ['inputs/img-01.txt', 'données/é €.npy', 'C:\\data\\a.txt', 'a:b']) expect(printable(name)).toBe(name);
  });
});

describe('terminalSafe', () => {
  it('keeps lines and tabs, defuses a line that would start a command, escapes the rest', () => {
    expect(terminalSafe('table\n::error::x.txt  passed\n  ##[warning]y\nok :: fine')).toBe('table\n:\\x3aerror::x.txt  passed\n  #\\x23[warning]y\nok :: fine');
    expect(terminalSafe('a\r\nb\rc\x1b[0m\td')).toBe('a\nb\\x0dc\\x1b[0m\td');
  });

  it('visibleControls leaves tab and newline alone', () => {
    expect(visibleControls('a\tb\nc\x00')).toBe('a\tb\nc\\x00');
  });
});
