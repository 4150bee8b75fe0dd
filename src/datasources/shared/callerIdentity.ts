import http from 'node:http';
import https from 'node:https';
import type { AwsCredentialIdentity } from '@smithy/types';
import { resolveAwsEndpoint, type AwsEndpointVariant } from './awsEndpoint.ts';
import { ACCESS_DENIED_CODES, sanitizeAwsErrorCode } from './classify.ts';
import { httpOrigin } from './http.ts';
import { SigV4Signer, sendSignedPost } from './sigv4.ts';
import { child, createXmlParser, text } from './xml.ts';

/** The STS query API version GetCallerIdentity is asked in. */
const STS_VERSION = '2011-06-15';
/** STS answers a few hundred bytes; anything much larger is not STS. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Where STS is, and how long one call may take. */
export interface StsTarget {
  /** AWS_ENDPOINT_URL_STS, else the regional endpoint of `region`. */
  endpoint: string | undefined;
  region: string;
  variant?: AwsEndpointVariant;
  timeoutMs: number;
}

/**
 * Why an account could not be verified, as one code: STS's error code (`SignatureDoesNotMatch`),
 * or for an endpoint that never answered the error class and the endpoint's host
 * (`ECONNREFUSED 127.0.0.1:4106`, `UnknownHost sts.us-east-1.amazonaws.com`) — never a URL path,
 * a message or a secret. `denied`: the credentials themselves were refused.
 */
export class VerificationError extends Error {
  constructor(
    readonly code: string,
    readonly denied: boolean,
    options?: ErrorOptions,
  ) {
    super(`verification failed (${code})`, options);
    this.name = 'VerificationError';
  }
}

const signer = new SigV4Signer();
const parse = createXmlParser([]);
const agents = { http: http.globalAgent, https: https.globalAgent };

/** The endpoint GetCallerIdentity goes to: the override, else the SDK's regional STS endpoint. */
export async function stsEndpoint(target: StsTarget): Promise<URL> {
  return target.endpoint
    ? new URL(target.endpoint)
    : resolveAwsEndpoint('sts', target.region, target.variant);
}

/**
 * STS `GetCallerIdentity` with `credentials`: the account they belong to, or a VerificationError.
 * It needs no permission (AWS answers it for any valid credentials), so a refusal means the
 * credentials themselves are wrong, expired or unknown.
 */
export async function getCallerIdentity(
  credentials: AwsCredentialIdentity,
  target: StsTarget,
): Promise<{ account: string | null }> {
  let url: URL;
  try {
    url = await stsEndpoint(target);
  } catch (err) {
    throw new VerificationError('NoEndpoint', false, { cause: err });
  }
  const origin = httpOrigin(url);
  const body = `Action=GetCallerIdentity&Version=${STS_VERSION}`;
  let answer;
  try {
    answer = await sendSignedPost(signer, {
      origin,
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      body,
      credentials,
      service: 'sts',
      region: target.region,
      date: new Date(),
      timeoutMs: target.timeoutMs,
      maxBodyBytes: MAX_ANSWER_BYTES,
      agents,
    });
  } catch (err) {
    throw new VerificationError(unreachableCode(err, origin.host), false, { cause: err });
  }
  const xml = readXml(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    const result = child(child(xml, 'GetCallerIdentityResponse'), 'GetCallerIdentityResult');
    if (result === undefined) throw new VerificationError('MalformedResponse', false);
    const account = text(child(result, 'Account'));
    return { account: account && /^\d{12}$/.test(account) ? account : null };
  }
  const code =
    sanitizeAwsErrorCode(text(child(child(child(xml, 'ErrorResponse'), 'Error'), 'Code'))) ??
    `HTTP${answer.status}`;
  const denied = ACCESS_DENIED_CODES.has(code) || answer.status === 403;
  throw new VerificationError(code, denied);
}

function readXml(body: string) {
  try {
    return parse(body);
  } catch {
    return undefined;
  }
}

/** Node's DNS codes, as an operator names them. */
const DNS_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'UnknownHost',
  EAI_AGAIN: 'UnknownHost',
  EAI_FAIL: 'UnknownHost',
};

/**
 * The code of a call that got no answer: the error's class (`ECONNREFUSED`, `UnknownHost`,
 * `TimeoutError`) and the host it was going to (`host` unless the error names the address it
 * tried), or null when `err` is no transport failure.
 */
export function transportCode(err: unknown, host: string | null): string | null {
  const e = err as {
    code?: unknown;
    name?: unknown;
    address?: unknown;
    port?: unknown;
    hostname?: unknown;
    cause?: unknown;
  } | null;
  if (e === null || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' && /^E[A-Z_]{2,30}$/.test(e.code) ? e.code : null;
  const timeout = e.name === 'TimeoutError' ? 'TimeoutError' : null;
  const kind = code ? (DNS_CODES[code] ?? code) : timeout;
  if (!kind) return e.cause === undefined ? null : transportCode(e.cause, host);
  const address =
    typeof e.address === 'string'
      ? `${e.address.includes(':') ? `[${e.address}]` : e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}`
      : typeof e.hostname === 'string'
        ? e.hostname
        : host;
  return address ? `${kind} ${address}` : kind;
}

function unreachableCode(err: unknown, host: string): string {
  return transportCode(err, host) ?? 'Unreachable ' + host;
}
