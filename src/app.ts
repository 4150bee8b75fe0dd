import { createJobLogs, type JobLogs } from './datasources/logs/jobLogs.ts';
import { randomBytes } from 'node:crypto';
import type { DestinationStream, Logger } from 'pino';
import { demoTokens, type DemoTokens } from './auth/demoTokens.ts';
import { accountGroupsNameAccounts, eventsOf, loadConfig, type Config } from './config/index.ts';
import { closeSources, createSources, type Sources } from './datasources/index.ts';
import { createListSnapshots } from './datasources/listing/index.ts';
import { AwsAccounts, type AccountState } from './datasources/shared/accounts.ts';
import { AccountChecks } from './datasources/accountChecks.ts';
import { EventQueues, type ClusterChannel } from './datasources/events/eventQueues.ts';
import { readsMeasured } from './datasources/events/coverage.ts';
import { JobStates } from './datasources/state/jobStates.ts';
import { RejectionLog } from './datasources/events/rejectionLog.ts';
import { localRateBucket } from './datasources/guard/rateBudget.ts';
import type { EmulatorSet } from './emulators/index.ts';
import type { WebhookReceiver } from './emulators/webhookReceiver.ts';
import { historySubscriber, openHistory, rememberedJobs, type History } from './history/index.ts';
import { ActionLog } from './history/actions.ts';
import { JobActions } from './actions/jobActions.ts';
import { openNotifications, type NotificationParts } from './notifications/index.ts';
import { accountDirectory } from './datasources/accountDirectory.ts';
import { createLogger } from './logger.ts';
import {
  createSecretDetector,
  createSecretStripper,
  createSensitiveValueCollector,
} from './auth/secrets.ts';
import { secretValues } from './auth/secretValues.ts';
import { openCallerRates, openCluster, type Cluster } from './cache/cluster.ts';
import type { ClusterPeers } from './cache/clusterPeers.ts';
import { openJobCache, type JobCache, type ShareRules } from './cache/index.ts';
import { parseGlobalId } from './model/globalId.ts';
import { providerOf } from './datasources/registry.ts';
import { JOB_TYPE_NAME } from './model/jobKeys.ts';
import { buildSchema, type BuiltSchema } from './schema.ts';
import { isLoopbackHost } from './http/loopback.ts';
import { startServer, type RunningServer } from './http/server.ts';
import { FdHealth } from './http/health.ts';

export { isLoopbackHost } from './http/loopback.ts';
import { createObservability, type Observability } from './observability/index.ts';
import type { BreakerState } from './observability/metrics.ts';
import type { Scheduler } from './subscriptions/scheduler.ts';

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
  // What fires notifications is made once the sources are (below): the writer asks it late.
  let notifier: NotificationParts['notifier'] | undefined;
  const history = await openHistory(
    config,
    share.withoutSecrets,
    logger,
    (outcome, n) => observability?.metrics?.historyWrites(outcome, n),
    { inBatch: async (tx, transitions, jobs) => notifier?.inBatch(tx, transitions, jobs) },
  );
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
    history ? rememberedJobs(history.reader) : undefined,
  );
  // Job logs (docs/logs.md): CloudWatch Logs through the same pipeline, on demand, budgeted.
  const logs = createJobLogs(
    config,
    {
      timeoutMs: config.limits.upstreamTimeoutMs,
      maxAttempts: config.limits.upstreamMaxAttempts,
      maxSockets: config.limits.providerConcurrency,
      maxClients: config.limits.maxClientsPerProvider,
      maxBodyBytes: config.limits.upstreamMaxBodyBytes,
      budgetMs: config.resilience.upstreamBudgetMs,
      awsAccounts: accounts,
    },
    observability,
    // The log budget on the watch pollers' clock (a test's, moved by hand), else the real one.
    options.watchScheduler ? () => (options.watchScheduler as Scheduler).now() : undefined,
  );
  const accountChecks = new AccountChecks(config, accounts);
  const verification = verifyAccounts(config, accountChecks, accounts, sources, logger);
  const { listSnapshots, sharedSnapshots } = await openListSnapshots(
    config,
    options,
    logger,
    cluster,
  );
  const events = openEventQueues(config, accounts, logger, observability, cluster?.redis);
  // The one owner of what the process knows of each job's state: built here, passed down. Dated
  // by the list snapshots' clock, so a listed row's read time and an event's arrival compare.
  // Every record offered is learned on the way in (its secrets scrubbed from every line from then
  // on), and a subscriber that throws fails alone: counted, and logged once.
  const states = new JobStates({
    now: listSnapshots.now,
    learn: (record) => secretValues.learnRecord(record),
    onListenerFailure: (err) =>
      logger.error(
        { err: err instanceof Error ? err.name : typeof err },
        'a subscriber of the job-state store failed; the others go on (jobgraph_job_states_listener_failures_total)',
      ),
  });
  observability?.metrics?.stores(states, states.refs);
  observability?.metrics?.eventsMissed(() => states.missed);
  observability?.metrics?.statesListenerFailures(() => states.listenerFailures);
  // Coverage is measured by the reads too: one that finds a change no event announced.
  if (events) states.subscribe(readsMeasured(events.readSeen));
  // Every applied observation but a peer's is a change of the job's history; a job events showed
  // first is written once a read shows it; one read again unchanged moves its `lastConfirmedAt`.
  if (history) states.subscribe(historySubscriber(history.writer, accountOf(config)));
  const actionLog = history
    ? new ActionLog(
        history.database,
        (outcome, n) => observability?.metrics?.historyWrites(outcome, n),
        (rows, code) =>
          logger.warn(
            { history: history.where, rows, code },
            'history: the database refused some audit rows of actions; they are dropped and counted, the others are written',
          ),
      )
    : null;
  const actions = new JobActions({
    config,
    sources,
    logger,
    store: actionLog,
    states,
    ...(observability?.metrics ? { metrics: observability.metrics } : {}),
  });
  observability?.metrics?.stores(actions);
  // Notification rules live in the history store; off with it (the summary says why). A
  // payload's console link is the server's, known once it listens.
  let consoleBase: string | null = null;
  const notifications = openNotifications(
    config,
    history?.database ?? null,
    () => accountDirectory(config, accounts),
    logger,
    observability?.metrics?.notificationsMetrics(),
    {
      sources,
      states,
      accountOf: accountOf(config),
      withoutSecrets: share.withoutSecrets,
      consoleUrl: (id) =>
        consoleBase === null ? null : `${consoleBase}/console/jobs/${encodeURIComponent(id)}`,
    },
  );
  notifier = notifications?.notifier;
  if (notifications)
    observability?.metrics?.notificationsBacklog(() => notifications.outbox.backlog);
  // An event's transition some rule would take is read at once to confirm it.
  if (notifications) states.subscribe(notifications.notifier.listener);
  const sharedReservations = await openSharedReservations(config, logger, cluster);
  const callerRates = await openCallerRates(config, logger, cluster);
  const server = await startServer({
    config,
    sources,
    built,
    logger,
    health,
    listSnapshots,
    accounts,
    accountStates: () => accountChecks.states(),
    ...(sharedReservations ? { sharedReservations } : {}),
    ...(events ? { events } : {}),
    states,
    ...(history ? { history } : {}),
    actions,
    logs,
    ...(notifications ? { notifications: notifications.notifications } : {}),
    ...(callerRates ? { callerRates } : {}),
    readinessDetails: () => ({
      ...(cluster ? { redis: cluster.redis.state, cluster: cluster.peers.state() } : {}),
      ...(history ? { history: history.health() } : {}),
      ...(notifications ? { notifications: notifications.outbox.backlog } : {}),
    }),
    ...(observability ? { observability } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.watchScheduler ? { watchScheduler: options.watchScheduler } : {}),
  });
  consoleBase = config.console ? new URL(server.url).origin : null;
  // Read from now on: the watch hub, which applies the events, exists.
  events?.start();
  return {
    config,
    server,
    sources,
    built,
    logger,
    cache,
    health,
    observability,
    accounts,
    accountChecks,
    verification,
    events,
    cluster: cluster?.peers,
    history,
    jobLogs: logs,
    notifications,
    close: async () => {
      await events?.close();
      await server.close();
      await notifications?.close();
      closeSources(sources);
      logs.close();
      await sharedSnapshots?.close();
      await sharedReservations?.close();
      await callerRates?.close();
      await cluster?.peers.close();
      await rateBucket?.close();
      await cache?.close();
      await cluster?.redis.close();
      await actionLog?.flush();
      await history?.close();
      await observability?.close();
    },
  };
}

/** The sensitive fields' names, which the log redacts by key. */
const sensitiveFieldNames = (built: BuiltSchema) =>
  built.policy.sensitiveFields.map((f) => f.field);

/**
 * Each account checked once now (live mode), so /readyz, the summary and the log say which cannot
 * serve before a request does; readiness does not wait for it (a failed account leaves the others).
 */
function verifyAccounts(
  config: Config,
  accountChecks: AccountChecks,
  accounts: AwsAccounts,
  sources: Sources,
  logger: Logger,
): Promise<AccountState[]> | undefined {
  const verification =
    config.mode === 'live'
      ? accountChecks
          .verify(config, sources, config.limits.upstreamTimeoutMs)
          .then((states) => reportVerified(states, logger))
      : undefined;
  if (!verification && config.awsAccounts.length > 0) void reportAccounts(accounts, logger);
  return verification;
}

/** The AWS accounts: each AssumeRole counted; the default credentials' and each session's secrets pinned for scrubbing. */
function awsAccounts(
  config: Config,
  observability: Awaited<ReturnType<typeof createObservability>>,
): AwsAccounts {
  return new AwsAccounts(config, {
    assumeRole: (alias, outcome) => observability?.metrics?.assumeRole(alias, outcome),
    learned: (identity) => {
      secretValues.pin(identity.secretAccessKey);
      secretValues.pin(identity.sessionToken);
    },
  });
}

/** How startGateway runs besides the configuration (logs, Sandbox, clocks, the cache's exceptions). */
export interface GatewayOptions {
  logDestination?: DestinationStream;
  sandbox?: { document?: string; headers?: Record<string, string> };
  watchScheduler?: Scheduler;
  /** Global IDs the cross-request cache never keeps, even finished (the demo's progressing jobs start again after they finish). */
  uncachedJobIds?: ReadonlySet<string>;
  /**
   * The clock list snapshots are dated by (tests expire them by hand); default `watchScheduler`'s,
   * else the real one. The list-assisted watchers compare a snapshot's age with their poll
   * interval: with watchers about, it must move as `watchScheduler` does (the real clock plus an
   * offset, say).
   */
  listClock?: () => number;
}

/**
 * Logs and error messages are scrubbed of every secret the process knows: the configured
 * credentials from now on, each loaded record's sensitive values as it is loaded.
 */
function learnConfiguredSecrets(config: Config, built: BuiltSchema): void {
  secretValues.setRecordCollector(
    createSensitiveValueCollector(built.schema, built.policy.sensitiveFields, JOB_TYPE_NAME),
  );
  for (const value of [
    config.awsCredentials?.secretAccessKey,
    config.awsCredentials?.sessionToken,
    // A COS SecretId too: it signs every request (`q-ak`) and names the key pair.
    config.tencent.credentials?.secretId,
    config.tencent.credentials?.secretKey,
    config.tencent.credentials?.sessionToken,
    ...config.tencent.accounts.flatMap((a) => [
      a.credentials.secretId,
      a.credentials.secretKey,
      a.credentials.sessionToken,
    ]),
    config.auth.jwtSecret,
    config.cache.clusterSecret,
    config.cache.previousClusterSecret,
    ...Object.values(config.tracing?.headers ?? {}),
  ]) {
    secretValues.pin(value);
  }
}

/**
 * What may be cached, shared or kept of a record, from the central sensitive-field list: whether it
 * holds a secret, and the record with every sensitive field null.
 */
function shareRules(built: BuiltSchema): ShareRules {
  const { schema, policy } = built;
  return {
    holdsSecret: createSecretDetector(schema, policy.sensitiveFields, JOB_TYPE_NAME),
    withoutSecrets: createSecretStripper(schema, policy.sensitiveFields, JOB_TYPE_NAME),
  };
}

/** The cache of finished jobs: never a record holding a secret, nor one of `uncached`. */
function openCache(
  config: Config,
  share: ShareRules,
  logger: Logger,
  uncached: ReadonlySet<string> | undefined,
  cluster: Cluster | undefined,
): Promise<JobCache | undefined> {
  const { holdsSecret } = share;
  return openJobCache(
    config,
    uncached ? (record) => uncached.has(record.id) || holdsSecret(record) : holdsSecret,
    logger,
    // What replicas may share of a watched job's polls: the record without its secrets.
    share,
    cluster,
  );
}

/**
 * The job event queues of JOBGRAPH_EVENT_QUEUES (none: no event source, every watched job polled):
 * each message's outcome counted, a rejected one counted by queue and reason and logged
 * (rejectionLog.ts: never its body), a queue going down or coming back logged once each.
 */
function openEventQueues(
  config: Config,
  accounts: AwsAccounts,
  logger: Logger,
  observability: Observability | undefined,
  cluster: ClusterChannel | undefined,
): EventQueues | undefined {
  const queues = config.events.queues ?? [];
  if (queues.length === 0) return undefined;
  const metrics = observability?.metrics;
  const events = new EventQueues({
    config,
    queues,
    accounts,
    ...(cluster ? { cluster } : {}),
    observer: {
      outcome: (provider, outcome) => metrics?.event(provider, outcome),
      rejected: new RejectionLog(
        (fields, message) => logger.warn(fields, message),
        (queue, reason) => metrics?.eventRejected(queue, reason),
      ).rejected,
      queueState: (queue, up, code) =>
        up
          ? logger.info(
              { queue: queue.label },
              'job event queue: readable again; its jobs are live by events',
            )
          : logger.warn(
              { queue: queue.label, code },
              'job event queue: cannot be read; its jobs are polled until it can, tried again with back-off',
            ),
    },
  });
  metrics?.eventQueueSource(() => events.states());
  metrics?.eventsLastApplied(() => events.lastApplied());
  return events;
}

/** The account alias a global ID names (the job's own account, as authorization reads it). */
const accountOf = (config: Config) => (globalId: string) => {
  const key = parseGlobalId(globalId);
  return providerOf(key.provider).setup.accountAlias(config, key as never);
};

/** JOBGRAPH_UPSTREAM_RATE_LIMITS with Redis: the replicas share one rate budget (this process's own while Redis is away). */
async function openRateBucket(config: Config, logger: Logger, cluster: Cluster | undefined) {
  const sealer = cluster?.sealer;
  return cluster && config.cache.url && Object.keys(config.resilience.upstreamRateLimits).length > 0
    ? (await import('./cache/redisRateBucket.ts')).redisRateBucket({
        redis: cluster.redis,
        url: config.cache.url,
        opTimeoutMs: config.cache.opTimeoutMs,
        retryMs: 1000,
        fallback: localRateBucket(),
        logger,
        ...(sealer ? { onClamped: () => sealer.reject('rate', 'clamped') } : {}),
      })
    : undefined;
}

/** With Redis, graphql-sse single connection reservations any replica serves (the proxy needs no affinity). */
async function openSharedReservations(
  config: Config,
  logger: Logger,
  cluster: Cluster | undefined,
) {
  return config.cache.url && cluster
    ? (await import('./cache/redisSseReservations.ts')).redisSseReservations({
        redis: cluster.redis,
        url: config.cache.url,
        opTimeoutMs: config.cache.opTimeoutMs,
        retryMs: 1000,
        logger,
        sealer: cluster.sealer,
      })
    : undefined;
}

/**
 * listJobs' snapshots of the sources it reads whole, shared with list-assisted watching and,
 * through Redis (`sharedSnapshots`, closed with the gateway), with the other replicas.
 */
async function openListSnapshots(
  config: Config,
  options: GatewayOptions,
  logger: Logger,
  cluster: Cluster | undefined,
) {
  const sharedSnapshots =
    config.cache.url && cluster
      ? (await import('./cache/redisListSnapshots.ts')).redisListSnapshots({
          redis: cluster.redis,
          url: config.cache.url,
          opTimeoutMs: config.cache.opTimeoutMs,
          logger,
          sealer: cluster.sealer,
        })
      : undefined;
  const scheduler = options.watchScheduler;
  const listClock = options.listClock ?? (scheduler ? () => scheduler.now() : undefined);
  const listSnapshots = createListSnapshots(config, {
    ...(sharedSnapshots ? { shared: sharedSnapshots } : {}),
    ...(listClock ? { now: listClock } : {}),
    onSlowRead: (fields) =>
      logger.warn(
        fields,
        'listJobs: a source was not read whole within JOBGRAPH_UPSTREAM_BUDGET_MS; it is reported FAILED (UPSTREAM_UNAVAILABLE) until the provider answers faster',
      ),
  });
  return { listSnapshots, sharedSnapshots };
}

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
}

/**
 * Demo mode: start the emulators (the six providers', STS and SQS), point a gateway at them with
 * the demo credentials, and make an HS256 key for the printed tokens. PORT, HOST and limits from
 * the environment still apply; endpoints and credentials are the emulators'. JOBGRAPH_EMULATOR_JOBS_PER_SOURCE
 * (in `env`) makes them a big account; `emulatorPortBase` puts them on base+1 … base+8 (else free ports).
 */
export async function startDemo(
  options: {
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
  } = {},
): Promise<DemoGateway> {
  // Loaded here, not at the top: live mode never runs the emulators.
  const {
    DEMO_EVENT_REGION,
    DEMO_SECOND_AWS_ACCOUNT,
    PROGRESSING_JOB_IDS,
    demoEventQueuesVariable,
    startEmulators,
    withDemoUpstreams,
  } = await import('./emulators/index.ts');
  const base = loadConfig({ mode: 'demo' }, options.env);
  const emulators = await startEmulators({
    ...options.emulatorClock,
    ...(options.emulatorRoles ? { roles: options.emulatorRoles } : {}),
    ...(options.emulatorPortBase === undefined ? {} : { portBase: options.emulatorPortBase }),
    ...(options.emulatorKeepCalls === undefined ? {} : { keepCalls: options.emulatorKeepCalls }),
    ...(base.emulatorJobsPerSource === null ? {} : { jobsPerSource: base.emulatorJobsPerSource }),
  });
  const { startWebhookReceiver } = await import('./emulators/webhookReceiver.ts');
  const webhookReceiver = await startWebhookReceiver();
  try {
    const config = demoConfig(base, withDemoUpstreams(base, emulators), emulators.sqs.url, {
      DEMO_EVENT_REGION,
      demoEventQueuesVariable,
    });
    if (options.port !== undefined) config.port = options.port;
    const tokens = await demoTokens(config, DEMO_SECOND_AWS_ACCOUNT.alias);
    const gateway = await startGateway(config, {
      ...(options.logDestination ? { logDestination: options.logDestination } : {}),
      ...(options.watchScheduler ? { watchScheduler: options.watchScheduler } : {}),
      ...(options.listClock ? { listClock: options.listClock } : {}),
      sandbox: {
        ...(options.sandboxDocument ? { document: options.sandboxDocument } : {}),
        headers: { Authorization: `Bearer ${tokens.read}` },
      },
      uncachedJobIds: new Set(Object.values(PROGRESSING_JOB_IDS)),
    });
    return {
      ...gateway,
      emulators,
      webhookReceiver,
      tokens,
      tokenKey: base.auth.jwtSecret === null ? 'made at start' : 'JOBGRAPH_JWT_SECRET',
      close: async () => {
        await gateway.close();
        await emulators.close();
        await webhookReceiver.close();
      },
    };
  } catch (err) {
    await emulators.close();
    await webhookReceiver.close();
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
  },
): Config {
  return {
    ...upstreams,
    // JOBGRAPH_JWT_SECRET, when set, signs the printed tokens: replicas of the demo accept each other's.
    auth: { ...base.auth, jwtSecret: base.auth.jwtSecret ?? randomBytes(32).toString('base64url') },
    // The demo's rules are sealed under a key made at start unless JOBGRAPH_NOTIFY_SECRET is set.
    // Its receiver (on 127.0.0.1) is allowed unless JOBGRAPH_NOTIFY_ALLOW_HOSTS says otherwise.
    notifications: {
      ...base.notifications,
      secret: base.notifications.secret ?? randomBytes(32).toString('base64url'),
      allowHosts:
        base.notifications.allowHosts.length > 0 ? base.notifications.allowHosts : ['127.0.0.1'],
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

/**
 * The demo embeds a 12-hour jobs:read token in the Sandbox page, so anyone who can load the
 * page holds it. Harmless on loopback; beyond it, say so loudly. It stays embedded (the demo's
 * point is a Sandbox that works at once), and what it exposes is bounded: the key is made at
 * each start, so the token is good only for this process, which serves only the emulators'
 * seeded demo data. Returns the warning lines, or null on a loopback address.
 */
export function demoExposureWarning(host: string): string[] | null {
  if (isLoopbackHost(host)) return null;
  return [
    `  WARNING: the demo is listening on ${host}, which is not a loopback address.`,
    '  The Sandbox page embeds a 12-hour jobs:read token, and the tokens below are printed here:',
    '  anyone who can reach this port can read the page and use the token. They are valid only',
    '  for this process and its emulated demo data. Set HOST=127.0.0.1 to keep the demo local.',
  ];
}

/** One line per account once verified: verified, or why not (never a key or a message). */
function reportVerified(states: AccountState[], logger: Logger): AccountState[] {
  for (const a of states) {
    const fields = { cloud: a.cloud, account: a.alias, accountId: a.accountId, code: a.code };
    if (a.state === 'READY') logger.info(fields, 'account credentials verified');
    else if (a.state === 'NOT_CONFIGURED')
      logger.warn(
        { ...fields, missing: a.missing },
        'account not configured: its jobs answer PROVIDER_NOT_CONFIGURED',
      );
    else
      logger.warn(
        { ...fields, refused: a.refused },
        'account credentials could not be verified: its jobs answer errors until they can',
      );
  }
  return states;
}

/** One line per configured AWS account once its role was first tried: assumed, or why not. */
async function reportAccounts(accounts: AwsAccounts, logger: Logger): Promise<void> {
  for (const a of (await accounts.check()).slice(1)) {
    if (a.state === 'READY')
      logger.info({ account: a.alias, accountId: a.accountId }, 'AWS account role assumed');
    else
      logger.warn(
        { account: a.alias, accountId: a.accountId, code: a.code },
        'AWS account role could not be assumed: its jobs answer errors until it can',
      );
  }
}
