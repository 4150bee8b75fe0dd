import { headerValue, type HttpResult } from '../../src/datasources/shared/http.ts';
import { sanitizeAwsErrorCode } from '../../src/datasources/shared/classify.ts';

/**
 * The test oracle for the lean AWS caller (src/datasources/shared/awsCall.ts): what the real
 * AWS SDK v3 deserialiser read from an answer, in the lean caller's terms. jobgraph sent every
 * AWS call through the SDK clients before; the protocol tests now feed each golden fixture
 * through the real `@aws-sdk/client-*` (with a fixture request handler) and through the lean
 * path and compare the two.
 */

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Names the SDK gives an error whose code it could not find in the answer. */
const NO_CODE_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);

/**
 * What the SDK read from a failed call, as the error answer the provider's errors.ts maps as
 * it maps the lean path's: the status, the error code (the SDK's exception name; for an error
 * body the SDK could not read — no `$fault`, or named `Unknown` — the `x-amzn-ErrorType`
 * header, as jobgraph's SDK-era `fromSdkError` decided), the request id and Retry-After.
 * Null when the SDK got no error answer (a 2xx it could not deserialise, or no answer at all).
 */
export function sdkErrorAnswer(err: unknown): HttpResult | null {
  const e = (err ?? {}) as SdkLikeError;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status !== 'number' || (status >= 200 && status < 300)) return null;
  const headers = e.$response?.headers ?? {};
  const unreadable = e.$fault === undefined || NO_CODE_NAMES.has(e.name ?? '');
  const code = unreadable
    ? sanitizeAwsErrorCode(headerValue(headers, 'x-amzn-errortype'))
    : sanitizeAwsErrorCode(e.name === 'Error' ? e.code : e.name);
  const requestId = e.$metadata?.requestId ?? headerValue(headers, 'x-amzn-requestid');
  const retryAfter = headerValue(headers, 'retry-after');
  return {
    status,
    headers: {
      ...(code !== null ? { 'x-amzn-errortype': code } : {}),
      ...(requestId !== null ? { 'x-amzn-requestid': requestId } : {}),
      ...(retryAfter !== null ? { 'retry-after': retryAfter } : {}),
    },
    body: '',
  };
}

/** The request id the SDK read from a failed call's answer, whatever it was. */
export function sdkRequestId(err: unknown): string | null {
  const e = (err ?? {}) as SdkLikeError;
  return e.$metadata?.requestId ?? headerValue(e.$response?.headers ?? {}, 'x-amzn-requestid');
}

/**
 * A time as the graph shows it (an ISO string, null when absent), from an SDK answer's member
 * (a `Date`), the AWS CLI's (an ISO string) or epoch milliseconds (AWS Batch).
 */
export function isoOrNull(value: Date | string | number | undefined): string | null {
  return value === undefined ? null : new Date(value).toISOString();
}
