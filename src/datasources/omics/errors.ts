import type { UpstreamError } from '../../errors.ts';
import type { OmicsKey } from '../../model/keys.ts';
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

/** How a ListReferenceImportJobs call is named in generated messages. */
export function listSubject(region: string, referenceStoreId: string): string {
  return `HealthOmics reference store "${referenceStoreId}" (${region})`;
}

/** How a ListReferenceStores call is named in generated messages. */
export function storesSubject(region: string): string {
  return `the HealthOmics reference store list in ${region}`;
}

/** The failure a GetReferenceImportJob error answer means, through {@link readOmicsError}. */
export function toUpstreamError(key: OmicsKey, answer: HttpResult): UpstreamError {
  return readOmicsError(jobSubject(key), answer);
}

/**
 * The failure a HealthOmics error answer means (GetReferenceImportJob and the list calls alike;
 * `subject` names what was asked for), through the shared `readAwsError`, which also classifies
 * an error body that is not the protocol's (a proxy's HTML 502) by status.
 * `RequestTimeoutException` (408) is transient here.
 */
export function readOmicsError(subject: string, answer: HttpResult): UpstreamError {
  return readAwsError('AWS_OMICS', answer, {
    subject,
    notFoundCodes: OMICS_NOT_FOUND_CODES,
    transientCodes: OMICS_TRANSIENT_CODES,
  });
}
