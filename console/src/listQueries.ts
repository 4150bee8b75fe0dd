// The list page's GraphQL (its rows' fields, the list, find and live-update operations) and the shapes of its answers.
import type { GqlError } from './api.ts';
import type { RowJob } from './format.ts';

/**
 * What a row shows. Progress (COS task counts, HealthOmics sources), the message and a failed
 * job's cause (`failure`, shown first) come from the describe path. A failed row's reason is its status message (every provider puts it there); the
 * other reasons a provider lists are on the job's page: a page of rows stays within
 * JOBGRAPH_MAX_COST's default.
 */
export const ROW_FIELDS = `__typename id provider account accountAlias nativeId name region state providerStatus statusMessage terminal createdAt updatedAt completedAt liveBy failure { category summary }
  ... on CosBatchJob { progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } }
  ... on OmicsReferenceImportJob { sources { status } }`;

/** Jobs by global ID, as rows: what the search asks to find a native ID where this list looks. */
export const FIND_QUERY = `query ConsoleFind($ids: [ID!]!) { jobs(ids: $ids) { ${ROW_FIELDS} } }`;

const LIST_QUERY = `query ConsoleJobs($filter: JobListFilter, $first: Int, $after: String) {
  listJobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    sources { provider region referenceStoreId state code }
  }
}`;

/**
 * Whether the schema says each source's account (JobListSource.account): then the list asks it,
 * and the filters offer the accounts listed. A console is built with its server's schema.
 */
const SOURCES_HAVE_ACCOUNT = JOBGRAPH_LIST_SOURCE_FIELDS.includes('account');
/** The list query as sent: with each source's account where the schema has it. */
export const LIST_QUERY_SENT = SOURCES_HAVE_ACCOUNT
  ? LIST_QUERY.replace('sources { provider', 'sources { account provider')
  : LIST_QUERY;

export const UPDATES = `subscription ConsoleUpdates($ids: [ID!]!) { jobUpdates(ids: $ids) { ${ROW_FIELDS} } }`;

export interface Source {
  /** The account's alias, `default` for the default account (absent before JobListSource.account). */
  account?: string;
  provider: string;
  region: string | null;
  referenceStoreId: string | null;
  state: string;
  code: string | null;
}

export interface ListData {
  listJobs: {
    edges: { cursor: string; node: RowJob }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Source[];
  };
}

export interface Row {
  job: RowJob;
  errors: GqlError[];
}

export interface ListState {
  /** The URL query (filters and `shown`) these rows were listed for. */
  search: string;
  /** The rows asked for: PAGE_SIZE, and PAGE_SIZE more at each "Show more". */
  shown: number;
  rows: Row[];
  endCursor: string | null;
  hasNextPage: boolean;
  sources: Source[];
}
