import { batchActions } from '../actions.ts';
import type { BatchServiceJobRecord } from './record.ts';
import { unrebuildableServiceJob } from './rerun.ts';

/** TerminateServiceJob's `reason` (the same bound as TerminateJob's: up to 1,024 characters). */
const REASON_MAX_CHARS = 1024;

/** The statuses of a service job not yet started: `cancelJob` ends them (TerminateServiceJob). */
const NOT_STARTED = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'SCHEDULED']);

/**
 * What jobgraph's actions do to a service job by status (docs/actions.md). Batch has one call,
 * TerminateServiceJob, for a service job in any unfinished state: `terminateJob` makes it for
 * any; `cancelJob` only for a job not yet started (as a Batch job's CancelJob: a running
 * training job is stopped by `terminateJob`, never by a cancel that a caller took for harmless).
 * A FAILED job (terminated ones are FAILED at Batch) is rerun (SubmitServiceJob, rerun.ts), when
 * its description says every member SubmitServiceJob requires.
 */
export const BATCH_SERVICE_ACTIONS = batchActions(
  'service job',
  REASON_MAX_CHARS,
  NOT_STARTED,
  'cancelJob ends only service jobs not yet started (SUBMITTED, PENDING, RUNNABLE, SCHEDULED); terminateJob stops a STARTING or RUNNING one.',
  (record) => unrebuildableServiceJob(record as BatchServiceJobRecord),
);
