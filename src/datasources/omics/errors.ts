import type { UpstreamError } from '../../errors.ts';
import type { OmicsKey } from '../../model/globalId.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';

/** Codes that mean "no such job": HealthOmics answers 404 ResourceNotFoundException. */
export const OMICS_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/**
 * Codes that are transient server-side faults beyond HTTP 5xx: `RequestTimeoutException`
 * (HTTP 408, modeled for GetReferenceImportJob) would otherwise read as a client error.
 */
export const OMICS_TRANSIENT_CODES: ReadonlySet<string> = new Set(['RequestTimeoutException']);

/** How a job is named in generated messages. */
export function jobSubject(key: OmicsKey): string {
  return `HealthOmics reference import job "${key.id}" in reference store "${key.referenceStoreId}" (${key.region})`;
}

/**
 * The failure a GetReferenceImportJob error answer means, through the shared `readAwsError`,
 * which also classifies an error body that is not the protocol's (a proxy's HTML 502) by
 * status. `RequestTimeoutException` (408) is transient here.
 */
export function toUpstreamError(key: OmicsKey, answer: HttpResult): UpstreamError {
  return readAwsError('AWS_OMICS', answer, {
    subject: jobSubject(key),
    notFoundCodes: OMICS_NOT_FOUND_CODES,
    transientCodes: OMICS_TRANSIENT_CODES,
  });
}
