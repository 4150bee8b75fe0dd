import type { JobRecord } from '../../model/job.ts';
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
 * What Batch's actions do to a job or a service job (`subject`) by status (docs/actions.md), its
 * reason up to `reasonMax` characters: a FAILED one is rerun (cancelled and terminated jobs are
 * FAILED at Batch), not one that runs still nor one that succeeded; `terminateJob` stops any
 * unfinished one; `cancelJob` only one of a `cancellable` status, else NOT_APPLIED saying
 * `notCancellable` and making no call (CancelJob answers 200 for a started job without
 * cancelling it).
 */
export function batchActions(
  subject: string,
  reasonMax: number,
  cancellable: ReadonlySet<string>,
  notCancellable: string,
  /** Why a failed job's description cannot be submitted again (null: it can). */
  unrebuildable: (record: JobRecord) => string | null = () => null,
): ProviderActions {
  return {
    reason: { max: reasonMax, unit: 'characters' },
    judge(action, record) {
      if (action === 'rerun') {
        if (record.state !== 'FAILED')
          return {
            kind: 'not-applied',
            why: `The ${subject} is ${record.providerStatus ?? 'not finished'}: jobgraph reruns a job that failed.`,
          };
        const why = unrebuildable(record);
        return why ? { kind: 'not-applied', why } : { kind: 'apply' };
      }
      if (record.terminal) return { kind: 'finished' };
      if (action === 'terminate' || cancellable.has(record.providerStatus ?? ''))
        return { kind: 'apply' };
      return {
        kind: 'not-applied',
        why: `The ${subject} is ${record.providerStatus ?? 'started'}: ${notCancellable}`,
      };
    },
  };
}

/** What CancelJob and TerminateJob do by status (`batchActions`). */
export const BATCH_ACTIONS = batchActions(
  'job',
  BATCH_REASON_MAX_CHARS,
  CANCELLABLE,
  'AWS Batch cancels only jobs not yet started (SUBMITTED, PENDING, RUNNABLE); terminateJob stops a STARTING or RUNNING job.',
);
