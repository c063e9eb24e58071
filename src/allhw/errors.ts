/**
 * Errors of the All-HW client, and the redaction every message goes through:
 * the API key travels in the query string, so no URL is printed unredacted.
 */
import { Redactor } from '../common/secrets.js';
import { clip } from '../common/text.js';

export { redactUrl } from '../common/redact.js';

export type AllhwErrorKind =
  /** 401/403: the service refused the key. */
  | 'key-rejected'
  /** Any other HTTP status we could not use. */
  | 'http'
  /** The network failed (refused, reset, timed out, DNS). */
  | 'network'
  /** A 200 whose body we could not use (bad JSON, empty id). */
  | 'bad-response'
  /** The caller's AbortSignal fired. */
  | 'aborted';

export class AllhwError extends Error {
  readonly kind: AllhwErrorKind;
  /** Worth trying again later (the service or network may recover). */
  readonly transient: boolean;
  readonly status: number | null;

  constructor(message: string, kind: AllhwErrorKind, transient: boolean, status: number | null = null) {
    super(message);
    this.name = 'AllhwError';
    this.kind = kind;
    this.transient = transient;
    this.status = status;
  }
}

/** The last secret's redactor: a client scrubs with one key all its life, and compiling one costs more than a scrub. */
let lastRedactor: { secret: string; redactor: Redactor } | null = null;

function redactorFor(secret: string): Redactor {
  if (lastRedactor?.secret !== secret) lastRedactor = { secret, redactor: new Redactor([secret]) };
  return lastRedactor.redactor;
}

/** `text` with every spelling of `secret` (common/secrets.ts) and any secret-looking URL parameter (common/redact.ts) replaced by ***. */
export function scrub(text: string, secret: string): string {
  return redactorFor(secret).redact(text);
}

/** At most `max` characters of a response body, on one line, for error messages. */
export function snippet(text: string, max = 200): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** How much of a body an error snippet looks at: scrubbing a 50 MB body for 200 characters would copy it whole. */
export const SNIPPET_WINDOW = 64 * 1024;

/**
 * `snippet(scrub(text, secret))` for a body of any size: only its first
 * SNIPPET_WINDOW characters are scrubbed and shown. A spelling of the secret
 * cut in two by the window's end, or by the body's own end (a truncated
 * response), is masked too, so no part of it can show.
 */
export function safeSnippet(text: string, secret: string, max = 200): string {
  return snippet(redactorFor(secret).redactCut(text.slice(0, SNIPPET_WINDOW), text.length > SNIPPET_WINDOW), max);
}
