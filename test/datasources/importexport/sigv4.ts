import { createHash, createHmac } from 'node:crypto';
import { rfc3986 } from '../../../src/datasources/shared/rfc3986.ts';

/**
 * A second, hand-made AWS Signature Version 4 signer, kept as a test oracle: header signing
 * only (no presigning, no chunked payloads), payload hash taken from the body. Production
 * signs Import/Export with the shared node:crypto `SigV4Signer` (src/datasources/shared/sigv4.ts);
 * client.test.ts checks the two agree byte for byte, and the emulator tests use this one to
 * craft requests the production client would not send.
 */

/** Credentials as the signer needs them; `sessionToken` is signed as `x-amz-security-token`. */
export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SigV4Request {
  method: string;
  url: URL;
  /** Headers to sign besides host, x-amz-date and x-amz-security-token (e.g. content-type). Names in any case. */
  headers: Record<string, string>;
  body: string;
}

export interface SigV4Params {
  /** Signing name, e.g. `IngestionService`. */
  service: string;
  /** Signing region, e.g. `us-east-1`. */
  region: string;
  credentials: SigV4Credentials;
  /** Signing time. */
  date: Date;
}

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export { rfc3986 };

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20240701T092643Z` and `20240701`. */
export function amzDates(date: Date): { longDate: string; shortDate: string } {
  const longDate = date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return { longDate, shortDate: longDate.slice(0, 8) };
}

/** Normalised, percent-encoded path: empty and `.` segments dropped, `..` resolved, as AWS does for every service but S3. */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`;
  // The path arrives already percent-encoded once (URL.pathname); SigV4 encodes it again.
  return rfc3986(normalised).replace(/%2F/g, '/');
}

/** Sorted `key=value` pairs, both RFC 3986 encoded. */
export function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The derived key: HMAC chain over date, region, service and `aws4_request`. */
export function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, shortDate);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export interface SigV4Result {
  /** Every header to send: the input headers (lower-cased), host, x-amz-date, x-amz-security-token, authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** Sign a request with SigV4 in the Authorization header. Pure: the clock is a parameter. */
export function signSigV4(request: SigV4Request, params: SigV4Params): SigV4Result {
  const { longDate, shortDate } = amzDates(params.date);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  headers['x-amz-date'] = longDate;
  if (params.credentials.sessionToken) headers['x-amz-security-token'] = params.credentials.sessionToken;
  delete headers.authorization;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${(headers[n] as string).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname || '/'),
    canonicalQuery(request.url.searchParams),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const scope = `${shortDate}/${params.region}/${params.service}/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(params.credentials.secretAccessKey, shortDate, params.region, params.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  headers.authorization = `${SIGV4_ALGORITHM} Credential=${params.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign, signature };
}
