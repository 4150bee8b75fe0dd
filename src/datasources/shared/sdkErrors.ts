import { InternalError, MalformedBodyError, UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model.ts';
import { headerValue } from './http.ts';
import { badResponse, credentialsNotFound, classifyUpstreamError, funnelError, parseRetryAfter, sanitizeAwsErrorCode } from './classify.ts';

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

/** How one SDK provider reads error codes: which mean "no such job", which are not throttling, which are transient. */
export interface SdkErrorRules {
  /** Describes the job for messages, e.g. `CodePipeline job "…" in us-east-1`. */
  subject: string;
  notFoundCodes: ReadonlySet<string>;
  notThrottleCodes?: ReadonlySet<string>;
  transientCodes?: ReadonlySet<string>;
}

/** Names the SDK gives an error whose code it could not find in the answer. */
const NO_CODE_NAMES: ReadonlySet<string> = new Set(['Unknown', 'UnknownError']);

/**
 * Map an error thrown by an AWS SDK v3 client (service exception, deserialisation failure,
 * credential-chain failure, network error) to an UpstreamError, or to an InternalError when it
 * is none of those. The SDK error stays as the non-enumerable cause; nothing of its message
 * reaches the client.
 *
 * "The SDK could not read the error body" is decided here and nowhere else: an error status
 * (≥ 300) whose error carries no `$fault` is a raw SyntaxError/TypeError the SDK's
 * deserialiser threw on a body that is not the protocol's (a proxy's HTML 502, `null`), and
 * one named `Unknown` is the SDK saying it found no code. Neither name is the provider's code:
 * such an answer is classified by its HTTP status, with the `x-amzn-ErrorType` header as the
 * code when the answer has one.
 */
export function fromSdkError(provider: JobProvider, err: unknown, rules: SdkErrorRules): UpstreamError | InternalError {
  if (err instanceof UpstreamError || err instanceof InternalError || err instanceof MalformedBodyError) return funnelError(provider, err);
  const e = (err ?? {}) as SdkLikeError;
  const noCredentials = credentialsNotFound(provider, err);
  if (noCredentials) return noCredentials;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId ?? null;
  if (typeof status !== 'number') {
    // No answer was read: a transport failure, a body over the cap, or jobgraph's own failure (funnelError decides).
    // The SDK's deserialiser attaches the answer to what it throws: then the answer was unreadable.
    if (e.$response !== undefined || /Deserialization error/.test(e.message ?? '')) {
      return badResponse(provider, new MalformedBodyError('body is not valid for the protocol'), requestId);
    }
    return funnelError(provider, err);
  }
  // A 2xx that the SDK failed to deserialise.
  if (status >= 200 && status < 300) return badResponse(provider, new MalformedBodyError('body is not valid for the protocol'), requestId);
  const headers = e.$response?.headers ?? {};
  const unreadable = e.$fault === undefined || NO_CODE_NAMES.has(e.name ?? '');
  const upstreamCode = unreadable ? sanitizeAwsErrorCode(headerValue(headers, 'x-amzn-errortype')) : sanitizeAwsErrorCode(e.name === 'Error' ? e.code : e.name);
  return classifyUpstreamError({
    provider,
    subject: rules.subject,
    httpStatus: status,
    upstreamCode,
    upstreamRequestId: requestId ?? headerValue(headers, 'x-amzn-requestid'),
    retryAfterSeconds: parseRetryAfter(headerValue(headers, 'retry-after')),
    notFoundCodes: rules.notFoundCodes,
    ...(rules.notThrottleCodes ? { notThrottleCodes: rules.notThrottleCodes } : {}),
    ...(rules.transientCodes ? { transientCodes: rules.transientCodes } : {}),
    cause: err,
  });
}
