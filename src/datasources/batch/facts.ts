import { evidenceOf, type FailureEvidence } from '../../model/failure.ts';
import { headerFacts, textOf, type JobFacts } from '../../model/facts.ts';
import type { JobRecord } from '../../model/job.ts';
import type { BatchJobRecord } from './record.ts';

/**
 * An AWS Batch job's facts (`Provider.facts`): its name and queue, its status reason, its start and
 * stop, and the fields its failure is read from. A list row in record form (ListJobs' summary:
 * no queue, no attempts) gives what it has.
 */
export function batchFacts(record: Partial<BatchJobRecord>): JobFacts {
  return batchNamedFacts(record, batchFailureEvidence(record));
}

/** The fields Batch names alike on a job and a service job (DescribeJobs, DescribeServiceJob). */
interface BatchNamedFields extends JobRecord {
  jobName: string | null;
  jobQueue: string | null;
  statusReason: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
}

/**
 * A Batch job's or service job's facts from the field names both share: its name and queue, its
 * status reason, its start and stop; `evidence`, the fields its failure is read from (each kind's
 * own). A list row in record form gives what it has.
 */
export function batchNamedFacts(
  record: Partial<BatchNamedFields>,
  evidence: readonly FailureEvidence[],
): JobFacts {
  const header = headerFacts(record, evidence);
  return {
    ...header,
    name: header.name ?? textOf(record.jobName),
    queue: textOf(record.jobQueue),
    message: header.message ?? textOf(record.statusReason),
    startedAt: textOf(record.startedAt),
    stoppedAt: header.stoppedAt ?? textOf(record.stoppedAt),
  };
}

/**
 * The fields of a Batch record a failure is read from: the latest attempt's (the one that ended
 * the job), the job's own status reason and container, and its cancel/terminate flags when set.
 * A list row in record form (the history writes one) lacks some: only what it has is read.
 */
function batchFailureEvidence(record: Partial<BatchJobRecord>): FailureEvidence[] {
  const attempts = record.attempts ?? [];
  const last = attempts.length - 1;
  const attempt = last >= 0 ? attempts[last] : undefined;
  const at = `attempts[${last}]`;
  return [
    ...evidenceOf(`${at}.container.reason`, attempt?.container?.reason),
    ...evidenceOf(`${at}.statusReason`, attempt?.statusReason),
    ...evidenceOf(`${at}.container.exitCode`, attempt?.container?.exitCode),
    ...evidenceOf('statusReason', record.statusReason),
    ...evidenceOf('container.reason', record.container?.reason),
    ...evidenceOf('container.exitCode', record.container?.exitCode),
    ...evidenceOf('isCancelled', record.isCancelled === true ? true : null),
    ...evidenceOf('isTerminated', record.isTerminated === true ? true : null),
  ];
}
