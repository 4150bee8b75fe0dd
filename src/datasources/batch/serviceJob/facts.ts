import { evidenceOf, type FailureEvidence } from '../../../model/failure.ts';
import type { JobFacts } from '../../../model/facts.ts';
import { batchNamedFacts } from '../facts.ts';
import type { BatchServiceJobRecord } from './record.ts';

/**
 * A service job's facts (`JobKind.facts`): its name and queue, its status reason, its start and
 * stop, and the fields its failure is read from. A list row in record form (ListServiceJobs'
 * summary: no attempts, no queue) gives what it has. Never the request payload.
 */
export function batchServiceFacts(record: Partial<BatchServiceJobRecord>): JobFacts {
  return batchNamedFacts(record, serviceFailureEvidence(record));
}

/**
 * The fields a service job's failure is read from: its latest attempt's status reason (the
 * attempt that ended the job), the job's own, and its terminated flag when set.
 */
function serviceFailureEvidence(record: Partial<BatchServiceJobRecord>): FailureEvidence[] {
  const attempts = record.attempts ?? [];
  const last = attempts.length - 1;
  return [
    ...evidenceOf(`attempts[${last}].statusReason`, attempts[last]?.statusReason),
    ...evidenceOf('statusReason', record.statusReason),
    ...evidenceOf('isTerminated', record.isTerminated === true ? true : null),
  ];
}
