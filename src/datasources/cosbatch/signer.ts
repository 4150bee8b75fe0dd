import { createHash, createHmac } from 'node:crypto';
import { rfc3986 } from '../shared/rfc3986.ts';

/**
 * The COS request signature (`q-sign-algorithm=sha1`), Tencent Cloud
 * "Request Signature", https://www.tencentcloud.com/document/product/436/7778. Pure functions: the clock comes in as KeyTime.
 */

/** Seconds a signature stays valid after it is made (the SDKs' default, 900). */
export const COS_SIGNATURE_TTL_SECONDS = 900;

/** Standard headers the COS SDKs sign when present; besides these, `host` and every `x-cos-*` header are signed. */
const STANDARD_SIGNED_HEADERS: ReadonlySet<string> = new Set([
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'expect',
  'expires',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'origin',
  'range',
  'transfer-encoding',
]);

/** Whether a header (any case) takes part in the signature. */
export function isSignedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-cos-') || STANDARD_SIGNED_HEADERS.has(lower);
}

/** UTF-8 percent-encoding of everything except `A-Z a-z 0-9 - _ . ~` (so `! ' ( ) *` are encoded too). */
export function cosUrlEncode(value: string): string {
  return rfc3986(value);
}

/** `<start>;<end>` in Unix seconds: one second back (clock skew) to TTL seconds ahead of `nowMs`. */
export function cosKeyTime(nowMs: number, ttlSeconds: number = COS_SIGNATURE_TTL_SECONDS): string {
  const now = Math.floor(nowMs / 1000);
  return `${now - 1};${now + ttlSeconds}`;
}

export interface CosSignInput {
  secretId: string;
  secretKey: string;
  /** HTTP method, any case. */
  method: string;
  /** The decoded URI path, e.g. `/jobs/53dc6228-…`. */
  pathname: string;
  /** Query parameters; a parameter without a value is "". */
  query?: Readonly<Record<string, string>>;
  /** The headers that will be sent; only `host`, `x-cos-*` and the standard list are signed. */
  headers: Readonly<Record<string, string>>;
  /** `<start>;<end>` Unix seconds, see cosKeyTime. */
  keyTime: string;
}

/** Lower-cased, encoded and sorted `key=value` pairs and their `;`-joined key list. */
function canonicalise(entries: [string, string][]): { list: string; pairs: string } {
  const encoded = entries
    .map(([k, v]) => [cosUrlEncode(k).toLowerCase(), cosUrlEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    list: encoded.map(([k]) => k).join(';'),
    pairs: encoded.map(([k, v]) => `${k}=${v}`).join('&'),
  };
}

const hmacSha1Hex = (key: string, message: string) =>
  createHmac('sha1', key).update(message, 'utf8').digest('hex');

/** The value of the `Authorization` header for one request. */
export function signCosRequest(input: CosSignInput): string {
  const params = canonicalise(Object.entries(input.query ?? {}));
  const headers = canonicalise(
    Object.entries(input.headers).filter(([name]) => isSignedHeader(name)),
  );
  const signKey = hmacSha1Hex(input.secretKey, input.keyTime);
  const httpString = `${input.method.toLowerCase()}\n${input.pathname}\n${params.pairs}\n${headers.pairs}\n`;
  const stringToSign = `sha1\n${input.keyTime}\n${createHash('sha1').update(httpString, 'utf8').digest('hex')}\n`;
  const signature = hmacSha1Hex(signKey, stringToSign);
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${input.secretId}`,
    `q-sign-time=${input.keyTime}`,
    `q-key-time=${input.keyTime}`,
    `q-header-list=${headers.list}`,
    `q-url-param-list=${params.list}`,
    `q-signature=${signature}`,
  ].join('&');
}
