import { UpstreamError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import { readAwsError } from '../shared/awsErrors.ts';
import type { HttpResult } from '../shared/http.ts';

/**
 * AWS Batch has no "no such job" error: DescribeJobs leaves an unknown ID out of `jobs`
 * ({@link notFound}). Its errors are ClientException (400: a request it refuses, access denied
 * included), ServerException (500) and TooManyRequestsException (429, throttling).
 */
const NO_CODES: ReadonlySet<string> = new Set();

/** How a job is named in generated messages. */
export function jobSubject(key: BatchKey): string {
  return `AWS Batch job "${key.jobId}" (${key.region}${key.account ? `, account ${key.account}` : ''})`;
}

/** How a DescribeJobs call of several jobs is named in generated messages. */
export function jobsSubject(keys: readonly BatchKey[]): string {
  const first = keys[0];
  if (keys.length === 1 && first) return jobSubject(first);
  return `${keys.length} AWS Batch jobs (${first?.region ?? ''})`;
}

/** How a ListJobs call of a queue is named in generated messages. */
export function listSubject(region: string, queue: string): string {
  return `AWS Batch job queue "${queue}" (${region})`;
}

/** How a DescribeJobQueues call is named in generated messages. */
export function queuesSubject(region: string): string {
  return `the AWS Batch job queue list in ${region}`;
}

/** The failure a DescribeJobs error answer of one job means. */
export function toUpstreamError(key: BatchKey, answer: HttpResult): UpstreamError {
  return readBatchError(jobSubject(key), answer);
}

/** The failure an AWS Batch error answer means (any operation; `subject` names what was asked for). */
export function readBatchError(subject: string, answer: HttpResult): UpstreamError {
  return readAwsError('AWS_BATCH', answer, { subject, notFoundCodes: NO_CODES });
}

/** A job a DescribeJobs answer (request `requestId`) left out: the service does not have it. */
export function notFound(key: BatchKey, requestId: string | null): UpstreamError {
  return new UpstreamError({
    provider: 'AWS_BATCH',
    code: 'NOT_FOUND',
    message: `${jobSubject(key)} was not found.`,
    upstreamRequestId: requestId,
    httpStatus: 200,
    retryable: false,
  });
}
