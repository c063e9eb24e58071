/**
 * The Redactor masks every spelling of a secret a sink can receive: what the
 * client sends (URLSearchParams), encodeURIComponent, lower-case hex, form
 * encoding, JSON and HTML escapes, base64 at every offset of a longer stream,
 * mixtures of these, bytes, cut texts and file names.
 */
import { describe, expect, it } from 'vitest';
import { base64Spellings, environmentTokens, MASK, Redactor, secretForms } from '../../src/common/secrets.js';

const KEYS = [`k!'()~*+/=&%?# "<>\\é€𝄞z`, '7b00ab0c-8566-46ae-ada8-45bc2bdc81d4', "a'b(c)d~e!f"];

const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const htmlHex = (s: string): string => [...s].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`)).join('');
/** Every UTF-16 unit as \uXXXX (a character beyond the BMP as its surrogate pair). */
const jsonAll = (s: string): string =>
  s
    .split('')
    .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');

/** Each spelling a hostile or careless server (or our own client) might use. */
function spellings(key: string): Record<string, string> {
  const sent = new URL('http://x/?key=' + 'y');
  sent.searchParams.set('key', key);
  const asSent = sent.search.slice('?key='.length);
  return {
    raw: key,
    'as the client sends it (URLSearchParams)': asSent,
    'as sent, lower-case hex': asSent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent: encodeURIComponent(key),
    'encodeURIComponent, lower-case hex': encodeURIComponent(key).toLowerCase(),
    'form-encoded with +': encodeURIComponent(key).replace(/%20/g, '+'),
    'double percent-encoded': encodeURIComponent(encodeURIComponent(key)),
    'JSON.stringify': JSON.stringify(key).slice(1, -1),
    'JSON with \\/': JSON.stringify(key).slice(1, -1).replace(/\//g, '\\/'),
    'JSON, all \\u': jsonAll(key),
    'HTML-escaped': htmlEscape(key),
    'HTML hex references': htmlHex(key),
    'HTML decimal with &#039;': key.replace(/'/g, '&#039;').replace(/&(?!#)/g, '&#38;'),
    base64: Buffer.from(key).toString('base64'),
    base64url: Buffer.from(key).toString('base64url'),
    'base64 in a stream, offset 1': Buffer.concat([Buffer.from('x'), Buffer.from(key), Buffer.from('tail')]).toString('base64'),
    'base64 in a stream, offset 2': Buffer.concat([Buffer.from('xy'), Buffer.from(key), Buffer.from('t')]).toString('base64'),
    'base64 in a stream, offset 0': Buffer.concat([Buffer.from('xyz'), Buffer.from(key), Buffer.from('!')]).toString('base64'),
    'base64url in a stream, offset 1': Buffer.concat([Buffer.from('x'), Buffer.from(key), Buffer.from('tail')]).toString('base64url'),
    'base64 inside JSON with \\/': JSON.stringify(Buffer.concat([Buffer.from('xy'), Buffer.from(key)]).toString('base64')).replace(/\//g, '\\/'),
  };
}

/** A spelling is masked when no stretch of it that identifies the key is left: for base64 in a stream, the core. */
function leftOver(masked: string, key: string): string[] {
  const cores = base64Spellings(key);
  return [key, ...Object.values(spellings(key)).filter((s) => s.length > 8 && !/^[A-Za-z0-9+/=_-]+$/.test(s)), ...cores].filter((f) => masked.includes(f));
}

describe('Redactor', () => {
  for (const key of KEYS) {
    for (const [how, spelled] of Object.entries(spellings(key))) {
      it(`masks ${JSON.stringify(key).slice(0, 20)}… ${how}`, () => {
        const r = new Redactor([key]);
        const text = `before ${spelled} after`;
        const masked = r.redact(text);
        expect(masked).toContain(MASK);
        expect(masked.startsWith('before ')).toBe(true);
        expect(leftOver(masked, key)).toEqual([]);
        // The same in bytes (a UART log), the raw characters as UTF-8.
        const bytes = r.redactBytes(Buffer.from(text));
        expect(bytes.toString()).toContain(MASK);
        expect(leftOver(bytes.toString(), key)).toEqual([]);
      });
    }
  }

  it('masks a mixture: one character escaped one way, the next another', () => {
    const key = `a!b'c"d/e`;
    const r = new Redactor([key]);
    expect(r.redact(`x a%21b&#39;c\\"d\\/e y`)).toBe(`x ${MASK} y`);
    expect(r.redact(`x a&#x21;b%27c&quot;d%2fe y`)).toBe(`x ${MASK} y`);
  });

  it('leaves text alone that only resembles the key, and masks key= values of URLs', () => {
    const r = new Redactor(['s3cr3t-value']);
    expect(r.redact('s3cr3t-valu and s3cr3t_value')).toBe('s3cr3t-valu and s3cr3t_value');
    expect(r.redact('GET http://h/p?id=1&key=anything&x=2')).toBe('GET http://h/p?id=1&key=***&x=2');
    expect(new Redactor().redact('plain text')).toBe('plain text');
  });

  it('returns the same Buffer when bytes hold no secret, and keeps invalid UTF-8 as it was', () => {
    const r = new Redactor(['s3cr3t-value']);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]);
    expect(r.redactBytes(bytes)).toBe(bytes);
    const withKey = Buffer.concat([bytes, Buffer.from('s3cr3t-value'), bytes]);
    expect(r.redactBytes(withKey)).toEqual(Buffer.concat([bytes, Buffer.from(MASK), bytes]));
  });

  it('masks the beginning of a secret that a cut left at the end of a text', () => {
    const key = 'abcdef-123456';
    const r = new Redactor([key]);
    expect(r.redactCut('body: abcdef-12')).toBe(`body: ${MASK}`);
    expect(r.redactCut(`body: ${encodeURIComponent("abc'")}`.replace(/'/g, '%27'))).toBe('body: abc%27');
    expect(r.redactCut('body: abc')).toBe('body: abc');
    expect(r.redactCut(`${key} and abcd`)).toBe(`${MASK} and ${MASK}`);
    // Where the caller surely cut the text, even one character of the beginning goes.
    expect(r.redactCut('body: a', true)).toBe(`body: ${MASK}`);
    expect(r.redactCut('body: a')).toBe('body: a');
  });

  it('redacts string values of JSON but not property names', () => {
    const r = new Redactor(['t']);
    expect(r.redactValues({ tasks: ['a t b'], n: 1 })).toEqual({ tasks: [`a ${MASK} b`], n: 1 });
  });

  it('turns a name holding a secret into a hash-based one, unsafe names into plain ones, never two names into one', () => {
    const key = 'abc123secret';
    const r = new Redactor([key]);
    expect(r.pathComponent(key)).toMatch(/^masked-[0-9a-f]{16}$/);
    expect(r.pathComponent(`id-${Buffer.from(key).toString('base64')}`)).toMatch(/^masked-/);
    expect(r.pathComponent('7b00ab0c-8566-46ae-ada8-45bc2bdc81d4')).toBe('7b00ab0c-8566-46ae-ada8-45bc2bdc81d4');
    expect(r.pathComponent('synth.elf')).toBe('synth.elf');
    const a = r.pathComponent('../a b');
    const b = r.pathComponent('../a_b');
    expect(a).toMatch(/^a_b-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(r.pathComponent('..')).toMatch(/^name-[0-9a-f]{16}$/);
    // Another run's hashes differ: a name cannot be checked against a guessed key.
    expect(new Redactor([key]).pathComponent(key)).not.toBe(r.pathComponent(key));
  });

  it('gives the runner whole spellings, including the one the client sends', () => {
    const forms = secretForms("a'b~");
    expect(forms).toContain("a'b~");
    expect(forms).toContain('a%27b%7E');
    expect(new Redactor(["a'b~ "]).forms()).toContain("a'b~");
  });

  it('finds the GitHub tokens in the environment', () => {
    expect(environmentTokens({ GITHUB_TOKEN: 'ghs_x', ACTIONS_RUNTIME_TOKEN: ' ', PATH: '/bin' })).toEqual(['ghs_x']);
  });
});

describe('Redactor, escaped more than once', () => {
  const key = `a/b"c\\d'e&f<g é`;
  const r = new Redactor([key]);
  for (const [how, text] of Object.entries({
    'JSON in JSON': JSON.stringify(JSON.stringify(key)),
    'JSON in JSON with \\/': JSON.stringify(JSON.stringify(key).replace(/\//g, '\\/')),
    'percent-encoded twice': encodeURIComponent(encodeURIComponent(key)),
    'percent-encoded three times': encodeURIComponent(encodeURIComponent(encodeURIComponent(key))),
    'HTML-escaped twice': key.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/&/g, '&amp;'),
  })) {
    it(`masks the key ${how}`, () => {
      const masked = r.redact(`[${text}]`);
      expect(masked).toMatch(/^\["?(\\")?\*\*\*(\\")?"?\]$/);
    });
  }
});

describe('redactingWriter', () => {
  it('masks a secret split between writes, and the last line without its newline', async () => {
    const { Writable } = await import('node:stream');
    const { redactingWriter } = await import('../../src/common/secrets.js');
    const key = 'build-secret-42';
    const got: Buffer[] = [];
    const target = new Writable({ write: (c: Buffer, _e, done) => (got.push(c), done()) });
    const w = redactingWriter(target, new Redactor([key]));
    const text = `env TOKEN=${key}\nsecond ${encodeURIComponent(key)} line\nlast ${key}`;
    // Every cut point of the text, one character at a time.
    for (const ch of text) w.write(ch);
    await new Promise<void>((resolve) => w.end(resolve));
    expect(Buffer.concat(got).toString()).toBe(`env TOKEN=${MASK}\nsecond ${MASK} line\nlast ${MASK}`);
    expect(target.writableEnded).toBe(true);
  });
});

describe('redactBytes on large buffers', () => {
  it('masks secrets wherever they fall against its search windows, and returns the same Buffer when none is there', () => {
    const key = `w!n'd"o/w-k€y`;
    const r = new Redactor([key]);
    const filler = Buffer.alloc((1 << 20) * 2 + 333, 0x2e);
    // Spellings placed across the first window's end, at its start, and at the very end.
    const spelled = [Buffer.from(key), Buffer.from(encodeURIComponent(key)), Buffer.from(JSON.stringify(key).slice(1, -1))];
    for (const shift of [-40, -7, -1, 0, 1, 30]) {
      const at = (1 << 20) + shift;
      for (const s of spelled) {
        const bytes = Buffer.concat([filler.subarray(0, at), s, filler.subarray(at), s]);
        const out = r.redactBytes(bytes);
        expect(out.length).toBe(bytes.length - 2 * s.length + 2 * MASK.length);
        expect(out.subarray(at, at + MASK.length).toString()).toBe(MASK);
        expect(out.subarray(-MASK.length).toString()).toBe(MASK);
      }
    }
    expect(r.redactBytes(filler)).toBe(filler);
  });
});
