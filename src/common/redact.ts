/**
 * URLs fit to print. The All-HW key travels in the query string (`key=`),
 * and a toolchain mirror URL may carry a password or a signed-URL token, so
 * every URL that reaches a message goes through redactUrl.
 */

/** Query parameters whose values are secrets: the All-HW key, tokens, signatures (S3's X-Amz-*). */
const SECRET_PARAM = /key|token|secret|sig|signature|password|credential|^x-amz-/i;
/** The same names inside text that is not a parseable URL; the value runs to the next `&`. */
const SECRET_PARAM_IN_TEXT = /([?&][^=&]*(?:key|token|secret|sig|password|credential)[^=&]*=)[^&]*/gi;

/** The URL with its password and every secret-looking query value replaced by `***` (other parts kept). */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return url.toString().replace(SECRET_PARAM_IN_TEXT, '$1***');
  }
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, '***');
  // URLSearchParams encodes * as %2A: show it plainly.
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}
