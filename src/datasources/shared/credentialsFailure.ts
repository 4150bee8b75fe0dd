import { BadUserInputError, InternalError, UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { AccountSessionError } from './accounts.ts';
import { PROVIDER_LABEL, credentialsNotFound } from './classify.ts';

/**
 * Credentials that could not be had: an UpstreamError the wire threw as is (COS without
 * credentials), a chain that found none PROVIDER_NOT_CONFIGURED, any other failure (an IMDS or
 * SSO endpoint down) UPSTREAM_UNAVAILABLE, not retried within the call.
 */
export function credentialsFailure(
  provider: JobProvider,
  err: unknown,
): UpstreamError | InternalError | BadUserInputError {
  if (
    err instanceof UpstreamError ||
    err instanceof InternalError ||
    err instanceof BadUserInputError
  )
    return err;
  if (err instanceof AccountSessionError) {
    return new UpstreamError({
      provider,
      code: err.denied ? 'UPSTREAM_ACCESS_DENIED' : 'UPSTREAM_UNAVAILABLE',
      message: err.message,
      upstreamCode: err.upstreamCode,
      retryable: false,
      cause: err,
    });
  }
  return (
    credentialsNotFound(provider, err) ??
    new UpstreamError({
      provider,
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${PROVIDER_LABEL[provider]} credentials could not be obtained.`,
      retryable: false,
      cause: err,
    })
  );
}
