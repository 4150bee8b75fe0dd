import type DataLoader from 'dataloader';
import type { AccountAudit } from './auth/accountAudit.ts';
import { AccountForbiddenError } from './auth/accountAudit.ts';
import type { AuthContext } from './auth/directives.ts';
import { secretValues } from './auth/secretValues.ts';
import type { Identity } from './auth/identity.ts';
import type { Config } from './config.ts';
import type { Sources } from './datasources/index.ts';
import type { JobLister, JobListFilter, JobListPage } from './datasources/listing/index.ts';
import {
  createJobLoader,
  NO_SUBJECT_CALLER,
  type GuardedSource,
} from './datasources/guard/loader.ts';
import { providerOf } from './datasources/registry.ts';
import type { AwsAccounts } from './datasources/shared/accounts.ts';
import { formatGlobalId, parseGlobalId, type JobKey, type KeyOf } from './model/globalId.ts';
import { JobBudgetError, ListSourcesBudgetError } from './limits/jobBudget.ts';
import { JOB_PROVIDERS, type JobProvider, type JobRecord } from './model/job.ts';

type Loaders = { [P in JobProvider]: DataLoader<KeyOf<P>, JobRecord, string> };

/** Per-request state: who is calling, and how to load a job. */
export interface RequestContext extends AuthContext {
  config: Config;
  requestId: string;
  /**
   * Load one job through its provider's per-request DataLoader (batched and de-duplicated), once
   * the caller's grant permits the job's account (else FORBIDDEN, before any upstream call);
   * `field` names the root field or surface asking, for the refusal's audit line (default `job`).
   */
  loadJob(key: JobKey, field?: string): Promise<JobRecord>;
  /** The account ID (AWS) or APPID (COS) of the job with global ID `id` (`Job.account`). */
  accountIdOf(id: string): string | null;
  /** One page of `listJobs` for this caller (its list calls under the caller's fair share). */
  listJobs(args: {
    filter: JobListFilter;
    first: number;
    after: string | null;
  }): Promise<JobListPage>;
}

export type { JobListFilter, JobListPage, ListedJob } from './datasources/listing/index.ts';

/** What every request of one gateway shares: its configuration, its guarded sources, its one lister. */
export interface GatewayParts {
  config: Config;
  sources: Sources;
  /** The gateway's `listJobs` engine, made once at start (its cursor key with it). */
  lister: JobLister;
  /** The AWS accounts (the default one and JOBGRAPH_AWS_ACCOUNTS'), for `Job.account`. */
  accounts?: AwsAccounts;
  /** Where account refusals are logged and counted; none: refused all the same, unrecorded. */
  audit?: AccountAudit;
}

export function createRequestContext(
  gateway: GatewayParts,
  identity: Identity,
  requestId: string,
): RequestContext {
  const { config, sources, lister, accounts, audit } = gateway;
  // The caller, for the per-caller share of each provider's concurrency: the token's subject.
  const caller = identity.subject ?? NO_SUBJECT_CALLER;
  const loaders = Object.fromEntries(
    JOB_PROVIDERS.map((p) => [p, createJobLoader(sources[p] as GuardedSource, caller)]),
  ) as Loaders;
  // The request's budgets as it loads and lists: limits/jobBudget.ts counts before execution what
  // the operation shows; these count again, and what only loading shows (Import/Export lookups of
  // a `states` filter, reference stores a region's ListReferenceStores finds).
  const loadedJobs = new Set<string>();
  /** Count a job by global ID; the refusal when it would be one too many. */
  const takeJob = (id: string): JobBudgetError | null => {
    if (loadedJobs.has(id)) return null;
    if (loadedJobs.size >= config.limits.maxJobsPerRequest)
      return new JobBudgetError(config.limits.maxJobsPerRequest, null);
    loadedJobs.add(id);
    return null;
  };
  let listSources = 0;
  const budget = {
    job(id: string) {
      const refused = takeJob(id);
      if (refused) throw refused;
    },
    sources(count: number) {
      listSources += count;
      const max = config.limits.maxListSourcesPerRequest;
      if (listSources > max) throw new ListSourcesBudgetError(max, listSources);
    },
  };
  const context: RequestContext = {
    config,
    requestId,
    identity,
    listJobs: (args) => lister.list({ ...args, caller, budget }),
    accountIdOf(id) {
      const key = parseGlobalId(id);
      return providerOf(key.provider).setup.accountId(config, key as never, accounts);
    },
    loadJob(key, field = 'job') {
      // The account is decided first, by the job's own account, before the budget or any call.
      const account = providerOf(key.provider).setup.accountAlias(config, key as never);
      if (!identity.accounts.permits(key.provider, account))
        return Promise.reject(
          audit
            ? audit.refuse(identity, { field, provider: key.provider, account, requestId })
            : new AccountForbiddenError(),
        );
      const refused = takeJob(formatGlobalId(key));
      if (refused) return Promise.reject(refused);
      // The record's secrets are registered before any resolver sees it, so no log line or
      // error message built from it afterwards can carry them.
      return (loaders[key.provider] as DataLoader<JobKey, JobRecord, string>)
        .load(key)
        .then((record) => {
          secretValues.learnRecord(record);
          return record;
        });
    },
  };
  return context;
}
