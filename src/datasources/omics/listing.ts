import { BadUserInputError } from '../../errors.ts';
import { PATTERNS } from '../../config/patterns.ts';
import { knownStoresOf, statusFilter } from '../listing/filter.ts';
import type { MergeStream } from '../listing/merge.ts';
import { sourceNames, type SourceFinder } from '../listing/sourceNames.ts';
import { failedReport, listStream, present } from '../listing/streams.ts';
import { isoOrNull, listed, type Listed } from '../listing/summaries.ts';
import { accountLabel, awsAlias } from '../shared/accounts.ts';
import type { ListEnv, ListSource, ProviderList } from '../shared/provider.ts';
import { OMICS_KEY } from './key.ts';
// Workflow runs and run batches (issue 102): a source each per region beside the reference stores'.
import { runSources } from './run/listing.ts';
import { runBatchSources } from './runBatch/listing.ts';
import {
  OMICS_LIST_JOBS,
  OMICS_LIST_MAX_RESULTS,
  OMICS_LIST_STORES,
  type OmicsJobSummary,
  type OmicsListCall,
  type OmicsReferenceStore,
} from './list.ts';
import {
  OMICS_STATE_MAP,
  type OmicsReferenceImportJobRecord,
  type OmicsReferenceImportJobStatus,
} from './record.ts';

/** A ListReferenceImportJobs item as a listed job, its fields as the describe record has them. */
function omicsListed(
  region: string,
  referenceStoreId: string,
  s: OmicsJobSummary,
  account?: string,
): Listed | null {
  const fields: Partial<OmicsReferenceImportJobRecord> = {
    providerStatus: s.upstreamStatus,
    referenceStoreId: s.referenceStoreId ?? referenceStoreId,
    roleArn: s.roleArn,
    status: s.status,
    creationTime: s.createdAt.toISOString(),
    completionTime: isoOrNull(s.completedAt),
  };
  const key = { provider: 'AWS_OMICS', region, referenceStoreId, id: s.jobId } as const;
  const { state, createdAt, completedAt } = s;
  return listed(
    OMICS_KEY,
    key,
    { state, createdAt, updatedAt: null, completedAt },
    fields,
    account,
  );
}

/**
 * HealthOmics' reference stores: a region's, in the account (every page of ListReferenceStores);
 * IDs outside the documented pattern left out.
 */
const REFERENCE_STORES: SourceFinder<OmicsReferenceStore> = {
  label: 'omics',
  operation: OMICS_LIST_STORES,
  pageSize: OMICS_LIST_MAX_RESULTS,
  nameOf: (store) => (PATTERNS.omicsId.re.test(store.id) ? store.id : undefined),
};

/** What HealthOmics filters a list by, as a snapshot key has it: `status=…&createdAfter=…`. */
function readFilterOf(filter: NonNullable<OmicsListCall['filter']>): string {
  const parts: string[] = [];
  if (filter.status !== undefined) parts.push(`status=${filter.status}`);
  if (filter.createdAfter) parts.push(`createdAfter=${filter.createdAfter.toISOString()}`);
  if (filter.createdBefore) parts.push(`createdBefore=${filter.createdBefore.toISOString()}`);
  return parts.join('&');
}

/** The stream of one reference store, read whole (HealthOmics documents no order of its list). */
function storeStream(
  env: ListEnv,
  account: string | undefined,
  region: string,
  referenceStoreId: string,
  filter: NonNullable<OmicsListCall['filter']>,
): MergeStream<Listed> {
  return listStream(env.plan, {
    provider: 'AWS_OMICS',
    id: `omics${accountLabel(account)}:${region}:${referenceStoreId}`,
    newestFirst: false,
    maxPageSize: OMICS_LIST_MAX_RESULTS,
    readFilter: readFilterOf(filter),
    async read(token, size, subject) {
      const page = await env.call(
        OMICS_LIST_JOBS,
        { region, referenceStoreId, maxResults: size, nextToken: token, filter },
        { breakerRegion: region, subject, account },
      );
      return {
        items: page.items
          .map((s) => omicsListed(region, referenceStoreId, s, account))
          .filter(present),
        next: page.nextToken,
      };
    },
  });
}

/**
 * listJobs: per account and region, its workflow runs (ListRuns, each row read by GetRun:
 * run/listing.ts) and its run batches (ListBatch: runBatch/listing.ts), a source each, unless the
 * filter names reference stores; and one source per reference store: the filter's, else
 * JOBGRAPH_OMICS_REFERENCE_STORES (the default account's), else the region's from
 * ListReferenceStores (those calls count toward the page, and a lookup not remembered is one of
 * the request's cold sources, as each store read is; a region whose stores cannot be listed is
 * one FAILED source without a store, and one without stores a LISTED one).
 * HealthOmics filters server-side: one status a call, and the creation-time bounds (re-checked by
 * the merge); such a read is its own snapshot, unless the store's unfiltered snapshot is at hand.
 * A region's stores found by ListReferenceStores are kept as long as the snapshots.
 */
export const OMICS_LISTING: ProviderList = {
  sourcesPerRegion: (plan, knownStores) =>
    ((plan.omicsReferenceStoreIds ?? knownStores)?.length ?? 1) +
    // Its workflow runs' and run batches' sources.
    (plan.omicsReferenceStoreIds ? 0 : 2),
  async sources(env, region) {
    return [
      ...(await referenceImportSources(env, region)),
      // Workflow runs, then run batches.
      ...runSources(env, region as string),
      ...runBatchSources(env, region as string),
    ];
  },
};

/** The reference import jobs' sources of a region: one per reference store (see OMICS_LISTING). */
async function referenceImportSources(env: ListEnv, region: unknown): Promise<ListSource[]> {
  const at = region as string;
  const { plan } = env;
  const account = awsAlias(env.account);
  const known =
    plan.omicsReferenceStoreIds ??
    knownStoresOf(env.account, env.config.listing.omicsReferenceStores);
  const status = statusFilter(plan, OMICS_STATE_MAP);
  let ids: string[];
  try {
    // No HealthOmics status matches the asked states: no store need be looked for.
    ids = known
      ? [...known]
      : status.kind === 'none'
        ? []
        : await sourceNames(env, REFERENCE_STORES, account, at);
  } catch (err) {
    if (err instanceof BadUserInputError) throw err;
    return [{ referenceStoreId: null, ...failedReport(err) }];
  }
  if (ids.length === 0) return [{ referenceStoreId: null, stream: null }];
  const filter: NonNullable<OmicsListCall['filter']> = {
    ...(status.kind === 'status' ? { status: status.status as OmicsReferenceImportJobStatus } : {}),
    ...(plan.createdAfterMs !== null ? { createdAfter: new Date(plan.createdAfterMs) } : {}),
    ...(plan.createdBeforeMs !== null ? { createdBefore: new Date(plan.createdBeforeMs) } : {}),
  };
  return ids.map((referenceStoreId): ListSource => ({
    referenceStoreId,
    stream: status.kind === 'none' ? null : storeStream(env, account, at, referenceStoreId, filter),
  }));
}
