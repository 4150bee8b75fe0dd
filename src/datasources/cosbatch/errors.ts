import { MalformedBodyError, UpstreamError, safeUpstreamValue } from '../../errors.ts';
import type { CosBatchKey } from '../../model/keys.ts';
import { badResponse, classifyUpstreamError, parseRetryAfter } from '../shared/classify.ts';
import { headerValue, type HttpResult } from '../shared/http.ts';
import { parseCosErrorBody } from './parse.ts';

const PROVIDER = 'TENCENT_COS_BATCH' as const;

/** Codes that mean "no such job". */
const COSBATCH_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['NoSuchJob']);

/**
 * Codes the COS SDKs retry as server faults (cos-java-sdk-v5 RetryUtils). `SlowDown` (503) is
 * throttling and is already in the shared throttle list; AccessDenied, SignatureDoesNotMatch and
 * InvalidAccessKeyId (403) are in the shared access-denied list.
 */
const COSBATCH_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'InternalError',
  'ServiceUnavailable',
]);

/** Describes the job in generated messages; never a URL or a header. */
export function jobSubject(key: CosBatchKey): string {
  return `Tencent COS Batch job "${key.jobId}" in ${key.region} (account ${key.uin})`;
}

/** The request id of a response: the `<RequestId>` of an error body, else the `x-cos-request-id` header. */
export function cosRequestId(
  result: HttpResult,
  bodyRequestId: string | null = null,
): string | null {
  return bodyRequestId ?? headerValue(result.headers, 'x-cos-request-id');
}

/** How a ListJobs call is named in generated messages. */
export function listSubject(region: string, uin: string): string {
  return `the Tencent COS Batch job list in ${region} (account ${uin})`;
}

/**
 * Map a non-success DescribeJob answer (any status, with or without an `<Error>` body) to an
 * UpstreamError, through {@link readCosError}.
 */
export function toUpstreamError(key: CosBatchKey, result: HttpResult): UpstreamError {
  return readCosError(jobSubject(key), 'DescribeJobResult', result);
}

/**
 * Map a non-success COS answer (any status, with or without an `<Error>` body) to an
 * UpstreamError; `subject` names what was asked for, `expected` the success element a 2xx
 * without an error code lacked. The upstream message, resource and trace id are never copied
 * into it.
 */
export function readCosError(subject: string, expected: string, result: HttpResult): UpstreamError {
  const envelope = parseCosErrorBody(result.body);
  const requestId = cosRequestId(result, envelope?.requestId ?? null);
  const status = result.status >= 200 && result.status < 300 ? null : result.status;
  // Shown to clients only if it passes UpstreamError's check (classifyUpstreamError names it only then too).
  const code = safeUpstreamValue(envelope?.code ?? null);
  if (status === null && code === null) {
    return badResponse(
      PROVIDER,
      new MalformedBodyError(`success body is not a ${expected}`),
      requestId,
    );
  }
  return classifyUpstreamError({
    provider: PROVIDER,
    subject,
    httpStatus: status ?? result.status,
    upstreamCode: code,
    upstreamRequestId: requestId,
    retryAfterSeconds: parseRetryAfter(result.headers['retry-after']),
    notFoundCodes: COSBATCH_NOT_FOUND_CODES,
    transientCodes: COSBATCH_TRANSIENT_CODES,
    cause: { status: result.status, code, requestId },
  });
}

/** Credentials or APPID missing: every COS job answers PROVIDER_NOT_CONFIGURED. */
export function notConfigured(missing: 'credentials' | 'appId'): UpstreamError {
  const what =
    missing === 'credentials'
      ? 'no Tencent Cloud credentials configured (TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY)'
      : 'no COS APPID configured (COS_APPID)';
  return new UpstreamError({
    provider: PROVIDER,
    code: 'PROVIDER_NOT_CONFIGURED',
    message: `Tencent COS Batch has ${what}.`,
    retryable: false,
  });
}
