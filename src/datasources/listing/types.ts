import type { JobKey } from '../../model/keys.ts';
import type { JobProvider, JobRecord, JobState } from '../../model/job.ts';

/** A `listJobs` filter, checked and normalised: what to list, and the digest a cursor is bound to. */
export interface ListPlan {
  /** Providers asked, in JOB_PROVIDERS order. */
  providers: readonly JobProvider[];
  /** States asked; null: any. */
  states: ReadonlySet<JobState> | null;
  /** Failure categories asked (`Job.failure.category`); null: any job. */
  failureCategories: ReadonlySet<string> | null;
  /** AWS regions, sorted: for the providers whose key's region is an AWS region. */
  awsRegions: readonly string[];
  /** Tencent Cloud regions, sorted: for the providers whose key's region is one (COS Batch). */
  cosRegions: readonly string[];
  /** Inclusive, ms since 1970; null: no bound. */
  createdAfterMs: number | null;
  /** Exclusive, ms since 1970; null: no bound. */
  createdBeforeMs: number | null;
  /** HealthOmics reference stores the filter names (sorted); null: the default ones. */
  omicsReferenceStoreIds: readonly string[] | null;
  /**
   * The accounts asked, by alias (`default` first, then the others in the order configured):
   * the filter's, else every configured account the caller's grant reads on some provider.
   */
  accounts: readonly string[];
  /**
   * The accounts listed of each asked provider, in the order of `accounts`: those the provider
   * has (the default account always) that the caller's grant permits on it — an alias granted by
   * an account ID is permitted on that ID's cloud only.
   */
  accountsOf: Readonly<Partial<Record<JobProvider, readonly string[]>>>;
  /** A digest of all of the above: a cursor is good only for the plan it was made for. */
  digest: string;
}

/** How one upstream list stream of a page went. */
export type JobListSourceState = 'LISTED' | 'NOT_LISTABLE' | 'NOT_CONFIGURED' | 'FAILED';

/** Which jobs `listJobs` lists; every part optional (an empty list counts as absent). */
export interface JobListFilter {
  providers?: readonly JobProvider[];
  states?: readonly JobState[];
  /** At most 10; default: the configured AWS region and Tencent Cloud region. */
  regions?: readonly string[];
  /** ISO-8601 UTC, inclusive. */
  createdAfter?: string;
  /** ISO-8601 UTC, exclusive. */
  createdBefore?: string;
  /** Default: JOBGRAPH_OMICS_REFERENCE_STORES, else each region's ListReferenceStores. */
  omicsReferenceStoreIds?: readonly string[];
  /** Only failed or cancelled jobs whose `Job.failure.category` is one of these (failureFilter.ts). */
  failureCategories?: readonly string[];
  /**
   * Account aliases (`default`: the default account); default: every configured account the
   * caller may read.
   */
  accounts?: readonly string[];
}

/** One job of a list page, as its provider's list summary has it. */
/**
 * The job-state store as a page's listed rows meet it (datasources/state/jobStates.ts): each row
 * is made as fresh as the events applied (`overlay`, given when the row was read) before the
 * page's filters judge it, so a filtered page never shows a job outside its filter; and each row
 * the page serves is offered, as read, as the provider read it is (`offerListed`).
 */
export interface ListedRowStates {
  overlay(job: ListedJob, readAt?: number): ListedJob;
  offerListed(job: ListedJob, readAt?: number): unknown;
}

export interface ListedJob {
  /** The loader key of the job (as globalId.ts parses a global ID), so the describe loader can fetch it. */
  key: JobKey;
  /** Its global ID (`formatGlobalId(key)`). */
  id: string;
  provider: JobProvider;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /**
   * null where the summary carries no status (Import/Export unless cancelled; a summary without a
   * status). Import/Export jobs whose state a `states` filter needed carry the state the describe
   * path gave.
   */
  state: JobState | null;
  /**
   * Fields of the provider's record that the summary carries, under the record's own field names
   * and normalised exactly as the describe record has them; never a secret field.
   */
  summary: Partial<JobRecord>;
}

/** One upstream list stream of a page: a provider in an account and a region (and reference store for HealthOmics). */
export interface JobListSourceReport {
  provider: JobProvider;
  /** The account's alias; `default` for the default account. */
  account: string;
  region: string | null;
  referenceStoreId: string | null;
  /** The AWS Batch job queue listed (as DescribeJobQueues names it); null for the other providers. */
  jobQueue: string | null;
  state: JobListSourceState;
  /** The public error code when FAILED or NOT_CONFIGURED; else null. */
  code: string | null;
}

/** One page of `listJobs`. */
export interface JobListPage {
  edges: { cursor: string; job: ListedJob }[];
  hasNextPage: boolean;
  /** True when the page was asked for `after` a cursor. */
  hasPreviousPage: boolean;
  sources: JobListSourceReport[];
  /** Upstream list calls made for this page (ListReferenceStores included; describe calls not). */
  upstreamCalls: number;
}

/**
 * The request's budgets a page spends from: each throws a BadUserInputError (naming its
 * variable) when the request goes over it, which fails the page.
 */
export interface ListBudget {
  /**
   * Take `count` cold list sources — reads of a source this request starts, never a source a
   * snapshot serves (coldSources.ts) — against JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST, all the
   * request's pages together; a refusal takes none.
   */
  sources(count: number): void;
  /** Count one job looked up through the describe path (JOBGRAPH_MAX_JOBS_PER_REQUEST), by global ID. */
  job(id: string): void;
}

/**
 * Which accounts a caller may read, as the lister asks (auth/accountGrant.ts's `AccountGrant` is
 * one): `permits(provider, alias)` for the account aliased `alias` (`default`: the default one).
 */
export interface ListGrant {
  /** Every configured account (`*`). */
  readonly all: boolean;
  permits(provider: JobProvider, alias: string): boolean;
}

/**
 * A caller's grant and how it is refused: `refuse` records the refusal (the audit line and
 * metric) and returns the FORBIDDEN error to throw; `provider` null when the filter named the
 * alias for every provider.
 */
export interface ListAccess {
  grant: ListGrant;
  refuse: (provider: JobProvider | null, account: string) => Error;
}

/**
 * The request as a page's own describe reads meet it (a HealthOmics run's GetRun, which its list
 * item cannot name: omics/run/listing.ts): each record is told as every read of the request's
 * loaders is, and kept in them for the request.
 */
export interface ListedReads {
  /** The clock a read's send time is taken on (the job-state store's). */
  now(): number;
  /**
   * `record`, read for the page, sent at `sentAt`: offered to the job-state store as a read (its
   * secrets learned), and primed in the request's loader, so a field that loads the job (its
   * `failure`) makes no second call.
   */
  read(record: JobRecord, sentAt: number): void;
}

export interface JobLister {
  /**
   * One page, newest first. Throws BadUserInputError (src/errors.ts) for a bad `first` (1..100;
   * the message names `first`), a bad filter (too many regions, a region no asked provider serves,
   * a bad time or reference store ID), a cursor jobgraph did not make (before any upstream call),
   * a cursor made for other filters, an upstream page token that expired, or a request over its
   * list-source or job budget (`budget`).
   */
  list(args: {
    filter: JobListFilter;
    first: number;
    after: string | null;
    caller: string;
    signal?: AbortSignal;
    /** The request's budgets; none: unbounded (the watches' own passes). */
    budget?: ListBudget;
    /**
     * The caller's accounts: only those are listed, in `sources` and rows alike, each row decided
     * by its own account; a filter naming another is refused (`access.refuse`) before any call.
     * None: every account (the watches' own passes).
     */
    access?: ListAccess;
    /** The request's loaders as the page's own describe reads meet them; none: not told (the watches' own passes). */
    reads?: ListedReads;
  }): Promise<JobListPage>;
}
