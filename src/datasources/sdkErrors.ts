import { MalformedBodyError, UpstreamError } from '../errors.ts';
import type { JobProvider } from '../model.ts';
import { PROVIDER_LABEL, badResponse, classifyUpstreamError, isNetworkError, parseRetryAfter, sanitizeAwsErrorCode, transportError } from './classify.ts';

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { headers?: Record<string, string> };
}

/**
 * Map an error thrown by an AWS SDK v3 client (service exception, deserialisation failure,
 * credential-chain failure, network error) to an UpstreamError. The SDK error stays as the
 * non-enumerable cause; nothing of its message reaches the client.
 */
export function fromSdkError(
  provider: JobProvider,
  err: unknown,
  opts: {
    subject: string;
    notFoundCodes: ReadonlySet<string>;
    notThrottleCodes?: ReadonlySet<string>;
    transientCodes?: ReadonlySet<string>;
  },
): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof MalformedBodyError) return badResponse(provider, err, null);
  const e = (err ?? {}) as SdkLikeError;
  if (e.name === 'CredentialsProviderError' || e.name === 'ProviderError') {
    return new UpstreamError({
      provider,
      code: 'PROVIDER_NOT_CONFIGURED',
      message: `${PROVIDER_LABEL[provider]} has no credentials configured in this jobgraph.`,
      retryable: false,
      cause: err,
    });
  }
  const status = e.$metadata?.httpStatusCode ?? null;
  const requestId = e.$metadata?.requestId ?? null;
  if (status === null || status === undefined) {
    if (isNetworkError(err) || e.name === 'TimeoutError' || e.name === 'RequestTimeout') return transportError(provider, err);
    if (e.name === 'SyntaxError' || /deserializ/i.test(e.message ?? '')) {
      return badResponse(provider, new MalformedBodyError('body is not valid for the protocol'), requestId);
    }
    return transportError(provider, err);
  }
  // A 2xx that the SDK failed to deserialise.
  if (status >= 200 && status < 300) return badResponse(provider, new MalformedBodyError('body is not valid for the protocol'), requestId);
  const headers = e.$response?.headers ?? {};
  return classifyUpstreamError({
    provider,
    subject: opts.subject,
    httpStatus: status,
    // An error body the SDK could not read (a proxy's HTML 502) surfaces as SyntaxError: classify by status alone.
    upstreamCode: e.name === 'SyntaxError' ? null : sanitizeAwsErrorCode(e.name === 'Error' ? e.code : e.name),
    upstreamRequestId: requestId,
    retryAfterSeconds: parseRetryAfter(headers['retry-after']),
    notFoundCodes: opts.notFoundCodes,
    ...(opts.notThrottleCodes ? { notThrottleCodes: opts.notThrottleCodes } : {}),
    ...(opts.transientCodes ? { transientCodes: opts.transientCodes } : {}),
    cause: err,
  });
}
