import type { ProviderActions } from '../../shared/acting.ts';
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
export const BATCH_SERVICE_ACTIONS: ProviderActions = {
  reason: { max: REASON_MAX_CHARS, unit: 'characters' },
  judge(action, record) {
    if (action === 'rerun') {
      if (record.state !== 'FAILED')
        return {
          kind: 'not-applied',
          why: `The service job is ${record.providerStatus ?? 'not finished'}: jobgraph reruns a job that failed.`,
        };
      const why = unrebuildableServiceJob(record as BatchServiceJobRecord);
      return why ? { kind: 'not-applied', why } : { kind: 'apply' };
    }
    if (record.terminal) return { kind: 'finished' };
    if (action === 'terminate' || NOT_STARTED.has(record.providerStatus ?? ''))
      return { kind: 'apply' };
    return {
      kind: 'not-applied',
      why: `The service job is ${record.providerStatus ?? 'started'}: cancelJob ends only service jobs not yet started (SUBMITTED, PENDING, RUNNABLE, SCHEDULED); terminateJob stops a STARTING or RUNNING one.`,
    };
  },
};
