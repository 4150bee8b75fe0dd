import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { createHandler, print as printSseMessage } from 'graphql-sse';
import type { Logger } from 'pino';
import { ANONYMOUS, type Identity } from '../auth/identity.ts';
import { secretValues } from '../auth/secretValues.ts';
import { InvalidTokenError } from '../auth/verifyToken.ts';
import type { Config } from '../config.ts';
import type { Sources } from '../datasources/index.ts';
import { JobgraphError } from '../errors.ts';
import type { QueryLimits } from '../limits/index.ts';
import { WatchHub, type WatchContext } from './hub.ts';
import { subscribe } from './execute.ts';
import {
  createSingleConnectionSse,
  isSingleConnectionRequest,
  type PreparedSubscription,
} from './sseSingleConnection.ts';
import { operationError, prepareSubscription, type OperationParams } from './operation.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import { operationTypeOf } from '../http/transport.ts';
import { attachWebSocket, type WsAdapter } from './ws.ts';
import { AnsweredOperations } from './answeredOperations.ts';
import { NO_SUBJECT_CALLER } from '../datasources/guard/loader.ts';
import { upgradeOriginAllowed } from '../http/cors.ts';
import type { Scheduler } from './scheduler.ts';

export { WatchHub, type WatchContext } from './hub.ts';
export type { Scheduler } from './scheduler.ts';
export { isSingleConnectionRequest } from './sseSingleConnection.ts';

/** The GraphQL path both transports serve, as queries do. */
export const GRAPHQL_PATH = '/graphql';

export interface SubscriptionOptions {
  config: Config;
  sources: Sources;
  schema: GraphQLSchema;
  limits: QueryLimits;
  logger: Logger;
  /** Verifies an `Authorization` value as for queries (src/auth/verifyToken.ts). */
  verifyToken(authorization: string | undefined): Promise<Identity>;
  /** The server's client-facing error formatting (server.ts `createFormatError`). */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** The pollers' and token expiry's clock; tests drive it by hand. */
  scheduler?: Scheduler;
  /**
   * Run an operation that is not a subscription, sent over graphql-ws, through Apollo's pipeline
   * (server.ts) as the socket's caller: its answer, as JSON would carry it.
   */
  executeOperation(call: OperationCall): Promise<FormattedExecutionResult>;
}

/** One operation other than a subscription from a WebSocket: who asks (verified at `connection_init`) and its parameters. */
export interface OperationCall {
  identity: Identity;
  requestId: string;
  params: OperationParams;
}

export interface Subscriptions {
  readonly hub: WatchHub;
  /**
   * Serve one GraphQL request as an event stream (graphql-sse's distinct connections mode), or
   * one request of its single connection mode ({@link isSingleConnectionRequest}: a reservation,
   * its stream, an operation, a stop), its body already read: a subscription here, any other
   * operation through `call.execute`.
   */
  handleSse(req: http.IncomingMessage, res: http.ServerResponse, call: SseCall): Promise<void>;
  /** Serve graphql-transport-ws on `upgrade` requests for the GraphQL path of `server`. */
  attach(server: http.Server): void;
  /** Open WebSocket connections now. */
  sockets(): number;
  /** SSE requests being served now, from their first byte to their response's end. */
  openResponses(): number;
  /** Single connection mode reservations held now, waiting for their stream or connected. */
  reservations(): number;
  /**
   * Shutdown: end every open stream so that the official clients reconnect (SSE: the response ends
   * without `complete`; WebSocket: close 1012 "Service Restart", no `complete`), stop the pollers.
   */
  close(): Promise<void>;
}

/** One GraphQL request for the SSE adapter: who asks, and the operation's parameters (body or URL). */
export interface SseCall {
  identity: Identity;
  requestId: string;
  params: unknown;
  /** Run an operation that is not a subscription through Apollo's pipeline: its answer, as JSON would carry it. */
  execute(): Promise<FormattedExecutionResult>;
}

/** Every event stream's head: never stored by a cache (a secrets caller's events carry credentials). */
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** One event of graphql-sse's protocol, as the library writes it. */
const sseEvent = (event: 'next' | 'complete', data?: FormattedExecutionResult): string =>
  event === 'next'
    ? printSseMessage({ event, data: data as ExecutionResult })
    : printSseMessage({ event, data: null });

/** WebSocket close code 1012 (RFC 6455 registry): the service is restarting; graphql-ws's client reconnects. */
const SERVICE_RESTART = 1012;

const SHUTTING_DOWN_MESSAGE =
  'jobgraph is shutting down; send the request again (another replica will answer it).';

/** `Subscription.jobUpdates` over Server-Sent Events and WebSocket, beside Apollo Server on the same path and port. */
export function createSubscriptions(options: SubscriptionOptions): Subscriptions {
  const { config, schema, limits, logger } = options;
  const hub = new WatchHub({
    config,
    sources: options.sources,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  const prepare = { schema, limits, config };
  const formatErrors = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => options.formatError(e.toJSON(), e));
  const formatResult = (result: ExecutionResult): FormattedExecutionResult =>
    result.errors
      ? { ...result, errors: formatErrors(result.errors) }
      : (result as FormattedExecutionResult);
  let closing = false;

  // ---- Server-Sent Events (graphql-sse's distinct connections mode) ----
  const sse = createHandler<
    http.IncomingMessage,
    { args: ExecutionArgs },
    WatchContext & Record<PropertyKey, unknown>
  >({
    schema,
    subscribe,
    // prepareSubscription has parsed, validated (with every limit) and sized the operation.
    validate: () => [],
    authenticate: () => null, // distinct connections mode only: no reservation tokens
    onSubscribe: (req) => req.context.args as never,
    onNext: (_ctx, _req, result) => formatResult(result as ExecutionResult) as never,
  });
  /** Every SSE response being served, until it has ended: shutdown waits for each. */
  const openResponses = new Set<Promise<void>>();
  /** End each open stream without `complete` (shutdown: the client reconnects elsewhere). */
  const interrupts = new Set<() => void>();

  /** Any SSE request once shutting down: 503, so the client sends it again (another replica answers). */
  const refuseClosing = (req: http.IncomingMessage, res: http.ServerResponse): void =>
    writeErrorAnswer(
      req,
      res,
      503,
      [{ message: SHUTTING_DOWN_MESSAGE, extensions: { code: 'SHUTTING_DOWN' } }],
      { 'retry-after': '1' },
    );

  /** A subscription checked for `identity` (no token or an expired one, then prepareSubscription), or the answer that refuses it. */
  const prepareFor = (
    identity: Identity,
    requestId: string,
    params: OperationParams,
  ): PreparedSubscription => {
    if (!identity.authenticated || hub.expired(identity)) {
      return {
        refused: {
          errors: formatErrors([
            operationError(new JobgraphError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE)),
          ]),
        },
      };
    }
    const args = prepareSubscription(prepare, params, hub.context(identity, requestId));
    return Array.isArray(args) ? { refused: { errors: formatErrors(args) } } : { args };
  };

  // graphql-sse's single connection mode: reservations, one stream each, operations by ID.
  const single = createSingleConnectionSse({
    config,
    parseOptions: limits.parseOptions,
    scheduler: hub.scheduler,
    logger,
    streamHeaders: SSE_HEADERS,
    prepare: prepareFor,
    formatResult,
  });

  /** One stream answered at once: an operation refused once the stream was accepted, or a query's one result. */
  const answerOnce = (
    res: http.ServerResponse,
    result: FormattedExecutionResult,
  ): Promise<void> => {
    if (res.destroyed) return Promise.resolve();
    res.writeHead(200, SSE_HEADERS);
    res.write(sseEvent('next', result));
    return endResponse(res, sseEvent('complete'));
  };

  const serveSse = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SseCall,
    gone: Promise<void>,
  ): Promise<void> => {
    if (closing) return refuseClosing(req, res);
    const params = (call.params ?? {}) as OperationParams;
    if (
      operationTypeOf(params, limits.parseOptions) !== OperationTypeNode.SUBSCRIPTION &&
      typeof params.query === 'string'
    ) {
      // A query (or anything but a subscription) over SSE: Apollo's pipeline answers it, as one event.
      return answerOnce(res, await call.execute());
    }
    const { identity, requestId } = call;
    const prepared = prepareFor(identity, requestId, params);
    if ('refused' in prepared) return answerOnce(res, prepared.refused);
    const { args } = prepared;
    const [stream, init] = await sse({
      method: 'POST',
      url: GRAPHQL_PATH,
      // The library reads only these; the operation is already prepared (onSubscribe hands it over).
      headers: {
        get: (key: string) =>
          key === 'accept'
            ? 'text/event-stream'
            : key === 'content-type'
              ? 'application/json'
              : undefined,
      },
      body: JSON.stringify({ query: params.query }),
      raw: req,
      context: { args },
    });
    if (!stream || typeof stream === 'string') {
      // Not expected once prepared; answered as the library says, in its own words' stead ours.
      logger.error(
        { requestId, status: init.status },
        'subscription stream refused by graphql-sse',
      );
      return answerOnce(res, {
        errors: [
          { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ],
      });
    }
    // The stream is open (its subscription holds a slot and pollers) until it is returned: on
    // every way out of here, the client's going away included, however early.
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      void stream.return(undefined);
    };
    void gone.then(leave);
    interrupts.add(leave);
    try {
      if (res.destroyed) return;
      res.writeHead(200, SSE_HEADERS);
      logger.info({ requestId, transport: 'sse', authenticated: true }, 'subscription started');
      for await (const chunk of stream) {
        if (res.destroyed || left) break;
        // A write to a client that went away may never call back: the close settles it instead.
        const written = new Promise<void>((resolve, reject) =>
          res.write(chunk, (err) => (err ? reject(err) : resolve())),
        );
        await Promise.race([written, gone]);
      }
    } finally {
      interrupts.delete(leave);
      leave();
      await endResponse(res);
    }
  };

  const handleSse = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SseCall,
  ): Promise<void> => {
    // Settled once the response is finished or the connection is gone, whichever comes first; attached before anything can wait.
    const gone = new Promise<void>((resolve) => {
      if (res.destroyed || req.socket.destroyed) resolve();
      res.once('close', () => resolve());
    });
    const served = !isSingleConnectionRequest(req)
      ? serveSse(req, res, call, gone)
      : closing
        ? Promise.resolve(refuseClosing(req, res))
        : single.handle(req, res, call, gone);
    const settled = served.then(
      () => undefined,
      () => undefined,
    );
    openResponses.add(settled);
    void settled.then(() => openResponses.delete(settled));
    return served;
  };

  // ---- WebSocket (graphql-transport-ws) ----
  let ws: WsAdapter | undefined;
  const identities = new WeakMap<object, Identity>();
  const answered = new AnsweredOperations(schema);
  /** An operation other than a subscription: Apollo answers it, as over HTTP; a failure here is ours. */
  const answer = async (call: OperationCall) => {
    try {
      return answered.handOver(await options.executeOperation(call));
    } catch (err) {
      return answered.failed(err);
    }
  };
  const attach = (server: http.Server) => {
    ws = attachWebSocket<Record<string, unknown> | undefined>(server, {
      path: GRAPHQL_PATH,
      maxPayload: config.limits.maxBodyBytes,
      heartbeatMs: config.watch.heartbeatMs,
      maxSockets: config.watch.maxSockets,
      maxSocketsPerCaller: config.watch.maxSocketsPerCaller,
      maxPendingSockets: config.watch.maxPendingSockets,
      initTimeoutMs: config.watch.socketInitTimeoutMs,
      originAllowed: (origin, request) =>
        upgradeOriginAllowed(config.corsOrigins, origin, request.headers.host),
      callerOf: (ctx) => identities.get(ctx)?.subject ?? NO_SUBJECT_CALLER,
      logger,
      server: {
        schema,
        subscribe,
        execute: answered.execute,
        // A token in the connection_init payload, else the upgrade request's header. A socket
        // without one, or with an invalid one, can do nothing: it is closed at once (4403).
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const fromPayload = params.Authorization ?? params.authorization;
          const authorization =
            typeof fromPayload === 'string'
              ? fromPayload
              : headerValue(ctx.extra.request.headers.authorization);
          let identity: Identity;
          try {
            identity = await options.verifyToken(authorization);
          } catch (err) {
            if (!(err instanceof InvalidTokenError)) throw err;
            logger.info({ transport: 'ws', reason: err.message }, 'rejected bearer token');
            return false;
          }
          if (!identity.authenticated) {
            logger.info(
              { transport: 'ws' },
              'websocket closed: no bearer token at connection_init',
            );
            return false;
          }
          secretValues.learn(authorization?.replace(/^\s*bearer\s+/i, '').trim());
          identities.set(ctx, identity);
          return true;
        },
        onSubscribe: async (ctx, _id, payload) => {
          const identity = identities.get(ctx) ?? ANONYMOUS;
          if (!identity.authenticated || hub.expired(identity)) {
            return [operationError(new JobgraphError('UNAUTHENTICATED', SOCKET_EXPIRED_MESSAGE))];
          }
          const requestId = randomUUID();
          // Any operation may go over the socket (graphql-ws's own docs route every one there).
          if (operationTypeOf(payload, limits.parseOptions) !== OperationTypeNode.SUBSCRIPTION)
            return answer({ identity, requestId, params: payload });
          const args = prepareSubscription(prepare, payload, hub.context(identity, requestId));
          if (!Array.isArray(args))
            logger.info(
              { requestId, transport: 'ws', authenticated: true },
              'subscription started',
            );
          return args;
        },
        onNext: (_ctx, _id, _payload, args, result) =>
          answered.next(args) ?? formatResult(result as ExecutionResult),
        onError: (_ctx, _id, _payload, errors) => answered.errors(errors) ?? formatErrors(errors),
      },
    });
  };

  return {
    hub,
    handleSse,
    attach,
    sockets: () => ws?.size() ?? 0,
    openResponses: () => openResponses.size,
    reservations: () => single.reservations(),
    close: async () => {
      closing = true;
      for (const interrupt of [...interrupts]) interrupt();
      single.close();
      await Promise.all([ws?.dispose(SERVICE_RESTART, 'Service Restart'), ...openResponses]);
      hub.close();
    },
  };
}

const UNAUTHENTICATED_MESSAGE =
  'Subscriptions need a bearer token with scope jobs:read; send it as "Authorization: Bearer <token>".';

/** A socket's operations once the token it was opened with has expired (anonymous sockets are closed at `connection_init`). */
const SOCKET_EXPIRED_MESSAGE =
  'The bearer token this socket was opened with has expired; open a new socket with a new token.';

/** End a response; resolves once it is finished or its connection is gone (a closed one never calls `end`'s callback). */
function endResponse(res: http.ServerResponse, body?: string): Promise<void> {
  if (res.destroyed || res.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    res.once('close', () => resolve());
    if (body === undefined) res.end(() => resolve());
    else res.end(body, () => resolve());
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
