/**
 * Errors of the All-HW client, and the redaction every message goes through:
 * the API key travels in the query string, so no URL is printed unredacted.
 */
import { redactKeyParams, secretForms } from '../common/log.js';

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

/** Replaces every form of `secret` (raw, URL-encoded, form-encoded) in `text` with ***. */
export function scrub(text: string, secret: string): string {
  if (!secret) return text;
  let out = text;
  for (const form of secretForms(secret)) out = out.split(form).join('***');
  return redactKeyParams(out);
}

/** At most `max` characters of a response body, on one line, for error messages. */
export function snippet(text: string, max = 200): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** How much of a body an error snippet looks at: scrubbing a 50 MB body for 200 characters would copy it whole. */
export const SNIPPET_WINDOW = 64 * 1024;

/**
 * `snippet(scrub(text, secret))` for a body of any size: only its first
 * SNIPPET_WINDOW characters are scrubbed and shown. A form of the secret cut
 * in two by the window's end is dropped, so no part of it can show.
 */
export function safeSnippet(text: string, secret: string, max = 200): string {
  if (text.length <= SNIPPET_WINDOW) return snippet(scrub(text, secret), max);
  let window = text.slice(0, SNIPPET_WINDOW);
  const forms = secretForms(secret);
  // Until no form's beginning ends the window (dropping one may bare another's).
  for (let cut = true; cut; ) {
    cut = false;
    for (const form of forms) {
      for (let k = Math.min(form.length - 1, window.length); k > 0 && !cut; k--) {
        if (window.endsWith(form.slice(0, k))) {
          window = window.slice(0, window.length - k);
          cut = true;
        }
      }
    }
  }
  return snippet(scrub(window, secret), max);
}
