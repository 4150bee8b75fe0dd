import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import { LRUCache } from 'lru-cache';
import { httpRequest, type Agents, type HttpOrigin, type HttpResult } from './http.ts';
import { rfc3986 } from './rfc3986.ts';

/** One request to sign: lower-case header names (enforced: `sign` throws on any other), `path` as sent (each segment already URI-encoded once). */
export interface SigV4Request {
  method: string;
  /** Host header value (`host[:port]`). */
  host: string;
  /** The request path as sent on the wire, e.g. `/packages/import-jobs/job%201`. */
  path: string;
  /** Query parameters (decoded); none for the describe calls. */
  query?: readonly (readonly [string, string])[];
  /**
   * Headers to sign besides host, x-amz-date and x-amz-security-token; names lower-case
   * (`sign` throws a TypeError on an upper-case letter). The unsignable ones (below), `proxy-*`,
   * `sec-*` and `date` are sent but not signed, as `@smithy/signature-v4` leaves them out.
   * No `x-amz-content-sha256`: the payload hash is always the body's.
   */
  headers: Record<string, string>;
  body: string;
}

/**
 * Headers never signed: `@smithy/signature-v4`'s `ALWAYS_UNSIGNABLE_HEADERS`, plus `date`
 * (one of its generated headers, dropped before signing), plus `PROXY_HEADER_PATTERN` and
 * `SEC_HEADER_PATTERN` (`proxy-*`, `sec-*`) in `signable` below.
 */
const UNSIGNABLE = new Set([
  'authorization',
  'date',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** Whether a (lower-case) header name is signed. */
function signable(name: string): boolean {
  return !UNSIGNABLE.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-');
}

/** Any upper-case ASCII letter: header names must come lower-case (one regex test per header). */
const UPPER = /[A-Z]/;

/**
 * A header value as SigV4 canonicalises it, exactly as `@smithy/signature-v4` does: runs of
 * space, tab, CR and LF become one space, then one leading and one trailing space go. Nothing
 * else is whitespace here (not `\s`: a no-break space or form feed is kept as sent).
 */
export function canonicalHeaderValue(value: string): string {
  // Most values need nothing done: a test allocates no string, a replace would.
  if (!NEEDS_CANONICAL.test(value)) return value;
  const v = value.replace(/[ \t\r\n]+/g, ' ');
  const start = v.startsWith(' ') ? 1 : 0;
  const end = v.length > start && v.endsWith(' ') ? v.length - 1 : v.length;
  return start === 0 && end === v.length ? v : v.slice(start, end);
}

/** What `canonicalHeaderValue` changes: a tab, CR or LF, two spaces, a space at either end. */
const NEEDS_CANONICAL = /[\t\r\n]| {2}|^ | $/;

/** A path of unreserved characters and slashes, which encodes to itself. */
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;

const EMPTY_SHA256 = hash('sha256', '', 'hex');

/** `YYYYMMDDTHHMMSSZ` of `date`; a RangeError for a year outside 0000–9999 (no such SigV4 date) or an invalid date. */
export function amzDate(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ, or ±YYYYYY-… outside 0000–9999
  if (iso.length !== 24)
    throw new RangeError(`SigV4 cannot sign a date in year ${date.getUTCFullYear()}`);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The canonical URI of a non-S3 service: the path normalised (empty, `.` and `..` segments
 * removed) and URI-encoded once more, `/` kept — the wire path is already encoded, so a
 * reserved character in a label ends up encoded twice, as AWS specifies for every service but S3.
 */
export function canonicalUri(wirePath: string): string {
  // A request target always starts with `/`: as smithy's HttpRequest, a path without one gets it.
  if (wirePath === '/') return wirePath; // the query and JSON protocols' every call
  const path = wirePath.startsWith('/') ? wirePath : `/${wirePath}`;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return UNRESERVED_PATH.test(normalised) ? normalised : rfc3986(normalised).replace(/%2F/g, '/');
}

function canonicalQuery(query: SigV4Request['query']): string {
  if (!query || query.length === 0) return '';
  return query
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * The signed header names of `headers`, sorted: one array filled in order (a handful of names),
 * not the three of keys, filter and sort, whose sort allocates a work array of its own.
 */
function signedNames(headers: Record<string, string>): string[] {
  const names: string[] = [];
  for (const n in headers) {
    if (!signable(n)) continue;
    let i = names.push(n) - 1;
    for (; i > 0 && (names[i - 1] as string) > n; i -= 1) names[i] = names[i - 1] as string;
    names[i] = n;
  }
  return names;
}

/** A credential scope (`day/region/service/aws4_request`) with what it was made for and its signing key. */
interface SignedScope {
  readonly shortDate: string;
  readonly region: string;
  readonly service: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly scope: string;
  readonly key: KeyObject;
}

/**
 * AWS Signature Version 4 with `node:crypto`: the canonical request, string to sign and
 * signature exactly as AWS specifies (and as `@smithy/signature-v4` computes them; a test
 * compares the two), for one `service` and `region`. The signing key is derived once per day,
 * region, service and secret and kept (a handful of entries: jobgraph signs for few regions).
 */
export class SigV4Signer {
  /** At most 64 (lru-cache): an old day's or rotated credentials' keys go first. */
  readonly #keys = new LRUCache<string, { secret: string; key: KeyObject }>({ max: 64 });
  /** Signing keys derived so far (a count, for tests of the key cache). */
  derived = 0;
  /** The last second signed in (ms since the epoch ÷ 1000) and its `x-amz-date` and day: calls of one second share them. */
  #second = NaN;
  #longDate = '';
  #shortDate = '';
  /**
   * The scope and key of the last call signed. A watch's polls sign for one day, region, service
   * and key again and again: they reuse it and build no cache key or scope string of their own.
   */
  #last: SignedScope | undefined;

  /**
   * The headers to send: `request.headers` plus `host`, `x-amz-date`, `x-amz-security-token`
   * (with a session token) and `authorization`. Pure apart from the key cache; the clock is `date`.
   */
  sign(
    request: SigV4Request,
    credentials: AwsCredentialIdentity,
    service: string,
    region: string,
    date: Date,
  ): Record<string, string> {
    const longDate = this.#amzDate(date);
    const shortDate = this.#shortDate;
    for (const n in request.headers)
      if (UPPER.test(n))
        throw new TypeError(`SigV4Signer: header name ${JSON.stringify(n)} is not lower-case`);
    const headers: Record<string, string> = {
      ...request.headers,
      host: request.host,
      'x-amz-date': longDate,
    };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = signedNames(headers);
    let canonicalHeaders = '';
    for (const n of names) canonicalHeaders += `${n}:${canonicalHeaderValue(String(headers[n]))}\n`;
    const signedHeaders = names.join(';');
    // One-shot digests (`hash`): no Hash object per digest.
    const payloadHash = request.body === '' ? EMPTY_SHA256 : hash('sha256', request.body, 'hex');
    const canonical = `${request.method}\n${canonicalUri(request.path)}\n${canonicalQuery(request.query)}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
    const { scope, key } = this.#scope(credentials, shortDate, region, service);
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${hash('sha256', canonical, 'hex')}`;
    const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  /** The credential scope and signing key of a call: the last call's when they are the same. */
  #scope(
    credentials: AwsCredentialIdentity,
    shortDate: string,
    region: string,
    service: string,
  ): SignedScope {
    const last = this.#last;
    if (
      last !== undefined &&
      last.shortDate === shortDate &&
      last.region === region &&
      last.service === service &&
      last.accessKeyId === credentials.accessKeyId &&
      last.secret === credentials.secretAccessKey
    )
      return last;
    const key = this.#signingKey(credentials, shortDate, region, service);
    this.#last = {
      shortDate,
      region,
      service,
      accessKeyId: credentials.accessKeyId,
      secret: credentials.secretAccessKey,
      scope: `${shortDate}/${region}/${service}/aws4_request`,
      key,
    };
    return this.#last;
  }

  /** `amzDate(date)`, formatted once per second. */
  #amzDate(date: Date): string {
    const ms = date.getTime();
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#longDate = amzDate(date); // throws for a date SigV4 cannot sign: nothing kept then
      this.#shortDate = this.#longDate.slice(0, 8);
      this.#second = second;
    }
    return this.#longDate;
  }

  /** The derived key as a KeyObject: node:crypto keys an HMAC from a KeyObject without copying and importing the key each time, as it does for a Buffer. */
  #signingKey(
    credentials: AwsCredentialIdentity,
    shortDate: string,
    region: string,
    service: string,
  ): KeyObject {
    const id = `${shortDate}/${region}/${service}/${credentials.accessKeyId}`;
    const cached = this.#keys.get(id);
    if (cached && cached.secret === credentials.secretAccessKey) return cached.key;
    const kDate = createHmac('sha256', `AWS4${credentials.secretAccessKey}`)
      .update(shortDate)
      .digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    const key = createSecretKey(createHmac('sha256', kService).update('aws4_request').digest());
    this.derived += 1;
    this.#keys.set(id, { secret: credentials.secretAccessKey, key });
    return key;
  }
}

/** One SigV4-signed `POST /` of `body` to `origin` (the query and JSON protocols' shape). */
export interface SignedPost {
  origin: HttpOrigin;
  contentType: string;
  /** More headers to sign and send (`x-amz-target`); names lower-case. */
  headers?: Record<string, string>;
  body: string;
  credentials: AwsCredentialIdentity;
  service: string;
  region: string;
  date: Date;
  timeoutMs: number;
  maxBodyBytes: number;
  agents: Agents;
  signal?: AbortSignal;
}

/**
 * Sign `post` with `signer` and send it (`httpRequest`): the answer, or the transport's error for
 * the caller to classify. Shared by the calls that are not a provider's (STS at start, SQS).
 */
export function sendSignedPost(signer: SigV4Signer, post: SignedPost): Promise<HttpResult> {
  const headers = signer.sign(
    {
      method: 'POST',
      host: post.origin.host,
      path: '/',
      headers: { 'content-type': post.contentType, ...post.headers },
      body: post.body,
    },
    post.credentials,
    post.service,
    post.region,
    post.date,
  );
  return httpRequest(
    {
      method: 'POST',
      origin: post.origin,
      path: '/',
      headers,
      body: post.body,
      timeoutMs: post.timeoutMs,
      maxBodyBytes: post.maxBodyBytes,
      ...(post.signal ? { signal: post.signal } : {}),
    },
    post.agents,
  );
}
