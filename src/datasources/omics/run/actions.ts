import type { ProviderActions } from '../../shared/acting.ts';

/** GetRun's statuses CancelRun stops (the others are finished, or stopping already). */
const CANCELLABLE = new Set(['PENDING', 'STARTING', 'RUNNING']);

/**
 * What a cancel does to a run by status (docs/actions.md): a PENDING, STARTING or RUNNING run is
 * cancelled (CancelRun); a finished one is finished; a STOPPING one is being stopped already.
 * HealthOmics has no terminate apart from its cancel. A second cancel of a run that finished in
 * between answers ConflictException: it is finished.
 */
export const OMICS_RUN_ACTIONS: ProviderActions = {
  reason: null,
  doneCodes: ['ConflictException'],
  judge(action, record) {
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
