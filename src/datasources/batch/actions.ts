import type { ProviderActions } from '../shared/acting.ts';
import type { BatchKey } from '../../model/keys.ts';
import { awsJsonPost } from '../shared/awsCall.ts';
import { awsRequestId } from '../shared/awsErrors.ts';
import type { ActedAnswer, Operation } from '../shared/source.ts';
import { toUpstreamError } from './errors.ts';

/** CancelJob's and TerminateJob's `reason`: "up to 1,024 characters" (API reference). */
const BATCH_REASON_MAX_CHARS = 1024;

/** A Batch job acted on, and the reason the service keeps as its statusReason. */
export interface BatchAction {
  key: BatchKey;
  reason: string;
}

/**
 * CancelJob or TerminateJob (`POST /v1/canceljob`, `/v1/terminatejob`, `{"jobId","reason"}`):
 * rest-json, SigV4 `batch` through the one pipeline, as DescribeJobs. A 200 answers an empty
 * body: what the job became is read by a describe afterwards. CancelJob answers 200 for a job
 * already STARTING or RUNNING without cancelling it, which is why the caller reads the job's
 * state first (docs/actions.md).
 */
function batchAction(
  name: 'CancelJob' | 'TerminateJob',
  path: string,
): Operation<BatchAction, ActedAnswer> {
  return {
    name,
    acts: true,
    region: ({ key }) => key.region,
    send: ({ key, reason }) => awsJsonPost(path, { jobId: key.jobId, reason }),
    readError: ({ key }, answer) => toUpstreamError(key, answer),
    parse: (_input, answer) => ({ requestId: awsRequestId(answer.headers) }),
  };
}

/** CancelJob: a job not yet STARTING ends FAILED with the reason as its statusReason. */
export const CANCEL_JOB = batchAction('CancelJob', '/v1/canceljob');

/** TerminateJob: a job in any unfinished state ends FAILED, its running container stopped. */
export const TERMINATE_JOB = batchAction('TerminateJob', '/v1/terminatejob');

/** The statuses CancelJob cancels; STARTING and RUNNING only TerminateJob stops. */
const CANCELLABLE = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);

/**
 * What CancelJob and TerminateJob do by status (docs/actions.md): CancelJob answers 200 for a
 * started job without cancelling it, so jobgraph says NOT_APPLIED and makes no call.
 */
export const BATCH_ACTIONS: ProviderActions = {
  reason: { max: BATCH_REASON_MAX_CHARS, unit: 'characters' },
  judge(action, record) {
    // A failed job (cancelled and terminated ones are FAILED at Batch) is rerun; not one that
    // runs still, nor one that succeeded.
    if (action === 'rerun')
      return record.state === 'FAILED'
        ? { kind: 'apply' }
        : {
            kind: 'not-applied',
            why: `The job is ${record.providerStatus ?? 'not finished'}: jobgraph reruns a job that failed.`,
          };
    if (record.terminal) return { kind: 'finished' };
    if (action === 'terminate' || CANCELLABLE.has(record.providerStatus ?? ''))
      return { kind: 'apply' };
    return {
      kind: 'not-applied',
      why: `The job is ${record.providerStatus ?? 'started'}: AWS Batch cancels only jobs not yet started (SUBMITTED, PENDING, RUNNABLE); terminateJob stops a STARTING or RUNNING job.`,
    };
  },
};
