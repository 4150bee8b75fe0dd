import { MalformedBodyError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import type { JobRecord } from '../../model/job.ts';
import { boundFields } from '../shared/eventFields.ts';
import type { ProviderEvents } from '../shared/provider.ts';
import { listedFields, rankedOrder } from './eventRecord.ts';
import { BATCH_KEY, eventJobKey } from './key.ts';
import { parseJob } from './parse.ts';
import type { BatchJobRecord, BatchJobStatus } from './record.ts';
// Service jobs (issue 102).
import {
  BATCH_SERVICE_JOB_STATE_CHANGE,
  readServiceJobEvent,
  serviceJobListed,
  serviceJobOrder,
} from './serviceJob/events.ts';

/** A job's statuses in the order it passes them (a retried job goes back from RUNNING to RUNNABLE with one more attempt). */
const RANK: Readonly<Record<BatchJobStatus, number>> = {
  SUBMITTED: 0,
  PENDING: 1,
  RUNNABLE: 2,
  STARTING: 3,
  RUNNING: 4,
  SUCCEEDED: 5,
  FAILED: 5,
};

/**
 * The longest a `Batch Job State Change` detail's free-text and name fields can be, in characters:
 * a longer one is no event of Batch's, and these are the fields the ledger and the watchers keep.
 * From the AWS Batch API reference: a job name is up to 128 characters (SubmitJob `jobName`); a
 * job queue's and a job definition's names up to 128 (CreateJobQueue, RegisterJobDefinition), so
 * their ARNs, and a job's ARN around its ID, fit in 256; a status reason is the reason given to
 * CancelJob or TerminateJob ("a limit of 1024 characters") or Batch's own shorter one; a
 * container's reason is "a short (255 max characters)" string (ContainerDetail `reason`).
 */
const BATCH_FIELD_BOUNDS: Readonly<Record<string, number>> = {
  jobName: 128,
  jobArn: 256,
  jobQueue: 256,
  jobDefinition: 256,
  statusReason: 1024,
  'attempts[].statusReason': 1024,
  'container.reason': 255,
  'attempts[].container.reason': 255,
};

/**
 * AWS Batch's `Batch Job State Change` events (durable, at least once, in no order, none for the
 * submit): the `detail` is the job's DescribeJobs record, normalised by the same `parseJob` as a
 * DescribeJobs answer and applied without a call. Two records of a job are ordered by: terminal
 * or not (a finished job is final), then attempts (a retry goes back to RUNNABLE with one attempt
 * more, so the attempts count before the status), then the status's rank. AWS's own rule for
 * duplicates compares the status and the event's time; the time is the event source's to
 * compare, among records of the same order. Its creation time names the run (`run`), never ranks it.
 */
/**
 * The `detail-type` of AWS Batch's queue-blocked event: Batch found a RUNNABLE job at the head of a
 * queue that cannot run (no compute environment can place it). Same source and envelope; its
 * `detail` is the blocking job's JobDetail (status RUNNABLE, the cause in `statusReason`), read by
 * the same code as a state change and applied like one, with what it says of the queue beside it.
 */
const BATCH_QUEUE_BLOCKED = 'Batch Job Queue Blocked';

export const BATCH_EVENTS: ProviderEvents<'AWS_BATCH'> = {
  source: 'aws.batch',
  detailTypes: ['Batch Job State Change', BATCH_QUEUE_BLOCKED, BATCH_SERVICE_JOB_STATE_CHANGE],
  // A service job's event is its kind's: a rule may route it and not the jobs' (coverage is each kind's).
  kinds: { [BATCH_SERVICE_JOB_STATE_CHANGE]: 'serviceJob' },
  // At least once, for both kinds (reference/events.md): reconciled at the configured interval.
  delivery: 'durable',
  carries: [],
  read(detail, place, detailType) {
    // Service jobs (issue 102): their event is a hint (serviceJob/events.ts).
    if (detailType === BATCH_SERVICE_JOB_STATE_CHANGE) return readServiceJobEvent(detail, place);
    boundFields(detail, BATCH_FIELD_BOUNDS);
    const key = eventJobKey(BATCH_KEY, detail, place) as BatchKey;
    const record = parseJob(key, detail, 'detail');
    if (detailType !== BATCH_QUEUE_BLOCKED) return { kind: 'record', record };
    // Only a RUNNABLE job of a named queue can block it: anything else is no such event of Batch's.
    if (record.status !== 'RUNNABLE' || record.jobQueue === null)
      throw new MalformedBodyError('a queue-blocked detail without a RUNNABLE job of a queue');
    return {
      kind: 'record',
      record,
      blocked: { queue: record.jobQueue, reason: record.statusReason },
    };
  },
  listed(record: JobRecord) {
    if (record.kind === 'serviceJob') return serviceJobListed(record);
    return listedFields<BatchJobRecord>(record, [
      'status',
      'statusReason',
      'startedAt',
      'stoppedAt',
    ]);
  },
  order(record: JobRecord) {
    if (record.kind === 'serviceJob') return serviceJobOrder(record);
    return rankedOrder(record, RANK);
  },
  run(record: JobRecord) {
    // Batch never reuses a job ID, but a sender that does writes a new createdAt. Not in the order: an event's createdAt is whatever its sender wrote, and
    // one from the future would otherwise rank above every later read.
    return record.createdAt ?? null;
  },
};
