/**
 * `allhw serve` flags: every bad flag is refused with a message naming it.
 */
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/common/log.js';
import { KEYS_ENV, parseServeFlags, serveCommand } from '../../src/cli/serve.js';

describe('serve command: flags', () => {
  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const opts = parseServeFlags(
      [
        '--host',
        '0.0.0.0',
        '--port=0',
        '--boards',
        '3',
        '--key',
        'k1',
        '--key=k2',
        '--data-dir',
        '/tmp/x',
        '--flash-ms-per-kib',
        '12.5',
        '--boot-ms=0',
        '--max-image-mb',
        '2',
        '--max-input-mb=0.5',
        '--live-output',
        '--qemu',
        '/opt/q',
      ],
      {},
    );
    expect(opts).toEqual({
      host: '0.0.0.0',
      port: 0,
      boards: 3,
      keys: ['k1', 'k2'],
      dataDir: '/tmp/x',
      flashMsPerKiB: 12.5,
      bootMs: 0,
      maxImageBytes: 2 * 1024 * 1024,
      maxInputBytes: 512 * 1024,
      liveOutput: true,
      qemuPath: '/opt/q',
    });
  });

  it('--icount takes a shift or off', () => {
    expect(parseServeFlags(['--icount', '3'], {})).toMatchObject({ icountShift: 3 });
    expect(parseServeFlags(['--icount=off'], {})).toMatchObject({ icountShift: null });
    expect(parseServeFlags([], {})).not.toHaveProperty('icountShift');
    expect(() => parseServeFlags(['--icount', 'fast'], {})).toThrow(/--icount/);
  });

  it(`adds the keys of ${KEYS_ENV} (comma-separated) to --key`, () => {
    expect(parseServeFlags(['--key', 'a'], { [KEYS_ENV]: ' b, c ,' })).toMatchObject({ keys: ['a', 'b', 'c'] });
    expect(parseServeFlags([], {})).not.toHaveProperty('keys');
  });

  it.each([
    [['--port', '70000'], /--port "70000" is not a whole number from 0 to 65535/],
    [['--boards', '0'], /--boards "0" is not a whole number from 1 to 64/],
    [['--boot-ms', '-5'], /--boot-ms "-5" is not a whole number from 0 to 600000/],
    [['--boot-ms', '--live-output'], /--boot-ms needs a value/],
    [['--flash-ms-per-kib', 'fast'], /--flash-ms-per-kib "fast" is not a number/],
    [['--max-image-mb', '0'], /--max-image-mb "0" is not a number from 0.001 to 4096/],
    [['--key'], /--key needs a value/],
    [['--key', ''], /--key is empty/],
    [['--live-output=yes'], /--live-output takes no value/],
    [['--prot', '80'], /unknown flag --prot/],
    [['serve'], /unexpected argument "serve"/],
  ])('refuses %j, naming the flag', async (argv, message) => {
    expect(() => parseServeFlags(argv, {})).toThrow(message);
    const log = memoryLogger();
    expect(await serveCommand(argv, log)).toBe(2);
    expect(log.lines.join('\n')).toMatch(message);
  });

  it('--help prints the usage and exits 0 without starting anything', async () => {
    const log = memoryLogger();
    expect(await serveCommand(['--help'], log)).toBe(0);
    expect(log.lines[0]).toMatch(/^info: Usage: allhw serve \[options\]/);
    expect(log.lines[0]).toContain('--flash-ms-per-kib MS');
  });
});
