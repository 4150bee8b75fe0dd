/** Text made only of unreserved characters, which encodes to itself (most IDs). */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` (encodeURIComponent leaves `! ' ( ) *` alone; these are encoded too). */
export function rfc3986(value: string): string {
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `k=v&k=v`, each name and value RFC 3986-encoded: a query string or a form body. */
export function formEncode(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
}
