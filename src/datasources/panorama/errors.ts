import { UpstreamError, type InternalError } from '../../errors.ts';
import type { PanoramaKey } from '../../globalId.ts';
import { PROVIDER_LABEL, isNetworkError } from '../shared/classify.ts';
import { fromAwsFailure } from '../shared/awsErrors.ts';

/**
 * Codes that mean "no such job". `ResourceNotFoundException` (HTTP 404) is not in the model's
 * error list for DescribePackageImportJob, but the service has it and sends it for unknown
 * jobs (the other Panorama Describe operations list it).
 */
export const PANORAMA_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/** Appended to transport failures: the service is past its end of support. */
export const PANORAMA_END_OF_SUPPORT_NOTE = 'AWS ended support for Panorama on 2026-05-31, so its endpoint may no longer answer.';

/** How a job is named in generated messages. */
export function jobSubject(key: PanoramaKey): string {
  return `Panorama package import job "${key.jobId}" in ${key.region}`;
}

/**
 * Map a failed DescribePackageImportJob call to an UpstreamError (or an InternalError for
 * jobgraph's own failures) through the shared `fromAwsFailure`, which also classifies an error
 * body that is not the protocol's (an HTML 502 from a load balancer, an empty 404) by status with the
 * `x-amzn-ErrorType` header as the code. Panorama models no throttling error, so unmodeled
 * codes are classified by the generic AWS lists and the HTTP status (429 is throttling).
 * Two Panorama facts are added on top:
 *
 * - a 404 without any AWS error code: a real "no such job" always names
 *   `ResourceNotFoundException`, so a bare 404 means the endpoint no longer serves the
 *   Panorama API (the decommissioned case) — UPSTREAM_UNAVAILABLE, not NOT_FOUND;
 * - transport failures (DNS, refused, reset; not timeouts or aborts) carry a note on the end of support.
 */
export function toUpstreamError(key: PanoramaKey, err: unknown): UpstreamError | InternalError {
  const mapped = fromAwsFailure('AWS_PANORAMA', err, { subject: jobSubject(key), notFoundCodes: PANORAMA_NOT_FOUND_CODES });
  if (!(mapped instanceof UpstreamError) || err instanceof UpstreamError) return mapped;
  if (mapped.code === 'NOT_FOUND' && mapped.httpStatus === 404 && mapped.upstreamCode === null) {
    return new UpstreamError({
      provider: 'AWS_PANORAMA',
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${PROVIDER_LABEL.AWS_PANORAMA} answered HTTP 404 without an AWS error code: the endpoint no longer serves the Panorama API. ${PANORAMA_END_OF_SUPPORT_NOTE}`,
      upstreamRequestId: mapped.upstreamRequestId,
      httpStatus: 404,
      retryable: false,
      cause: err,
    });
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (
    mapped.httpStatus === null &&
    mapped.code === 'UPSTREAM_UNAVAILABLE' &&
    isNetworkError(err) &&
    name !== 'AbortError' &&
    !/timed out/.test(mapped.message)
  ) {
    return new UpstreamError({
      provider: 'AWS_PANORAMA',
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${mapped.message} ${PANORAMA_END_OF_SUPPORT_NOTE}`,
      retryable: true,
      cause: err,
    });
  }
  return mapped;
}
