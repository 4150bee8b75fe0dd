import type { ProviderActions } from '../../shared/acting.ts';

/** The batch statuses CancelRunBatch accepts (API reference: others are 409 ConflictException). */
const CANCELLABLE = new Set(['PENDING', 'SUBMITTING', 'INPROGRESS']);

/**
 * What CancelRunBatch does by status (docs/actions.md): a batch PENDING, SUBMITTING or
 * INPROGRESS is cancelled with its runs not yet ended; a CREATING or STOPPING one is refused by
 * HealthOmics, so jobgraph says NOT_APPLIED and makes no call. HealthOmics keeps no reason.
 * No terminate (CancelRunBatch is the one action) and no rerun.
 */
export const OMICS_RUN_BATCH_ACTIONS: ProviderActions = {
  reason: null,
  judge(action, record) {
    if (action !== 'cancel')
      return {
        kind: 'not-supported',
        why: `HealthOmics run batches take cancelJob only (CancelRunBatch).`,
      };
    if (record.terminal) return { kind: 'finished' };
    if (CANCELLABLE.has(record.providerStatus ?? '')) return { kind: 'apply' };
    return {
      kind: 'not-applied',
      why: `The batch is ${record.providerStatus ?? 'in an unknown status'}: HealthOmics cancels a batch PENDING, SUBMITTING or INPROGRESS.`,
    };
  },
};
