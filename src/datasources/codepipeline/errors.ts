import type { InternalError, UpstreamError } from '../../errors.ts';
import type { CodePipelineKey } from '../../globalId.ts';
import { fromAwsFailure } from '../shared/awsErrors.ts';

/** CodePipeline answers an unknown (or malformed) job ID with JobNotFoundException at HTTP 400. */
export const CODEPIPELINE_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['JobNotFoundException']);

/** On botocore's throttle list, but at CodePipeline a quota error (e.g. too many pipelines), not a rate limit. */
export const CODEPIPELINE_NOT_THROTTLE_CODES: ReadonlySet<string> = new Set(['LimitExceededException']);

/** How a job is named in generated messages. */
export function jobSubject(key: CodePipelineKey): string {
  return `CodePipeline job "${key.jobId}" in ${key.region}`;
}

/**
 * Map a failed GetJobDetails call (an error answer, a transport or credential failure) to an
 * UpstreamError (never the upstream's message), or an InternalError for jobgraph's own failures.
 * All of it is the shared `fromAwsFailure`, including an error body that is not the protocol's
 * (an HTML 502 from a load balancer: classified by status).
 */
export function toUpstreamError(key: CodePipelineKey, err: unknown): UpstreamError | InternalError {
  return fromAwsFailure('AWS_CODEPIPELINE', err, {
    subject: jobSubject(key),
    notFoundCodes: CODEPIPELINE_NOT_FOUND_CODES,
    notThrottleCodes: CODEPIPELINE_NOT_THROTTLE_CODES,
  });
}
