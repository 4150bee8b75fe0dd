import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { historyGauges, type HistorySizeView } from './historyMetrics.ts';
import type { JobProvider } from '../model/job.ts';
import { accessCounters, accountStateGauge, type AccountStateView } from './accountMetrics.ts';
import { boundChild, LabelCounts, type Observer } from './labelCounts.ts';
import {
  breakerGauge,
  rateBudgetMetrics,
  servedCounters,
  upstreamMetrics,
  type BreakerState,
} from './upstreamMetrics.ts';
import { watchMetrics, type WatchState } from './watchMetrics.ts';
import {
  eventCounters,
  eventQueueGauge,
  eventQueuePausesCounter,
  eventsMissedCounter,
  subscriberFailuresCounter,
  redisUpGauge,
  lastAppliedGauge,
  type LastApplied,
  storeGauges,
  type BoundedStore,
} from './eventMetrics.ts';

export type { BoundedStore } from './eventMetrics.ts';
export type { AccountStateView } from './accountMetrics.ts';
export type { BreakerState } from './upstreamMetrics.ts';
export type { WatchState } from './watchMetrics.ts';

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
 *   and running read schedules (one per watched job), read from the hub at scrape time
 *   (`watchSource`); 0 without one;
 * - `jobgraph_watch_pollers_by_role{role}`: the read schedules by role — `holder` (it holds the
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
  readonly #rate: ReturnType<typeof rateBudgetMetrics>;
  readonly #served: ReturnType<typeof servedCounters>;
  /** GraphQL requests by operation type and outcome, plain numbers until a scrape (see {@link LabelCounts}). */
  readonly #graphqlRequests = new LabelCounts(['operation_type', 'outcome']);
  readonly #graphqlDuration: Histogram<'operation_type'>;
  /** The GraphQL duration histogram's child of each operation type, bound once. */
  readonly #graphqlDurationOf = new Map<string, Observer>();
  readonly #access: ReturnType<typeof accessCounters>;
  readonly #eventCounts: ReturnType<typeof eventCounters>;
  #eventsMissed: (() => ReadonlyMap<JobProvider, number>) | undefined = undefined;
  #subscriberFailures: (() => number) | undefined = undefined;
  /** The reasons `jobgraph_events_rejected_total` has a label value of (EVENT_REJECT_REASONS at most). */
  readonly #rejectReasons = new Set<string>();
  readonly #cacheRejected: Counter<'kind' | 'reason'>;
  readonly #writes: ReturnType<typeof writeCounters>;
  readonly #notify: ReturnType<typeof notificationMetrics>;
  #notificationsBacklog: (() => { depth: number; oldestAgeSeconds: number }) | undefined;
  #watch: (() => WatchState) | undefined;
  #eventQueues: (() => readonly { queue: string; state: string; pauses?: number }[]) | undefined;
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
    this.#rate = rateBudgetMetrics(registers);
    breakerGauge(registers, breakers);
    this.#served = servedCounters(registers);
    graphqlRequestsCounter(registers, this.#graphqlRequests);
    this.#graphqlDuration = graphqlDurationHistogram(registers);
    this.#access = accessCounters(registers);
    this.#writes = writeCounters(registers);
    this.#notify = notificationMetrics(registers, () => this.#notificationsBacklog?.());
    this.#cacheRejected = cacheRejectedCounter(registers);
    watchMetrics(registers, () => this.#watch?.());
    this.#eventCounts = eventCounters(registers);
    historyGauges(registers, () => this.#history?.());
    eventQueueGauge(registers, () => this.#eventQueues?.() ?? []);
    eventQueuePausesCounter(registers, () => this.#eventQueues?.() ?? []);
    redisUpGauge(registers, () => this.#redisUp?.());
    eventsMissedCounter(registers, () => this.#eventsMissed?.());
    subscriberFailuresCounter(registers, () => this.#subscriberFailures?.() ?? 0);
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
    if (waitedMs >= 1) this.#rate.waits.inc({ provider });
    this.#rate.wait.observe({ provider }, waitedMs / 1000);
  }

  /** A call was refused UPSTREAM_THROTTLED by the rate budget. */
  rateThrottled(provider: JobProvider): void {
    this.#rate.throttled.inc({ provider });
  }

  /** One STS AssumeRole for the account aliased `account`. */
  assumeRole(account: string, outcome: 'ok' | 'failed'): void {
    this.#access.assumeRole.inc({ account, outcome });
  }

  /** A job, list filter or watch refused for its account (one per refused reference, however few lines the audit log writes). */
  accountRefused(reason: string): void {
    this.#access.accountRefusals.inc({ reason });
  }

  /** A request or operation refused RATE_LIMITED (its caller over JOBGRAPH_CALLER_RATE); never who the caller is. */
  callerRateLimited(transport: 'http' | 'sse' | 'ws'): void {
    this.#access.callerRateLimited.inc({ transport });
  }

  /** Job changes the history store wrote, dropped or failed to write (src/history/writer.ts). */
  historyWrites(
    outcome: 'written' | 'coalesced' | 'dropped' | 'failed' | 'over_bound',
    n: number,
  ): void {
    this.#writes.historyWrites.inc({ outcome }, n);
  }

  /** One action on a job, or its refusal (actions/jobActions.ts). */
  jobAction(provider: string, action: string, outcome: string): void {
    this.#writes.jobActions.inc({ provider, action, outcome });
  }

  /** The outbox's backlog, read when /metrics is scraped (src/notifications/index.ts). */
  notificationsBacklog(source: () => { depth: number; oldestAgeSeconds: number }): void {
    this.#notificationsBacklog = source;
  }

  /** What notifications count (src/notifications/index.ts). */
  notificationsMetrics(): {
    ruleChange(change: string): void;
    attempt(outcome: string): void;
    rulesSkipped(count: number): void;
    outboxFailure(): void;
  } {
    return {
      ruleChange: (change) => this.#notify.ruleChanges.inc({ change }),
      attempt: (outcome) => this.#notify.attempts.inc({ outcome }),
      rulesSkipped: (count) => this.#notify.rulesSkipped.inc(count),
      outboxFailure: () => this.#notify.outboxFailures.inc(),
    };
  }

  /** A value read back from Redis was not believed (src/cache/sealed.ts). */
  cacheRejected(kind: string, reason: string): void {
    this.#cacheRejected.inc({ kind, reason });
  }

  cacheLookup(result: 'hit' | 'miss'): void {
    this.#served.cacheRequests.inc({ result });
  }

  coalesced(provider: JobProvider): void {
    this.#served.coalesced.inc({ provider });
  }

  /** A job the provider no longer knew, answered with its retained record. */
  retainedAnswer(provider: JobProvider): void {
    this.#served.retained.inc({ provider });
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
    this.#eventCounts.events.inc({ provider: provider ?? 'none', outcome });
  }

  /** A message of `queue` rejected for `reason` (a fixed phrase of the code, never of the message; bounded all the same). */
  eventRejected(queue: string, reason: string): void {
    if (!this.#rejectReasons.has(reason) && this.#rejectReasons.size >= EVENT_REJECT_REASONS)
      reason = 'other';
    else this.#rejectReasons.add(reason);
    this.#eventCounts.rejected.inc({ queue, reason });
  }

  /** What `jobgraph_events_missed_total` reads at each scrape (the job-state store's count). */
  eventsMissed(source: () => ReadonlyMap<JobProvider, number>): void {
    this.#eventsMissed = source;
  }

  /** What `jobgraph_job_states_listener_failures_total` reads at each scrape (the job-state store's count). */
  statesSubscriberFailures(source: () => number): void {
    this.#subscriberFailures = source;
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
  eventQueueSource(
    source: () => readonly { queue: string; state: string; pauses?: number }[],
  ): void {
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

type Registers = Registry[];

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

/** Job changes given to the history store, and actions on jobs. */
function writeCounters(registers: Registers) {
  return {
    historyWrites: new Counter({
      name: 'jobgraph_history_writes_total',
      help: "Job changes given to the history store (JOBGRAPH_HISTORY_URL), by outcome: written (committed in a batch), coalesced (the store was behind, and a later change of its job waiting with it took its place; or an action's answer that made no call added to its audit row waiting to be written), dropped (recorded after the store closed) or failed (the database refused its job's row, each job tried alone, or the database failed: then the store is degraded). The action audit's rows count here too. over_bound counts, besides, the changes of jobs admitted while more jobs waited than the writer's bound (each written and counted later).",
      labelNames: ['outcome'],
      registers,
    }),
    jobActions: new Counter({
      name: 'jobgraph_job_actions_total',
      help: 'Actions on jobs asked through the mutations (docs/actions.md), by provider, action (CANCEL, TERMINATE) and outcome (REQUESTED, ALREADY_FINISHED, NOT_APPLIED, NOT_SUPPORTED, WOULD_APPLY, FAILED, REFUSED).',
      labelNames: ['provider', 'action', 'outcome'],
      registers,
    }),
  };
}

/** Notification rules' changes, delivery attempts, and the outbox's backlog (`backlog`, at scrape time). */
function notificationMetrics(
  registers: Registers,
  backlog: () => { depth: number; oldestAgeSeconds: number } | undefined,
) {
  const counters = {
    ruleChanges: new Counter({
      name: 'jobgraph_notification_rule_changes_total',
      help: 'Changes of notification rules (docs/notifications.md), by change (CREATE, UPDATE, DELETE, DISABLE, TEST, REDELIVER, ROTATE): each also a log line and a row.',
      labelNames: ['change'],
      registers,
    }),
    rulesSkipped: new Counter({
      name: 'jobgraph_notification_rules_skipped_total',
      help: 'Rules a job transition matched beyond the most one transition is delivered to (50, the oldest kept): not delivered (docs/notifications.md).',
      registers,
    }),
    outboxFailures: new Counter({
      name: 'jobgraph_notification_outbox_failures_total',
      help: 'Passes of the notification outbox that failed (its store refused them), each tried again after 1 s, twice as long after each failure in a row up to 30 s, and deliveries attempted at once whose store refused them; each also a warn line (docs/notifications.md).',
      registers,
    }),
    attempts: new Counter({
      name: 'jobgraph_notifications_total',
      help: 'Notification delivery attempts (docs/notifications.md), by outcome (delivered, retrying, failed, disabled: the rule was disabled by it).',
      labelNames: ['outcome'],
      registers,
    }),
  };
  new Gauge({
    // duplicates: data — metric declarations: each its own name, help and labels
    name: 'jobgraph_notifications_queue_depth',
    help: 'Notification deliveries not yet delivered nor given up (PENDING or RETRYING), as this replica last counted them (after each pass of its outbox: a delivery, and at least every 30 s).',
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
  return counters;
}
/** Values read back from Redis that were not believed. */
const cacheRejectedCounter = (registers: Registers) =>
  new Counter({
    name: 'jobgraph_cache_rejected_total',
    help: 'Values read back from Redis that were not believed (each a miss: read upstream instead), by kind (job, list, poll, watch, outcome, sse, rate, caller, presence, logs, queues) and reason (mac: not sealed under JOBGRAPH_CLUSTER_SECRET, by a replica with another secret or a forger; binding: of another job or account than its key; malformed; oversized; clamped: a time further ahead than jobgraph writes).',
    labelNames: ['kind', 'reason'],
    registers,
  });
