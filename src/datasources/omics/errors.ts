import { UpstreamError } from '../../errors.ts';
import type { OmicsKey } from '../../globalId.ts';
import { PROVIDER_LABEL, classifyUpstreamError, parseRetryAfter } from '../classify.ts';
import { fromSdkError } from '../sdkErrors.ts';

/** Codes that mean "no such job": HealthOmics answers 404 ResourceNotFoundException. */
export const OMICS_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/**
 * Codes that are transient server-side faults beyond HTTP 5xx: `RequestTimeoutException`
 * (HTTP 408, modeled for GetReferenceImportJob) would otherwise read as a client error.
 */
export const OMICS_TRANSIENT_CODES: ReadonlySet<string> = new Set(['RequestTimeoutException']);

/** How a job is named in generated messages. */
export function omicsSubject(key: OmicsKey): string {
  return `HealthOmics reference import job "${key.id}" in reference store "${key.referenceStoreId}" (${key.region})`;
}

interface SdkErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string> };
}

/**
 * Map anything `OmicsClient.send` throws to an UpstreamError. Modeled and unmodeled service
 * errors go through the shared `fromSdkError`; two SDK behaviours are corrected here:
 * an error status whose body is not JSON (a proxy's HTML 502) surfaces as a `SyntaxError`
 * that is not the provider's code, and `RequestTimeoutException` (408) is transient.
 */
export function mapOmicsError(err: unknown, key: OmicsKey): UpstreamError {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const subject = omicsSubject(key);
  if (status !== undefined && status >= 300 && e.$fault === undefined && !(err instanceof UpstreamError)) {
    // The SDK could not read the error body; classify by HTTP status alone.
    return classifyUpstreamError({
      provider: 'AWS_OMICS',
      subject,
      httpStatus: status,
      upstreamCode: null,
      upstreamRequestId: e.$metadata?.requestId ?? null,
      retryAfterSeconds: parseRetryAfter(e.$response?.headers?.['retry-after']),
      notFoundCodes: OMICS_NOT_FOUND_CODES,
      transientCodes: OMICS_TRANSIENT_CODES,
      cause: err,
    });
  }
  const mapped = fromSdkError('AWS_OMICS', err, { subject, notFoundCodes: OMICS_NOT_FOUND_CODES });
  if (mapped.upstreamCode !== null && OMICS_TRANSIENT_CODES.has(mapped.upstreamCode) && mapped.code !== 'UPSTREAM_UNAVAILABLE') {
    return new UpstreamError({
      provider: 'AWS_OMICS',
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${PROVIDER_LABEL.AWS_OMICS} is unavailable (${mapped.upstreamCode}).`,
      upstreamCode: mapped.upstreamCode,
      upstreamRequestId: mapped.upstreamRequestId,
      httpStatus: mapped.httpStatus,
      retryable: true,
      retryAfterSeconds: mapped.retryAfterSeconds,
      cause: err,
    });
  }
  return mapped;
}
