import type { ActionJudgement, ProviderActions } from '../../shared/acting.ts';
import type { OmicsRunRecord } from './record.ts';
import { unrebuildableRun } from './rerun.ts';

/** GetRun's statuses CancelRun stops (the others are finished, or stopping already). */
const CANCELLABLE = new Set(['PENDING', 'STARTING', 'RUNNING']);

/** The statuses a rerun starts again: a run that failed, or was cancelled. */
const RERUNNABLE = new Set(['FAILED', 'CANCELLED']);

/**
 * Whether a run is rerun (docs/actions.md, "Rerun"): one that FAILED or was CANCELLED, whose
 * GetRun says the role and output URI StartRun requires; not one that runs still, nor a
 * COMPLETED one, nor a DELETED one (its ID may name a later run).
 */
function judgeRerun(record: OmicsRunRecord): ActionJudgement {
  if (!RERUNNABLE.has(record.providerStatus ?? ''))
    return {
      kind: 'not-applied',
      why: `The run is ${record.providerStatus ?? 'in a status jobgraph does not know'}: jobgraph reruns a run that FAILED or was CANCELLED.`,
    };
  const why = unrebuildableRun(record);
  return why ? { kind: 'not-applied', why } : { kind: 'apply' };
}

/**
 * What a cancel does to a run by status (docs/actions.md): a PENDING, STARTING or RUNNING run is
 * cancelled (CancelRun); a finished one is finished; a STOPPING one is being stopped already.
 * HealthOmics has no terminate apart from its cancel. A FAILED or CANCELLED run is rerun
 * (StartRun, rerun.ts). A second cancel of a run that finished in
 * between answers ConflictException: it is finished.
 */
export const OMICS_RUN_ACTIONS: ProviderActions = {
  reason: null,
  doneCodes: ['ConflictException'],
  judge(action, record) {
    if (action === 'rerun') return judgeRerun(record as OmicsRunRecord);
    if (action !== 'cancel')
      return {
        kind: 'not-supported',
        why: 'HealthOmics has no terminate apart from its cancel: cancelJob cancels a run (CancelRun).',
      };
    if (record.terminal) return { kind: 'finished' };
    if (record.providerStatus !== null && CANCELLABLE.has(record.providerStatus))
      return { kind: 'apply' };
    return {
      kind: 'not-applied',
      why: `The run is ${record.providerStatus ?? 'in a status jobgraph does not know'}: HealthOmics cancels a PENDING, STARTING or RUNNING run.`,
    };
  },
};
