import type { UpstreamError } from '../../errors.ts';
import type { PanoramaKey } from '../../model/keys.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';

/**
 * Codes that mean "no such job". `ResourceNotFoundException` (HTTP 404) is not in the model's
 * error list for DescribePackageImportJob, but the service has it and sends it for unknown
 * jobs (the other Panorama Describe operations list it).
 */
export const PANORAMA_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/** Said after a transport failure (the source's `unreachableNote`): the service is past its end of support. */
export const PANORAMA_END_OF_SUPPORT_NOTE =
  'AWS ended support for Panorama on 2026-05-31, so its endpoint may no longer answer.';

/** How a job is named in generated messages. */
export function jobSubject(key: PanoramaKey): string {
  return `Panorama package import job "${key.jobId}" in ${key.region}`;
}

/** How a ListPackageImportJobs call is named in generated messages. */
export function listSubject(region: string): string {
  return `the Panorama package import job list in ${region}`;
}

/**
 * The failure a DescribePackageImportJob error answer means, through {@link readPanoramaError}.
 */
export function toUpstreamError(key: PanoramaKey, answer: HttpResult): UpstreamError {
  return readPanoramaError(jobSubject(key), answer);
}

/**
 * The failure a Panorama error answer means (DescribePackageImportJob and ListPackageImportJobs
 * alike; `subject` names what was asked for), through the shared `readAwsError`. Panorama models
 * no throttling error, so unmodeled codes are classified by the generic AWS lists and the HTTP
 * status (429 is throttling). One Panorama fact is added: a 404 without any AWS error code is not
 * "no such job" (a real one always names `ResourceNotFoundException`) but an endpoint that no
 * longer serves the Panorama API (the decommissioned case): UPSTREAM_UNAVAILABLE, not retried.
 */
export function readPanoramaError(subject: string, answer: HttpResult): UpstreamError {
  const failure = readAwsError('AWS_PANORAMA', answer, {
    subject,
    notFoundCodes: PANORAMA_NOT_FOUND_CODES,
  });
  if (failure.code !== 'NOT_FOUND' || failure.httpStatus !== 404 || failure.upstreamCode !== null)
    return failure;
  return failure.derive({
    code: 'UPSTREAM_UNAVAILABLE',
    message: `${PROVIDER_LABEL.AWS_PANORAMA} answered HTTP 404 without an AWS error code: the endpoint no longer serves the Panorama API. ${PANORAMA_END_OF_SUPPORT_NOTE}`,
    retryable: false,
  });
}
