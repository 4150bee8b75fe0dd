import { UpstreamError } from '../../../errors.ts';
import type { JobKey } from '../../../model/keys.ts';
import type { ActedAnswer, ActionInput } from '../../shared/acting.ts';
import { awsJsonOutput, awsJsonPost } from '../../shared/awsCall.ts';
import { AwsErrorAnswer, awsRequestId } from '../../shared/awsErrors.ts';
import type { HttpResult } from '../../shared/http.ts';
import type { KindWire, Operation } from '../../shared/wire.ts';
import { readBatchError } from '../errors.ts';
import { parseServiceJob, type BatchServiceJobKey } from './parse.ts';
import type { BatchServiceJobRecord } from './record.ts';

/** How a service job is named in generated messages. */
function serviceJobSubject(key: BatchServiceJobKey): string {
  return `AWS Batch service job "${key.jobId}" (${key.region}${key.account ? `, account ${key.account}` : ''})`;
}

/** A JSON error body's `message`; null when it has none (never shown: only tested). */
function errorMessage(body: string): string | null {
  try {
    const data: unknown = JSON.parse(body);
    const message = (data as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : null;
  } catch {
    return null;
  }
}

/**
 * The failure a service-job call's error answer means. Batch has no "no such job" code:
 * DescribeServiceJob and TerminateServiceJob answer a ClientException whose message says the job
 * was "not found"; that one is NOT_FOUND (its message generated, never the provider's), any other
 * answer is read as every Batch error is.
 */
function toServiceJobError(key: BatchServiceJobKey, answer: HttpResult): UpstreamError {
  const read = new AwsErrorAnswer(answer);
  if (read.code === 'ClientException' && /\bnot found\b/i.test(errorMessage(answer.body) ?? ''))
    return new UpstreamError({
      provider: 'AWS_BATCH',
      code: 'NOT_FOUND',
      message: `${serviceJobSubject(key)} was not found.`,
      upstreamRequestId: read.requestId,
      httpStatus: read.status,
      retryable: false,
    });
  return readBatchError(serviceJobSubject(key), answer);
}

const serviceKey = (key: JobKey) => key as BatchServiceJobKey;

/** DescribeServiceJob (`POST /v1/describeservicejob`, `{"jobId"}`): the job's every field. */
const DESCRIBE_SERVICE_JOB: Operation<JobKey, BatchServiceJobRecord> = {
  name: 'DescribeServiceJob',
  region: (key) => serviceKey(key).region,
  send: (key) => awsJsonPost('/v1/describeservicejob', { jobId: serviceKey(key).jobId }),
  readError: (key, answer) => toServiceJobError(serviceKey(key), answer),
  parse: (key, answer) => parseServiceJob(serviceKey(key), awsJsonOutput(answer)),
};

/**
 * TerminateServiceJob (`POST /v1/terminateservicejob`, `{"jobId","reason"}`): a job not yet
 * finished becomes FAILED with `isTerminated` and the reason as its statusReason, in any state
 * (Batch has no CancelServiceJob). A 200 answers an empty body: what the job became is read by a
 * describe afterwards.
 */
const TERMINATE_SERVICE_JOB: Operation<ActionInput<JobKey>, ActedAnswer> = {
  name: 'TerminateServiceJob',
  acts: true,
  region: ({ key }) => serviceKey(key).region,
  send: ({ key, reason }) =>
    awsJsonPost('/v1/terminateservicejob', { jobId: serviceKey(key).jobId, reason }),
  readError: ({ key }, answer) => toServiceJobError(serviceKey(key), answer),
  parse: (_input, answer) => ({ requestId: awsRequestId(answer.headers) }),
};

/**
 * Service jobs on the wire (`ProviderWire.kinds.serviceJob`): DescribeServiceJob, one job a call
 * (there is no batch describe), and TerminateServiceJob for both cancelJob and terminateJob.
 */
export const SERVICE_JOB_WIRE: KindWire<BatchServiceJobRecord> = {
  describe: DESCRIBE_SERVICE_JOB,
  actions: { cancel: TERMINATE_SERVICE_JOB, terminate: TERMINATE_SERVICE_JOB },
};
