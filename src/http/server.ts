import { QueueBook } from '../queues/book.ts';
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import express from 'express';
import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { fixedFieldsLogger } from '../logger.ts';
import { AccountAudit } from '../auth/accountAudit.ts';
import { AccountGrants } from '../auth/accountGrant.ts';
import { createTokenVerifier } from '../auth/verifyToken.ts';
import type { Config } from '../config/index.ts';
import { accountDirectory } from '../datasources/accountDirectory.ts';
import type { AccountState, AwsAccounts } from '../datasources/shared/accounts.ts';
import type { RequestContext } from '../context.ts';
import type { Sources } from '../datasources/index.ts';
import {
  createJobLister,
  createListSnapshots,
  type ListSnapshots,
} from '../datasources/listing/index.ts';
import { httpErrorHandler, notFoundHandler } from './errors.ts';
import { admittedOf } from './authenticator.ts';
import { admission } from './admission.ts';
import { mcpChallengeOf, mcpRoute } from '../mcp/route.ts';
import { mcpRunner } from '../mcp/runner.ts';
import { corsMiddleware } from './cors.ts';
import { createFormatError } from './formatError.ts';
import { healthRoutes, type ReadinessDetails } from './healthRoutes.ts';
import type { EventQueues } from '../datasources/events/eventQueues.ts';
import type { JobActions } from '../actions/jobActions.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import type { HistoryQueries } from '../history/requestHistory.ts';
import type { BackgroundReads } from '../history/writerBound.ts';
import type { Notifications } from '../notifications/notifications.ts';
import {
  contextFactory,
  createApollo,
  type ApolloParts,
  type ContextFactory,
} from './apolloServer.ts';
import { consoleRouter } from './console.ts';
import { acceptedTypes, paramsFromUrl, wantsEventStream } from './transport.ts';
import { apolloHandler, headerMapOf, searchOf } from './apolloHandler.ts';
import { createCallerRate, type CallerRate, type RateTransport } from './callerRate.ts';
import { localCallerRates, type CallerRates } from '../cache/callerRates.ts';
import { FdHealth } from './health.ts';
import { rootHandler } from './root.ts';
import { createQueryLimits, type QueryLimits } from '../limits/index.ts';
import type { BuiltSchema } from '../schema.ts';
import type { Observability } from '../observability/index.ts';
import {
  GRAPHQL_PATH,
  createSubscriptions,
  isSingleConnectionRequest,
  type OperationCall,
  type Scheduler,
  type SharedReservations,
  type SubscriptionBounds,
  type Subscriptions,
} from '../subscriptions/index.ts';

export { createFormatError } from './formatError.ts';

export interface ServerOptions {
  config: Config;
  sources: Sources;
  built: BuiltSchema;
  logger: Logger;
  /** Sandbox's initial operation and headers (demo mode). */
  sandbox?: { document?: string; headers?: Record<string, string> };
  /** What /healthz checks (file-descriptor pressure); default a fresh FdHealth. */
  health?: FdHealth;
  /** Metrics (GET /metrics) and traces; none when both are off. */
  observability?: Observability;
  /** The clock of the read schedules and token expiry (tests drive it by hand); default the real one. */
  watchScheduler?: Scheduler;
  /**
   * The snapshots of the sources `listJobs` reads whole, shared with list-assisted watching;
   * default in this process only, dated by `watchScheduler` when one is given.
   */
  listSnapshots?: ListSnapshots;
  /** The AWS accounts (`Job.account`); none: the default account only. */
  accounts?: AwsAccounts;
  /** Every account's state: an operator's /readyz `accounts` and `jobgraph_account_state` (datasources/accountChecks.ts); none: not listed. */
  accountStates?: () => readonly AccountState[];
  /** The job event queues (JOBGRAPH_EVENT_QUEUES), applied to the watchers; their states in /readyz. */
  events?: EventQueues;
  /** What the process knows of each job's latest state (events applied), shared by the watchers and `listJobs`. */
  states?: JobStates;
  /** The history store's read side (`Job.transitions`, `jobHistory`); none: history off. */
  history?: HistoryQueries;
  /** Whether the watches' background reads wait now (the history writer's bound); none: never. */
  backgroundReads?: BackgroundReads;
  /** Acting on jobs (docs/actions.md); none: every action refused as off. */
  actions?: JobActions;
  /** Job logs (docs/logs.md); none: no job has lines. */
  logs?: JobLogs;
  /** Notification rules (docs/notifications.md); none: off. */
  notifications?: Notifications;
  /** AWS Batch's job queues (docs/queues.md), shared with the notifier; none: a book of its own. */
  queues?: QueueBook;
  /** graphql-sse single connection reservations shared with the other replicas (Redis); none: this process's own. */
  sharedReservations?: SharedReservations;
  /** Where the callers' request rates are counted (Redis: across the replicas); none: this process's own. Unused when JOBGRAPH_CALLER_RATE is off. */
  callerRates?: CallerRates;
  /** More of what /readyz tells an operator (the replicas sharing Redis: `cluster`). */
  readinessDetails?: ReadinessDetails;
  /** Bounds fixed in production that a test narrows (subscriptions/bounds.ts). */
  bounds?: SubscriptionBounds;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  /** Whether the configured JWKS has been fetched (always true without one): what /readyz reports. */
  jwksReady(): boolean;
  /** `Subscription.jobUpdates` over SSE and WebSocket: its read schedules and open streams. */
  subscriptions: Subscriptions;
  /**
   * Stop accepting connections, let in-flight requests finish for up to
   * `config.resilience.shutdownGraceMs` (then cut them), and stop Apollo Server.
   */
  close(): Promise<void>;
}

/** The token verifier, its key set fetched from now on, granting accounts by the configured claim. */
function startTokenVerifier({ config, logger, accounts }: ServerOptions) {
  const grants = new AccountGrants(
    {
      claim: config.auth.accountsClaim,
      groups: config.auth.accountGroups,
      required: config.auth.accountsClaimRequired,
    },
    () => accountDirectory(config, accounts),
    logger,
  );
  const verifyToken = createTokenVerifier(config.auth, { logger, grants });
  verifyToken.start();
  return verifyToken;
}

/**
 * The options of `keys` that are given, each under its own name (an absent one stays absent: no
 * member set to undefined, as exactOptionalPropertyTypes asks).
 */
function given<K extends keyof ServerOptions>(
  options: ServerOptions,
  keys: readonly K[],
): Partial<Pick<ServerOptions, K>> {
  const set = keys.flatMap((k) => (options[k] ? [[k, options[k]]] : []));
  return Object.fromEntries(set) as Partial<Pick<ServerOptions, K>>;
}

/** What every request's context is made from: the sources, the gateway's one lister, the audit of refusals. */
function requestGateway(options: ServerOptions, listSnapshots: ReturnType<typeof listSnapshotsOf>) {
  const { config, sources, logger } = options;
  return {
    config,
    sources,
    lister: createJobLister(sources, config, listSnapshots, options.states),
    queues: options.queues ?? new QueueBook({ sources }),
    ...given(options, [
      'accounts',
      'events',
      'states',
      'history',
      'actions',
      'logs',
      'notifications',
    ]),
    audit: new AccountAudit(logger, options.observability?.metrics, (provider, alias) =>
      accountDirectory(config, options.accounts).some(
        (a) => a.alias === alias && (provider === null || a.provider === provider),
      ),
    ),
  };
}

/** /healthz and /readyz (with each account's state for an operator), and the accounts' gauge. */
function serveHealth(
  app: express.Express,
  options: ServerOptions,
  verifyToken: ReturnType<typeof startTokenVerifier>,
  callerRate: CallerRate | undefined,
): void {
  const metrics = options.observability?.metrics;
  const { accountStates } = options;
  if (accountStates) metrics?.accountSource(accountStates);
  healthRoutes(app, {
    config: options.config,
    health: options.health ?? new FdHealth(),
    verifyToken,
    metrics,
    ...(callerRate ? { callerRate } : {}),
    // Each part adds its key: every account's state, each job event queue's (a DOWN one's jobs are polled).
    details: () => ({
      ...(accountStates ? { accounts: accountDetails(accountStates()) } : {}),
      ...(options.events
        ? { eventQueues: options.events.states(), eventCoverage: options.events.coverage() }
        : {}),
      ...options.readinessDetails?.(),
    }),
  });
}

/** The Express app every request goes through: no `x-powered-by`, flat query strings, CORS first. */
function expressApp(config: ServerOptions['config']): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(corsMiddleware(config.corsOrigins));
  return app;
}

/** Build and start the HTTP server: /graphql (Apollo Server), /healthz, /readyz, /metrics and /console (unless off). */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  // One router for every request: CORS, health, metrics, and /graphql, where each GraphQL request
  // goes through Apollo Server's pipeline or, for an event stream, the SSE adapter beside it.
  const app = expressApp(config);
  const httpServer = http.createServer(app);
  const verifyToken = startTokenVerifier(options);
  const limits = createQueryLimits(config);
  const requestIds = new WeakMap<object, string>();
  const formatError = createFormatError(logger, requestIds);
  // The per-request lines log fixed, non-sensitive fields only.
  const operationLog = fixedFieldsLogger(logger);
  const apollo = createApollo(options, {
    httpServer,
    limits,
    formatError,
    requestIds,
    operationLog,
  });
  // The gateway's one lister: every request's context lists through it; its snapshots are also
  // the list-assisted watchers'.
  const listSnapshots = listSnapshotsOf(options);
  const gateway = requestGateway(options, listSnapshots);
  const contextFor = contextFactory(gateway, limits);
  const run = apolloRunner(apollo, contextFor);
  const metrics = options.observability?.metrics;
  const callerRate = callerRateOf(options);
  const subscriptions = startSubscriptions(
    { ...options, listSnapshots, queues: gateway.queues },
    {
      httpServer,
      limits,
      verifyToken,
      formatError,
      executeOperation: run.overWebSocket,
      audit: gateway.audit,
      ...(callerRate ? { callerRate } : {}),
    },
  );
  await apollo.start();

  serveHealth(app, options, verifyToken, callerRate);
  graphqlRoute(app, {
    config,
    limits,
    apollo,
    contextFor,
    run,
    subscriptions,
    ...admission(options.observability, verifyToken, operationLog, callerRate, rateTransportOf),
  });
  mcpRoute(app, {
    config,
    run: mcpRunner(apollo, (admitted) => contextFor(admitted, null)()),
    schema: options.built.schema,
    ...admission(options.observability, verifyToken, operationLog, callerRate, () => 'http', {
      challengeOf: mcpChallengeOf(config),
    }),
  });
  otherRoutes(app, config, logger, metrics !== undefined);

  const address = await listen(httpServer, config);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}/graphql`,
    port: address.port,
    httpServer,
    jwksReady: () => verifyToken.ready(),
    subscriptions,
    close: async () => {
      // Open streams complete first (SSE `complete`, WebSocket 1001), so draining does not wait on them.
      await subscriptions.close();
      verifyToken.stop();
      await apollo.stop();
    },
  };
}

/** The callers' request rate (JOBGRAPH_CALLER_RATE) counted in the options' store, else this process's own; none when off. */
function callerRateOf(options: ServerOptions): CallerRate | undefined {
  const limit = options.config.callerRate;
  if (!limit) return undefined;
  const rates = options.callerRates ?? localCallerRates(limit);
  return createCallerRate(limit, rates, options.observability?.metrics);
}

/** Each account as an operator's `/readyz` lists it: cloud, alias, state and code (never an ID). */
const accountDetails = (states: readonly AccountState[]) =>
  states.map(({ cloud, alias, state, code }) => ({ cloud, alias, state, code }));

/** The snapshots `listJobs` and list-assisted watching share: the options', else this process's own, dated by the watch scheduler when one is given. */
function listSnapshotsOf(options: ServerOptions): ListSnapshots {
  const scheduler = options.watchScheduler;
  return (
    options.listSnapshots ??
    createListSnapshots(options.config, scheduler ? { now: () => scheduler.now() } : {})
  );
}

/** GET / (the console for a browser, else what is served), the console, then 404 and the error answer for anything else. */
function otherRoutes(app: express.Express, config: Config, logger: Logger, metrics: boolean): void {
  // A browser at / goes to the console; anything else learns what is served.
  app.get('/', rootHandler({ console: config.console, metrics, sandbox: config.introspection }));
  // The jobs console: a page, its hashed assets, and nothing else (it calls /graphql like any client).
  if (config.console) app.use(consoleRouter());
  app.use(notFoundHandler);
  app.use(httpErrorHandler(config, logger));
}

/** Listen on the configured port and host; the address it got. */
async function listen(httpServer: http.Server, config: Config): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  return httpServer.address() as AddressInfo;
}

type TokenVerifier = ReturnType<typeof createTokenVerifier>;

/** `Subscription.jobUpdates` over SSE and WebSocket, attached to `httpServer`, its gauges read by /metrics. */
function startSubscriptions(
  options: ServerOptions,
  parts: Pick<ApolloParts, 'httpServer' | 'limits' | 'formatError'> & {
    verifyToken: TokenVerifier;
    executeOperation: (call: OperationCall) => Promise<FormattedExecutionResult>;
    audit: AccountAudit;
    callerRate?: CallerRate;
  },
): Subscriptions {
  const subscriptions = createSubscriptions({
    config: options.config,
    sources: options.sources,
    schema: options.built.schema,
    limits: parts.limits,
    logger: options.logger,
    verifyToken: parts.verifyToken,
    formatError: parts.formatError,
    ...(options.watchScheduler ? { scheduler: options.watchScheduler } : {}),
    ...given(options, [
      'listSnapshots',
      'accounts',
      'sharedReservations',
      'events',
      'states',
      'actions',
      'queues',
      'logs',
      'bounds',
    ]),
    ...(options.history?.database ? { historyDatabase: options.history.database } : {}),
    ...(options.backgroundReads ? { background: options.backgroundReads } : {}),
    audit: parts.audit,
    executeOperation: parts.executeOperation,
    ...(parts.callerRate ? { callerRate: parts.callerRate } : {}),
  });
  subscriptions.attach(parts.httpServer);
  // The subscription gauges read the hub when /metrics is scraped: no bookkeeping per event.
  options.observability?.metrics?.watchSource(() => ({
    open: subscriptions.hub.open(),
    schedules: subscriptions.hub.registry.size(),
    roles: subscriptions.hub.registry.roles(),
    polls: subscriptions.hub.registry.polls,
    reads: subscriptions.hub.reads,
  }));
  return subscriptions;
}

/**
 * Which requests to /graphql spend their caller's rate, and under which transport: every one
 * (JSON, event streams, each request of the single connection mode) but a single connection
 * mode stop (`DELETE`), which only ends work and is never refused.
 */
function rateTransportOf(req: http.IncomingMessage): Exclude<RateTransport, 'ws'> | null {
  if (req.method === 'DELETE') return null;
  return isSingleConnectionRequest(req) ||
    acceptedTypes(req.headers.accept).includes('text/event-stream')
    ? 'sse'
    : 'http';
}

/** Operations that came another way than a JSON request, run through Apollo's pipeline as one. */
interface ApolloRunner {
  /**
   * A query or mutation that came as an event stream (graphql-sse's clients may send any
   * operation): Apollo's pipeline runs it as for a JSON request, and its answer is one `next`.
   */
  overSse: (req: express.Request, res: express.Response) => Promise<FormattedExecutionResult>;
  /**
   * A query or mutation that came over graphql-ws (its clients may route every operation over
   * one socket): Apollo's pipeline runs it as a JSON POST by the socket's verified caller, so
   * limits, the job budget, auth directives and formatError are those of HTTP.
   */
  overWebSocket: (call: OperationCall) => Promise<FormattedExecutionResult>;
}

function apolloRunner(
  apollo: ApolloServer<RequestContext>,
  contextFor: ContextFactory,
): ApolloRunner {
  const run = async (
    httpGraphQLRequest: HTTPGraphQLRequest,
    context: () => Promise<RequestContext>,
  ): Promise<FormattedExecutionResult> => {
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
    let text = '';
    if (response.body.kind === 'complete') text = response.body.string;
    else for await (const chunk of response.body.asyncIterator) text += chunk;
    return JSON.parse(text) as FormattedExecutionResult;
  };
  return {
    overSse: (req, res) => {
      const headers = headerMapOf(req.headers);
      headers.set('accept', 'application/json');
      return run(
        {
          method: req.method === 'GET' ? 'GET' : 'POST',
          headers,
          search: searchOf(req.originalUrl),
          body: req.body,
        },
        contextFor(admittedOf(res), req.method === 'GET' ? req.query : req.body),
      );
    },
    overWebSocket: (call) => {
      const headers = new HeaderMap();
      headers.set('content-type', 'application/json');
      headers.set('accept', 'application/json');
      return run(
        { method: 'POST', headers, search: '', body: call.params },
        contextFor({ identity: call.identity, requestId: call.requestId }, call.params),
      );
    },
  };
}

/**
 * /graphql: the operation span (traces on), the caller admitted, the body read within its limit,
 * then an event stream (the SSE adapter) or JSON (Apollo).
 */
function graphqlRoute(
  app: express.Express,
  parts: {
    config: Config;
    limits: QueryLimits;
    apollo: ApolloServer<RequestContext>;
    contextFor: ContextFactory;
    run: ApolloRunner;
    subscriptions: Subscriptions;
    authenticate: express.RequestHandler;
    /** The caller's request rate spent (JOBGRAPH_CALLER_RATE); none when off. */
    rate?: express.RequestHandler;
    spanMiddleware?: express.RequestHandler;
  },
): void {
  const { limits, contextFor, run, subscriptions } = parts;
  app.use(
    GRAPHQL_PATH,
    ...(parts.spanMiddleware ? [parts.spanMiddleware] : []),
    parts.authenticate,
    // Before the body is read: a request over its caller's rate costs no more than its head.
    ...(parts.rate ? [parts.rate] : []),
    express.json({ limit: parts.config.limits.maxBodyBytes }),
    // An event stream when the client asks for one, and every request of graphql-sse's single
    // connection mode (WebSocket is on `upgrade`); JSON from Apollo otherwise.
    (req, res, next) => {
      const params: unknown = req.method === 'GET' ? paramsFromUrl(req.query) : req.body;
      if (
        !isSingleConnectionRequest(req) &&
        !wantsEventStream(req.headers.accept, params, limits.parseOptions)
      )
        return next();
      subscriptions
        .handleSse(req, res, { ...admittedOf(res), params, execute: () => run.overSse(req, res) })
        .catch(next);
    },
    apolloHandler(parts.apollo, (req, res) =>
      contextFor(admittedOf(res), req.method === 'GET' ? req.query : req.body)(),
    ),
  );
}
