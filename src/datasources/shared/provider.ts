import type { Config } from '../../config/index.ts';
import type { AnyKeyOf, JobKey, KeyOf } from '../../model/keys.ts';
import type { KeyGrammar } from '../../model/keyGrammar.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { JobFailure } from '../../model/failure.ts';
import type { JobFacts } from '../../model/facts.ts';
import type { MergeStream, StreamPage } from '../listing/merge.ts';
import type { ListPlan } from '../listing/types.ts';
import type { Listed } from '../listing/summaries.ts';
import type { JobListSourceState, ListBudget, ListedJob, ListedReads } from '../listing/types.ts';
import type { AwsAccounts } from './accounts.ts';
import type { SourceOptions, TransportOptions } from './options.ts';

export type { SourceOptions } from './options.ts';
import type { Operation, ProviderWire } from './source.ts';
import type { ProviderActions } from './acting.ts';
import type { ProviderQueues } from './queues.ts';

/**
 * What the gateway knows of one kind of job (docs/architecture.md, "Kinds of job"): its key and
 * type, its root field, what watching compares, its failure and facts, its parts, logs and
 * actions. A provider is its own first kind; a provider with more (HealthOmics' workflow runs and
 * run batches beside its reference imports) lists them in `Provider.kinds`, and everything that
 * reads one of these members of a job's asks `kindOf(key or record)` (registry.ts) for it.
 * @public (each further kind's index.ts declares one)
 */
export interface JobKind<P extends JobProvider = JobProvider, R extends JobRecord = JobRecord> {
  /** The provider whose kind it is. */
  readonly name: P;
  /**
   * Its key and global-ID grammar, and the GraphQL type of its jobs; the `region` part's pattern
   * says where its jobs live. A further kind's grammar names the kind (`kind`).
   */
  readonly key: KeyGrammar<P>;
  /**
   * Its own root field (`panoramaPackageImportJob(region, jobId)`), whose arguments are its key's
   * parts by name.
   */
  readonly rootField: ProviderRootField;
  /** What watching compares of its records beyond state, providerStatus and statusMessage. */
  readonly progress: ProviderProgress;
  /**
   * The fields of its own type that the demo Sandbox's jobs dashboard selects besides every Job's
   * (cli/sandboxQuery.ts, inside `... on <key.typeName>`): a GraphQL selection on one line.
   */
  readonly dashboardFields: string;
  /**
   * Why a job of its failed or was cancelled (`Job.failure`), from its rule table and the fields
   * of its record they read (its `failureRules.ts`); null for a job in any other state. A list
   * row in record form (what the history writes of a listed job) may lack fields: only those it
   * has are read, never a throw.
   */
  failure(record: R): JobFailure | null;
  /**
   * What its record says of a job, read from its own fields (its `facts.ts`): the name, queue,
   * status message and times the history stores and searches and a notification rule's text
   * filter reads, and the fields `failure` is read from. A list row in record form gives what it
   * has (null for the rest), never a throw.
   */
  facts(record: R): JobFacts;
  /**
   * Its jobs that are parts of another (AWS Batch array children, multi-node nodes); absent: no
   * job of its has parts. A chat message of a failure is the parent's alone, counting its parts.
   */
  readonly parts?: ProviderParts<R>;
  /**
   * Where its jobs' log lines are (docs/logs.md): an attempt's CloudWatch Logs stream; absent:
   * its jobs have no job log (`logTail` answers null lines with a reason, never an error).
   */
  readonly logs?: ProviderLogs<R>;
  /**
   * What its actions on jobs do by state (docs/actions.md), its wire holding the operations;
   * absent: it takes none, and every action is NOT_SUPPORTED without a call.
   */
  readonly actions?: ProviderActions;
  /**
   * Its type's own fields that call its provider when asked (a HealthOmics run batch's `runs`), by
   * field name: each answers from the record and its arguments through `call`, which goes under
   * the caller's grant on the job's account and through the provider's guards
   * (`RequestContext.jobCall`); absent: none.
   */
  readonly fields?: Readonly<Record<string, KindField<R>>>;
}

/** A call of one of its provider's operations about one job, for a kind's own field (`JobKind.fields`). */
export type KindCall = <I, O>(operation: Operation<I, O>, input: I) => Promise<O>;

/**
 * A kind's own field (`JobKind.fields`): its value for `record` and the field's arguments. Written
 * as a method, so that a kind's field of its own record type is one of `JobKind<P, JobRecord>`
 * (method parameters are compared both ways, as `failure`'s and `facts`'s are).
 */
export type KindField<R extends JobRecord = JobRecord> = {
  answer(record: R, args: Readonly<Record<string, unknown>>, call: KindCall): Promise<unknown>;
}['answer'];

/**
 * Everything the gateway knows of one provider, as one value: each `src/datasources/<p>/index.ts`
 * exports one, and `src/datasources/registry.ts` lists them. Cross-provider features (the source
 * pipeline, listing, watching, global IDs and entity keys, the start-up summary) iterate the
 * registry and read these members (the root fields' resolvers and the job budget too); none of
 * them branches on a provider's name. It is its own first kind of job (`JobKind`); its further
 * kinds are `kinds`. What is the service's — its wire, accounts, list, events, queues — is here
 * once for all its kinds.
 */
export interface Provider<
  P extends JobProvider = JobProvider,
  R extends JobRecord = JobRecord,
  O extends SourceOptions = SourceOptions,
> extends JobKind<P, R> {
  /**
   * Its kinds of job besides its first (HealthOmics' workflow runs, AWS Batch's service jobs),
   * each with a grammar of its own (`key.kind`); absent: one kind. The wire describes each
   * (`ProviderWire.kinds`); its list, events and watch read and return their keys too.
   */
  readonly kinds?: readonly JobKind<P, JobRecord>[];
  /** `rpc.system` of its API on the upstream attempts' spans (OpenTelemetry's `aws-api`). */
  readonly rpcSystem: 'aws-api' | 'tencentcloud-api';
  /**
   * The actions its calls need, as its cloud's access policies name them (AWS IAM
   * `batch:DescribeJobs`; Tencent CAM `name/cos:DescribeJob`): one for each upstream operation its
   * wire, list, account check and actions on jobs call, and none it does not call. The policies of
   * docs/iam/ are held to them (an acting operation's in jobgraph-write.json, the others' in
   * jobgraph-read.json), and they to the operations the provider's code names
   * (test/datasources/shared/permissions.test.ts), so a new call without its permission fails a test, not a
   * real account.
   */
  readonly permissions: readonly string[];
  /**
   * Its source: options from the configuration, its wire for them, what the start-up summary says.
   */
  readonly setup: ProviderSetup<KeyOf<P>, R, O>;
  /**
   * Its job list, for `listJobs`; absent when it has none that only reads (CodePipeline:
   * NOT_LISTABLE).
   */
  readonly list?: ProviderList;
  /** Watching many of its jobs through its list; absent: each watched job by its describe call. */
  readonly watch?: ProviderWatch<P>;
  /**
   * Checking its accounts' own credentials at live mode's start, one cheap signed call each;
   * absent for the providers on the AWS credential chain, whose accounts STS verifies
   * (shared/accounts.ts `AwsAccounts.verify`).
   */
  readonly verify?: ProviderVerify;
  /**
   * The job events it publishes through EventBridge (docs/events.md); absent: it publishes none,
   * and its watched jobs are polled.
   */
  readonly events?: ProviderEvents<P>;
  /**
   * Its job queues (docs/queues.md: `jobQueues`, `Job.waiting`); absent: its jobs wait in no
   * queue jobgraph can show (every provider but AWS Batch).
   */
  readonly queues?: ProviderQueues;
}

/** Jobs made of parts, as a provider tells them (`Provider.parts`). */
export interface ProviderParts<R extends JobRecord = JobRecord> {
  /** The global ID of the job that the job of `globalId` is a part of; null for a job of its own. */
  parentOf(globalId: string): string | null;
  /** A parent's parts counted in words (`5 children: 3 FAILED, 2 SUCCEEDED`); null without parts. */
  countOf(record: R): string | null;
}

/** Where one attempt of a job logs, in CloudWatch Logs: what `GetLogEvents` reads. */
export interface JobLogPlace {
  readonly region: string;
  readonly group: string;
  readonly stream: string;
  /** The attempt has ended: its stream no longer changes, and its tail may be kept. */
  readonly finished: boolean;
}

/** A job attempt's log place, or why it has none (not started, another log driver, …). */
export type JobLogWhere = JobLogPlace | { readonly unavailable: string };

/** A provider's job logs: where an attempt of a record logs. */
export interface ProviderLogs<R extends JobRecord = JobRecord> {
  /**
   * The place of `attempt` (1 the first; null: the latest, the running one when it runs), or why
   * there is none; RangeError for an attempt the job has not made. `part`: a part of the job
   * that logs to a stream of its own (a HealthOmics run's task, by its ID), given only by the
   * types whose `logTail` takes one; RangeError for one that cannot be.
   */
  place(record: R, attempt: number | null, part?: string | null): JobLogWhere;
}

/** Where an event happened: the configured account its own `account` ID names, and its `region`. */
export interface EventPlace {
  /** The alias of the account (`default`: DEFAULT_ACCOUNT). */
  readonly account: string;
  readonly region: string;
}

/**
 * What one event says of a job: `record`, the job's whole record (AWS Batch: the detail is the
 * DescribeJobs record, applied without a call); `hint`, the job of `key` changed (read it again
 * now); `ref`, the watched job whose record carries `ref` changed (CodePipeline: its
 * actionExecutionId, `ProviderEvents.ref`); `place`, some watched job of its kind and place.
 */
export type EventMeaning<P extends JobProvider = JobProvider> =
  | { kind: 'record'; record: JobRecord; blocked?: BlockedQueue }
  | { kind: 'hint'; key: AnyKeyOf<P> }
  | { kind: 'ref'; ref: string }
  /**
   * Some job of the event's kind (`ProviderEvents.kinds`) in its account and region changed, the
   * detail does not say which (HealthOmics' `Task Status Change` names its task, not its run):
   * each such job watched here is read, as for a hint.
   */
  | { kind: 'place' };

/**
 * What a queue-blocked event says beside its job's record (AWS Batch's `Batch Job Queue Blocked`):
 * the queue whose head cannot run (its ARN) and why (the job's status reason), both the provider's
 * own words, confirmed by a read before anyone is told (notifications/queueBlocked.ts).
 */
export interface BlockedQueue {
  queue: string;
  reason: string | null;
}

/**
 * A provider's job events (`Provider.events`): which EventBridge events are its, and what one
 * means. The event source (datasources/events/) reads the envelope and never a `detail`.
 */
export interface ProviderEvents<P extends JobProvider> {
  /** The events' `source` (`aws.batch`). */
  readonly source: string;
  /** The `detail-type`s that are about its jobs; others of its source are not its events. */
  readonly detailTypes: readonly string[];
  /**
   * The kind of job (`Provider.kinds`) each detail type about a further kind's jobs is of; the
   * others are about its first kind's. Coverage is each kind's (docs/events.md, "Coverage"): an
   * EventBridge rule may route one kind's detail types and not another's, so one kind's events
   * never make another's jobs live by events, and a kind none of whose detail types is here (a
   * HealthOmics run batch) is polled.
   */
  readonly kinds?: Readonly<Record<string, string>>;
  /**
   * How its provider delivers these events, for every kind they are about (reference/events.md):
   * `durable`, at least once (AWS Batch); `best-effort`, an event may be lost with no redelivery
   * (HealthOmics, CodePipeline). A best-effort kind's watches live by events are reconciled
   * sooner (coverage.ts `reconcileMsOf`): a lost event leaves its watcher stale for less long.
   */
  readonly delivery: 'durable' | 'best-effort';
  /**
   * Which of its progress fields (`Provider.progress.fields`) its events announce a change of,
   * beyond the status every event announces: none for each provider today (AWS Batch: an array
   * parent's child counts change with its children's events, not its own; HealthOmics: a source's
   * progress changes with no event). A watch that selects a progress field its events do not
   * carry is polled as without events, and only what they carry counts when a read tells whether
   * an event was missed (docs/events.md, "Coverage").
   */
  readonly carries: readonly string[];
  /**
   * What an event's `detail` (of `detailType`, one of `detailTypes`) says at `place`; throws
   * (MalformedBodyError, BAD_USER_INPUT) when it lacks what it needs or names a job no key can hold.
   */
  read(detail: Record<string, unknown>, place: EventPlace, detailType: string): EventMeaning<P>;
  /**
   * Records of one job in the order they can follow each other (compared element by element):
   * a record whose order is lower than the last one known is older news, never applied. Absent:
   * every record is as new as the last.
   */
  order?(record: JobRecord): readonly number[];
  /**
   * Which run of its job a record is of, where the provider can start a job again under its ID
   * (null: unknown). Records of two runs are not ordered: whichever comes later, read or event,
   * replaces the other, so no event can pin a job against the reads that follow it. Absent: one run.
   */
  run?(record: JobRecord): string | null;
  /**
   * What of an event's record a listed row of the job shows beyond the `Job` header's state
   * fields (AWS Batch: its status, reason and times), so that a row read before the event is not
   * staler than it; never a secret field.
   */
  listed?(record: JobRecord): Partial<JobRecord>;
  /** The reference an event of kind `ref` names a watched job's record by (null: none). */
  ref?(record: JobRecord): string | null;
}

/** What a change of a provider's job is, to a watcher (`Provider.progress`). */
interface ProviderProgress {
  /**
   * The record fields whose change is a change of the job's progress (see its SDL): COS Batch's
   * task counts, an AWS Batch array job's children by status; none when it reports no progress
   * beyond its status.
   */
  readonly fields: readonly string[];
  /**
   * True when its describe call reports no status at all (CodePipeline's GetJobDetails: `UNKNOWN`):
   * its details come once, and a watched job counts as settled.
   */
  readonly noStatus?: true;
}

/** One account a provider verifies: its alias, and what the configuration lacks for it. */
interface VerifiedAccount {
  /** `default` (DEFAULT_ACCOUNT) for the default account. */
  alias: string;
  /** The provider's own account ID (COS: the APPID), when configured. */
  accountId: string | null;
  /** Variable names the account needs and lacks (`COS_APPID`); empty when it can be called. */
  missing: string[];
}

/** How a provider verifies its accounts' credentials (`Provider.verify`). */
export interface ProviderVerify {
  /** The cloud its accounts belong to, as the start-up summary and /readyz name it (`tencent`). */
  readonly cloud: string;
  /** Every account it reaches, the default one first. */
  accounts(config: Config): VerifiedAccount[];
  /**
   * One cheap signed call in the account aliased `alias` (a list page of one job), through the
   * provider's pipeline; rejects with the pipeline's error when refused or unreachable.
   */
  check(call: ListCall, config: Config, alias: string): Promise<void>;
}

/** What a root field's key parts may be taken from when its arguments leave them out. */
export type RootFieldConfig = Pick<Config, 'awsRegion' | 'tencent'>;

/**
 * A provider's own root field on `Query` (schema/<p>.graphql): its arguments carry its key's parts
 * by name, so the resolver and the job budget (limits/jobBudget.ts) make the same key from them
 * (model/jobKeys.ts `ROOT_FIELD_KEYS`).
 */
interface ProviderRootField {
  /** The field's name (`cosBatchJob`). */
  readonly name: string;
  /**
   * Key parts taken from the configuration when the argument of their name is absent or null (a
   * region; COS Batch's account UIN, which is no argument at all).
   */
  readonly defaults?: Readonly<Record<string, (config: RootFieldConfig) => string | null>>;
  /**
   * What the configuration lacks when a default has no value, as the PROVIDER_NOT_CONFIGURED
   * message names it (`the COS account UIN (COS_UIN)`).
   */
  readonly unconfigured?: string;
}

/** Any one kind of job, as the registry holds it (`kindOf`). */
export type AnyKind = JobKind<JobProvider, JobRecord>;

/** Any one provider, as the registry holds it: a union, so each keeps its own key type. */
export type AnyProvider = {
  [P in JobProvider]: Provider<P, JobRecord, SourceOptions>;
}[JobProvider];

/** How a provider's source is made from the configuration. */
export interface ProviderSetup<K extends JobKey, R extends JobRecord, O extends SourceOptions> {
  /** Its source's options: the transport's settings, its credentials, its endpoint override. */
  options(config: Config, transport: TransportOptions): O;
  /**
   * Its endpoint override (AWS_ENDPOINT_URL_PANORAMA, COS_BATCH_ENDPOINT_URL), if one is
   * configured.
   */
  endpoint(config: Config): string | undefined;
  /**
   * Its credentials as the start-up summary tells them: `aws`, the standard AWS credential chain
   * (resolved once for every provider that uses it), or the provider's own line.
   */
  credentials: 'aws' | ((config: Config) => string);
  /**
   * The day its cloud ended the service (`2026-05-31`, AWS Panorama), if it did: live mode's
   * start-up summary says so on its line when it is configured. Nothing else changes.
   */
  ended?: string;
  /**
   * The provider on the wire for `options` (its client.ts): describe operation, credentials,
   * endpoints, signing.
   */
  wire(options: O): ProviderWire<K, R, unknown>;
  /**
   * The ID of the account a job of `key` lives in (`Job.account`): AWS, the account ID of its
   * alias (`accounts`); COS Batch, the APPID of its UIN's account. Null when not known.
   */
  accountId(config: Config, key: K, accounts: AwsAccounts | undefined): string | null;
  /**
   * The aliases of its accounts besides the default one, in the order configured: AWS,
   * JOBGRAPH_AWS_ACCOUNTS'; COS Batch, JOBGRAPH_TENCENT_ACCOUNTS'. `listJobs` lists each.
   */
  accountAliases(config: Config): readonly string[];
  /**
   * The alias of the account a job of `key` lives in (`Job.accountAlias`) — the account whose credentials read it:
   * `default` (DEFAULT_ACCOUNT) or a configured alias. What per-account authorization decides by
   * (auth/accountGrant.ts), so it must cost no more than a map lookup.
   */
  accountAlias(config: Config, key: K): string;
  /**
   * Every account it reads, the default one first, with the IDs a token's grant may name it by
   * (AWS: the 12-digit account ID when known; COS: the UIN and the APPID).
   */
  accountDirectory(
    config: Config,
    accounts: AwsAccounts | undefined,
  ): readonly { alias: string; ids: readonly string[] }[];
}

/**
 * One list call through the provider's guards, as the job loader's calls go: the caller's fair
 * share of the provider's cap, the circuit breaker of `breakerRegion` (failures counted once per
 * `subject`), the provider's time budget and the page's deadline; then the pipeline.
 */
export type ListCall = <I, O>(operation: Operation<I, O>, input: I, where: ListWhere) => Promise<O>;

/**
 * Where a list call goes: the circuit breaker of `breakerRegion`, its failures counted once per
 * `subject`, signed for `account` (the pipeline's `CallOptions.account`: an AWS alias, a COS
 * UIN; absent: the default account).
 */
export interface ListWhere {
  breakerRegion: string;
  subject: string;
  account?: string | undefined;
}

/** What a provider's list code gets for one `listJobs` page. */
export interface ListEnv {
  readonly plan: ListPlan;
  /** The account listed: its alias, `default` (DEFAULT_ACCOUNT) for the default account. */
  readonly account: string;
  readonly config: Config;
  /** The request's budgets (list sources, looked-up jobs); none: unbounded. */
  readonly budget: ListBudget | undefined;
  /** The request's loaders as the list code's own describe reads meet them (ListedReads); none: not told. */
  readonly reads: ListedReads | undefined;
  readonly call: ListCall;
  /**
   * A describe call of the list code's own (a listed HealthOmics run's GetRun, which its list item
   * cannot name): guarded as `call` is, but not counted among the page's list calls
   * (`upstreamCalls`), as the describe loader's calls are not.
   */
  readonly read: ListCall;
  /**
   * A listed job through the describe path (the cross-request cache, calls shared with other
   * requests, the caller's fair share), counted in the request's job budget first.
   */
  lookUp(job: ListedJob): Promise<JobRecord>;
  /**
   * A small value read once for every page and caller while the list snapshots keep theirs
   * (JOBGRAPH_LIST_SNAPSHOT_SECONDS): HealthOmics' reference stores of a region. `key` names
   * what is read (never a caller); concurrent reads share one.
   */
  remember<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/**
 * One list source of a region as the provider plans it: its stream to merge (null when the
 * filter leaves nothing to list there: LISTED without a call), or the state of a source that is
 * not called (NOT_CONFIGURED, a FAILED store lookup).
 */
export type ListSource = {
  referenceStoreId: string | null;
  /** The AWS Batch job queue it lists (absent: the provider lists no queues). */
  jobQueue?: string;
} & ({ stream: MergeStream<Listed> | null } | { state: JobListSourceState; code: string | null });

/** A provider's job list, for `listJobs`. */
export interface ProviderList {
  /**
   * The list sources of one region (null for a global service), in the order they are reported.
   * HealthOmics lists per reference store and may find the stores with a call first.
   */
  sources(env: ListEnv, region: string | null): ListSource[] | Promise<ListSource[]>;
  /**
   * Sources one region reads, known before any call (default 1): HealthOmics' reference stores,
   * the filter's, else the configured ones (`knownStores`), else 1 until found.
   */
  sourcesPerRegion?(plan: ListPlan, knownStores: readonly string[] | null): number;
}

/**
 * Watching many jobs of one list source through its list call (subscriptions/listWatchGroup.ts):
 * the list is a change detector, so a provider offers it only when its summary carries every
 * field `changeSignature` (datasources/state/jobStates.ts) compares, or those it lacks cannot change
 * without one it carries.
 */
export interface ProviderWatch<P extends JobProvider> {
  /**
   * What a list summary shows of a change, from a describe record or from a summary in record
   * form: a job whose summary's value differs from its last record's has changed.
   */
  signature(record: Partial<JobRecord>): string;
  /**
   * The list source `key` is listed in (`cos:ap-guangzhou:100000000001`,
   * `panorama@staging:us-east-1`): its account's, whose credentials `page` signs with; null when
   * it cannot be listed here.
   */
  sourceOf(key: AnyKeyOf<P>, config: Config): string | null;
  /** One page of that source's list from `token` (null: the first), at its largest page size. */
  page(
    call: ListCall,
    config: Config,
    key: AnyKeyOf<P>,
    token: string | null,
    subject: string,
  ): Promise<StreamPage<Listed>>;
}
