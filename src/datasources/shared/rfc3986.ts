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
