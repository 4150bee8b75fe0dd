import { logsScopeRefusal } from './auth/logsScope.ts';
import type { JobLogs } from './datasources/logs/jobLogs.ts';
import { jobLogTail, type JobLogTailValue, type LogTailArgs } from './datasources/logs/logTail.ts';
import { liveByOf, type EventQueues } from './datasources/events/eventQueues.ts';
import type DataLoader from 'dataloader';
import type { AccountAudit } from './auth/accountAudit.ts';
import { AccountForbiddenError } from './auth/accountAudit.ts';
import type { AuthContext } from './auth/directives.ts';
import { scrubSecrets, secretValues } from './auth/secretValues.ts';
import type { Identity } from './auth/identity.ts';
import type { Config } from './config/index.ts';
import type { Sources } from './datasources/index.ts';
import type {
  JobLister,
  JobListFilter,
  JobListPage,
  ListedReads,
} from './datasources/listing/index.ts';
import {
  createJobLoader,
  NO_SUBJECT_CALLER,
  type GuardedSource,
} from './datasources/guard/loader.ts';
import { accountDirectory, aliasOfAccountId } from './datasources/accountDirectory.ts';
import { offeringLoader, offerRead } from './datasources/state/offerRead.ts';
import { accountOf, failureOf, kindOf, PROVIDERS, providerOf } from './datasources/registry.ts';
import type { JobFailure } from './model/failure.ts';
import { listContradicts } from './datasources/listing/contradicts.ts';
import type { JobCache } from './cache/jobCache.ts';
import { writeScopeRefusal } from './auth/writeScope.ts';
import type {
  ActionGrant,
  JobActionCaller,
  JobActionRequest,
  JobActionResult,
  JobActions,
  JobActionValue,
} from './actions/jobActions.ts';
import { ActionsOffError } from './actions/refusals.ts';
import { RequestActs } from './actions/jobActions.ts';
import type { TakenAction } from './history/actions.ts';
import type { AwsAccounts } from './datasources/shared/accounts.ts';
import { accountOfId, formatGlobalId, parseGlobalId, type JobKey } from './model/globalId.ts';
import { JobBudgetError, ListSourcesBudgetError } from './limits/jobBudget.ts';
import type { JobProvider, JobRecord } from './model/job.ts';
import type { JobStates } from './datasources/state/jobStates.ts';
import { historyGrantOf } from './history/reader.ts';
import type { Notifications, NotifyCaller } from './notifications/notifications.ts';
import { NotificationsOffError } from './notifications/notificationsOff.ts';
import {
  historyOfRequest,
  type HistoryQueries,
  type RequestHistory,
} from './history/requestHistory.ts';
import { mayRead } from './auth/mayRead.ts';
import { jobCall } from './datasources/guard/jobCall.ts';
import type { Operation } from './datasources/shared/source.ts';
import type { QueueBook } from './queues/book.ts';
import type { HistoryDatabase } from './history/database.ts';
import { QueueView } from './queues/view.ts';

/**
 * The `Job` fields that read the caller's context (`account`, `accountAlias`, `liveBy`,
 * `availableActions`, `actionsTaken`), built once (`jobFieldsContext`) for queries and watches
 * alike: a field added here is there for both.
 */
export interface JobFieldsContext {
  /** The account ID (AWS) or APPID (COS) of the job with global ID `id` (`Job.account`). */
  accountIdOf(id: string): string | null;
  /** The alias of the account of the job with global ID `id`, `default` for the default one (`Job.accountAlias`). */
  accountAliasOf(id: string): string;
  /** How the job with global ID `id` is followed while watched (`Job.liveBy`, docs/events.md). */
  liveByOf(id: string): 'EVENTS' | 'POLLING';
  /** What this caller may do to `record` now (`Job.availableActions`). */
  availableActions(record: JobRecord): JobActionValue[];
  /** The audit rows of the job with global ID `id` (`Job.actionsTaken`). */
  actionsTaken(id: string): Promise<TakenAction[]>;
  /** Why the job of `record` failed or was cancelled, by its provider's rules (`Job.failure`). */
  failureOf(record: JobRecord): JobFailure | null;
  /** The global IDs of the job `id` reruns and of its reruns (`Job.rerunOf`, `Job.reruns`). */
  rerunsOf(id: string): Promise<{ of: string | null; made: string[] }>;
  /** Job queues and why a job waits, under the caller's grant (docs/queues.md); null when the gateway has none. */
  queues: QueueView | null;
}

/** What `jobFieldsContext` reads of a gateway (queries' GatewayParts, the watch hub's options). */
export interface JobFieldsParts {
  config: Config;
  accounts?: AwsAccounts | undefined;
  events?: Pick<EventQueues, 'covers'> | undefined;
  actions?: JobActions | undefined;
  /** The gateway's job queues (one book for queries and subscriptions); none: no queue answered. */
  queues?: QueueBook | undefined;
  /** The history store, for a queue's counts and waits; none: history off. */
  historyDatabase?: HistoryDatabase | null | undefined;
}

/** What `identity` may do to jobs: its write scope and its accounts' grant. */
const actionGrantOf = (identity: Identity): ActionGrant => ({
  writeRefusal: (field) => writeScopeRefusal(identity, field),
  permits: (provider, alias) => mayRead(identity.accounts, provider, alias),
});

/** The `Job` fields' context of `identity`'s calls (JobFieldsContext). */
export function jobFieldsContext(parts: JobFieldsParts, identity: Identity): JobFieldsContext {
  const { config, accounts, events, actions } = parts;
  const grant = actionGrantOf(identity);
  return {
    accountIdOf(id) {
      const key = parseGlobalId(id);
      return providerOf(key.provider).setup.accountId(config, key as never, accounts);
    },
    accountAliasOf: (id) => accountOfId(config, id),
    liveByOf: (id) => liveByOf(events, config, id),
    availableActions: (record) => actions?.available(record, grant) ?? [],
    actionsTaken: (id) => actions?.taken(id) ?? Promise.resolve([]),
    rerunsOf: (id) => actions?.reruns(id) ?? Promise.resolve({ of: null, made: [] }),
    failureOf,
    queues: queueViewOf(parts, identity, (_provider, alias) => new AccountForbiddenError(alias)),
  };
}

/** The caller's view of the gateway's queues, refusing an account it may not read with `refuse`. */
function queueViewOf(
  parts: JobFieldsParts,
  identity: Identity,
  refuse: (provider: JobProvider, alias: string) => Error,
): QueueView | null {
  if (!parts.queues) return null;
  return new QueueView({
    book: parts.queues,
    config: parts.config,
    history: parts.historyDatabase ?? null,
    mayRead: (provider, alias) => mayRead(identity.accounts, provider, alias),
    refuse,
    caller: identity.subject ?? NO_SUBJECT_CALLER,
  });
}
/** The mutation fields that act on jobs (docs/actions.md): their refusals are audited as actions. */
const JOB_ACTION_FIELDS: ReadonlySet<string> = new Set([
  'cancelJob',
  'terminateJob',
  'cancelJobs',
  'rerunJob',
  'rerunJobs',
]);

/** Per-request state: who is calling, and how to load a job. */
export interface RequestContext extends AuthContext, JobFieldsContext {
  config: Config;
  requestId: string;
  /**
   * Load one job through its provider's per-request DataLoader (batched and de-duplicated), once
   * the caller's grant permits the job's account (else FORBIDDEN, before any upstream call);
   * `field` names the root field or surface asking, for the refusal's audit line (default `job`).
   * `listed`: the job's list summary in record form (a `listJobs` row), which a cached record must
   * agree with (see loadListed).
   */
  loadJob(key: JobKey, field?: string, listed?: Partial<JobRecord>): Promise<JobRecord>;
  /**
   * The alias of `provider`'s account whose ID is `accountId` (a native key's `account`), for a
   * caller that may read it; else throws, before any upstream call: the audited FORBIDDEN (an ID
   * of no configured account alike), or — for a caller of every account — BAD_USER_INPUT naming
   * `argument` when no configured account has that ID. `field` names the surface asking.
   */
  accountAliasOfId(
    provider: JobProvider,
    accountId: string,
    field: string,
    argument: string,
  ): string;
  /** Write the request's audit lines of refused accounts (one per field); called as it ends. */
  flushRefusals(): void;
  /** One mutation field's action on jobs (docs/actions.md): guards, calls, audit. */
  actOnJobs(request: JobActionRequest): Promise<JobActionResult[]>;
  /** One page of `listJobs` for this caller (its list calls under the caller's fair share). */
  listJobs(args: {
    filter: JobListFilter;
    first: number;
    after: string | null;
  }): Promise<JobListPage>;
  /** The history store under the caller's grant (`Job.transitions`, `jobHistory`); null when off. */
  history: RequestHistory | null;
  /**
   * `Job.logTail` of `record` (docs/logs.md): refused before any call without `jobs:logs:read`
   * or the account's grant; `field` names the type's field for the refusal.
   */
  jobLogTail(record: JobRecord, args: LogTailArgs, field: string): Promise<JobLogTailValue>;
  /**
   * One call of a kind's own read about the job of `key` (`OmicsRunBatch.runs`: ListRunsInBatch),
   * once the caller's grant permits the job's account (else FORBIDDEN, audited under `field`),
   * through the provider's guards (datasources/guard/jobCall.ts).
   */
  jobCall<I, O>(key: JobKey, operation: Operation<I, O>, input: I, field: string): Promise<O>;
  /** Notification rules (docs/notifications.md); throws NotificationsOffError when they are off. */
  notifications(): Notifications;
  /** The caller as the notifications service takes it. */
  notifyCaller: NotifyCaller;
}

export type { JobListFilter, JobListPage, ListedJob } from './datasources/listing/index.ts';
export type { JobActionRequest, JobActionResult } from './actions/jobActions.ts';

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
  /** The job event queues (JOBGRAPH_EVENT_QUEUES), for `Job.liveBy`; none: every job POLLING. */
  events?: Pick<EventQueues, 'covers'>;
  /** The one owner of each job's state: every describe answer is offered to it as a read. */
  states?: Pick<JobStates, 'offer' | 'now'>;
  /** The history store's read side (`Job.transitions`, `jobHistory`); none: history off. */
  history?: HistoryQueries;
  /** Acting on jobs (docs/actions.md); none: every action refused as off, none available. */
  actions?: JobActions;
  /** Job logs (docs/logs.md); none: every job's `logTail` has no lines. */
  logs?: JobLogs;
  /** Notification rules (docs/notifications.md); none: off (history off, or no JOBGRAPH_NOTIFY_SECRET). */
  notifications?: Notifications;
  /** AWS Batch's job queues, read once for every caller (docs/queues.md); none: no queue answered. */
  queues?: QueueBook;
}

/** What a request says beyond its caller: its `Idempotency-Key` header. */
export interface RequestExtras {
  idempotencyKey?: string | undefined;
}

/**
 * A listed job's record, never older than its list summary: a finished record the summary
 * contradicts (listContradicts) came from the job cache, written before the job moved on, so it
 * is dropped from the cache (for every later query and replica too) and the job described again.
 * Without a cache every record is fresh, and a selection that needs the describe call answers
 * as current as one the summary answers.
 */
async function loadListed(
  load: () => Promise<JobRecord>,
  clear: () => void,
  cache: JobCache | undefined,
  listed: Partial<JobRecord>,
): Promise<JobRecord> {
  const record = await load();
  if (!cache || !listContradicts(record, listed)) return record;
  clear();
  await cache.forget(record.id);
  return load();
}

const learnSecrets = (record: JobRecord) => secretValues.learnRecord(record);

/**
 * The request's budgets as it loads and lists: limits/jobBudget.ts counts before execution what
 * the operation shows; these count again, and what only loading shows (Import/Export lookups of a
 * `states` filter, which list sources need an upstream read). `takeJob` counts a job by global ID
 * and answers the refusal when it would be one too many; `budget` is what the lister is given.
 */
function requestBudgets(config: RequestContext['config']) {
  const loadedJobs = new Set<string>();
  const takeJob = (id: string): JobBudgetError | null => {
    if (loadedJobs.has(id)) return null;
    if (loadedJobs.size >= config.limits.maxJobsPerRequest)
      return new JobBudgetError(config.limits.maxJobsPerRequest, null);
    loadedJobs.add(id);
    return null;
  };
  // Cold list sources only (a source a shared snapshot serves is free): the lister counts each
  // where its read would start, so the bound is on the upstream work a request causes.
  let coldSources = 0;
  const budget = {
    job(id: string) {
      const refused = takeJob(id);
      if (refused) throw refused;
    },
    sources(count: number) {
      const max = config.limits.maxListSourcesPerRequest;
      if (coldSources + count > max)
        throw new ListSourcesBudgetError(max, config.listing.snapshotSeconds);
      coldSources += count;
    },
  };
  return { takeJob, budget };
}

/** The identity's accounts (per provider) and scopes, canonical: equal for tokens that may do the same. */
function grantKeyOf(identity: Identity): string {
  const grant = identity.accounts;
  const accounts = grant.all
    ? '*'
    : PROVIDERS.map((p) => [
        p.name,
        grant.aliases.filter((alias) => mayRead(grant, p.name, alias)),
      ]);
  return JSON.stringify([accounts, [...identity.scopes].sort()]);
}

/**
 * The request's loaders, one per provider, made when the request first loads one of its jobs (most
 * requests ask for one or two providers), each under the caller's share of its concurrency. The
 * record's secrets are registered as its batch settles (the job-state store learns each record
 * offered), before any resolver sees it, so no log line or error message built from it afterwards
 * can carry them.
 */
function requestLoaders(sources: Sources, caller: string, states: GatewayParts['states']) {
  const loaders = new Map<JobProvider, DataLoader<JobKey, JobRecord, string>>();
  return (provider: JobProvider) => {
    let loader = loaders.get(provider);
    if (!loader) {
      // Each record it serves goes to the job-state store as a read (offeringLoader), which learns
      // its secrets on the way in — a kept record (`retained`, answered from the history, without
      // secrets) is no read of the provider's; without a store, its secrets to the scrubber.
      const guarded = sources[provider] as GuardedSource;
      loader = states
        ? offeringLoader(guarded, caller, states)
        : createJobLoader(guarded, caller, learnSecrets);
      loaders.set(provider, loader);
    }
    return loader;
  };
}

/**
 * The request as a page's own describe reads meet it (ListedReads: a listed HealthOmics run's
 * GetRun): each record offered to the job-state store as a read, as `requestLoaders`' are (or its
 * secrets to the scrubber without a store), then primed in the request's loader, a copy of its
 * own, so the request's fields that load the job read it without a call.
 */
function listedReadsOf(
  states: GatewayParts['states'],
  loaderOf: ReturnType<typeof requestLoaders>,
): ListedReads {
  return {
    now: () => (states ? states.now() : Date.now()),
    read(record, sentAt) {
      if (states) offerRead(states, record, sentAt);
      else learnSecrets(record);
      loaderOf(record.provider).prime(parseGlobalId(record.id), { ...record });
    },
  };
}

/** The refusal of an account to the caller: counted for the request's audit, and the one FORBIDDEN error. */
type Refuse = (
  field: string,
  provider: JobProvider | null,
  account: string,
  shown?: string,
) => Error;

/** The history store under the caller's grant, its `jobHistory` accounts checked; null when off. */
function requestHistoryOf(
  gateway: GatewayParts,
  identity: Identity,
  refuse: Refuse,
  caller: string,
): RequestHistory | null {
  if (!gateway.history) return null;
  const { config, accounts } = gateway;
  return historyOfRequest(
    gateway.history,
    () => historyGrantOf(identity.accounts, accountDirectory(config, accounts)),
    (alias) => {
      const grant = identity.accounts;
      if (!grant.all && !PROVIDERS.some((p) => mayRead(grant, p.name, alias)))
        throw refuse('jobHistory', null, alias);
    },
    // The caller as its request rate counts it (its token's key); `jobHistory` needs a token.
    identity.callerKey ?? caller,
  );
}

/** `Job.logTail` for the caller: its scope and the job's account checked before any call. */
function jobLogTailOf(
  gateway: GatewayParts,
  identity: Identity,
  refuse: Refuse,
  caller: string,
): RequestContext['jobLogTail'] {
  return async (record, args, field) => {
    const refused = logsScopeRefusal(identity, field);
    if (refused) throw refused;
    const key = parseGlobalId(record.id);
    const kind = kindOf(key);
    const account = accountOf(gateway.config, key);
    if (!mayRead(identity.accounts, key.provider, account))
      throw refuse(field, key.provider, account);
    return jobLogTail(gateway.logs, kind.logs, record, args, {
      provider: key.provider,
      account,
      caller,
    });
  };
}

/**
 * The request's caller as acting on jobs takes it (made at its first action field): its grant, its
 * keys, and `acts`, what the request's action fields did (one action per job per request). The
 * job budget, loads and refusals are the request's own, given by createRequestContext.
 */
function actionCallerOf(
  identity: Identity,
  requestId: string,
  extras: RequestExtras,
  request: Pick<JobActionCaller, 'countJob' | 'loadJob' | 'refuseAccount'>,
): () => JobActionCaller {
  const grant = actionGrantOf(identity);
  let acts: RequestActs | undefined;
  let grantKey: string | undefined;
  return () => ({
    ...grant,
    ...request,
    acts: (acts ??= new RequestActs()),
    subject: identity.subject,
    learn: learnSecrets,
    scrub: scrubSecrets,
    requestId,
    idempotencyKey: extras.idempotencyKey,
    // Anonymous callers never act (no jobs:write): the empty key is never a scope.
    callerKey: identity.callerKey ?? '',
    grantKey: (grantKey ??= grantKeyOf(identity)),
  });
}

/** `RequestContext.jobCall`: under the caller's grant on the job's account, then the provider's guards. */
function jobCallOf(
  gateway: GatewayParts,
  identity: Identity,
  refuse: Refuse,
  caller: string,
): RequestContext['jobCall'] {
  return (key, operation, input, field) => {
    const account = accountOf(gateway.config, key);
    if (!mayRead(identity.accounts, key.provider, account))
      return Promise.reject(refuse(field, key.provider, account));
    return jobCall(gateway.sources[key.provider] as GuardedSource, key, operation, input, caller);
  };
}

/**
 * `deniedField` for the request: the refusals of actions on jobs are audited as such; a
 * notification field's id is a rule's or a delivery's, never a job's to audit.
 */
function deniedFieldOf(
  gateway: GatewayParts,
  actionCaller: () => JobActionCaller,
): NonNullable<RequestContext['deniedField']> {
  return (what, code, args) => {
    const field = what.slice('Mutation.'.length);
    if (what.startsWith('Mutation.') && JOB_ACTION_FIELDS.has(field))
      gateway.actions?.refusedField(field, code, args, actionCaller());
  };
}

export function createRequestContext(
  gateway: GatewayParts,
  identity: Identity,
  requestId: string,
  extras: RequestExtras = {},
): RequestContext {
  const { config, sources, lister, accounts, audit } = gateway;
  // The caller, for the per-caller share of each provider's concurrency: the token's subject.
  const caller = identity.subject ?? NO_SUBJECT_CALLER;
  const loaderOf = requestLoaders(sources, caller, gateway.states);
  const { takeJob, budget } = requestBudgets(config);
  // The request's refusals: counted each, logged one line per field when the request ends.
  const refusals = audit?.forRequest(identity, requestId);
  /** A refusal of the caller's: counted for the audit, and the one FORBIDDEN error. */
  const refuse: Refuse = (field, provider, account, shown = account) =>
    refusals ? refusals.refuse(field, provider, account, shown) : new AccountForbiddenError(shown);
  const listAccess = {
    grant: identity.accounts,
    refuse: (provider: JobProvider | null, account: string) =>
      refuse('listJobs', provider, account),
  };
  const reads = listedReadsOf(gateway.states, loaderOf);
  const actionCaller = actionCallerOf(identity, requestId, extras, {
    countJob: (key) => takeJob(formatGlobalId(key)),
    loadJob: (key, field) => context.loadJob(key, field),
    refuseAccount: (field, key, account) => refuse(field, key.provider, account),
  });
  const context: RequestContext = {
    ...jobFieldsContext(gateway, identity),
    config,
    requestId,
    identity,
    actOnJobs: (request) =>
      gateway.actions
        ? gateway.actions.act(request, actionCaller())
        : Promise.reject(new ActionsOffError(request.action)),
    deniedField: deniedFieldOf(gateway, actionCaller),
    flushRefusals: () => refusals?.flush(),
    notifications: () => {
      if (!gateway.notifications) throw new NotificationsOffError(config);
      return gateway.notifications;
    },
    notifyCaller: { identity, requestId },
    listJobs: (args) => lister.list({ ...args, caller, budget, access: listAccess, reads }),
    history: requestHistoryOf(gateway, identity, refuse, caller),
    // A query's refusals are audited, as its other fields' are.
    queues: queueViewOf(
      { ...gateway, historyDatabase: gateway.history?.database ?? null },
      identity,
      (provider, alias) => refuse('jobQueues', provider, alias),
    ),
    accountAliasOfId(provider, accountId, field, argument) {
      return aliasOfAccountId(config, accounts, identity.accounts, (p, account, shown) =>
        refuse(field, p, account, shown),
      )(provider, accountId, argument);
    },
    jobLogTail: jobLogTailOf(gateway, identity, refuse, caller),
    jobCall: jobCallOf(gateway, identity, refuse, caller),
    loadJob(key, field = 'job', listed) {
      // The account is decided first, by the job's own account, before the budget or any call.
      const account = accountOf(config, key);
      if (!mayRead(identity.accounts, key.provider, account))
        return Promise.reject(refuse(field, key.provider, account));
      const refused = takeJob(formatGlobalId(key));
      if (refused) return Promise.reject(refused);
      const loader = loaderOf(key.provider);
      if (!listed) return loader.load(key);
      return loadListed(
        () => loader.load(key),
        () => loader.clear(key),
        sources[key.provider].cache,
        listed,
      );
    },
  };
  return context;
}
