import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { rfc3986 } from '../shared/rfc3986.ts';

/**
 * The COS request signature (`q-sign-algorithm=sha1`), Tencent Cloud
 * "Request Signature", https://www.tencentcloud.com/document/product/436/7778. Pure functions: the clock comes in as KeyTime.
 */

// duplicates: data — a constant and a set of header names (COS's wire)
/** Seconds a signature stays valid after it is made (the SDKs' default, 900). */
const COS_SIGNATURE_TTL_SECONDS = 900;

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
  /** `cosSignKey(secretKey, keyTime)` when the caller keeps it (CosSignKeys); made here when absent. */
  signKey?: KeyObject;
}

/** The encoded, lower-cased `key=value` pairs of `record` (only the names `keep` takes), sorted, and their `;`-joined key list. */
function canonicalise(
  record: Readonly<Record<string, string>>,
  keep?: (name: string) => boolean,
): { list: string; pairs: string } {
  const encoded: [string, string][] = [];
  for (const k in record) {
    if (keep && !keep(k)) continue;
    encoded.push([cosUrlEncode(k).toLowerCase(), cosUrlEncode(record[k] as string)]);
  }
  if (encoded.length > 1) encoded.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let list = '';
  let pairs = '';
  for (const [k, v] of encoded) {
    list += list === '' ? k : `;${k}`;
    pairs += pairs === '' ? `${k}=${v}` : `&${k}=${v}`;
  }
  return { list, pairs };
}

const NO_PARAMS = { list: '', pairs: '' };

/**
 * The SignKey of a KeyTime: HMAC-SHA1 of the KeyTime under the SecretKey, hex — the HMAC key of
 * every signature made with that KeyTime, as a KeyObject (node:crypto keys an HMAC from it
 * without importing the key again).
 */
export function cosSignKey(secretKey: string, keyTime: string): KeyObject {
  return createSecretKey(
    Buffer.from(createHmac('sha1', secretKey).update(keyTime, 'utf8').digest('hex'), 'latin1'),
  );
}

/** The value of the `Authorization` header for one request. */
export function signCosRequest(input: CosSignInput): string {
  const params = input.query ? canonicalise(input.query) : NO_PARAMS;
  const headers = canonicalise(input.headers, isSignedHeader);
  const signKey = input.signKey ?? cosSignKey(input.secretKey, input.keyTime);
  const httpString = `${input.method.toLowerCase()}\n${input.pathname}\n${params.pairs}\n${headers.pairs}\n`;
  const stringToSign = `sha1\n${input.keyTime}\n${hash('sha1', httpString, 'hex')}\n`;
  const signature = createHmac('sha1', signKey).update(stringToSign, 'utf8').digest('hex');
  return `q-sign-algorithm=sha1&q-ak=${input.secretId}&q-sign-time=${input.keyTime}&q-key-time=${input.keyTime}&q-header-list=${headers.list}&q-url-param-list=${params.list}&q-signature=${signature}`;
}

/** How long one KeyTime (and its SignKey) is used for new signatures, in seconds: each then stays valid at least COS_SIGNATURE_TTL_SECONDS less this. */
export const COS_KEY_REUSE_SECONDS = 60;

/**
 * The KeyTime and SignKey to sign with now, per secret key: Tencent's signature takes a KeyTime
 * (a validity window) and a SignKey derived from it, and any request signed within the window
 * may use them (Tencent Cloud "Request Signature": q-key-time is the SignKey's validity). So one
 * KeyTime, made as cosKeyTime makes it, serves every signature of the next
 * COS_KEY_REUSE_SECONDS, and its SignKey is derived once: a signature made then is still valid
 * for at least 840 of its 900 seconds. A clock that moved backwards, or forwards past the window
 * (a skew correction), starts a new KeyTime at once. Held in memory only, with the keys it is
 * made from; never logged, stored or sent (only signatures leave, as before).
 */
export class CosSignKeys {
  /**
   * By SecretId: the secret key it was derived from, the KeyTime's start (Unix s), the KeyTime, the
   * SignKey. At most 64 accounts' (lru-cache: the least recently used go first).
   */
  readonly #keys = new LRUCache<
    string,
    { secretKey: string; start: number; keyTime: string; signKey: KeyObject }
  >({ max: 64 });
  /** SignKeys derived so far (a count, for tests of the reuse). */
  derived = 0;

  /** The KeyTime and its SignKey for signing with these keys at `nowMs`. */
  at(secretId: string, secretKey: string, nowMs: number): { keyTime: string; signKey: KeyObject } {
    const start = Math.floor(nowMs / 1000) - 1;
    const kept = this.#keys.get(secretId);
    if (
      kept &&
      kept.secretKey === secretKey &&
      start >= kept.start &&
      start - kept.start < COS_KEY_REUSE_SECONDS
    )
      return kept;
    const keyTime = cosKeyTime(nowMs);
    const made = { secretKey, start, keyTime, signKey: cosSignKey(secretKey, keyTime) };
    this.derived += 1;
    this.#keys.set(secretId, made);
    return made;
  }
}
