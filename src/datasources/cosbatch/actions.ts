import type { CosBatchKey } from '../../model/keys.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import type { ActedAnswer, Operation } from '../shared/source.ts';
import { cosRequestId, jobSubject, readCosError } from './errors.ts';

/** UpdateJobStatus' `statusUpdateReason`: 0–256 bytes (Tencent COS API 436/33785). */
export const COS_STATUS_REASON_MAX_BYTES = 256;

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
export function updateJobStatusOperation(appId: string): Operation<CosBatchAction, ActedAnswer> {
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
      headers: { 'x-cos-appid': appId },
      body: '',
      hostPrefix: `${key.uin}.`,
    }),
    readError: ({ key }, answer) => readCosError(jobSubject(key), 'UpdateJobStatusResult', answer),
    parse: (_input, answer) => ({ requestId: cosRequestId(answer) }),
  };
}
