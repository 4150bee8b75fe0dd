import {
  BodyTooLargeError,
  InternalError,
  MalformedBodyError,
  UpstreamError,
  safeUpstreamValue,
  type UpstreamCode,
} from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';

/**
 * Human names used in generated messages. Upstream messages are never passed through. Central, not
 * a `Provider` member: the engines that write these messages (shared/, guard/, listing/) are loaded
 * by the provider folders, so reading the registry here would close an import circle.
 */
export const PROVIDER_LABEL: Record<JobProvider, string> = {
  AWS_PANORAMA: 'AWS Panorama',
  AWS_OMICS: 'AWS HealthOmics',
  TENCENT_COS_BATCH: 'Tencent COS Batch',
  AWS_IMPORT_EXPORT: 'AWS Import/Export',
  AWS_CODEPIPELINE: 'AWS CodePipeline',
  AWS_BATCH: 'AWS Batch',
};

/** botocore's throttle code list (`_THROTTLED_ERROR_CODES`, https://github.com/boto/botocore/blob/develop/botocore/retries/standard.py). */
const THROTTLE_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Codes that mean jobgraph's own credentials or signature were refused. */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'InvalidClientTokenIdException',
  'InvalidAccessKeyId',
  'InvalidAccessKeyIdException',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestTimeTooSkewed',
]);

/** Cut a trailing `:url` and a `namespace#` prefix from an AWS error code (smithy's SanitizeErrorCode). */
export function sanitizeAwsErrorCode(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let code = raw;
  const colon = code.indexOf(':');
  if (colon >= 0) code = code.slice(0, colon);
  const hash = code.lastIndexOf('#');
  if (hash >= 0) code = code.slice(hash + 1);
  code = code.trim();
  // Not cut to length: an over-long or odd code is dropped whole by UpstreamError, never shortened into a plausible one.
  return code === '' ? null : code;
}

/** Parse a Retry-After header given in seconds; HTTP dates and junk are ignored. */
export function parseRetryAfter(value: string | string[] | undefined | null): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v || !/^\d{1,6}$/.test(v.trim())) return null;
  return Number(v.trim());
}

export interface UpstreamFailure {
  provider: JobProvider;
  /** Describes the job for messages, e.g. `CodePipeline job "…" in us-east-1`. */
  subject: string;
  httpStatus: number | null;
  upstreamCode: string | null;
  upstreamRequestId: string | null;
  retryAfterSeconds?: number | null;
  /** Provider codes that mean "no such job" (e.g. JobNotFoundException at HTTP 400). */
  notFoundCodes: ReadonlySet<string>;
  /** Throttle-list codes that mean something else at this provider (CodePipeline's LimitExceededException is a quota). */
  notThrottleCodes?: ReadonlySet<string>;
  /** Extra codes that are transient server faults (e.g. COS InternalError, ServiceUnavailable). */
  transientCodes?: ReadonlySet<string>;
  cause?: unknown;
}

/**
 * Classify an upstream error response by its error code first and HTTP status second
 * (not found is HTTP 400 at CodePipeline and Import/Export; COS throttles with 503 SlowDown).
 */
export function classifyUpstreamError(f: UpstreamFailure): UpstreamError {
  const label = PROVIDER_LABEL[f.provider];
  // Only a code that may be shown is classified by, named in the message, or kept (UpstreamError checks it again).
  const code = safeUpstreamValue(f.upstreamCode);
  const status = f.httpStatus;
  const make = (c: UpstreamCode, message: string, retryable?: boolean) =>
    new UpstreamError({
      provider: f.provider,
      code: c,
      message,
      upstreamCode: code,
      upstreamRequestId: f.upstreamRequestId,
      httpStatus: status,
      retryAfterSeconds: f.retryAfterSeconds ?? null,
      ...(retryable === undefined ? {} : { retryable }),
      cause: f.cause,
    });
  if (code && f.notFoundCodes.has(code)) return make('NOT_FOUND', `${f.subject} was not found.`);
  const throttleCode = code !== null && THROTTLE_CODES.has(code) && !f.notThrottleCodes?.has(code);
  if (throttleCode || status === 429)
    return make('UPSTREAM_THROTTLED', `${label} throttled the request; try again later.`);
  if (code && f.transientCodes?.has(code))
    return make('UPSTREAM_UNAVAILABLE', `${label} is unavailable (${code}).`);
  if ((code && ACCESS_DENIED_CODES.has(code)) || status === 401 || status === 403) {
    return make('UPSTREAM_ACCESS_DENIED', `${label} refused jobgraph's credentials.`, false);
  }
  if (status !== null && status >= 500)
    return make('UPSTREAM_UNAVAILABLE', `${label} is unavailable (HTTP ${status}).`);
  if (status === 404) return make('NOT_FOUND', `${f.subject} was not found.`);
  return make(
    'UPSTREAM_BAD_RESPONSE',
    `${label} answered an unexpected error${code ? ` (${code})` : ''}.`,
    false,
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * A credential chain that found no credentials (`CredentialsProviderError`, and the SDK's
 * `ProviderError`/`TokenProviderError`) is PROVIDER_NOT_CONFIGURED; null for any other error.
 */
export function credentialsNotFound(provider: JobProvider, err: unknown): UpstreamError | null {
  const name = (err as { name?: unknown } | null)?.name;
  if (
    name !== 'CredentialsProviderError' &&
    name !== 'ProviderError' &&
    name !== 'TokenProviderError'
  )
    return null;
  return new UpstreamError({
    provider,
    code: 'PROVIDER_NOT_CONFIGURED',
    message: `${PROVIDER_LABEL[provider]} has no credentials configured in this jobgraph.`,
    retryable: false,
    cause: err,
  });
}

/** A failure below HTTP (refused, reset, DNS, timeout): UPSTREAM_UNAVAILABLE, retryable; `note` is said after it. */
export function transportError(provider: JobProvider, err: unknown, note?: string): UpstreamError {
  const label = PROVIDER_LABEL[provider];
  const e = err as { code?: string; name?: string };
  const what =
    e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT'
      ? 'timed out'
      : e?.code && NETWORK_CODES.has(e.code)
        ? `is unreachable (${e.code})`
        : 'is unreachable';
  const message = `${label} ${what}.${note ? ` ${note}` : ''}`;
  return new UpstreamError({
    provider,
    code: 'UPSTREAM_UNAVAILABLE',
    message,
    retryable: true,
    cause: err,
  });
}

/** A body that could not be parsed: UPSTREAM_BAD_RESPONSE, not retried. The parser's message names the field only. */
export function badResponse(
  provider: JobProvider,
  err: MalformedBodyError,
  requestId: string | null,
): UpstreamError {
  return new UpstreamError({
    provider,
    code: 'UPSTREAM_BAD_RESPONSE',
    message: `${PROVIDER_LABEL[provider]} sent a response jobgraph could not read: ${err.message}.`,
    upstreamRequestId: requestId,
    retryable: false,
    cause: err,
  });
}

/** A body over JOBGRAPH_UPSTREAM_MAX_BODY_BYTES: UPSTREAM_BAD_RESPONSE naming the limit, not retried, not counted by the breaker. */
function tooLarge(provider: JobProvider, err: BodyTooLargeError): UpstreamError {
  return new UpstreamError({
    provider,
    code: 'UPSTREAM_BAD_RESPONSE',
    message: `${PROVIDER_LABEL[provider]} sent a response larger than ${err.limitBytes} bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES); jobgraph stopped reading it.`,
    retryable: false,
    cause: err,
  });
}

/**
 * A failure below HTTP: a Node network error (refused, reset, DNS; any system error with a
 * `syscall`), an HTTP parser error from a garbled answer, a timeout or an abort.
 */
export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; syscall?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    NETWORK_CODES.has(code) ||
    code.startsWith('HPE_') ||
    (code !== '' && typeof e.syscall === 'string') ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.name === 'RequestTimeout'
  );
}

/**
 * The error funnel every provider ends in: anything thrown while fetching a job becomes either
 * an UpstreamError (the provider's fault or its answer) or an InternalError (jobgraph's own:
 * a bug in a parse step, a signer, a mapper). Error answers are read by each operation's
 * `readError` (`classifyUpstreamError`, directly or through `readAwsError`); `createSource`
 * calls this for everything else, which is decided here, once:
 *
 * - an UpstreamError or InternalError is kept as it is (so mapping twice is harmless);
 * - a body over the cap is UPSTREAM_BAD_RESPONSE naming the limit;
 * - a body that does not parse (MalformedBodyError) is UPSTREAM_BAD_RESPONSE;
 * - a network failure, timeout or abort is UPSTREAM_UNAVAILABLE (retryable);
 * - anything else — a TypeError, a RangeError, an SDK-internal failure — is jobgraph's own:
 *   INTERNAL_SERVER_ERROR, never retried, never counted against the provider.
 */
export function funnelError(
  provider: JobProvider,
  err: unknown,
  requestId: string | null = null,
): UpstreamError | InternalError {
  if (err instanceof UpstreamError || err instanceof InternalError) return err;
  if (err instanceof BodyTooLargeError) return tooLarge(provider, err);
  if (err instanceof MalformedBodyError) return badResponse(provider, err, requestId);
  if (isNetworkError(err)) return transportError(provider, err);
  return new InternalError(provider, err);
}
