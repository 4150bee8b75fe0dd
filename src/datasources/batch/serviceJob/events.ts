import type { JobRecord } from '../../../model/job.ts';
import type { EventMeaning, EventPlace } from '../../shared/provider.ts';
import { listedFields, rankedOrder } from '../eventRecord.ts';
import { eventJobKey } from '../key.ts';
import { BATCH_SERVICE_JOB_KEY } from './key.ts';
import type { BatchServiceJobRecord, BatchServiceJobStatus } from './record.ts';

/** The `detail-type` of a service job's change of state (Batch user guide, `service-job-events`). */
export const BATCH_SERVICE_JOB_STATE_CHANGE = 'Batch Service Job State Change';

/**
 * What a `Batch Service Job State Change` says: a hint, the job of its `jobId` changed (read it
 * again now). Not a record: its detail is DescribeServiceJob's less `tags` and
 * `serviceRequestPayload` (reference/jobs-2026.md), and a record applied from it would show a
 * job without them until its next read.
 */
export function readServiceJobEvent(
  detail: Record<string, unknown>,
  place: EventPlace,
): EventMeaning<'AWS_BATCH'> {
  return { kind: 'hint', key: eventJobKey(BATCH_SERVICE_JOB_KEY, detail, place) };
}

/** A service job's statuses in the order it passes them; SCHEDULED between RUNNABLE and STARTING. */
const RANK: Readonly<Record<BatchServiceJobStatus, number>> = {
  SUBMITTED: 0,
  PENDING: 1,
  RUNNABLE: 2,
  SCHEDULED: 3,
  STARTING: 4,
  RUNNING: 5,
  SUCCEEDED: 6,
  FAILED: 6,
};

/** A service job's records in the order they can follow each other (`ProviderEvents.order`). */
export function serviceJobOrder(record: JobRecord): readonly number[] {
  return rankedOrder(record, RANK);
}

/** What a listed row of a service job shows beyond the header (`ProviderEvents.listed`). */
export function serviceJobListed(record: JobRecord): Partial<JobRecord> {
  return listedFields<BatchServiceJobRecord>(record, [
    'status',
    'statusReason',
    'scheduledAt',
    'startedAt',
    'stoppedAt',
  ]);
}
