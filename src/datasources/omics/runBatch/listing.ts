import type { MergeStream } from '../../listing/merge.ts';
import { listStream } from '../../listing/streams.ts';
import { listed, type Listed } from '../../listing/summaries.ts';
import { accountLabel } from '../../shared/accounts.ts';
import type { ListEnv, ListSource } from '../../shared/provider.ts';
import { workflowsSources, workflowsStatusStream } from '../workflowsListing.ts';
import type { KindKeyOf } from '../../../model/keys.ts';
import { OMICS_RUN_BATCH_KEY } from './key.ts';
import { OMICS_BATCH_LIST_MAX_ITEMS, OMICS_LIST_BATCH, type OmicsBatchSummary } from './list.ts';
import {
  OMICS_RUN_BATCH_STATE_MAP,
  type OmicsRunBatchRecord,
  type OmicsRunBatchStatus,
} from './record.ts';

/** A ListBatch item as a listed job, its fields as the GetBatch record has them. */
function batchListed(region: string, s: OmicsBatchSummary, account?: string): Listed | null {
  const fields: Partial<OmicsRunBatchRecord> = {
    providerStatus: s.upstreamStatus,
    batchId: s.batchId,
    name: s.name,
    status: s.status,
    totalRuns: s.totalRuns,
    creationTime: s.createdAt.toISOString(),
  };
  const key: KindKeyOf<'AWS_OMICS', 'runBatch'> = {
    provider: 'AWS_OMICS',
    kind: 'runBatch',
    region,
    batchId: s.batchId,
  };
  const { state, createdAt } = s;
  return listed(
    OMICS_RUN_BATCH_KEY,
    key,
    // ListBatch's items say no time but their creation: the describe path answers the others.
    { state, createdAt, updatedAt: null },
    fields,
    account,
  );
}

/** The region's run batches by ListBatch, read whole (HealthOmics documents no order of its list). */
function batchStream(
  env: ListEnv,
  account: string | undefined,
  region: string,
  status: OmicsRunBatchStatus | undefined,
): MergeStream<Listed> {
  return listStream(env.plan, {
    id: `omicsbatch${accountLabel(account)}:${region}`,
    maxPageSize: OMICS_BATCH_LIST_MAX_ITEMS,
    ...workflowsStatusStream(env, OMICS_LIST_BATCH, { region, account, status }, (s) =>
      batchListed(region, s, account),
    ),
  });
}

/**
 * `listJobs`' run batch source of a region (beside its reference stores'): ListBatch, filtered by
 * HealthOmics when one batch status matches the asked states. None when the filter names
 * reference stores (`omicsReferenceStoreIds`: only those are listed), and a source with no stream
 * (LISTED without a call) when no batch status can match.
 */
export function runBatchSources(env: ListEnv, region: string): ListSource[] {
  return workflowsSources<OmicsRunBatchStatus>(env, OMICS_RUN_BATCH_STATE_MAP, (account, status) =>
    batchStream(env, account, region, status),
  );
}
