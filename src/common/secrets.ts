/**
 * The one place that knows what a secret looks like on the way out. Every
 * sink (log lines, results.json, UART logs, reports, file names, the job
 * summary, annotations, outputs) passes its text through a Redactor holding
 * the run's secrets: the All-HW key and any GitHub token.
 *
 * A secret can reach a sink in another spelling than its own: the client
 * sends the key form-encoded (URLSearchParams writes ! ' ( ) ~ as %21 %27
 * %28 %29 %7E, encodeURIComponent leaves them), a server may echo it in
 * lower-case hex, JSON-escaped (`\/`, `\u00e9`), HTML-escaped (`&amp;`,
 * `&#39;`, `&#x27;`) or in base64 inside a longer stream. Enumerating whole
 * spellings misses the mixtures (one character escaped one way, the next
 * another), so each secret is compiled to one regular expression in which
 * every character may take any of its spellings. Base64 is not per-character:
 * its spellings (standard and URL-safe, at each of the three byte offsets in
 * a longer stream) are added as further sequences, each also per-character
 * escapable (a base64 `/` written `\/` in JSON).
 *
 * Written by hand: no library masks a value in all these encodings at once
 * (@actions/core's setSecret only tells the runner, which masks what it
 * shows, not what we write to files).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { redactSecretParams } from './redact.js';

export const MASK = '***';
const MASK_BYTES = Buffer.from(MASK);
/** How much of a byte buffer is searched as one string. */
const BYTES_WINDOW = 1 << 20;

/** Named HTML entities for the characters that have one everywhere (case-insensitive: `&AMP;` is valid HTML). */
const HTML_NAMES: Record<string, string[]> = { '&': ['amp'], '<': ['lt'], '>': ['gt'], '"': ['quot'], "'": ['apos'], '+': ['plus'], '/': ['sol'] };
/**
 * JSON's and JavaScript's short escapes, without their backslash: a text
 * escaped twice (JSON inside JSON) doubles the backslashes, so the patterns
 * allow a run of them (BACKSLASHES).
 */
const SHORT_ESCAPES: Record<string, string> = { '/': '/', '"': '"', "'": "'", '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };
/** The backslash of an escape, escaped up to twice more. */
const BACKSLASHES = '\\\\{1,4}';
/** The `&` of a character reference, itself escaped up to twice (`&amp;#39;`). */
const AMPERSAND = '&(?:amp;){0,2}';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** A pattern for `text` with every letter in either case (hex digits, entity names). */
function anyCase(text: string): string {
  return [...text].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegex(c))).join('');
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Every spelling of one character as a pattern. `raw` says how the character
 * itself is written in the domain searched: as is (text) or as its UTF-8
 * bytes read as latin1 (bytes), so that one pattern serves both.
 */
function characterPattern(ch: string, raw: (ch: string) => string): string {
  const cp = ch.codePointAt(0)!;
  const bytes = [...Buffer.from(ch, 'utf8')];
  // A backslash as itself or escaped up to three times (JSON in JSON in JSON): 1 to 8 of them.
  const ways = new Set<string>([ch === '\\' ? '\\\\{1,8}' : escapeRegex(raw(ch))]);
  // Percent-encoding, upper or lower hex, also twice or thrice (a URL quoted inside another); form-encoding's + for space.
  ways.add(bytes.map((b) => `%(?:25){0,2}${anyCase(hex(b, 2).toUpperCase())}`).join(''));
  if (ch === ' ') ways.add('\\+');
  // \xNN escapes of the UTF-8 bytes (Python's and C's repr of bytes).
  ways.add(bytes.map((b) => `${BACKSLASHES}x${anyCase(hex(b, 2))}`).join(''));
  // JSON/JavaScript: \uXXXX (a surrogate pair beyond the BMP) and the short escapes.
  const units = cp > 0xffff ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [cp];
  ways.add(units.map((u) => `${BACKSLASHES}u${anyCase(hex(u, 4))}`).join(''));
  if (SHORT_ESCAPES[ch]) ways.add(`${BACKSLASHES}${escapeRegex(SHORT_ESCAPES[ch])}`);
  // HTML/XML: decimal and hex character references (a few leading zeros allowed), named entities; also escaped again.
  ways.add(`${AMPERSAND}#0{0,4}${cp};`);
  ways.add(`${AMPERSAND}#[xX]0{0,4}${anyCase(hex(cp, 1))};`);
  for (const name of HTML_NAMES[ch] ?? []) ways.add(`${AMPERSAND}${anyCase(name)};`);
  return `(?:${[...ways].join('|')})`;
}

/** Characters written as themselves in a text. */
const asText = (ch: string): string => ch;
/** Characters written as their UTF-8 bytes, read as latin1 (one char per byte). */
const asBytes = (ch: string): string => Buffer.from(ch, 'utf8').toString('latin1');

/** A base64 spelling shorter than this is not masked inside other text: it would hit too much that is not the secret. */
const MIN_BASE64_CORE = 6;

/**
 * The secret's base64 spellings: the whole value alone (padded, and URL-safe
 * unpadded), and the characters that depend on its bytes only when it sits at
 * byte offset 0, 1 or 2 of a longer stream (the first and last characters
 * there also carry neighbouring bits, so they differ from stream to stream).
 */
export function base64Spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out = new Set<string>([bytes.toString('base64'), bytes.toString('base64url')]);
  for (let offset = 0; offset < 3; offset++) {
    const stream = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = stream.slice(first, end);
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out].filter((s) => s.length >= MIN_BASE64_CORE);
}

/** A few whole spellings, for the runner's own masker (core.setSecret): it masks what it shows. */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const form = new URLSearchParams({ k: secret }).toString().slice(2);
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, '+'),
      form,
      JSON.stringify(secret).slice(1, -1),
      html,
      ...base64Spellings(secret),
    ]),
  ];
}

/**
 * How many characters of a secret's beginning, at the end of a text that may
 * be cut, are masked: fewer would hit ordinary text ending in the same letter.
 * Where the text surely was cut (a window of a longer body), any beginning is.
 */
const MIN_CUT_PREFIX = 4;

interface Compiled {
  /** Any spelling of any secret. */
  text: RegExp;
  bytes: RegExp;
  /** A text ending in the first characters of a spelling: at least MIN_CUT_PREFIX of them, or at least one. */
  cutEnd: RegExp;
  cutEndAny: RegExp;
  /** The longest match `text` or `bytes` can make, in characters: how far back cutEnd must look, how much windows overlap. */
  longest: number;
}

/** A pattern for a sequence whose every character has its spellings; optionally any prefix of it, anchored at the end. */
function sequencePattern(sequence: string, raw: (ch: string) => string): string {
  return [...sequence].map((ch) => characterPattern(ch, raw)).join('');
}

function prefixPattern(sequence: string, least: number): string {
  const chars = [...sequence].map((ch) => characterPattern(ch, asText));
  if (chars.length <= least) return chars.join('') + '$';
  // a1 a2 a3 a4 (a5 (a6 ...)?)? at the end: every prefix at least `least` long.
  let tail = '';
  for (let i = chars.length - 1; i >= least; i--) tail = `(?:${chars[i]}${tail})?`;
  return `${chars.slice(0, least).join('')}${tail}$`;
}

function compile(secrets: string[]): Compiled | null {
  if (secrets.length === 0) return null;
  // Longest first, so that a secret inside another is masked as the larger one.
  const sequences = [...new Set(secrets.flatMap((s) => [s, ...base64Spellings(s)]))].sort((a, b) => b.length - a.length);
  // Every spelling of a character starts with the character itself or with one of % \\ & (+ for a space). Saying so
  // up front lets the engine skip most positions at once: 25 times faster on a large UART log.
  const starts = (raw: (ch: string) => string): string => {
    const first = new Set(['%', '\\', '&', ...sequences.map((s) => raw([...s][0]!)[0]!)]);
    if (sequences.some((s) => s.startsWith(' '))) first.add('+');
    return `(?=[${[...first].map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('')}])`;
  };
  const alternation = (raw: (ch: string) => string): string => `${starts(raw)}(?:${sequences.map((s) => sequencePattern(s, raw)).join('|')})`;
  // No spelling of a character is longer than 28 characters (%2525XX for each of 4 UTF-8 bytes): a bound, not an estimate.
  const longest = Math.max(...sequences.map((s) => [...s].length)) * 32;
  return {
    text: new RegExp(alternation(asText), 'g'),
    bytes: new RegExp(alternation(asBytes), 'g'),
    cutEnd: new RegExp(sequences.map((s) => prefixPattern(s, MIN_CUT_PREFIX)).join('|')),
    cutEndAny: new RegExp(sequences.map((s) => prefixPattern(s, 1)).join('|')),
    longest,
  };
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private compiled: Compiled | null = null;
  /** Keys the hashes of file names, so that a name made from a secret cannot be checked against guesses. */
  private readonly salt = randomBytes(16);

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Masks `secret` (and its trimmed value) from now on; empty values are ignored. */
  add(secret: string | undefined | null): void {
    for (const value of new Set([secret ?? '', (secret ?? '').trim()])) {
      if (value === '' || this.secrets.has(value)) continue;
      this.secrets.add(value);
      this.compiled = compile([...this.secrets]);
    }
  }

  /** True when no secret is known (redaction is the identity, but for secret-looking URL parameters). */
  get empty(): boolean {
    return this.secrets.size === 0;
  }

  /** `text` with every spelling of every secret, and the value of any secret-looking URL parameter (common/redact.ts), replaced by ***. */
  redact(text: string): string {
    const c = this.compiled;
    const masked = c ? text.replace(c.text, MASK) : text;
    return redactSecretParams(masked);
  }

  /**
   * For text that may have been cut (a truncated response): also masks the
   * beginning of a secret left at its end, MIN_CUT_PREFIX characters or more;
   * with `surelyCut` (we cut it), any beginning.
   */
  redactCut(text: string, surelyCut = false): string {
    const masked = this.redact(text);
    const c = this.compiled;
    if (!c) return masked;
    const from = Math.max(0, masked.length - c.longest);
    const tail = masked.slice(from);
    const m = (surelyCut ? c.cutEndAny : c.cutEnd).exec(tail);
    return m ? masked.slice(0, from + m.index) + MASK : masked;
  }

  /**
   * Bytes (a UART log) with every spelling of every secret replaced by ***;
   * the same Buffer when none occurs. Searched in windows, each overlapping
   * the next by the longest match, so that a log of tens of MB is never one
   * string.
   */
  redactBytes(bytes: Buffer): Buffer {
    const c = this.compiled;
    if (!c) return bytes;
    const parts: Buffer[] = [];
    let copied = 0;
    for (let from = 0; from < bytes.length;) {
      const text = bytes.toString('latin1', from, Math.min(bytes.length, from + BYTES_WINDOW + c.longest));
      let next = from + BYTES_WINDOW;
      c.bytes.lastIndex = 0;
      // A match starting in this window is taken whole (it fits in the overlap); later ones are the next window's.
      for (let m = c.bytes.exec(text); m && m.index < BYTES_WINDOW; m = c.bytes.exec(text)) {
        parts.push(bytes.subarray(copied, from + m.index), MASK_BYTES);
        copied = from + m.index + m[0].length;
        next = Math.max(next, copied);
      }
      from = next;
    }
    if (parts.length === 0) return bytes;
    parts.push(bytes.subarray(copied));
    return Buffer.concat(parts);
  }

  /**
   * A JSON-able value with every string in it redacted. Property names are
   * left alone: they are ours, and masking them would turn a one-letter
   * secret's "tasks" into "tas***s".
   */
  redactValues<T>(value: T): T {
    return JSON.parse(this.redactedJson(value)) as T;
  }

  /** JSON.stringify of `value` (indented by `space`) with every string value redacted. */
  redactedJson(value: unknown, space?: number): string {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? this.redact(v) : v), space);
  }

  /**
   * `name` (a task id, an image name) made safe as one path component: kept
   * when it is plain and holds no secret; otherwise its plain characters and
   * a keyed hash (so that two names never share a file), or, when it holds a
   * secret, the hash alone. The caller records which name became which file.
   */
  pathComponent(name: string): string {
    const tag = createHmac('sha256', this.salt).update(name).digest('hex').slice(0, 16);
    if (this.redact(name) !== name) return `masked-${tag}`;
    if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/.test(name)) return name;
    const plain = name
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[._-]+/, '')
      .slice(0, 100);
    return plain ? `${plain}-${tag.slice(0, 8)}` : `name-${tag}`;
  }

  /** The whole spellings of each secret, for the runner's masker (core.setSecret). */
  forms(): string[] {
    return [...this.secrets].flatMap(secretForms);
  }
}

/** The GitHub token's names in the environment; the token is masked like the key wherever it is set. */
export const TOKEN_VARIABLES = ['GITHUB_TOKEN', 'INPUT_GITHUB-TOKEN', 'INPUT_GITHUB_TOKEN', 'ACTIONS_RUNTIME_TOKEN'] as const;

/** The tokens set in `env` (empty values dropped). */
export function environmentTokens(env: NodeJS.ProcessEnv): string[] {
  return TOKEN_VARIABLES.map((name) => env[name] ?? '').filter((v) => v.trim() !== '');
}

/** How long a line may grow before it is redacted and written without its end (a secret across that cut shows in part). */
const LONGEST_HELD_LINE = 1 << 20;

/**
 * A stream that writes into `target` what it is given, redacted whole lines
 * at a time, so that a secret split between two writes (a build tool's
 * output arrives in arbitrary chunks) is still found. Ending it flushes the
 * last partial line and ends `target`; an error of `target` is its error.
 */
export function redactingWriter(target: Writable, redactor: Redactor): Writable {
  let held = Buffer.alloc(0);
  const writer = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      held = Buffer.concat([held, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const end = held.length > LONGEST_HELD_LINE ? held.length : held.lastIndexOf(0x0a) + 1;
      if (end === 0) return done();
      const whole = held.subarray(0, end);
      held = held.subarray(end);
      target.write(redactor.redactBytes(whole), (e) => done(e ?? undefined));
    },
    final(done) {
      target.end(held.length ? redactor.redactBytes(held) : undefined, () => done());
    },
  });
  target.on('error', (e) => writer.destroy(e));
  return writer;
}
