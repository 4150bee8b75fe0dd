import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { OperationTypeNode, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { Context } from 'graphql-ws';
import type { Logger } from 'pino';
import { ANONYMOUS, type Identity } from '../auth/identity.ts';
import { secretValues } from '../auth/secretValues.ts';
import { InvalidTokenError } from '../auth/verifyToken.ts';
import type { Config } from '../config/index.ts';
import { NO_SUBJECT_CALLER } from '../datasources/guard/loader.ts';
import { JobgraphError } from '../errors.ts';
import { retryAfterSeconds, type CallerRate } from '../http/callerRate.ts';
import { upgradeOriginAllowed } from '../http/cors.ts';
import { operationTypeOf } from '../http/transport.ts';
import { AnsweredOperations } from './answeredOperations.ts';
import { subscribe } from './execute.ts';
import { operationError, prepareSubscription, type OperationParams } from './operation.ts';
import { GRAPHQL_PATH } from './sseTransport.ts';
import { startedLog, type TransportCommon } from './transportCommon.ts';
import { attachWebSocket, closeUnauthorized, type WsAdapter, type WsExtra } from './ws.ts';
import type { SubscriptionBounds } from './bounds.ts';

/** WebSocket close code 1012 (RFC 6455 registry): the service is restarting; graphql-ws's client reconnects. */
const SERVICE_RESTART = 1012;

/** A socket's operations once the token it was opened with has expired (anonymous sockets are closed at `connection_init`). */
const SOCKET_EXPIRED_MESSAGE =
  'The bearer token this socket was opened with has expired; open a new socket with a new token.';

/** Why a socket without a token is closed at `connection_init` (the close reason, after "Unauthorized: "). */
const NO_TOKEN_REASON =
  'no bearer token; send {"Authorization": "Bearer <token>"} as the connection_init payload';

/** One operation other than a subscription from a WebSocket: who asks (verified at `connection_init`) and its parameters. */
export interface OperationCall {
  identity: Identity;
  requestId: string;
  params: OperationParams;
}

export interface WsTransportOptions {
  config: Config;
  logger: Logger;
  /** Verifies an `Authorization` value as for queries (src/auth/verifyToken.ts). */
  verifyToken: (authorization: string | undefined) => Promise<Identity>;
  /** Runs an operation other than a subscription through Apollo's pipeline (server.ts). */
  executeOperation: (call: OperationCall) => Promise<FormattedExecutionResult>;
  /** The callers' request rate: each `subscribe` message spends one; none: off. */
  callerRate?: CallerRate;
  /** Bounds fixed in production that a test narrows (bounds.ts). */
  bounds?: SubscriptionBounds;
}

/**
 * WebSocket ping interval, ms; a socket that answers no ping within as long is cut. 15 s is well
 * inside the idle timeouts of proxies and load balancers (nginx's 60 s, AWS ALB's 60 s), so a quiet
 * socket is never cut by them, and a dead peer is found within 30 s. Fixed (was
 * JOBGRAPH_WATCH_HEARTBEAT_MS).
 */
const HEARTBEAT_MS = 15_000;

type SocketContext = Context<Record<string, unknown> | undefined, WsExtra>;

/**
 * `Subscription.jobUpdates`, and any other operation, over graphql-transport-ws: each socket's
 * caller verified at `connection_init` and remembered by its context.
 */
export class WsTransport {
  private ws: WsAdapter | undefined;
  private readonly identities = new WeakMap<object, Identity>();
  private readonly answered: AnsweredOperations;
  /** The line of each subscription started: fixed fields, bound once (see {@link startedLog}). */
  private readonly started: Logger;

  constructor(
    private readonly common: TransportCommon,
    private readonly options: WsTransportOptions,
  ) {
    this.answered = new AnsweredOperations(common.prepare.schema);
    this.started = startedLog(options.logger, { transport: 'ws', authenticated: true });
  }

  /** Open WebSocket connections now. */
  sockets(): number {
    return this.ws?.size() ?? 0;
  }

  /** Shutdown: close every socket 1012 "Service Restart" (no `complete`: the client reconnects). */
  close(): Promise<void> | undefined {
    return this.ws?.dispose(SERVICE_RESTART, 'Service Restart');
  }

  /** Serve graphql-transport-ws on `upgrade` requests for the GraphQL path of `server`. */
  attach(server: http.Server): void {
    const { config, logger } = this.options;
    const { answered, common } = this;
    this.ws = attachWebSocket<Record<string, unknown> | undefined>(server, {
      path: GRAPHQL_PATH,
      maxPayload: config.limits.maxBodyBytes,
      heartbeatMs: this.options.bounds?.heartbeatMs ?? HEARTBEAT_MS,
      maxSockets: config.watch.maxSockets,
      maxSocketsPerCaller: config.watch.maxSocketsPerCaller,
      maxPendingSockets: config.watch.maxPendingSockets,
      originAllowed: (origin, request) =>
        upgradeOriginAllowed(config.corsOrigins, origin, request.headers.host),
      callerOf: (ctx) => this.identities.get(ctx)?.subject ?? NO_SUBJECT_CALLER,
      upgradeRefusal: (request) => this.upgradeRefusal(request),
      logger,
      server: {
        schema: common.prepare.schema,
        subscribe,
        execute: answered.execute,
        onConnect: (ctx) => this.connect(ctx),
        onSubscribe: (ctx, _id, payload) => this.subscribe(ctx, payload),
        onNext: (_ctx, _id, _payload, args, result) =>
          answered.next(args) ?? common.formatResult(result as ExecutionResult),
        onError: (_ctx, _id, _payload, errors) =>
          answered.errors(errors) ?? common.formatErrors(errors),
      },
    });
  }

  /**
   * `connection_init`: a token in its payload, else the upgrade request's header. A socket
   * without one, or with an invalid one, can do nothing: it is closed at once with 4401
   * Unauthorized and the reason (graphql-ws's code for missing or bad credentials; 4403 would be
   * insufficient ones, which no socket is refused for: scopes and accounts are checked per
   * operation and per job).
   */
  private async connect(ctx: SocketContext): Promise<boolean> {
    const { logger } = this.options;
    const params = ctx.connectionParams ?? {};
    const fromPayload = params.Authorization ?? params.authorization;
    const authorization =
      typeof fromPayload === 'string'
        ? fromPayload
        : headerValue(ctx.extra.request.headers.authorization);
    let identity: Identity;
    try {
      identity = await this.options.verifyToken(authorization);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // As over HTTP: a bad token spends its address's rate (the anonymous caller's), so a flood
      // of forged tokens at connection_init is cut like a flood of anonymous requests.
      const refused = await this.options.callerRate?.spend(ANONYMOUS, ctx.extra.request, 'ws');
      if (refused) {
        closeUnauthorized(
          ctx.extra.socket,
          `over the request rate, retry after ${retryAfterSeconds(refused.extensions.retryAfterMs as number)} s`,
        );
        return false;
      }
      logger.info({ transport: 'ws', reason: err.message }, 'rejected bearer token');
      closeUnauthorized(ctx.extra.socket, err.message);
      return false;
    }
    if (!identity.authenticated) {
      logger.info({ transport: 'ws' }, 'websocket closed: no bearer token at connection_init');
      closeUnauthorized(ctx.extra.socket, NO_TOKEN_REASON);
      return false;
    }
    secretValues.learn(authorization?.replace(/^\s*bearer\s+/i, '').trim());
    this.identities.set(ctx, identity);
    return true;
  }

  /**
   * An upgrade whose `Authorization` header names a caller over its rate: its Retry-After in
   * seconds; else null. An upgrade without the header (a browser cannot send one) is not checked
   * (null at once): its socket can do nothing until `connection_init` names a caller, and each
   * of its operations spends that caller's rate.
   */
  private upgradeRefusal(request: http.IncomingMessage): Promise<number | null> | null {
    const rate = this.options.callerRate;
    const authorization = headerValue(request.headers.authorization);
    if (!rate || !authorization) return null;
    return this.options.verifyToken(authorization).then(
      async (identity) => {
        const refused = await rate.check(identity, request, 'ws');
        return refused ? retryAfterSeconds(refused.extensions.retryAfterMs as number) : null;
      },
      // An invalid token is refused at `connection_init`, as without a rate.
      () => null,
    );
  }

  /** One operation on a socket: a subscription prepared as over SSE, anything else answered by Apollo. */
  private async subscribe(ctx: SocketContext, payload: OperationParams) {
    const { hub } = this.common;
    const identity = this.identities.get(ctx) ?? ANONYMOUS;
    if (!identity.authenticated || hub.expired(identity)) {
      return [operationError(new JobgraphError('UNAUTHENTICATED', SOCKET_EXPIRED_MESSAGE))];
    }
    // Every operation counts, whatever it is; one over the rate is answered with its `error` message alone.
    const refused = await this.options.callerRate?.spend(identity, ctx.extra.request, 'ws');
    if (refused) return [operationError(refused)];
    const requestId = randomUUID();
    // Any operation may go over the socket (graphql-ws's own docs route every one there).
    if (
      operationTypeOf(payload, this.common.prepare.limits.parseOptions) !==
      OperationTypeNode.SUBSCRIPTION
    )
      return this.answer({ identity, requestId, params: payload });
    const args = prepareSubscription(
      this.common.prepare,
      payload,
      hub.context(identity, requestId),
    );
    if (!Array.isArray(args)) this.started.info({ requestId }, 'subscription started');
    return args;
  }

  /** An operation other than a subscription: Apollo answers it, as over HTTP; a failure here is ours. */
  private async answer(call: OperationCall) {
    try {
      return this.answered.handOver(await this.options.executeOperation(call));
    } catch (err) {
      return this.answered.failed(err);
    }
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
