/**
 * A base64 JSON string value decoded straight from the response's bytes into
 * the UART Buffer, 64 KiB at a time: a 50 MB output then never exists as one
 * 67 MB JavaScript string (nor as the copies of it JSON.parse would make).
 */

/**
 * Raw bytes turned into a string at a time: small, so each string is an
 * ordinary young one that the next scavenge frees (Node makes a latin1 string
 * over ~1 MB an external string, freed only by a full GC: 4 MiB pieces left
 * 64 MB of them behind).
 */
const CHUNK = 64 * 1024;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const ALPHABET = /^[A-Za-z0-9+/]*$/;
const FINAL = /^[A-Za-z0-9+/]*={0,2}$/;

/** How many of `byte` the parts hold. */
function count(parts: readonly Buffer[], byte: number): number {
  let n = 0;
  for (const part of parts) for (let at = part.indexOf(byte); at >= 0; at = part.indexOf(byte, at + 1)) n++;
  return n;
}

/** How many `=` end the parts (at most 2 counted). */
function trailingPadding(parts: readonly Buffer[]): number {
  let n = 0;
  for (let i = parts.length - 1; i >= 0 && n < 2; i--) {
    const part = parts[i]!;
    for (let k = part.length - 1; k >= 0 && n < 2; k--) {
      if (part[k] !== EQUALS) return n;
      n++;
    }
  }
  return n;
}

/**
 * The bytes of the base64 text held by `parts` in order (views of the
 * response's chunks) — the raw content of a JSON string, where `\/` may stand
 * for `/` (some serializers escape slashes) — or null when it is anything but
 * plain, well-formed base64 (another escape, whitespace, a character outside
 * the alphabet, a length that is not a multiple of 4, misplaced padding): the
 * caller then reads the record the general way, which decides what such an
 * output is.
 */
export function decodeBase64Parts(parts: readonly Buffer[]): Buffer | null {
  // Every backslash must be the start of a `\/` (checked below, as the text is read).
  const escapes = count(parts, BACKSLASH);
  const length = parts.reduce((sum, p) => sum + p.length, 0) - escapes;
  if (length % 4 !== 0) return null;
  const out = Buffer.allocUnsafe((length / 4) * 3 - trailingPadding(parts));
  let written = 0;
  /** Unescaped but not yet decoded: less than a quantum. */
  let carry = '';
  /** A raw backslash that ended a piece: its `/` starts the next one. */
  let held = '';
  for (const [p, part] of parts.entries()) {
    for (let at = 0; at < part.length;) {
      const stop = Math.min(at + CHUNK, part.length);
      const final = p === parts.length - 1 && stop === part.length;
      let raw = held + part.toString('latin1', at, stop);
      at = stop;
      held = '';
      if (!final && raw.endsWith('\\')) {
        held = '\\';
        raw = raw.slice(0, -1);
      }
      // Each raw character is unescaped once: a backslash left over (`\\`, `\n`...) fails the test below.
      const text = carry + (escapes > 0 ? raw.replaceAll('\\/', '/') : raw);
      // Whole quanta only, but for the final piece (validated with its padding).
      const usable = final ? text.length : text.length - (text.length % 4);
      const piece = text.slice(0, usable);
      carry = text.slice(usable);
      if (!(final ? FINAL : ALPHABET).test(piece)) return null;
      written += out.write(piece, written, 'base64');
    }
  }
  return carry === '' && written === out.length ? out : null;
}
