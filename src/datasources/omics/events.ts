import { MalformedBodyError } from '../../errors.ts';
import type { OmicsKey } from '../../model/keys.ts';
import { keyFromParts } from '../../model/keyGrammar.ts';
import { str } from '../shared/json.ts';
import type { ProviderEvents } from '../shared/provider.ts';
import { OMICS_KEY } from './key.ts';
import {
  OMICS_RUN_STATUS_CHANGE,
  OMICS_TASK_STATUS_CHANGE,
  readRunEvent,
  readTaskEvent,
  runRef,
} from './run/events.ts';

/**
 * HealthOmics' `Reference Import Job Status Change` events (best effort): the detail names the
 * job (`referenceStoreId`, `id`) and its status but no times or sources, so an event is a hint —
 * the job is read again once, now, and the read is what subscribers get.
 */
export const OMICS_EVENTS: ProviderEvents<'AWS_OMICS'> = {
  source: 'aws.omics',
  detailTypes: [
    'Reference Import Job Status Change',
    // Workflow runs (omics/run/events.ts).
    OMICS_RUN_STATUS_CHANGE,
    OMICS_TASK_STATUS_CHANGE,
  ],
  // Coverage is each kind's: a rule may route the runs' events and not the imports', or the reverse.
  kinds: { [OMICS_RUN_STATUS_CHANGE]: 'run', [OMICS_TASK_STATUS_CHANGE]: 'run' },
  // Best effort for every kind (reference/events.md, jobs-2026.md): a lost Run Status Change is
  // found by the run's reconciliation, sooner than a Batch job's (coverage.ts reconcileMsOf).
  delivery: 'best-effort',
  carries: [],
  read(detail, place, detailType) {
    if (detailType === OMICS_RUN_STATUS_CHANGE) return readRunEvent(detail);
    if (detailType === OMICS_TASK_STATUS_CHANGE) return readTaskEvent(detail);
    const store = str(detail.referenceStoreId, 'detail.referenceStoreId');
    const id = str(detail.id, 'detail.id');
    if (store === null || id === null)
      throw new MalformedBodyError('detail.referenceStoreId or detail.id is missing');
    const key = keyFromParts(
      OMICS_KEY,
      [place.region, store, id],
      (part) => `detail.${part}`,
      place.account,
    ) as OmicsKey;
    return { kind: 'hint', key };
  },
  // A workflow run's events name it by ARN (omics/run/events.ts).
  ref: runRef,
};
