import { UpstreamError } from '../../errors.ts';
import type { PanoramaKey } from '../../globalId.ts';
import { PROVIDER_LABEL, classifyUpstreamError, isNetworkError, parseRetryAfter, sanitizeAwsErrorCode } from '../classify.ts';
import { fromSdkError } from '../sdkErrors.ts';

/**
 * Codes that mean "no such job". `ResourceNotFoundException` (HTTP 404) is not in the model's
 * error list for DescribePackageImportJob, but the service has it and sends it for unknown
 * jobs (the other Panorama Describe operations list it).
 */
export const PANORAMA_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ResourceNotFoundException']);

/** Appended to transport failures: the service is past its end of support. */
export const PANORAMA_END_OF_SUPPORT_NOTE = 'AWS ended support for Panorama on 2026-05-31, so its endpoint may no longer answer.';

/** How a job is named in generated messages. */
export function panoramaSubject(key: PanoramaKey): string {
  return `Panorama package import job "${key.jobId}" in ${key.region}`;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * Map anything the SDK threw to an UpstreamError. Panorama models no throttling error, so
 * unmodeled codes are classified by the generic AWS lists and the HTTP status (429 is
 * throttling). Two cases are handled here before the shared `fromSdkError`:
 *
 * - an error status whose body the SDK could not read (an HTML 502 from a load balancer, an
 *   empty 404): classified by status with the `x-amzn-ErrorType` header as the code, never
 *   with the SDK's `SyntaxError`/`Unknown` as if the service had said so;
 * - a 404 without any AWS error code: a real "no such job" always names
 *   `ResourceNotFoundException`, so a bare 404 means the endpoint no longer serves the
 *   Panorama API (the decommissioned case) — UPSTREAM_UNAVAILABLE, not NOT_FOUND.
 *
 * Transport failures (DNS, refused, reset; not timeouts or aborts) carry a note on the end of support.
 */
export function mapPanoramaError(err: unknown, key: PanoramaKey): UpstreamError {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const unreadable = e.name === 'Unknown' || e.name === 'SyntaxError' || e.name === 'TypeError' || /Deserialization error/.test(e.message ?? '');
  if (!(err instanceof UpstreamError) && typeof status === 'number' && status >= 300 && unreadable) {
    const headers = e.$response?.headers ?? {};
    const upstreamCode = sanitizeAwsErrorCode(headerValue(headers, 'x-amzn-errortype'));
    const upstreamRequestId = e.$metadata?.requestId ?? headerValue(headers, 'x-amzn-requestid');
    if (status === 404 && upstreamCode === null) {
      return new UpstreamError({
        provider: 'AWS_PANORAMA',
        code: 'UPSTREAM_UNAVAILABLE',
        message: `${PROVIDER_LABEL.AWS_PANORAMA} answered HTTP 404 without an AWS error code: the endpoint no longer serves the Panorama API. ${PANORAMA_END_OF_SUPPORT_NOTE}`,
        upstreamRequestId,
        httpStatus: status,
        retryable: false,
        cause: err,
      });
    }
    return classifyUpstreamError({
      provider: 'AWS_PANORAMA',
      subject: panoramaSubject(key),
      httpStatus: status,
      upstreamCode,
      upstreamRequestId,
      retryAfterSeconds: parseRetryAfter(headerValue(headers, 'retry-after')),
      notFoundCodes: PANORAMA_NOT_FOUND_CODES,
      cause: err,
    });
  }
  const mapped = fromSdkError('AWS_PANORAMA', err, { subject: panoramaSubject(key), notFoundCodes: PANORAMA_NOT_FOUND_CODES });
  if (mapped.httpStatus === null && mapped.code === 'UPSTREAM_UNAVAILABLE' && isNetworkError(err) && e.name !== 'AbortError' && !/timed out/.test(mapped.message)) {
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

function headerValue(headers: Record<string, string | undefined>, name: string): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && v !== undefined) return v;
  return null;
}
