import { MalformedBodyError } from '../../../errors.ts';
import { keyFromParts } from '../../../model/keyGrammar.ts';
import type { JobRecord } from '../../../model/job.ts';
import type { AnyKeyOf } from '../../../model/keys.ts';
import { str } from '../../shared/json.ts';
import type { EventMeaning, EventPlace } from '../../shared/provider.ts';
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
  const jobId = str(detail.jobId, 'detail.jobId');
  if (jobId === null) throw new MalformedBodyError('detail.jobId is missing');
  const key = keyFromParts(
    BATCH_SERVICE_JOB_KEY,
    [place.region, jobId],
    (part) => `detail.${part}`,
    place.account,
  ) as AnyKeyOf<'AWS_BATCH'>;
  return { kind: 'hint', key };
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
  const r = record as Partial<BatchServiceJobRecord> & JobRecord;
  const status = r.status ?? r.providerStatus;
  const rank =
    status !== null && Object.hasOwn(RANK, status) ? RANK[status as BatchServiceJobStatus] : -1;
  return [r.terminal ? 1 : 0, r.attempts?.length ?? 0, rank];
}

/** What a listed row of a service job shows beyond the header (`ProviderEvents.listed`). */
export function serviceJobListed(record: JobRecord): Partial<JobRecord> {
  const r = record as BatchServiceJobRecord;
  return {
    status: r.status,
    statusReason: r.statusReason,
    scheduledAt: r.scheduledAt,
    startedAt: r.startedAt,
    stoppedAt: r.stoppedAt,
  } as Partial<BatchServiceJobRecord>;
}
