import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest } from '../framework.ts';

/**
 * The COS side of the `q-sign-algorithm=sha1` check, written from Tencent's "Request
 * Signature" description (436/7778) and independent of the datasource's signer: the
 * header and parameter lists are taken from the Authorization header itself and the
 * signature recomputed from the request as received.
 */

export type CosSignatureCheck =
  | { ok: true; secretId: string; signedHeaders: string[] }
  | {
      ok: false;
      /** The COS error this answers: 403 with this code. */
      code:
        'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed';
      message: string;
    };

export interface CosSignatureExpectation {
  credentials: { secretId: string; secretKey: string };
  /** Clock in ms. */
  now: () => number;
  /** Headers that must be covered by the signature (lower case). */
  requiredSignedHeaders: readonly string[];
}

/** Percent-encode as COS does: only `A-Z a-z 0-9 - _ . ~` stay as they are. */
function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function parseAuthorization(header: string): Map<string, string> | null {
  const fields = new Map<string, string>();
  for (const part of header.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return fields;
}

const TIME_RE = /^(\d{1,12});(\d{1,12})$/;

export function verifyCosSignature(
  req: EmulatorRequest,
  expect: CosSignatureExpectation,
): CosSignatureCheck {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header === '')
    return { ok: false, code: 'AccessDenied', message: 'Access Denied.' };
  const f = parseAuthorization(header);
  const names = [
    'q-sign-algorithm',
    'q-ak',
    'q-sign-time',
    'q-key-time',
    'q-header-list',
    'q-url-param-list',
    'q-signature',
  ];
  if (!f || names.some((n) => !f.has(n)) || f.get('q-sign-algorithm') !== 'sha1') {
    return { ok: false, code: 'AccessDenied', message: 'Authorization header is malformed.' };
  }
  const secretId = f.get('q-ak') as string;
  if (secretId !== expect.credentials.secretId) {
    return {
      ok: false,
      code: 'InvalidAccessKeyId',
      message: 'The Access Key Id you provided does not exist in our records.',
    };
  }
  const signTime = f.get('q-sign-time') as string;
  const keyTime = f.get('q-key-time') as string;
  const window = TIME_RE.exec(signTime);
  if (!window || !TIME_RE.test(keyTime))
    return { ok: false, code: 'AccessDenied', message: 'Authorization header is malformed.' };
  const nowSeconds = Math.floor(expect.now() / 1000);
  const start = Number(window[1]);
  const end = Number(window[2]);
  if (nowSeconds > end) return { ok: false, code: 'AccessDenied', message: 'Request has expired' };
  if (start > nowSeconds + 900) {
    return {
      ok: false,
      code: 'RequestTimeTooSkewed',
      message: "The difference between the request time and the server's time is too large.",
    };
  }

  const headerList = (f.get('q-header-list') as string).split(';').filter((h) => h !== '');
  for (const required of expect.requiredSignedHeaders) {
    if (!headerList.includes(required))
      return { ok: false, code: 'AccessDenied', message: `The ${required} header must be signed.` };
  }
  const headerPairs: string[] = [];
  for (const name of [...headerList].sort()) {
    const value = req.headers[name];
    if (value === undefined) return { ok: false, code: 'SignatureDoesNotMatch', message: mismatch };
    headerPairs.push(`${name}=${encode(Array.isArray(value) ? value.join(',') : value)}`);
  }
  const paramList = (f.get('q-url-param-list') as string).split(';').filter((p) => p !== '');
  const queryByLowerKey = new Map<string, string>();
  for (const [k, v] of req.query) queryByLowerKey.set(encode(k).toLowerCase(), v);
  const paramPairs = [...paramList]
    .sort()
    .map((k) => `${k}=${encode(queryByLowerKey.get(k) ?? '')}`);

  let path: string;
  try {
    path = decodeURIComponent(req.rawPath);
  } catch {
    return { ok: false, code: 'SignatureDoesNotMatch', message: mismatch };
  }
  const formatString = [
    req.method.toLowerCase(),
    path,
    paramPairs.join('&'),
    headerPairs.join('&'),
    '',
  ].join('\n');
  const stringToSign = [
    'sha1',
    signTime,
    createHash('sha1').update(formatString).digest('hex'),
    '',
  ].join('\n');
  const signKey = createHmac('sha1', expect.credentials.secretKey).update(keyTime).digest('hex');
  const expected = Buffer.from(createHmac('sha1', signKey).update(stringToSign).digest('hex'));
  const given = Buffer.from(f.get('q-signature') as string);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: mismatch };
  }
  return { ok: true, secretId, signedHeaders: headerList };
}

const mismatch = 'The Signature you specified is invalid.';
