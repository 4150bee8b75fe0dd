/**
 * AWS Batch service jobs' rerun (docs/actions.md, "Rerun"): SubmitServiceJob rebuilt from
 * DescribeServiceJob — its name, queue, type, training request (`serviceRequestPayload`), retry
 * strategy, scheduling priority, share identifier, quota share, preemption configuration,
 * timeout and tags — with the rerun's key as its `clientToken`. Batch answers the same token with
 * the same request by the job it made, so a submit repeated after a lost answer (a retry, another
 * replica, a restart) finds that job: no look-up. The training request is a secret: sent to Batch
 * as it was described, never logged, never in an error (errors are generated from the job's ID).
 */
import type { JobKey } from '../../../model/keys.ts';
import type { JobRecord, KeyValue } from '../../../model/job.ts';
import { MalformedBodyError } from '../../../errors.ts';
import { awsJsonOutput } from '../../shared/awsCall.ts';
import { awsRequestId } from '../../shared/awsErrors.ts';
import { response, str } from '../../shared/json.ts';
import {
  RERUN_KEY_TAG,
  RERUN_OF_TAG,
  type RerunInput,
  type RerunSubmitted,
} from '../../shared/rerunning.ts';
import type { KindWire, Operation } from '../../shared/wire.ts';
import { readBatchError } from '../errors.ts';
import type { BatchServiceJobKey } from './parse.ts';
import type { BatchServiceJobRecord } from './record.ts';

type Wire = Record<string, unknown>;

/**
 * Why jobgraph cannot rebuild the SubmitServiceJob of `r` (null: it can): a required member its
 * description lacked. The payload is named, never shown.
 */
export function unrebuildableServiceJob(r: BatchServiceJobRecord): string | null {
  const missing = (
    ['jobName', 'jobQueue', 'serviceJobType', 'serviceRequestPayload'] as const
  ).filter((f) => !r[f]);
  return missing.length > 0
    ? `Its description lacks ${missing.join(', ')}, which SubmitServiceJob requires.`
    : null;
}

/** A map of tags as the wire sends it: its own but AWS's (`aws:`), plus jobgraph's two. */
const tagsOf = (tags: readonly KeyValue[], sourceId: string, rerunKey: string) => ({
  ...Object.fromEntries(
    tags.filter((t) => !t.key.toLowerCase().startsWith('aws:')).map((t) => [t.key, t.value ?? '']),
  ),
  [RERUN_OF_TAG]: sourceId,
  [RERUN_KEY_TAG]: rerunKey,
});

/** `value` without its null members (the wire leaves them out). */
const defined = (value: Wire): Wire =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));

/**
 * The SubmitServiceJob body that reruns `r`: every member of the request DescribeServiceJob
 * says, as described, `clientToken` the rerun's key. Throws for a job `unrebuildableServiceJob`
 * refuses.
 */
function submitServiceJobBody(r: BatchServiceJobRecord, sourceId: string, rerunKey: string): Wire {
  const why = unrebuildableServiceJob(r);
  if (why) throw new TypeError(why);
  const retry = r.retryStrategy;
  const timeout = r.timeoutConfig?.attemptDurationSeconds ?? null;
  const preemption = r.preemptionConfiguration?.preemptionRetriesBeforeTermination ?? null;
  return defined({
    jobName: r.jobName,
    jobQueue: r.jobQueue,
    serviceJobType: r.serviceJobType,
    serviceRequestPayload: r.serviceRequestPayload,
    retryStrategy:
      retry?.attempts != null
        ? defined({
            attempts: retry.attempts,
            evaluateOnExit:
              retry.evaluateOnExit.length > 0 ? retry.evaluateOnExit.map(defined) : null,
          })
        : null,
    schedulingPriority: r.schedulingPriority,
    shareIdentifier: r.shareIdentifier,
    quotaShareName: r.quotaShareName,
    preemptionConfiguration:
      preemption !== null ? { preemptionRetriesBeforeTermination: preemption } : null,
    timeoutConfig: timeout !== null ? { attemptDurationSeconds: timeout } : null,
    tags: tagsOf(r.tags, sourceId, rerunKey),
    clientToken: rerunKey,
  });
}

type ServiceRerun = RerunInput<BatchServiceJobKey>;

/**
 * SubmitServiceJob (`POST /v1/submitservicejob`, rest-json, SigV4 `batch`): answers
 * `{jobArn, jobName, jobId}`. Its error is read from the job rerun's ID, never from the request.
 * @public (the permissions test reads each exported operation of the provider's folder)
 */
export const SUBMIT_SERVICE_JOB: Operation<ServiceRerun, RerunSubmitted> = {
  name: 'SubmitServiceJob',
  acts: true,
  // Tags given on submit are authorized as batch:TagResource too, as SubmitJob's.
  alsoNeeds: ['TagResource'],
  region: (input) => input.key.region,
  send: (input) => ({
    method: 'POST',
    path: '/v1/submitservicejob',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      submitServiceJobBody(input.record as BatchServiceJobRecord, input.sourceId, input.rerunKey),
    ),
  }),
  readError: (input, answer) =>
    readBatchError(
      `the rerun of AWS Batch service job "${input.key.jobId}" (${input.key.region})`,
      answer,
    ),
  parse: (_input, answer) => {
    const body = response(awsJsonOutput(answer), 'response is not an object');
    const jobId = str(body.jobId, 'jobId');
    if (jobId === null) throw new MalformedBodyError('jobId is missing');
    return { jobId, requestId: awsRequestId(answer.headers) };
  },
};

const tagOf = (record: JobRecord, name: string) =>
  (record as BatchServiceJobRecord).tags?.find((t) => t.key === name)?.value ?? null;

/** Service jobs' rerun on the wire (`KindWire.rerun`): no candidates, its clientToken finds a lost answer's job. */
export const SERVICE_JOB_RERUN: NonNullable<KindWire<BatchServiceJobRecord>['rerun']> = {
  subject: (key) => key,
  keyOf: (key: JobKey, jobId) => ({ ...(key as BatchServiceJobKey), jobId }),
  made: (record, input) =>
    tagOf(record, RERUN_OF_TAG) === input.sourceId &&
    tagOf(record, RERUN_KEY_TAG) === input.rerunKey,
  submit: SUBMIT_SERVICE_JOB,
  said: 'AWS Batch keeps its clientToken: asked again with the same request, it answers this same job.',
};
