import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/common/redact.js';
import { formatSize } from '../../src/common/text.js';

describe('redactUrl: one rule for the All-HW key and mirror URLs', () => {
  it('masks the key, tokens, signatures and a password, and keeps everything else', () => {
    expect(redactUrl('https://cloud.all-hw.com/ci/usertask?key=K1&timeout=10')).toBe('https://cloud.all-hw.com/ci/usertask?key=***&timeout=10');
    expect(redactUrl('https://u:pw@mirror.example/a.tar.xz?X-Amz-Signature=abc&token=t&v=2')).toBe(
      'https://u:***@mirror.example/a.tar.xz?X-Amz-Signature=***&token=***&v=2',
    );
    expect(redactUrl(new URL('http://h/x?KEY=z'))).toBe('http://h/x?KEY=***');
  });
  it('masks key-like values in text that is not a URL, up to the next &', () => {
    expect(redactUrl('not a url ?key=abc#def&a=1')).toBe('not a url ?key=***&a=1');
    expect(redactUrl('x ?access_token=abc')).toBe('x ?access_token=***');
  });
});

describe('formatSize', () => {
  it('prints whole values as is and others with the asked decimals', () => {
    expect(formatSize(4 * 1024 * 1024)).toBe('4 MiB');
    expect(formatSize(43110)).toBe('42.1 KiB');
    expect(formatSize(100 * 1024, 'MiB', 2)).toBe('0.10 MiB');
    expect(formatSize(2_500_000, 'MB')).toBe('2.5 MB');
  });
});
