import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { historyGauges, type HistorySizeView } from './historyMetrics.ts';
import type { JobProvider } from '../model/job.ts';
import {
  eventQueueGauge,
  eventsMissedCounter,
  listenerFailuresCounter,
  redisUpGauge,
  lastAppliedGauge,
  type LastApplied,
  storeGauges,
  type BoundedStore,
} from './eventMetrics.ts';

export type { BoundedStore, StoreFillView } from './eventMetrics.ts';

/** Upper bounds of the upstream latency histogram, in s (the job budget is 15 s by default). */
const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** Upper bounds of the rate budget's wait histogram, in s (a wait ends within the job budget). */
const RATE_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** Upper bounds of the gateway's own GraphQL request duration histogram, in s. */
const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * How often the default metrics' event-loop delay monitor (`nodejs_eventloop_lag_*`, Node's
 * monitorEventLoopDelay) samples, in ms. prom-client's 10 ms wakes an idle process 100 times a
 * second, which cost more CPU than any part of a poll's own path in a gateway watching many jobs
 * (docs/performance.md has the figures). The lag percentiles then rest on ten samples a second: a stall shorter than 100 ms shows
 * in them when a sample falls due inside it (the longer the stall, the likelier), one longer always.
 */
export const EVENT_LOOP_RESOLUTION_MS = 100;

/** How a watched job is polled by this replica (src/subscriptions/pollers.ts `PollRole`). */
type WatchRole = 'holder' | 'follower' | 'alone';
const WATCH_ROLES: readonly WatchRole[] = ['holder', 'follower', 'alone'];

/** What the subscription gauges read at scrape time: open subscriptions, running pollers, poll leases. */
export interface WatchState {
  open: number;
  pollers: number;
  /** Running pollers by role (src/subscriptions/pollers.ts `PollRole`): `holder` is the poll leases held. */
  roles?: Readonly<Record<WatchRole, number>>;
  /** Polls since start by how they were made. */
  polls?: Readonly<Record<WatchRole, number>>;
}

/** A provider region's circuit state, for the breaker gauge. */
export interface BreakerState {
  provider: JobProvider;
  region: string;
  /** The account's alias (`default`: the default account). */
  account: string;
  /** True while open or half-open (calls refused, or only one trial let through). */
  open: boolean;
}

/**
 * The Prometheus metrics of one gateway, on a registry of its own (not prom-client's global
 * one), so several gateways in one process (the tests) never share or clash.
 *
 * - `jobgraph_upstream_requests_total{provider,outcome}`: one per upstream attempt (retries
 *   included); outcome `ok` or the public error code the attempt maps to;
 * - `jobgraph_upstream_request_duration_seconds{provider}`: each attempt's duration;
 * - `jobgraph_upstream_retries_total{provider}`: attempts after a job's first;
 * - `jobgraph_upstream_rate_waits_total{provider}`, `jobgraph_upstream_rate_throttled_total{provider}`,
 *   `jobgraph_upstream_rate_wait_seconds{provider}` (histogram): the rate budget
 *   (JOBGRAPH_UPSTREAM_RATE_LIMITS) — calls that waited for their turn, calls refused
 *   UPSTREAM_THROTTLED by it, and how long each call that went waited (0 for most while under budget);
 * - `jobgraph_breaker_open{provider,account,region}`: 1 while an account's region's circuit is open or half-open,
 *   0 once it closed again (a region appears after its first call);
 * - `jobgraph_caller_rate_limited_total{transport}`: requests and WebSocket operations refused
 *   RATE_LIMITED, their caller over JOBGRAPH_CALLER_RATE (`http`, `sse` or `ws`);
 * - `jobgraph_job_cache_requests_total{result}`: cross-request cache lookups, `hit` or `miss`;
 * - `jobgraph_cache_rejected_total{kind,reason}`: values read back from Redis not believed
 *   (src/cache/sealed.ts), each a miss;
 * - `jobgraph_redis_up`: 1 while Redis is there, 0 while it is away (src/cache/sharedRedis.ts's one signal);
 * - `jobgraph_graphql_requests_total{operation_type,outcome}`: one per GraphQL request;
 *   outcome `ok`, or the `extensions.code` of its first error;
 * - `jobgraph_graphql_request_duration_seconds{operation_type}`: a GraphQL request's duration
 *   in the gateway, from Apollo's requestDidStart to willSendResponse; `unknown` when the
 *   operation did not resolve;
 * - `jobgraph_subscriptions_open`, `jobgraph_watch_pollers`: open `jobUpdates` subscriptions
 *   and running shared pollers, read from the hub at scrape time (`watchSource`); 0 without one;
 * - `jobgraph_watch_pollers_by_role{role}`: the running pollers by role — `holder` (it holds the
 *   job's poll lease: the leases held), `follower` (another replica polls the job for it), `alone`
 *   (it polls without a lease: no Redis, or Redis down);
 * - `jobgraph_watch_polls_total{role}`: watched jobs' polls, `holder` (this replica's call under
 *   the job's lease), `alone` (its call without one) or `follower` (another replica's poll
 *   received, no call); both read from the hub at scrape time;
 * - `jobgraph_history_bytes`, `jobgraph_history_max_bytes`, `jobgraph_history_oldest_seconds`: the
 *   history store's size, its budget and its oldest job's age, at its last measure (`historySource`);
 * - `jobgraph_events_rejected_total{queue,reason}`: job event queue messages rejected unapplied;
 * - `jobgraph_events_last_applied_age_seconds{queue,provider}`: since each queue's last applied event of a provider;
 * - `jobgraph_account_state{cloud,account,state}`: 1 for each account's current state (READY,
 *   FAILED, NOT_CONFIGURED, UNTRIED), 0 for the others, read at scrape time (`accountSource`);
 * - the default process metrics (CPU, memory, event loop, handles), without a prefix.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Upstream attempts by provider and outcome, plain numbers until a scrape (see {@link LabelCounts}). */
  readonly #upstreamRequests = new LabelCounts(['provider', 'outcome']);
  readonly #upstreamRetries = new LabelCounts(['provider']);
  readonly #upstreamDuration: Histogram<'provider'>;
  /** The duration histogram's child of each provider, bound once (prom-client's `labels`). */
  readonly #durationOf = new Map<string, Observer>();
  readonly #rateWaits: Counter<'provider'>;
  readonly #rateThrottled: Counter<'provider'>;
  readonly #rateWait: Histogram<'provider'>;
  readonly #cacheRequests: Counter<'result'>;
  readonly #coalesced: Counter<'provider'>;
  readonly #retained: Counter<'provider'>;
  /** GraphQL requests by operation type and outcome, plain numbers until a scrape (see {@link LabelCounts}). */
  readonly #graphqlRequests = new LabelCounts(['operation_type', 'outcome']);
  readonly #graphqlDuration: Histogram<'operation_type'>;
  /** The GraphQL duration histogram's child of each operation type, bound once. */
  readonly #graphqlDurationOf = new Map<string, Observer>();
  readonly #assumeRole: Counter<'account' | 'outcome'>;
  readonly #accountRefusals: Counter<'reason'>;
  readonly #events: Counter<'provider' | 'outcome'>;
  #eventsMissed: (() => ReadonlyMap<JobProvider, number>) | undefined = undefined;
  #listenerFailures: (() => number) | undefined = undefined;
  readonly #eventRejected: Counter<'queue' | 'reason'>;
  /** The reasons `jobgraph_events_rejected_total` has a label value of (EVENT_REJECT_REASONS at most). */
  readonly #rejectReasons = new Set<string>();
  readonly #callerRateLimited: Counter<'transport'>;
  readonly #cacheRejected: Counter<'kind' | 'reason'>;
  readonly #historyWrites: Counter<'outcome'>;
  readonly #jobActions: Counter<'provider' | 'action' | 'outcome'>;
  readonly #notificationRuleChanges: Counter<'change'>;
  readonly #notifications: Counter<'outcome'>;
  #notificationsBacklog: (() => { depth: number; oldestAgeSeconds: number }) | undefined;
  #watch: (() => WatchState) | undefined;
  #eventQueues: (() => readonly { queue: string; state: string }[]) | undefined;
  #redisUp: (() => boolean) | undefined;
  #history: (() => HistorySizeView | null) | undefined;
  #eventsLastApplied: (() => readonly LastApplied[]) | undefined;
  #accounts: (() => readonly AccountStateView[]) | undefined;
  readonly #stores: BoundedStore[] = [];

  /** `breakers` lists every region's circuit state when /metrics is read. */
  constructor(breakers: () => BreakerState[]) {
    // Registered in this order, which is the order /metrics lists them in.
    const registers = [this.registry];
    this.#upstreamDuration = upstreamMetrics(
      registers,
      this.#upstreamRequests,
      this.#upstreamRetries,
    );
    const rate = rateBudgetMetrics(registers);
    this.#rateWaits = rate.waits;
    this.#rateThrottled = rate.throttled;
    this.#rateWait = rate.wait;
    breakerGauge(registers, breakers);
    this.#cacheRequests = cacheRequestsCounter(registers);
    this.#coalesced = coalescedCounter(registers);
    this.#retained = new Counter({
      name: 'jobgraph_retained_answers_total',
      help: 'Jobs the provider no longer knew (NOT_FOUND), answered with the record the history store keeps of them (JOBGRAPH_HISTORY_URL, docs/history.md), by provider.',
      labelNames: ['provider'],
      registers,
    });
    graphqlRequestsCounter(registers, this.#graphqlRequests);
    this.#graphqlDuration = graphqlDurationHistogram(registers);
    this.#assumeRole = new Counter({
      name: 'jobgraph_aws_assume_role_total',
      help: 'STS AssumeRole calls for the accounts of JOBGRAPH_AWS_ACCOUNTS (a session is kept and refreshed before it expires), by account alias and outcome (ok or failed).',
      labelNames: ['account', 'outcome'],
      registers,
    });
    this.#accountRefusals = new Counter({
      name: 'jobgraph_account_refusals_total',
      help: 'Jobs, list filters and watches refused because the token may not read the account, by reason: no_claim (the token has no accounts claim: default accounts only, or none when the claim is required), not_granted (its claim does not name the account), unknown_account (no such account is configured).',
      labelNames: ['reason'],
      registers,
    });
    this.#callerRateLimited = new Counter({
      name: 'jobgraph_caller_rate_limited_total',
      help: 'Requests and operations refused RATE_LIMITED because their caller was over its rate (JOBGRAPH_CALLER_RATE), by transport: http, sse or ws.',
      labelNames: ['transport'],
      registers,
    });
    this.#historyWrites = new Counter({
      name: 'jobgraph_history_writes_total',
      help: "Job changes given to the history store (JOBGRAPH_HISTORY_URL), by outcome: written (committed in a batch), coalesced (the store was behind, and a later change of its job waiting with it took its place), dropped (recorded after the store closed) or failed (the database refused its job's row, each job tried alone, or the database failed: then the store is degraded). The action audit's rows count here too. over_bound counts, besides, the changes of jobs admitted while more jobs waited than the writer's bound (each written and counted later).",
      labelNames: ['outcome'],
      registers,
    });
    this.#jobActions = new Counter({
      name: 'jobgraph_job_actions_total',
      help: 'Actions on jobs asked through the mutations (docs/actions.md), by provider, action (CANCEL, TERMINATE) and outcome (REQUESTED, ALREADY_FINISHED, NOT_APPLIED, NOT_SUPPORTED, WOULD_APPLY, FAILED, REFUSED).',
      labelNames: ['provider', 'action', 'outcome'],
      registers,
    });
    this.#notificationRuleChanges = new Counter({
      name: 'jobgraph_notification_rule_changes_total',
      help: 'Changes of notification rules (docs/notifications.md), by change (CREATE, UPDATE, DELETE, DISABLE, TEST, REDELIVER): each also a log line and a row.',
      labelNames: ['change'],
      registers,
    });
    this.#notifications = new Counter({
      name: 'jobgraph_notifications_total',
      help: 'Notification delivery attempts (docs/notifications.md), by outcome (delivered, retrying, failed, disabled: the rule was disabled by it).',
      labelNames: ['outcome'],
      registers,
    });
    const backlog = () => this.#notificationsBacklog?.();
    new Gauge({
      name: 'jobgraph_notifications_queue_depth',
      help: 'Notification deliveries not yet delivered nor given up (PENDING or RETRYING), as this replica last counted them (each second).',
      registers,
      collect() {
        const b = backlog();
        if (b) this.set(b.depth);
      },
    });
    new Gauge({
      name: 'jobgraph_notifications_oldest_undelivered_seconds',
      help: 'Age of the oldest notification delivery not yet delivered nor given up, s (0: none).',
      registers,
      collect() {
        const b = backlog();
        if (b) this.set(b.oldestAgeSeconds);
      },
    });
    this.#cacheRejected = new Counter({
      name: 'jobgraph_cache_rejected_total',
      help: 'Values read back from Redis that were not believed (each a miss: read upstream instead), by kind (job, list, poll, watch, outcome, sse, rate, caller, presence) and reason (mac: not sealed under JOBGRAPH_CLUSTER_SECRET, by a replica with another secret or a forger; binding: of another job or account than its key; malformed; oversized; clamped: a time further ahead than jobgraph writes).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    watchMetrics(registers, () => this.#watch?.());
    this.#events = new Counter({
      name: 'jobgraph_events_total',
      help: "Messages of the job event queues (JOBGRAPH_EVENT_QUEUES), by provider (none for a message that is no provider's event) and outcome: applied (a record applied without a describe call), hint (a re-read asked for), duplicate, stale (older than the state known), rejected (not a job event).",
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.#eventRejected = new Counter({
      name: 'jobgraph_events_rejected_total',
      help: "Messages of the job event queues rejected and deleted unapplied, by queue (<alias>:<region>:<name>) and reason (a fixed phrase: not JSON, not a job event of a provider, an account jobgraph does not read, an account its queue does not speak for, a region its queue does not speak for, …; 'other' past the first 32).",
      labelNames: ['queue', 'reason'],
      registers,
    });
    historyGauges(registers, () => this.#history?.());
    eventQueueGauge(registers, () => this.#eventQueues?.() ?? []);
    redisUpGauge(registers, () => this.#redisUp?.());
    eventsMissedCounter(registers, () => this.#eventsMissed?.());
    listenerFailuresCounter(registers, () => this.#listenerFailures?.() ?? 0);
    lastAppliedGauge(registers, () => this.#eventsLastApplied?.() ?? []);
    storeGauges(registers, () => this.#stores.flatMap((s) => s.fill?.() ?? []));
    accountStateGauge(registers, () => this.#accounts?.() ?? []);
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS,
    });
  }

  /** One upstream attempt: counted, its duration observed; no label object made for it. */
  upstreamAttempt(provider: JobProvider, attempt: number, outcome: string, seconds: number): void {
    this.#upstreamRequests.add(provider, outcome);
    boundChild(this.#durationOf, this.#upstreamDuration, provider).observe(seconds);
    if (attempt > 1) this.#upstreamRetries.add(provider);
  }

  /** A call got its turn of the rate budget after `waitedMs`. */
  rateGranted(provider: JobProvider, waitedMs: number): void {
    if (waitedMs >= 1) this.#rateWaits.inc({ provider });
    this.#rateWait.observe({ provider }, waitedMs / 1000);
  }

  /** A call was refused UPSTREAM_THROTTLED by the rate budget. */
  rateThrottled(provider: JobProvider): void {
    this.#rateThrottled.inc({ provider });
  }

  /** One STS AssumeRole for the account aliased `account`. */
  assumeRole(account: string, outcome: 'ok' | 'failed'): void {
    this.#assumeRole.inc({ account, outcome });
  }

  /** A job, list filter or watch refused for its account (one per refused reference, however few lines the audit log writes). */
  accountRefused(reason: string): void {
    this.#accountRefusals.inc({ reason });
  }

  /** A request or operation refused RATE_LIMITED (its caller over JOBGRAPH_CALLER_RATE); never who the caller is. */
  callerRateLimited(transport: 'http' | 'sse' | 'ws'): void {
    this.#callerRateLimited.inc({ transport });
  }

  /** Job changes the history store wrote, dropped or failed to write (src/history/writer.ts). */
  historyWrites(
    outcome: 'written' | 'coalesced' | 'dropped' | 'failed' | 'over_bound',
    n: number,
  ): void {
    this.#historyWrites.inc({ outcome }, n);
  }

  /** One action on a job, or its refusal (actions/jobActions.ts). */
  jobAction(provider: string, action: string, outcome: string): void {
    this.#jobActions.inc({ provider, action, outcome });
  }

  /** The outbox's backlog, read when /metrics is scraped (src/notifications/index.ts). */
  notificationsBacklog(source: () => { depth: number; oldestAgeSeconds: number }): void {
    this.#notificationsBacklog = source;
  }

  /** What notifications count (src/notifications/index.ts). */
  notificationsMetrics(): {
    ruleChange(change: string): void;
    attempt(outcome: string): void;
  } {
    return {
      ruleChange: (change) => this.#notificationRuleChanges.inc({ change }),
      attempt: (outcome) => this.#notifications.inc({ outcome }),
    };
  }

  /** A value read back from Redis was not believed (src/cache/sealed.ts). */
  cacheRejected(kind: string, reason: string): void {
    this.#cacheRejected.inc({ kind, reason });
  }

  cacheLookup(result: 'hit' | 'miss'): void {
    this.#cacheRequests.inc({ result });
  }

  coalesced(provider: JobProvider): void {
    this.#coalesced.inc({ provider });
  }

  /** A job the provider no longer knew, answered with its kept record. */
  retainedAnswer(provider: JobProvider): void {
    this.#retained.inc({ provider });
  }

  /** One GraphQL request counted: no label object made for it. */
  graphqlRequest(operationType: string, outcome: string): void {
    this.#graphqlRequests.add(operationType, outcome);
  }

  /** One GraphQL request's duration, observed through its operation type's child. */
  graphqlDuration(operationType: string, seconds: number): void {
    boundChild(this.#graphqlDurationOf, this.#graphqlDuration, operationType).observe(seconds);
  }

  /** One message of a job event queue and what became of it. */
  event(provider: JobProvider | null, outcome: string): void {
    this.#events.inc({ provider: provider ?? 'none', outcome });
  }

  /** A message of `queue` rejected for `reason` (a fixed phrase of the code, never of the message; bounded all the same). */
  eventRejected(queue: string, reason: string): void {
    if (!this.#rejectReasons.has(reason) && this.#rejectReasons.size >= EVENT_REJECT_REASONS)
      reason = 'other';
    else this.#rejectReasons.add(reason);
    this.#eventRejected.inc({ queue, reason });
  }

  /** What `jobgraph_events_missed_total` reads at each scrape (the job-state store's count). */
  eventsMissed(source: () => ReadonlyMap<JobProvider, number>): void {
    this.#eventsMissed = source;
  }

  /** What `jobgraph_job_states_listener_failures_total` reads at each scrape (the job-state store's count). */
  statesListenerFailures(source: () => number): void {
    this.#listenerFailures = source;
  }

  /** What the `jobgraph_history_*` size gauges read at each scrape (the store's last measure). */
  historySource(view: () => HistorySizeView | null): void {
    this.#history = view;
  }

  /** What `jobgraph_redis_up` reads at each scrape (the one Redis signal). */
  redisSource(up: () => boolean): void {
    this.#redisUp = up;
  }

  /** What `jobgraph_events_last_applied_age_seconds` reads at each scrape. */
  eventsLastApplied(source: () => readonly LastApplied[]): void {
    this.#eventsLastApplied = source;
  }

  /** What `jobgraph_event_queue_up` reads at each scrape. */
  eventQueueSource(source: () => readonly { queue: string; state: string }[]): void {
    this.#eventQueues = source;
  }

  /**
   * The bounded stores fed by outside input, which `jobgraph_store_*{store}` read at each scrape
   * (one without `fill`, or absent, is not shown: the kept jobs in Redis).
   */
  stores(...stores: (BoundedStore | undefined)[]): void {
    for (const store of stores) if (store?.fill) this.#stores.push(store);
  }

  /** What the subscription gauges read at each scrape (set once the subscription hub exists). */
  watchSource(source: () => WatchState): void {
    this.#watch = source;
  }

  /** Where `jobgraph_account_state` reads every account's state at scrape time. */
  accountSource(source: () => readonly AccountStateView[]): void {
    this.#accounts = source;
  }
}

/** Distinct reasons `jobgraph_events_rejected_total` labels at most; later ones count as `other`. */
const EVENT_REJECT_REASONS = 32;

/** Every state an account can be in (src/datasources/shared/accounts.ts `AccountState`). */
const ACCOUNT_STATES = ['READY', 'FAILED', 'NOT_CONFIGURED', 'UNTRIED'] as const;

/** One account's state, as `jobgraph_account_state` reads it. */
export interface AccountStateView {
  cloud: string;
  alias: string;
  state: (typeof ACCOUNT_STATES)[number];
}

/** Each account's state (one series per state, 1 for the current one), read at scrape time. */
function accountStateGauge(
  registers: Registers,
  accounts: () => readonly AccountStateView[],
): void {
  new Gauge({
    name: 'jobgraph_account_state',
    help: "1 for the state each account (cloud, alias; default: jobgraph's own credentials) is in — READY, FAILED, NOT_CONFIGURED or UNTRIED — 0 for the others: what an operator's /readyz lists, for alerts.",
    labelNames: ['cloud', 'account', 'state'],
    registers,
    collect() {
      this.reset();
      for (const a of accounts())
        for (const state of ACCOUNT_STATES)
          this.set({ cloud: a.cloud, account: a.alias, state }, a.state === state ? 1 : 0);
    },
  });
}

type Registers = Registry[];

/** What a histogram's child for one label value offers. */
interface Observer {
  observe(seconds: number): void;
}

/**
 * `histogram`'s child for the one label value `value`, bound the first time it is observed
 * (prom-client's `labels`, which hashes a label object on every call otherwise) and kept in
 * `children`. Bound only when observed, so /metrics lists no series that was never observed.
 */
function boundChild(
  children: Map<string, Observer>,
  histogram: Histogram<string>,
  value: string,
): Observer {
  let child = children.get(value);
  if (!child) {
    child = histogram.labels(value);
    children.set(value, child);
  }
  return child;
}

/**
 * Counts of one counter by its label values (one or two labels), kept as plain numbers — a row per
 * series, found through one Map per label, no label object or hash per count — and handed to the
 * counter when it is scraped (its documented `collect`), series in the order they first counted,
 * as the counter itself would list them.
 */
class LabelCounts {
  readonly #names: readonly [string] | readonly [string, string];
  readonly #rows: { labels: Record<string, string>; n: number }[] = [];
  readonly #index = new Map<string, Map<string, { n: number }>>();

  constructor(names: readonly [string] | readonly [string, string]) {
    this.#names = names;
  }

  /** One more of the series (`first`, `second`); `second` only for a counter of two labels. */
  add(first: string, second = ''): void {
    let inner = this.#index.get(first);
    if (!inner) this.#index.set(first, (inner = new Map<string, { n: number }>()));
    const row = inner.get(second);
    if (row) {
      row.n += 1;
      return;
    }
    const [a, b] = this.#names;
    const made = { labels: b === undefined ? { [a]: first } : { [a]: first, [b]: second }, n: 1 };
    inner.set(second, made);
    this.#rows.push(made);
  }

  /** The counts into `counter`, as its `collect` (at scrape time). */
  report(counter: Counter<string>): void {
    counter.reset();
    for (const row of this.#rows) counter.inc(row.labels, row.n);
  }
}

/** Upstream attempts: their count by outcome, their duration (returned), the retries. */
function upstreamMetrics(
  registers: Registers,
  requests: LabelCounts,
  retries: LabelCounts,
): Histogram<'provider'> {
  new Counter({
    name: 'jobgraph_upstream_requests_total',
    help: 'Upstream attempts (retries included), by provider and outcome (ok or the error code).',
    labelNames: ['provider', 'outcome'],
    registers,
    collect() {
      requests.report(this);
    },
  });
  const duration = new Histogram({
    name: 'jobgraph_upstream_request_duration_seconds',
    help: 'Duration of one upstream attempt, in seconds.',
    labelNames: ['provider'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  new Counter({
    name: 'jobgraph_upstream_retries_total',
    help: 'Upstream attempts after the first of a job (retries), by provider.',
    labelNames: ['provider'],
    registers,
    collect() {
      retries.report(this);
    },
  });
  return duration;
}

/** The rate budget: calls that waited, calls refused, the waits. */
function rateBudgetMetrics(registers: Registers) {
  return {
    waits: new Counter({
      name: 'jobgraph_upstream_rate_waits_total',
      help: 'Upstream calls that waited for a turn of the rate budget (JOBGRAPH_UPSTREAM_RATE_LIMITS), by provider.',
      labelNames: ['provider'],
      registers,
    }),
    throttled: new Counter({
      name: 'jobgraph_upstream_rate_throttled_total',
      help: 'Upstream calls refused UPSTREAM_THROTTLED by the rate budget (no turn within the job budget), by provider.',
      labelNames: ['provider'],
      registers,
    }),
    wait: new Histogram({
      name: 'jobgraph_upstream_rate_wait_seconds',
      help: 'Time an upstream call waited for its turn of the rate budget before it went, in seconds.',
      labelNames: ['provider'],
      buckets: RATE_WAIT_BUCKETS,
      registers,
    }),
  };
}

/** Each circuit (provider × account × region), read from `breakers` at scrape time. */
function breakerGauge(registers: Registers, breakers: () => BreakerState[]): void {
  new Gauge({
    name: 'jobgraph_breaker_open',
    help: "1 while the circuit breaker of a provider's region in an account (its alias; default: the default account) is open or half-open, else 0.",
    labelNames: ['provider', 'account', 'region'],
    registers,
    collect() {
      this.reset();
      for (const b of breakers())
        this.set({ provider: b.provider, account: b.account, region: b.region }, b.open ? 1 : 0);
    },
  });
}

/** Cross-request job cache lookups. */
const cacheRequestsCounter = (registers: Registers) =>
  new Counter({
    name: 'jobgraph_job_cache_requests_total',
    help: 'Cross-request job cache lookups, by result (hit or miss).',
    labelNames: ['result'],
    registers,
  });

/** Jobs served by another request's call in flight. */
const coalescedCounter = (registers: Registers) =>
  new Counter({
    name: 'jobgraph_upstream_coalesced_total',
    help: 'Jobs a request got from a call another request had in flight, instead of its own upstream call, by provider.',
    labelNames: ['provider'],
    registers,
  });

/** GraphQL requests by outcome, reported from `counts` at scrape time. */
const graphqlRequestsCounter = (registers: Registers, counts: LabelCounts) =>
  new Counter({
    name: 'jobgraph_graphql_requests_total',
    help: 'GraphQL requests, by operation type and outcome (ok or the first error code).',
    labelNames: ['operation_type', 'outcome'],
    registers,
    collect() {
      counts.report(this);
    },
  });

/** GraphQL request durations. */
const graphqlDurationHistogram = (registers: Registers) =>
  new Histogram({
    name: 'jobgraph_graphql_request_duration_seconds',
    help: 'Duration of a GraphQL request in the gateway (Apollo requestDidStart to willSendResponse), in seconds, by operation type.',
    labelNames: ['operation_type'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers,
  });

/** The subscription gauges and the polls counter, read from the hub (`watch`) at scrape time. */
function watchMetrics(registers: Registers, watch: () => WatchState | undefined): void {
  new Gauge({
    name: 'jobgraph_subscriptions_open',
    help: 'Open jobUpdates subscriptions (SSE and WebSocket).',
    registers,
    collect() {
      this.set(watch()?.open ?? 0);
    },
  });
  new Gauge({
    name: 'jobgraph_watch_pollers',
    help: 'Shared upstream pollers running for jobUpdates subscriptions (one per watched job).',
    registers,
    collect() {
      this.set(watch()?.pollers ?? 0);
    },
  });
  new Gauge({
    name: 'jobgraph_watch_pollers_by_role',
    help: "Running pollers by role: holder (holds the job's poll lease and polls it for every replica), follower (another replica polls it), alone (polls without a lease: no Redis, or Redis down).",
    labelNames: ['role'],
    registers,
    collect() {
      const roles = watch()?.roles;
      for (const role of WATCH_ROLES) this.set({ role }, roles?.[role] ?? 0);
    },
  });
  new Counter({
    name: 'jobgraph_watch_polls_total',
    help: "Polls of watched jobs, by role: holder (this replica's call, holding the job's lease), alone (its call without one), follower (another replica's poll received instead of a call).",
    labelNames: ['role'],
    registers,
    collect() {
      const polls = watch()?.polls;
      this.reset();
      for (const role of WATCH_ROLES) this.inc({ role }, polls?.[role] ?? 0);
    },
  });
}
