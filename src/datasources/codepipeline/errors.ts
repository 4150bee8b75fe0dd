import type { UpstreamError } from '../../errors.ts';
import type { CodePipelineKey } from '../../globalId.ts';
import { classifyUpstreamError } from '../classify.ts';
import { fromSdkError } from '../sdkErrors.ts';

/** CodePipeline answers an unknown (or malformed) job ID with JobNotFoundException at HTTP 400. */
export const CODEPIPELINE_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['JobNotFoundException']);

/** On botocore's throttle list, but at CodePipeline a quota error (e.g. too many pipelines), not a rate limit. */
export const CODEPIPELINE_NOT_THROTTLE_CODES: ReadonlySet<string> = new Set(['LimitExceededException']);

export function describeJob(key: CodePipelineKey): string {
  return `CodePipeline job "${key.jobId}" in ${key.region}`;
}

interface SdkDeserializationError {
  name?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: unknown;
}

/**
 * Map anything the SDK call threw to an UpstreamError (never the SDK's message).
 *
 * One case is settled here before `fromSdkError`: an error response whose body is not JSON
 * (say an HTML 502 page from a load balancer) reaches us as a `SyntaxError` with an HTTP
 * status and no `$fault`; the shared mapper would report `SyntaxError` as the upstream code.
 * We classify it by status alone, with no upstream code.
 */
export function toUpstreamError(err: unknown, key: CodePipelineKey): UpstreamError {
  const e = (err ?? {}) as SdkDeserializationError;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'SyntaxError' && e.$fault === undefined && typeof status === 'number' && (status < 200 || status >= 300)) {
    return classifyUpstreamError({
      provider: 'AWS_CODEPIPELINE',
      subject: describeJob(key),
      httpStatus: status,
      upstreamCode: null,
      upstreamRequestId: e.$metadata?.requestId ?? null,
      notFoundCodes: CODEPIPELINE_NOT_FOUND_CODES,
      notThrottleCodes: CODEPIPELINE_NOT_THROTTLE_CODES,
      cause: err,
    });
  }
  return fromSdkError('AWS_CODEPIPELINE', err, {
    subject: describeJob(key),
    notFoundCodes: CODEPIPELINE_NOT_FOUND_CODES,
    notThrottleCodes: CODEPIPELINE_NOT_THROTTLE_CODES,
  });
}
