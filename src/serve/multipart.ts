/**
 * A streaming multipart/form-data reader (RFC 7578): hands each part's body
 * to a sink as it arrives, holding back only the few bytes that could be
 * the start of the next boundary, so memory stays flat whatever the size of
 * the upload. Written by hand: no installed library parses multipart on the
 * server side (undici is a client).
 */

export class MultipartError extends Error {
  override name = 'MultipartError';
}

export interface PartInfo {
  /** The form field name (Content-Disposition `name`). */
  name: string;
  filename: string | null;
  contentType: string | null;
}

/** Where a part's bytes go; `write` may return a promise to apply backpressure. */
export interface PartSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Bytes before the first boundary. RFC 2046 allows a preamble, but no form
 * client sends one: a body that shows no boundary this far in uses another
 * one than its Content-Type says, and is refused instead of read to its end.
 */
export const MAX_PREAMBLE_BYTES = 16 * 1024;
/** RFC 2046 section 5.1.1: 1 to 70 characters. */
const MAX_BOUNDARY_LENGTH = 70;
/** RFC 2046 `bchars`: letters, digits, ' ( ) + _ , - . / : = ? and space, but not last. */
const BOUNDARY_CHARS = /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * The boundary of a `multipart/form-data; boundary=...` content type; null
 * when it is not multipart/form-data or names no boundary. Throws
 * MultipartError for a boundary RFC 2046 does not allow (too long, bad
 * characters): a body cut by it could never be read as its sender meant.
 */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return null;
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]*))/i.exec(contentType);
  if (!match) return null;
  const boundary = match[1] ?? match[2]!;
  if (boundary.length > MAX_BOUNDARY_LENGTH) {
    throw new MultipartError(`the boundary in Content-Type is ${boundary.length} characters long; RFC 2046 allows at most ${MAX_BOUNDARY_LENGTH}`);
  }
  if (!BOUNDARY_CHARS.test(boundary)) {
    throw new MultipartError(
      boundary === ''
        ? 'the boundary in Content-Type is empty'
        : "the boundary in Content-Type has characters RFC 2046 does not allow (letters, digits, ' ( ) + _ , - . / : = ? and inner spaces)",
    );
  }
  return boundary;
}

/**
 * Reads a multipart body. `onPart` returns the sink for a part, or null to
 * skip it. Throws MultipartError on a malformed or truncated body.
 */
export async function readMultipart(
  body: AsyncIterable<Buffer>,
  boundary: string,
  onPart: (part: PartInfo) => PartSink | null | Promise<PartSink | null>,
): Promise<void> {
  // Every boundary, the first included, is matched as CRLF "--" boundary:
  // a CRLF put before the body makes the first one look like the others.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.from(CRLF);
  let preambleBytes = 0;
  let state = 'preamble' as 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done';
  let sink: PartSink | null = null;

  const feed = async (): Promise<void> => {
    for (;;) {
      if (state === 'preamble') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const kept = keepTail(buf, delimiter.length - 1);
          preambleBytes += buf.length - kept.length;
          buf = kept;
          if (preambleBytes > MAX_PREAMBLE_BYTES) throw noBoundary(boundary);
          return;
        }
        if (preambleBytes + at > MAX_PREAMBLE_BYTES) throw noBoundary(boundary);
        buf = buf.subarray(at + delimiter.length);
        state = 'after-boundary';
      } else if (state === 'after-boundary') {
        const at = buf.indexOf(CRLF);
        if (at < 0) {
          if (buf.length >= 2 && buf.subarray(0, 2).toString('latin1') === '--') return finish();
          if (!couldEndBoundaryLine(buf)) throw garbageAfterBoundary();
          return;
        }
        const rest = buf.subarray(0, at).toString('latin1');
        if (rest.startsWith('--')) return finish();
        if (!isPadding(buf.subarray(0, at))) throw garbageAfterBoundary();
        buf = buf.subarray(at + 2);
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length < 2) return;
        let headerText = ''; // a part may have no header line: its block is just the empty line
        if (buf[0] === 0x0d && buf[1] === 0x0a) {
          buf = buf.subarray(2);
        } else {
          const at = buf.indexOf(HEADER_END);
          if (at < 0) {
            if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('a part has more than 16 KiB of headers');
            return;
          }
          headerText = buf.subarray(0, at).toString('utf8');
          buf = buf.subarray(at + 4);
        }
        sink = await onPart(parsePartHeaders(headerText));
        state = 'body';
      } else if (state === 'body') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          const safe = buf.length - (delimiter.length - 1);
          if (safe > 0) {
            if (sink) await sink.write(buf.subarray(0, safe));
            buf = buf.subarray(safe);
          }
          return;
        }
        if (sink && at > 0) await sink.write(buf.subarray(0, at));
        if (sink) await sink.end();
        sink = null;
        buf = buf.subarray(at + delimiter.length);
        state = 'after-boundary';
      } else {
        return; // done: the epilogue is ignored
      }
    }
  };
  const finish = (): void => {
    state = 'done';
    buf = Buffer.alloc(0);
  };

  for await (const chunk of body) {
    if (state === 'done') continue; // drain the epilogue
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    await feed();
  }
  if (state === 'preamble') throw noBoundary(boundary);
  if (state === 'after-boundary' && !couldEndBoundaryLine(buf)) throw garbageAfterBoundary();
  if (state !== 'done') {
    throw new MultipartError('the request body ended before the closing multipart boundary (was the upload interrupted?)');
  }
}

/** What may follow a boundary before its line ends: padding, a CR, or the "-" of a closing "--". */
function couldEndBoundaryLine(rest: Buffer): boolean {
  if (rest.length === 1 && rest[0] === 0x2d) return true;
  const padding = rest.length > 0 && rest[rest.length - 1] === 0x0d ? rest.subarray(0, -1) : rest;
  return padding.length <= 256 && isPadding(padding);
}

/** RFC 2046 lets a boundary line carry trailing spaces and tabs ("transport padding"). */
function isPadding(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09);
}

function garbageAfterBoundary(): MultipartError {
  return new MultipartError('unexpected bytes after a multipart boundary (expected a line end, or "--" after the last part)');
}

function noBoundary(boundary: string): MultipartError {
  const shown = boundary.length > 24 ? `${boundary.slice(0, 24)}...` : boundary;
  return new MultipartError(
    `the body does not start with the boundary "--${shown}" named in Content-Type (none in its first ${MAX_PREAMBLE_BYTES / 1024} KiB)`,
  );
}

function keepTail(buf: Buffer, n: number): Buffer {
  return buf.length > n ? buf.subarray(buf.length - n) : buf;
}

function parsePartHeaders(text: string): PartInfo {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\b/i.test(disposition)) {
    throw new MultipartError('a multipart part has no "Content-Disposition: form-data" header');
  }
  const name = dispositionParam(disposition, 'name');
  if (name === null) throw new MultipartError('a multipart part has no field name (Content-Disposition name="...")');
  return { name, filename: dispositionParam(disposition, 'filename'), contentType };
}

/** A Content-Disposition parameter: quoted (with backslash escapes) or a bare token. */
function dispositionParam(value: string, param: string): string | null {
  const re = new RegExp(`;\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const match = re.exec(value);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
}
