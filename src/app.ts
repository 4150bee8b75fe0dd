import { QueueBook } from './queues/book.ts';
import { randomBytes } from 'node:crypto';
import type { DestinationStream, Logger } from 'pino';
import { demoTokens, type DemoTokens } from './auth/demoTokens.ts';
import { accountGroupsNameAccounts, eventsOf, loadConfig, type Config } from './config/index.ts';
import {
  closeSources,
  createSources,
  transportLimits,
  type Sources,
  type UpstreamBounds,
} from './datasources/index.ts';
import { createJobLogs, type JobLogs } from './datasources/logs/jobLogs.ts';
import type { AwsAccounts, AccountState } from './datasources/shared/accounts.ts';
import { factsOf, failureOf } from './datasources/registry.ts';
import { AccountChecks } from './datasources/accountChecks.ts';
import type { EventQueues } from './datasources/events/eventQueues.ts';
import type { EmulatorSet } from '@jobgraph/emulators';
import type { WebhookReceiver } from '@jobgraph/emulators/webhookReceiver';
import { demoHistoryPlace } from './history/demoPlace.ts';
import { historyOn, openHistoryStore, retainedJobs, type History } from './history/index.ts';
import { openNotificationRules, type NotificationParts } from './notifications/index.ts';
import { createLogger } from './logger.ts';
import { openCallerRates, openCluster } from './cache/cluster.ts';
import type { ClusterPeers } from './cache/clusterPeers.ts';
import type { JobCache } from './cache/index.ts';
import { buildSchema, type BuiltSchema } from './schema.ts';
import { startServer, type RunningServer } from './http/server.ts';
import { FdHealth } from './http/health.ts';
import { awsAccounts, verifyAccounts } from './gateway/accountsAtStart.ts';
import {
  learnConfiguredSecrets,
  sensitiveFieldNames,
  shareRules,
} from './gateway/secretsAtStart.ts';
import { consoleLinks, openActions, openGatewayNotifications } from './gateway/services.ts';
import {
  openCache,
  openListSnapshots,
  openLogBudget,
  openRateBucket,
  openSharedReservations,
} from './gateway/sharedStores.ts';
import { keepCoverage, openEventQueues, openJobStates } from './gateway/stateStore.ts';
import type { JobStates } from './datasources/state/jobStates.ts';

export { demoExposureWarning, isLoopbackHost } from './http/loopback.ts';
import { createObservability, type Observability } from './observability/index.ts';
import type { BreakerState } from './observability/metrics.ts';
import type { Scheduler } from './subscriptions/scheduler.ts';
import type { SubscriptionBounds } from './subscriptions/bounds.ts';
import type { Schedule } from './notifications/notifier.ts';

export interface Gateway {
  config: Config;
  server: RunningServer;
  sources: Sources;
  built: BuiltSchema;
  logger: Logger;
  /** The cross-request cache of finished jobs, when on. */
  cache: JobCache | undefined;
  /** What /healthz reports (file-descriptor pressure). */
  health: FdHealth;
  /** Metrics and traces; undefined when both are off. */
  observability: Observability | undefined;
  /** The AWS accounts: the default one and JOBGRAPH_AWS_ACCOUNTS' roles. */
  accounts: AwsAccounts;
  /** Every account's state (AWS and COS, /readyz's `accounts`). */
  accountChecks: AccountChecks;
  /**
   * Live mode: every account's credentials verified once at start (STS GetCallerIdentity; one
   * signed COS call), settled when each check ended, bounded by the upstream timeout. Undefined
   * in demo mode, whose static keys the emulators always accept.
   */
  verification: Promise<AccountState[]> | undefined;
  /** The job event queues read (JOBGRAPH_EVENT_QUEUES), when any. */
  events: EventQueues | undefined;
  /** With Redis, the replicas sharing it as this one sees them (the summary's and /readyz's `cluster`). */
  cluster: ClusterPeers | undefined;
  /** The history store (JOBGRAPH_HISTORY_URL), null when off: docs/history.md. */
  history: History | null;
  /** Job logs (docs/logs.md): its `calls` count the GetLogEvents calls made. */
  jobLogs: JobLogs;
  /** Notification rules and their outbox (docs/notifications.md), null when off. */
  notifications: NotificationParts | null;
  close(): Promise<void>;
}

/** Build the schema and sources from a config and serve them. */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  // Here, not in loadConfig: the demo's accounts join the configuration after it is read.
  accountGroupsNameAccounts(config);
  const core = await openCore(config, options);
  const { logger, observability, cluster, history, accounts, sources } = core;
  const { logs, closeLogs } = await openJobLogs(config, core, options);
  const accountChecks = new AccountChecks(config, accounts);
  const verification = verifyAccounts(config, accountChecks, accounts, sources, logger);
  const { listSnapshots, sharedSnapshots } = await listSnapshotsOf(config, options, core);
  const { events, states, closeCoverage } = await openEventParts(
    config,
    core,
    listSnapshots.now,
    options.statesSize,
  );
  const { actionLog, actions } = openActions(
    config,
    sources,
    logger,
    history,
    states,
    observability,
  );
  const { queues, sharedQueues } = await openQueues(core, states);
  const notifications = openGatewayNotifications(config, {
    ...{ ...core, states, logs, queues },
    ...(options.confirmWindow ? { confirmWindow: options.confirmWindow } : {}),
    ...(options.bounds?.notifyMaxRules ? { maxRules: options.bounds.notifyMaxRules } : {}),
  });
  const sharedReservations = await openSharedReservations(config, logger, cluster);
  const callerRates = await openCallerRates(config, logger, cluster);
  const server = await startServer({
    ...serverParts(config, options, core),
    listSnapshots,
    accountStates: () => accountChecks.states(),
    ...(sharedReservations ? { sharedReservations } : {}),
    ...(events ? { events } : {}),
    states,
    actions,
    logs,
    queues,
    ...(notifications ? { notifications: notifications.notifications } : {}),
    ...(callerRates ? { callerRates } : {}),
    readinessDetails: readinessOf(core, notifications),
  });
  // Links start with the public URL; the demo's is its own address unless JOBGRAPH_PUBLIC_URL says otherwise.
  if (config.publicUrl === null && config.mode === 'demo')
    config.publicUrl = ownAddress(server.url);
  core.links.setBase(config.console ? config.publicUrl : null);
  // Read from now on: the watch hub, which applies the events, exists.
  events?.start();
  const { built, cache, health, rateBucket } = core;
  return {
    ...{ config, server, sources, built, logger, cache, health, observability, accounts },
    ...{ accountChecks, verification, events, cluster: cluster?.peers, history, jobLogs: logs },
    notifications,
    // The server first (no request reaches a closed part), the stores it used after it.
    close: closeInOrder([
      () => events?.close(),
      () => closeCoverage?.(),
      () => server.close(),
      () => notifications?.close(),
      () => closeSources(sources),
      closeLogs,
      () => sharedSnapshots?.close(),
      () => sharedReservations?.close(),
      () => sharedQueues?.close(),
      () => callerRates?.close(),
      () => cluster?.peers.close(),
      () => rateBucket?.close(),
      () => cache?.close(),
      () => cluster?.redis.close(),
      () => actionLog?.flush(),
      () => history?.close(),
      () => observability?.close(),
    ]),
  };
}

type Core = Awaited<ReturnType<typeof openCore>>;

/**
 * AWS Batch's job queues, read once for every caller: the graph's and the notifier's alike —
 * clustered, by every replica (queues/shared.ts: one reads, the others read it in Redis).
 */
async function openQueues({ cluster, sources }: Core, states: JobStates) {
  const sharedQueues = cluster
    ? (await import('./queues/shared.ts')).redisSharedQueues(cluster)
    : undefined;
  const queues = new QueueBook({ sources, ...(sharedQueues ? { shared: sharedQueues } : {}) });
  // `JobQueue.blocked` from the Queue Blocked events the store tells (queues/blocks.ts).
  states.subscribe(queues.blocks.subscriber);
  return { queues, sharedQueues };
}

/** The list snapshots, dated by the given clock, else the watch scheduler's, else the real one. */
function listSnapshotsOf(config: Config, options: GatewayOptions, { logger, cluster }: Core) {
  const scheduler = options.watchScheduler;
  return openListSnapshots(
    config,
    options.listClock ?? (scheduler ? () => scheduler.now() : undefined),
    logger,
    cluster,
  );
}

/** /readyz's details beyond the sources: Redis and the cluster, the history store, the outbox. */
function readinessOf(
  { cluster, history }: Core,
  notifications: ReturnType<typeof openGatewayNotifications>,
) {
  return () => ({
    ...(cluster ? { redis: cluster.redis.state, cluster: cluster.peers.state() } : {}),
    ...(history ? { history: history.health() } : {}),
    ...(notifications ? { notifications: notifications.outbox.backlog } : {}),
  });
}

/** The events' queues, the job states they feed, and what a restart kept of their coverage. */
async function openEventParts(
  config: Config,
  core: Core,
  now: () => number,
  statesSize: GatewayOptions['statesSize'],
) {
  const { logger, observability, cluster, history, accounts } = core;
  const events = openEventQueues(
    config,
    accounts,
    logger,
    observability,
    cluster?.redis,
    history?.bound,
  );
  const states = openJobStates(config, now, logger, observability, events, history, statesSize);
  // What a restart kept of the events' coverage, before the queues are read.
  const closeCoverage = await keepCoverage(events, history, logger);
  return { events, states, closeCoverage };
}

/** The origin of a listening /graphql URL, with `localhost` for the loopback address (a browser's secure context). */
function ownAddress(graphqlUrl: string): string {
  return new URL(graphqlUrl).origin.replace('//127.0.0.1:', '//localhost:');
}

/**
 * What the rest is built on, in the order each needs the one before: the schema, the log (its
 * redaction from the schema's sensitive fields), the secrets known at start, metrics, Redis, the
 * finished-job cache, the history store, the rate budget, the AWS accounts and the guarded
 * sources. The notifications' rules are made from the history's database before its writer,
 * which takes their batch hook as a constructor argument; the rest of the notifications (their
 * confirming reads need the sources and the job-state store) later, given the same rules.
 */
async function openCore(config: Config, options: GatewayOptions) {
  const built = buildSchema();
  const logger = createLogger(config.logLevel, sensitiveFieldNames(built), options.logDestination);
  learnConfiguredSecrets(config, built);
  const health = new FdHealth();
  let sources: Sources | undefined;
  const breakers = (): BreakerState[] =>
    Object.values(sources ?? {}).flatMap((g) =>
      g.breakers.states().map((b) => ({ provider: g.source.provider, ...b })),
    );
  const observability = await createObservability(config, breakers);
  const cluster = await openCluster(config, logger, (kind, reason) =>
    observability?.metrics?.cacheRejected(kind, reason),
  );
  if (cluster) observability?.metrics?.redisSource(() => cluster.redis.available());
  const share = shareRules(built);
  const cache = await openCache(config, share, logger, options.uncachedJobIds, cluster);
  // The notifications' rules first (they need only the database): the writer fires them.
  const database = await openHistoryStore(config, logger);
  const links = consoleLinks();
  const rules = openNotificationRules(
    config,
    database,
    logger,
    observability?.metrics?.notificationsMetrics(),
    links.url,
  );
  const history =
    database &&
    (await historyOn(
      database,
      config,
      { withoutSecrets: share.withoutSecrets, factsOf },
      logger,
      (outcome, n) => observability?.metrics?.historyWrites(outcome, n),
      {
        ...(rules ? { inBatch: rules.firing.inBatch } : {}),
        failureCategoryOf: (record) => failureOf(record)?.category ?? null,
        ...(options.bounds?.historyMaxQueue ? { maxQueue: options.bounds.historyMaxQueue } : {}),
      },
    ));
  if (history) observability?.metrics?.historySource(() => history.size());
  const rateBucket = await openRateBucket(config, logger, cluster);
  const accounts = awsAccounts(config, observability);
  sources = createSources(
    config,
    cache,
    health,
    observability,
    rateBucket,
    accounts,
    history ? retainedJobs(history.reader) : undefined,
    options.bounds,
  );
  return {
    ...{ built, logger, health, observability, cluster, share, cache, history, rateBucket },
    ...{ accounts, sources, rules, links },
  };
}

/** What startServer takes of the core and of the options as they are. */
function serverParts(config: Config, options: GatewayOptions, core: Core) {
  const { sources, built, logger, health, history, observability, accounts } = core;
  return {
    ...{ config, sources, built, logger, health, accounts },
    ...(history ? { history, backgroundReads: history.bound } : {}),
    ...(observability ? { observability } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.watchScheduler ? { watchScheduler: options.watchScheduler } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
  };
}

/**
 * Job logs (docs/logs.md): CloudWatch Logs through the same pipeline, on demand, budgeted; with
 * Redis the budget is the replicas' together (its lane closed by `closeLogs`, after the logs).
 */
async function openJobLogs(
  config: Config,
  core: Pick<
    Awaited<ReturnType<typeof openCore>>,
    'accounts' | 'observability' | 'logger' | 'cluster'
  >,
  options: Pick<GatewayOptions, 'watchScheduler' | 'bounds'>,
): Promise<{ logs: JobLogs; closeLogs: () => Promise<void> }> {
  const scheduler = options.watchScheduler;
  const halfOpenMs = options.bounds?.breakerHalfOpenMs;
  // The log budget on the read schedules' clock (a test's, moved by hand), else the real one;
  // in Redis, on Redis's.
  const now = scheduler ? () => scheduler.now() : undefined;
  const logBudget = await openLogBudget(config, core.logger, core.cluster, now);
  const logs = createJobLogs(
    config,
    {
      ...transportLimits(config),
      awsAccounts: core.accounts,
      ...(halfOpenMs === undefined ? {} : { breakerHalfOpenMs: halfOpenMs }),
    },
    core.observability,
    now,
    logBudget,
  );
  const closeLogs = async () => {
    logs.close();
    await logBudget?.close();
  };
  return { logs, closeLogs };
}

/** Each closer in turn, each awaited before the next. */
function closeInOrder(closers: readonly (() => unknown)[]): () => Promise<void> {
  return async () => {
    for (const close of closers) await close();
  };
}

/** How startGateway runs besides the configuration (logs, Sandbox, clocks, the cache's exceptions). */
export interface GatewayOptions {
  logDestination?: DestinationStream;
  sandbox?: { document?: string; headers?: Record<string, string> };
  watchScheduler?: Scheduler;
  /** Global IDs the cross-request cache never keeps, even finished (the demo's progressing jobs that start again in place after they finish). */
  uncachedJobIds?: ReadonlySet<string>;
  /**
   * The clock list snapshots are dated by (tests expire them by hand); default `watchScheduler`'s,
   * else the real one. The list-assisted watchers compare a snapshot's age with their poll
   * interval: with watchers about, it must move as `watchScheduler` does (the real clock plus an
   * offset, say).
   */
  listClock?: () => number;
  /**
   * Most jobs the job-state store holds (default STATES_SIZE, 50,000): a test makes it small to
   * prove what eviction keeps without sending 50,000 events.
   */
  statesSize?: number;
  /** Bounds fixed in production that a test narrows (see GatewayBounds). */
  bounds?: GatewayBounds;
  /** Arms the notifier's confirming window (a test holds it to end the window); default a real timer. */
  confirmWindow?: Schedule;
}

/**
 * Bounds that are constants beside their use, not configuration (no operator needed them), that a
 * test narrows to see each at work without making hundreds of anything; unset: the constants.
 */
export type GatewayBounds = UpstreamBounds &
  SubscriptionBounds & {
    /** The history writer's bound (default MAX_QUEUE, history/writer.ts). */
    historyMaxQueue?: number;
    /** Most notification rules a (provider, account) pair may have (default MAX_RULES, notifications/ruleBound.ts). */
    notifyMaxRules?: number;
  };

export interface DemoGateway extends Gateway {
  emulators: EmulatorSet;
  /** Where the demo's notification rules can deliver: a receiver verifying Standard Webhooks signatures. */
  webhookReceiver: WebhookReceiver;
  /**
   * Tokens signed with the key made at start: `read` has jobs:read, `secrets` adds
   * jobs:secrets:read, both for every account (`*`); `secondAccount` has jobs:read for the second
   * demo account alone.
   */
  tokens: DemoTokens;
  /** Where the tokens' key came from: JOBGRAPH_JWT_SECRET (so `jobgraph token` can mint more), or made at start. */
  tokenKey: 'JOBGRAPH_JWT_SECRET' | 'made at start';
  /** Where its history is, and what was there before this run (the banner's line). */
  historyPlace: string;
}

/** What `startDemo` takes: the environment, and the knobs tests and `jobgraph demo` set. */
interface DemoOptions {
  env?: Record<string, string | undefined>;
  logDestination?: DestinationStream;
  port?: number;
  sandboxDocument?: string;
  watchScheduler?: Scheduler;
  /** The emulators' clock and the progressing jobs' epoch (tests set the time instead of waiting); default the real clock, epoch at start. */
  emulatorClock?: { now?: () => number; epochMs?: number };
  /** The clock list snapshots are dated by (see `startGateway`). */
  listClock?: () => number;
  /** More role ARNs the emulated STS lets the demo assume (accounts without jobs; tests of many accounts). */
  emulatorRoles?: readonly string[];
  emulatorPortBase?: number;
  /** The emulators' call logs keep the newest this many calls each (`jobgraph demo`); default all. */
  emulatorKeepCalls?: number;
  /** The job-state store's bound (see `startGateway`). */
  statesSize?: number;
  /** Bounds fixed in production that a test narrows (see `startGateway`). */
  bounds?: GatewayBounds;
  /** Arms the notifier's confirming window (see `startGateway`). */
  confirmWindow?: Schedule;
}

/**
 * Demo mode: start the emulators (the six providers', STS and SQS), point a gateway at them with
 * the demo credentials, and make an HS256 key for the printed tokens. PORT, HOST and limits from
 * the environment still apply; endpoints and credentials are the emulators'. JOBGRAPH_EMULATOR_JOBS_PER_SOURCE
 * (in `env`) makes them a big account; `emulatorPortBase` puts them on base+1 … base+8 (else free ports).
 */
export async function startDemo(options: DemoOptions = {}): Promise<DemoGateway> {
  // Loaded here, not at the top: live mode never runs the emulators.
  const {
    DEMO_EVENT_REGION,
    DEMO_SECOND_AWS_ACCOUNT,
    IN_PLACE_PROGRESSING_JOB_IDS,
    demoEventQueuesVariable,
    startEmulators,
    withDemoUpstreams,
  } = await import('@jobgraph/emulators');
  const base = loadConfig({ mode: 'demo' }, options.env);
  const emulators = await startEmulators({
    ...options.emulatorClock,
    ...(options.emulatorRoles ? { roles: options.emulatorRoles } : {}),
    ...(options.emulatorPortBase === undefined ? {} : { portBase: options.emulatorPortBase }),
    ...(options.emulatorKeepCalls === undefined ? {} : { keepCalls: options.emulatorKeepCalls }),
    ...(base.emulatorJobsPerSource === null ? {} : { jobsPerSource: base.emulatorJobsPerSource }),
  });
  const { startWebhookReceiver } = await import('@jobgraph/emulators/webhookReceiver');
  const webhookReceiver = await startWebhookReceiver();
  // Its own history, clean at each start, unless the environment names one.
  const history = demoHistoryPlace(base.history.store);
  try {
    const config = demoConfig(base, withDemoUpstreams(base, emulators), emulators.sqs.url, {
      DEMO_EVENT_REGION,
      demoEventQueuesVariable,
      receiver: new URL(webhookReceiver.hookUrl).host,
    });
    config.history = { ...config.history, store: history.store };
    if (options.port !== undefined) config.port = options.port;
    const tokens = await demoTokens(config, DEMO_SECOND_AWS_ACCOUNT.alias);
    const gateway = await startGateway(config, {
      ...(options.logDestination ? { logDestination: options.logDestination } : {}),
      ...(options.watchScheduler ? { watchScheduler: options.watchScheduler } : {}),
      ...(options.listClock ? { listClock: options.listClock } : {}),
      ...(options.statesSize === undefined ? {} : { statesSize: options.statesSize }),
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.confirmWindow ? { confirmWindow: options.confirmWindow } : {}),
      sandbox: {
        ...(options.sandboxDocument ? { document: options.sandboxDocument } : {}),
        headers: { Authorization: `Bearer ${tokens.read}` },
      },
      // A progressing job that is a new job each cycle (AWS Batch's) is cached once finished, as any job.
      uncachedJobIds: new Set(Object.values(IN_PLACE_PROGRESSING_JOB_IDS)),
    });
    return {
      ...gateway,
      emulators,
      webhookReceiver,
      tokens,
      tokenKey: base.auth.jwtSecret === null ? 'made at start' : 'JOBGRAPH_JWT_SECRET',
      historyPlace: history.said,
      close: async () => {
        await gateway.close();
        await emulators.close();
        await webhookReceiver.close();
        await history.remove();
      },
    };
  } catch (err) {
    await emulators.close();
    await webhookReceiver.close();
    await history.remove();
    throw err;
  }
}

/**
 * The demo's configuration: `upstreams` (the emulators') with a token key, a notification key
 * and its receiver allowed, and its own event queues on `sqsUrl`, each unless the environment
 * (`base`) says otherwise.
 */
function demoConfig(
  base: Config,
  upstreams: Config,
  sqsUrl: string,
  demo: {
    DEMO_EVENT_REGION: string;
    demoEventQueuesVariable: (sqsUrl: string) => string;
    /** The demo webhook receiver's `host:port`, the one target it allows over http. */
    receiver: string;
  },
): Config {
  return {
    ...upstreams,
    // JOBGRAPH_JWT_SECRET, when set, signs the printed tokens: replicas of the demo accept each other's.
    auth: { ...base.auth, jwtSecret: base.auth.jwtSecret ?? randomBytes(32).toString('base64url') },
    // The demo's rules are sealed under a key made at start unless JOBGRAPH_NOTIFY_SECRET is set.
    // Its receiver's host and port alone (127.0.0.1:<port>) are allowed unless
    // JOBGRAPH_NOTIFY_ALLOW_HOSTS says otherwise: no rule reaches an emulator's control routes.
    notifications: {
      ...base.notifications,
      secret: base.notifications.secret ?? randomBytes(32).toString('base64url'),
      allowHosts:
        base.notifications.allowHosts.length > 0 ? base.notifications.allowHosts : [demo.receiver],
    },
    // The demo consumes its own event queues unless JOBGRAPH_EVENT_QUEUES says otherwise.
    ...(base.events.queues === null
      ? {
          endpoints: { ...upstreams.endpoints, sqs: sqsUrl },
          events: eventsOf(
            { JOBGRAPH_EVENT_QUEUES: demo.demoEventQueuesVariable(sqsUrl) },
            demo.DEMO_EVENT_REGION,
            upstreams.awsAccounts.map((a) => a.alias),
          ),
        }
      : {}),
  };
}
