import type { ProviderActions } from '../shared/acting.ts';
import type { CosBatchKey } from '../../model/keys.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import type { ActedAnswer, Operation } from '../shared/source.ts';
import { cosRequestId, jobSubject, readCosError } from './errors.ts';
import type { CosBatchJobRecord } from './record.ts';
import { unrebuildable } from './rerun.ts';

/** UpdateJobStatus' `statusUpdateReason`: 0–256 bytes (Tencent COS API 436/33785). */
const COS_STATUS_REASON_MAX_BYTES = 256;

/** A COS Batch job to cancel, and the reason shown as its StatusUpdateReason. */
export interface CosBatchAction {
  key: CosBatchKey;
  reason: string;
}

/**
 * UpdateJobStatus cancelling a job (`POST /jobs/{JobId}/status?requestedJobStatus=Cancelled&
 * statusUpdateReason=…`) on the account's host, with `x-cos-appid` and the COS signature through
 * the one pipeline, as DescribeJob; made for the APPID of the job's account, as the list is. Its
 * CAM action is `name/cos:UpdateJobStatus`. A finished job answers an error, read as DescribeJob's.
 */
export function updateJobStatusOperation(
  appId: string | ((uin: string) => string),
): Operation<CosBatchAction, ActedAnswer> {
  return {
    name: 'UpdateJobStatus',
    acts: true,
    region: ({ key }) => key.region,
    send: ({ key, reason }) => ({
      method: 'POST',
      path: `/jobs/${rfc3986(key.jobId)}/status`,
      query: [
        ['requestedJobStatus', 'Cancelled'],
        ['statusUpdateReason', reason],
      ],
      headers: { 'x-cos-appid': typeof appId === 'string' ? appId : appId(key.uin) },
      body: '',
      hostPrefix: `${key.uin}.`,
    }),
    readError: ({ key }, answer) => readCosError(jobSubject(key), 'UpdateJobStatusResult', answer),
    parse: (_input, answer) => ({ requestId: cosRequestId(answer) }),
  };
}

/** Statuses UpdateJobStatus does not cancel from though the job is not over (it is already ending). */
const ENDING = new Set(['Cancelling', 'Completing', 'Failing']);

/** Statuses a rerun is made from: the job failed, or was cancelled (COS Batch tells the two apart). */
const RERUN_FROM = new Set(['FAILED', 'CANCELLED']);

/**
 * What a cancel does by status (docs/actions.md): a job not finished and not already ending is
 * cancelled (a running one goes through Cancelling); COS Batch has no terminate. A failed or
 * cancelled job whose CreateJob jobgraph can rebuild is rerun.
 */
export const COSBATCH_ACTIONS: ProviderActions = {
  reason: { max: COS_STATUS_REASON_MAX_BYTES, unit: 'bytes' },
  judge(action, record) {
    if (action === 'rerun') {
      if (!RERUN_FROM.has(record.state))
        return {
          kind: 'not-applied',
          why: `The job is ${record.providerStatus ?? 'not finished'}: jobgraph reruns a job that failed or was cancelled.`,
        };
      const why = unrebuildable(record as CosBatchJobRecord);
      return why ? { kind: 'not-applied', why } : { kind: 'apply' };
    }
    if (action !== 'cancel')
      return {
        kind: 'not-supported',
        why: 'COS Batch has no terminate: cancelJob cancels a running job too.',
      };
    if (record.terminal) return { kind: 'finished' };
    if (ENDING.has(record.providerStatus ?? ''))
      return {
        kind: 'not-applied',
        why: `The job is ${record.providerStatus}: COS Batch cancels no job that is already ending.`,
      };
    return { kind: 'apply' };
  },
};
