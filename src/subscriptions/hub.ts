import type { AuthContext } from '../auth/directives.ts';
import { secretValues } from '../auth/secretValues.ts';
import { CLOCK_TOLERANCE_SECONDS } from '../auth/verifyToken.ts';
import {
  AccountForbiddenError,
  type AccountAudit,
  type RequestAudit,
} from '../auth/accountAudit.ts';
import { SCOPE_SECRETS, type Identity } from '../auth/identity.ts';
import { logsScopeRefusal } from '../auth/logsScope.ts';
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import { LogFollowers, LineQueue, type FollowedLine } from './logFollowers.ts';
import type { PollLeases } from '../cache/pollLeases.ts';
import type { Config } from '../config/index.ts';
import type { Sources } from '../datasources/index.ts';
import {
  fetchJobShared,
  NO_SUBJECT_CALLER,
  type GuardedSource,
} from '../datasources/guard/loader.ts';
import {
  formatGlobalId,
  parseGlobalId,
  type AccountAliasOf,
  type JobKey,
} from '../model/globalId.ts';
import { aliasOfAccountId } from '../datasources/accountDirectory.ts';
import { accountOf, providerOf } from '../datasources/registry.ts';
import type { AwsAccounts } from '../datasources/shared/accounts.ts';
import { BREAKER_HALF_OPEN_MS } from '../datasources/guard/breakers.ts';
import type { SubscriptionBounds } from './bounds.ts';
import { createListSnapshots, type ListSnapshots } from '../datasources/listing/snapshots.ts';
import { jobFieldsContext, type JobFieldsContext, type JobFieldsParts } from '../context.ts';
import type { HistoryDatabase } from '../history/database.ts';
import type { QueueBook } from '../queues/book.ts';
import { JobBudgetError } from '../limits/jobBudget.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import type { EventQueues } from '../datasources/events/eventQueues.ts';
import { JobStates } from '../datasources/state/jobStates.ts';
import type { JobActions } from '../actions/jobActions.ts';
import { EventApplier } from './eventApplier.ts';
import { createWatchLister } from './watchLister.ts';
import { WatchRegistry } from './watchRegistry.ts';
import type { WatchOptions, ReadReason } from './watchOptions.ts';
import { pollSlotMs } from './pollSlots.ts';
import { systemScheduler, type Scheduler } from './scheduler.ts';
import { SubscriptionSlots } from './slots.ts';
import { JobStream } from './stream.ts';
import { mayRead } from '../auth/mayRead.ts';

/**
 * The caller the read schedules fetch as, for the per-caller share of each provider's
 * concurrency: one read schedule serves every subscriber, so its calls are nobody's in particular.
 */
const WATCH_CALLER = '(jobUpdates pollers)';

/** The context one subscription executes with: its own identity, so field authorization applies per subscriber and per event. */
export interface WatchContext extends AuthContext, JobFieldsContext {
  config: Config;
  requestId: string;
  /**
   * Watch these jobs (a malformed ID is already its Error): each job's record at once, then on
   * each change; completes when every job is settled (watchSettled) or failed. Refuses, before any upstream
   * call, more distinct jobs than the per-request budget and subscriptions over the caps.
   */
  watchJobs(
    items: readonly (JobKey | Error)[],
    fields?: ReadonlySet<string>,
  ): AsyncIterableIterator<JobRecord | Error>;
  /**
   * The alias a job ARN's account ID names, as for queries (`RequestContext.accountAliasOfId`):
   * an account the caller may not read throws the audited FORBIDDEN, counted with the
   * subscription's other refusals.
   */
  accountAliasOfId: AccountAliasOf;
  /**
   * Follow the running job `id`'s log (`Subscription.jobLogs`, docs/logs.md): its new lines as
   * they are written, one item a line, until the job ends. Refused before any call without
   * `jobs:logs:read` or the account's grant; completes at once for a job with no log to follow.
   */
  watchJobLogs(id: string): AsyncIterableIterator<FollowedLine | Error>;
}

export interface WatchHubOptions {
  config: Config;
  sources: Sources;
  /** Bounds fixed in production that a test narrows (bounds.ts): the circuit pause. */
  bounds?: SubscriptionBounds;
  scheduler?: Scheduler;
  random?: () => number;
  /**
   * Which providers' jobs ride their source's list call when many are watched (watchLister.ts):
   * true (default) LIST_WATCH_PROVIDERS, false none, or these (a bench measures others).
   */
  listWatch?: boolean | ReadonlySet<JobProvider>;
  /**
   * One read schedule per job across the replicas: default the poll leases of the sources' shared
   * cache (Redis, JOBGRAPH_CACHE_URL), none without it; null: none (each process polls for itself).
   */
  pollLeases?: PollLeases | null;
  /**
   * The gateway's list snapshots, which list-assisted watching shares with `listJobs` (dated by
   * `scheduler`); default the hub's own.
   */
  listSnapshots?: ListSnapshots;
  /** The AWS accounts, for `Job.account`; none: the default account's ID when configured. */
  accounts?: AwsAccounts;
  /** Acting on jobs, for `Job.availableActions` and `Job.actionsTaken` in events; none: none available, none taken. */
  actions?: JobActions;
  /** The gateway's job queues, for `Job.waiting` in events (docs/queues.md); none: null. */
  queues?: QueueBook;
  /** The history store, for a queue's p90 in `Job.waiting`; none: history off. */
  historyDatabase?: HistoryDatabase;
  /** Where a watch of an account the caller may not read is logged and counted. */
  audit?: AccountAudit;
  /**
   * The job events' source (JOBGRAPH_EVENT_QUEUES): its events are applied to the watchers, and a
   * watched job it covers is polled only at its kind's reconciliation (JOBGRAPH_EVENT_RECONCILE_SECONDS,
   * a fifth of it for a kind of best-effort events).
   */
  events?: Pick<EventQueues, 'attach' | 'covers' | 'onCoverage' | 'peerSeen'>;
  /**
   * The process's job-state store, built once by the gateway (app.ts) and shared with `listJobs`;
   * absent (a hub alone, in tests): the hub's own, dated by its scheduler.
   */
  states?: JobStates;
  /** Job logs (docs/logs.md), for `jobLogs`; none: no job's log is followed. */
  logs?: JobLogs;
  /** Whether the watches' background reads wait now (the history writer's bound); none: never. */
  background?: WatchOptions['background'];
}

/** The poll leases of the cache the sources share (Redis), if any. */
function sharedPollLeases(sources: Sources): PollLeases | undefined {
  for (const guarded of Object.values(sources) as GuardedSource[])
    if (guarded.cache?.pollLeases) return guarded.cache.pollLeases;
  return undefined;
}

/** The process's read schedules, slots and open streams. */
export class WatchHub {
  readonly registry: WatchRegistry;
  /** Watched jobs' reads since start, by why they were made (`jobgraph_watch_reads_total`). */
  readonly reads: Record<ReadReason, number> = { first: 0, confirm: 0, reconcile: 0, poll: 0 };
  readonly slots: SubscriptionSlots;
  readonly scheduler: Scheduler;
  private readonly streams = new Set<JobStream>();
  private readonly config: Config;
  private readonly accounts: AwsAccounts | undefined;
  private readonly audit: AccountAudit | undefined;
  private readonly actions: JobActions | undefined;
  private readonly queues: Pick<JobFieldsParts, 'queues' | 'historyDatabase'>;
  /** Applies the job events to the watchers (with or without an event source: replicas share theirs). */
  readonly events: EventApplier;
  /** What the process knows of each job's state (the one store). */
  readonly states: JobStates;
  private readonly feed: WatchHubOptions['events'];
  private readonly offCoverage: (() => void) | undefined;
  /** The live tails (`jobLogs`): one poller per stream; none without job logs. */
  readonly logFollowers: LogFollowers | undefined;
  private closed = false;

  constructor(options: WatchHubOptions) {
    const { config, sources } = options;
    this.config = config;
    this.accounts = options.accounts;
    this.audit = options.audit;
    this.actions = options.actions;
    this.queues = { queues: options.queues, historyDatabase: options.historyDatabase ?? null };
    this.scheduler = options.scheduler ?? systemScheduler;
    const leases =
      options.pollLeases === undefined ? sharedPollLeases(sources) : options.pollLeases;
    const states =
      options.states ??
      new JobStates({
        now: () => this.scheduler.now(),
        learn: (record) => secretValues.learnRecord(record),
      });
    const feed = options.events;
    this.feed = feed;
    this.states = states;
    const slotMs = pollSlotMs(config.watch.pollMs);
    this.registry = new WatchRegistry({
      fetch: (key, answer, reason) => {
        this.reads[reason] += 1;
        return fetchJobShared(
          sources[key.provider] as GuardedSource,
          key as never,
          WATCH_CALLER,
          answer,
        );
      },
      pollMs: config.watch.pollMs,
      maxPollMs: config.watch.maxPollMs,
      breakerPauseMs: options.bounds?.breakerHalfOpenMs ?? BREAKER_HALF_OPEN_MS,
      scheduler: this.scheduler,
      ...(options.random ? { random: options.random } : {}),
      // Polls due together share one wake-up and a batch describe; the phase is this process's own.
      slots: { ms: slotMs, phase: Math.floor((options.random ?? Math.random)() * slotMs) },
      ...(leases ? { leases } : {}),
      events: {
        covered: (key) =>
          feed?.covers(key, accountOf(config, key), 'region' in key ? key.region : '') === true,
        reconcileMs: config.events.reconcileMs,
        ...(feed ? { heard: feed.peerSeen } : {}),
      },
      states,
      ...(options.background ? { background: options.background } : {}),
      ...(options.listWatch === false
        ? {}
        : {
            lister: createWatchLister({
              sources,
              config,
              caller: WATCH_CALLER,
              ...(options.listWatch instanceof Set ? { providers: options.listWatch } : {}),
              // Dated by the read schedules' clock: a pass compares a snapshot's age with its
              // interval.
              snapshots:
                options.listSnapshots ??
                createListSnapshots(config, { now: () => this.scheduler.now() }),
            }),
          }),
    });
    this.slots = new SubscriptionSlots(config.watch.maxPerCaller, config.watch.maxTotal);
    this.logFollowers = options.logs ? new LogFollowers(options.logs, this.scheduler) : undefined;
    const events = new EventApplier(config, this.registry, leases ?? undefined, states);
    this.events = events;
    feed?.attach((event) => events.apply(event));
    this.offCoverage = feed?.onCoverage(() => this.registry.coverageChanged());
  }

  /** Whether a token has stopped being accepted (exp + the verifier's clock tolerance). */
  expired(identity: Identity): boolean {
    return (
      identity.expiresAt !== undefined &&
      this.scheduler.now() >= identity.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000
    );
  }

  /** A subscription's context for `identity`. */
  context(identity: Identity, requestId: string): WatchContext {
    // One set-up's refusals, an ARN's and a watched job's alike: one audit line per subscription.
    const refusals = this.audit?.forRequest(identity, requestId);
    const context: WatchContext = {
      // The Job fields that read the caller's context: the same as a query's (context.ts).
      ...jobFieldsContext(
        {
          config: this.config,
          accounts: this.accounts,
          events: this.feed,
          actions: this.actions,
          ...this.queues,
        },
        identity,
      ),
      config: this.config,
      requestId,
      identity,
      watchJobs: (items, fields) => this.watch(identity, items, refusals, fields),
      accountAliasOfId: aliasOfAccountId(
        this.config,
        this.accounts,
        identity.accounts,
        (provider, account, shown) =>
          refusals
            ? refusals.refuse('jobUpdates', provider, account, shown)
            : new AccountForbiddenError(shown),
      ),
      watchJobLogs: (id) => this.watchLogs(identity, id, context.accountAliasOfId, refusals),
    };
    return context;
  }

  /**
   * `jobLogs(id)`: the scope and the account checked first (no call otherwise), then the job
   * watched as `jobUpdates` watches it (its slot counted, its read schedule shared) to know its
   * log's place and when it ends, and its stream followed by the one poller of that stream.
   */
  private watchLogs(
    identity: Identity,
    id: string,
    aliasOf: AccountAliasOf,
    refusals: RequestAudit | undefined,
  ): AsyncIterableIterator<FollowedLine | Error> {
    const refused = logsScopeRefusal(identity, 'Subscription.jobLogs');
    if (refused) throw refused;
    const key = this.permitted(identity, parseGlobalId(id, 'id', aliasOf), refusals);
    refusals?.flush();
    if (key instanceof Error) throw key;
    const out = new LineQueue();
    const followers = this.logFollowers;
    const provider = providerOf(key.provider);
    const account = accountOf(this.config, key);
    const job = this.watch(identity, [key], refusals, new Set(['state', 'terminal']));
    let following: { leave(): void; jobEnded(): void } | undefined;
    const stop = () => {
      following?.leave();
      void job.return();
    };
    out.onReturn(stop);
    void (async () => {
      for await (const item of job) {
        if (item instanceof Error) return out.fail(item);
        if (!following) {
          const where = provider.logs && !item.terminal ? provider.logs.place(item, null) : null;
          if (!followers || !where || 'unavailable' in where) return out.end();
          following = followers.follow(
            { provider: key.provider, account, place: where },
            { line: (line) => out.push(line), end: () => out.end() },
          );
        }
        if (item.terminal) return following.jobEnded();
      }
      // The watch ended without the job's end: this subscriber left (or its token expired), which
      // ends its own tail alone. Telling the stream's shared poller the job ended would end every
      // other subscriber's tail with it.
      following?.leave();
      out.end();
    })().catch((err: unknown) => out.fail(err instanceof Error ? err : new Error(String(err))));
    return out;
  }

  /**
   * A job of an account the caller may not read is refused before any event or poll: its item is
   * the FORBIDDEN error (an event of its own, as a malformed ID's), and it is never watched.
   */
  private permitted(
    identity: Identity,
    item: JobKey | Error,
    refusals: RequestAudit | undefined,
  ): JobKey | Error {
    if (item instanceof Error) return item;
    const account = accountOf(this.config, item);
    if (mayRead(identity.accounts, item.provider, account)) return item;
    return refusals
      ? refusals.refuse('jobUpdates', item.provider, account)
      : new AccountForbiddenError();
  }

  private watch(
    identity: Identity,
    items: readonly (JobKey | Error)[],
    refusals: RequestAudit | undefined,
    fields: ReadonlySet<string> | undefined,
  ): JobStream {
    const max = this.config.limits.maxJobsPerRequest;
    const distinct = new Map<string, JobKey | Error>();
    items.forEach((raw, i) => {
      const item = this.permitted(identity, raw, refusals);
      distinct.set(item instanceof Error ? `#${i}` : formatGlobalId(item), item);
    });
    // Every item is judged at set-up: its refusals are one line, however many there were.
    refusals?.flush();
    const keys = [...distinct.values()].filter((item) => !(item instanceof Error)).length;
    if (keys > max) throw new JobBudgetError(max, keys);
    const release = this.slots.acquire(identity.subject ?? NO_SUBJECT_CALLER);
    // Shutting down: a stream that completes at once.
    const watched = this.closed ? [] : [...distinct.values()];
    let stream: JobStream | undefined = undefined;
    stream = new JobStream(watched, {
      registry: this.registry,
      scheduler: this.scheduler,
      ...(identity.expiresAt !== undefined
        ? { endsAt: identity.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 }
        : {}),
      secrets: identity.scopes.has(SCOPE_SECRETS),
      ...(fields ? { fields } : {}),
      onEnd: () => {
        release();
        if (stream) this.streams.delete(stream);
      },
    });
    if (!stream.isEnded()) this.streams.add(stream);
    return stream;
  }

  /** Open subscriptions now. */
  open(): number {
    return this.streams.size;
  }

  /** Shutdown: refuse new subscriptions, complete every open stream (queued events first), stop the read schedules. */
  close(): void {
    this.closed = true;
    this.offCoverage?.();
    this.logFollowers?.close();
    for (const stream of [...this.streams]) stream.end();
    this.registry.close();
  }
}
