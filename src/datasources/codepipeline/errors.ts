import type { UpstreamError } from '../../errors.ts';
import type { CodePipelineKey } from '../../model/keys.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';

/** CodePipeline answers an unknown (or malformed) job ID with JobNotFoundException at HTTP 400. */
export const CODEPIPELINE_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['JobNotFoundException']);

/** On botocore's throttle list, but at CodePipeline a quota error (e.g. too many pipelines), not a rate limit. */
export const CODEPIPELINE_NOT_THROTTLE_CODES: ReadonlySet<string> = new Set([
  'LimitExceededException',
]);

/** How a job is named in generated messages. */
export function jobSubject(key: CodePipelineKey): string {
  return `CodePipeline job "${key.jobId}" in ${key.region}`;
}

/**
 * The failure a GetJobDetails error answer means (never the upstream's message), through the
 * shared `readAwsError`, which also classifies an error body that is not the protocol's (an
 * HTML 502 from a load balancer) by status.
 */
export function toUpstreamError(key: CodePipelineKey, answer: HttpResult): UpstreamError {
  return readAwsError('AWS_CODEPIPELINE', answer, {
    subject: jobSubject(key),
    notFoundCodes: CODEPIPELINE_NOT_FOUND_CODES,
    notThrottleCodes: CODEPIPELINE_NOT_THROTTLE_CODES,
  });
}
