import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EmulatorRequest } from './framework.ts';

export type SigV4Check =
  | { ok: true; accessKeyId: string }
  | {
      ok: false;
      reason: 'missing' | 'malformed' | 'unknown-key' | 'wrong-scope' | 'skewed' | 'mismatch';
      detail: string;
    };

interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Expectation {
  /** Signing name the service expects (e.g. `codepipeline`, `IngestionService`). */
  service: string;
  /** Required signing region, or undefined to accept the region in the credential scope. */
  region?: string;
  /**
   * The one key the service accepts, or a lookup of the secret of any key it knows (several
   * accounts' keys and sessions); undefined for an unknown key.
   */
  credentials: SigV4Credentials | ((accessKeyId: string) => SigV4Credentials | undefined);
  /** Clock for the 15-minute skew check, default Date.now. */
  now?: () => number;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Check a request's SigV4 Authorization header the way AWS does: recompute the signature
 * over the signed headers with the independent `@smithy/signature-v4` signer and compare.
 */
export async function verifySigV4(
  req: EmulatorRequest,
  expect: SigV4Expectation,
): Promise<SigV4Check> {
  const header = req.headers.authorization;
  if (!header) return { ok: false, reason: 'missing', detail: 'Missing Authentication Token' };
  const m = AUTH_RE.exec(header);
  if (!m)
    return { ok: false, reason: 'malformed', detail: 'Authorization header is not a SigV4 header' };
  // Every group of AUTH_RE is required, so a match has them all.
  const [, accessKeyId, , region, service, signedHeaders, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const known =
    typeof expect.credentials === 'function'
      ? expect.credentials(accessKeyId)
      : accessKeyId === expect.credentials.accessKeyId
        ? expect.credentials
        : undefined;
  if (!known) {
    return {
      ok: false,
      reason: 'unknown-key',
      detail: 'The security token included in the request is invalid.',
    };
  }
  if (service !== expect.service || (expect.region !== undefined && region !== expect.region)) {
    return {
      ok: false,
      reason: 'wrong-scope',
      detail: `Credential should be scoped to a valid region and service ${expect.service}.`,
    };
  }
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return { ok: false, reason: 'malformed', detail: 'X-Amz-Date is missing or malformed' };
  }
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const now = (expect.now ?? Date.now)();
  if (Math.abs(now - signingDate.getTime()) > 15 * 60 * 1000) {
    return {
      ok: false,
      reason: 'skewed',
      detail: 'Signature expired: the request time is too skewed from the server time.',
    };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = req.headers[name];
    if (value === undefined)
      return { ok: false, reason: 'mismatch', detail: `Signed header ${name} is missing` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The signer takes a declared x-amz-content-sha256 as the payload hash without hashing the
  // body, so a body changed after signing would pass: check the declaration against the body.
  const declaredHash = req.headers['x-amz-content-sha256'];
  if (
    typeof declaredHash === 'string' &&
    declaredHash !== 'UNSIGNED-PAYLOAD' &&
    declaredHash !== createHash('sha256').update(req.body, 'utf8').digest('hex')
  ) {
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'The provided x-amz-content-sha256 header does not match the request body.',
    };
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const hostHeader = headers.host ?? '';
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: hostHeader.replace(/:\d+$/, ''),
    path: req.rawPath,
    query,
    headers,
    body: req.body,
  });
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: known.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(request, {
    signingDate,
    signingService: service,
    signingRegion: region,
    unsignableHeaders: new Set(),
    signableHeaders: new Set(Object.keys(headers)),
  });
  const got = String(expected.headers.authorization ?? expected.headers.Authorization ?? '');
  const expectedSig = /Signature=([0-9a-f]{64})/.exec(got)?.[1];
  if (expectedSig !== signature) {
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, accessKeyId };
}
