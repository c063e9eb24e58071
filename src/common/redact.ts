/**
 * URLs fit to print. The All-HW key travels in the query string (`key=`),
 * and a toolchain mirror URL may carry a password or a signed-URL token, so
 * every URL that reaches a message goes through redactUrl.
 */

/** Query parameters whose values are secrets: the All-HW key, tokens, signatures (S3's X-Amz-*). */
const SECRET_PARAM = /key|token|secret|sig|signature|password|credential|^x-amz-/i;
/**
 * The same names inside any text (an error, a reason, a URL we cannot parse).
 * The value runs to the next `&`, white space or quote: a URL holds none of
 * them raw, so it never masks less than the URL's own value.
 */
const SECRET_PARAM_IN_TEXT = /([?&][^=&\s]*(?:key|token|secret|sig|password|credential)[^=&\s]*=)[^&\s"]*/gi;

/** `text` with the value of every secret-looking URL parameter in it replaced by `***`. */
export function redactSecretParams(text: string): string {
  return text.replace(SECRET_PARAM_IN_TEXT, '$1***');
}

/** The URL with its password and every secret-looking query value replaced by `***` (other parts kept). */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return redactSecretParams(url.toString());
  }
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
  // URLSearchParams encodes * as %2A: show it plainly.
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}
