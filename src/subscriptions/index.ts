import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { createHandler, type Request as SseRequest } from 'graphql-sse';
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
import { operationError, prepareSubscription } from './operation.ts';
import { attachWebSocket, type WsAdapter } from './ws.ts';
import type { Scheduler } from './scheduler.ts';

export { WatchHub, type WatchContext } from './hub.ts';
export type { Scheduler } from './scheduler.ts';

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
}

export interface Subscriptions {
  readonly hub: WatchHub;
  /** Whether a request is a GraphQL-over-SSE request (`Accept: text/event-stream`). */
  wantsSse(req: http.IncomingMessage): boolean;
  /** Serve one SSE request (distinct connections mode) for a caller whose token the HTTP layer verified. */
  handleSse(req: http.IncomingMessage, res: http.ServerResponse, identity: Identity, requestId: string): Promise<void>;
  /** Serve graphql-transport-ws on `upgrade` requests for the GraphQL path of `server`. */
  attach(server: http.Server): void;
  /** Open WebSocket connections now. */
  sockets(): number;
  /** SSE requests being served now, from their first byte to their response's end. */
  openResponses(): number;
  /** Complete every open stream (SSE `complete`, WebSocket close 1001 "Going away"), stop the pollers. */
  close(): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** `Subscription.jobUpdates` over Server-Sent Events and WebSocket, beside Apollo Server on the same path and port. */
export function createSubscriptions(options: SubscriptionOptions): Subscriptions {
  const { config, schema, limits, logger } = options;
  const hub = new WatchHub({ config, sources: options.sources, ...(options.scheduler ? { scheduler: options.scheduler } : {}) });
  const prepare = { schema, limits, config };
  const formatErrors = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => options.formatError(e.toJSON(), e));
  const formatResult = (result: ExecutionResult): FormattedExecutionResult =>
    result.errors ? { ...result, errors: formatErrors(result.errors) } : (result as FormattedExecutionResult);
  let closing = false;

  // ---- Server-Sent Events ----
  const sse = createHandler<http.IncomingMessage, { context: WatchContext }, WatchContext & Record<PropertyKey, unknown>>({
    schema,
    subscribe,
    authenticate: () => null, // distinct connections mode only: no reservation tokens
    context: (req) => req.context.context as WatchContext & Record<PropertyKey, unknown>,
    onSubscribe: (req, params) => {
      const args = prepareSubscription(prepare, params, req.context.context);
      if (!Array.isArray(args)) return args as never;
      return [JSON.stringify({ errors: formatErrors(args) }), { status: 400, statusText: 'Bad Request', headers: JSON_HEADERS }];
    },
    onNext: (_ctx, _req, result) => formatResult(result as ExecutionResult) as never,
  });
  /** Every SSE request being served, from its first byte to its response's end: shutdown waits for each. */
  const openResponses = new Set<Promise<void>>();

  const respond = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return Promise.resolve();
    res.writeHead(status, { ...JSON_HEADERS, ...headers });
    return endResponse(res, JSON.stringify(body));
  };

  /** The body, or null when it is over the limit; rejects when the client goes away before sending all of it. */
  const readBody = (req: http.IncomingMessage, gone: Promise<void>): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > config.limits.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          resolve(null);
          return;
        }
        chunks.push(chunk);
      });
      req.once('error', reject);
      req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      void gone.then(() => reject(new ClientGoneError()));
    });

  const serveSse = async (req: http.IncomingMessage, res: http.ServerResponse, identity: Identity, requestId: string, gone: Promise<void>): Promise<void> => {
    if (closing) return respond(res, 503, { errors: [{ message: 'jobgraph is shutting down.', extensions: { code: 'BAD_REQUEST' } }] });
    if (!identity.authenticated || hub.expired(identity)) {
      return respond(res, 401, { errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    const body = await readBody(req, gone);
    if (body === null) {
      return respond(res, 413, {
        errors: [
          { message: `The request body is larger than ${config.limits.maxBodyBytes} bytes (JOBGRAPH_MAX_BODY_BYTES).`, extensions: { code: 'BAD_REQUEST' } },
        ],
      });
    }
    const context = hub.context(identity, requestId);
    const request: SseRequest<http.IncomingMessage, { context: WatchContext }> = {
      method: req.method ?? 'POST',
      url: req.url ?? GRAPHQL_PATH,
      headers: {
        // The library wants exactly `text/event-stream`; `text/event-stream, */*` means the same.
        get: (key: string) => (key === 'accept' ? 'text/event-stream' : headerValue(req.headers[key])),
      },
      body,
      raw: req,
      context: { context },
    };
    const [stream, init] = await sse(request);
    if (!stream || typeof stream === 'string') {
      if (res.destroyed) return;
      res.writeHead(init.status, init.statusText, init.headers as http.OutgoingHttpHeaders);
      return endResponse(res, stream ?? undefined);
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
    try {
      if (res.destroyed) return;
      res.writeHead(init.status, init.statusText, init.headers as http.OutgoingHttpHeaders);
      logger.info({ requestId, transport: 'sse', authenticated: true }, 'subscription started');
      for await (const chunk of stream) {
        if (res.destroyed) break;
        // A write to a client that went away may never call back: the close settles it instead.
        const written = new Promise<void>((resolve, reject) => res.write(chunk, (err) => (err ? reject(err) : resolve())));
        await Promise.race([written, gone]);
      }
    } finally {
      leave();
      await endResponse(res);
    }
  };

  const handleSse = async (req: http.IncomingMessage, res: http.ServerResponse, identity: Identity, requestId: string): Promise<void> => {
    // Settled once the response is finished or the connection is gone, whichever comes first; attached before anything can wait.
    const gone = new Promise<void>((resolve) => {
      if (res.destroyed || req.socket.destroyed) resolve();
      res.once('close', () => resolve());
    });
    const served = serveSse(req, res, identity, requestId, gone).catch((err: unknown) => {
      if (err instanceof ClientGoneError) return;
      throw err;
    });
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
  const attach = (server: http.Server) => {
    ws = attachWebSocket<Record<string, unknown> | undefined>(server, {
      path: GRAPHQL_PATH,
      maxPayload: config.limits.maxBodyBytes,
      heartbeatMs: config.watch.heartbeatMs,
      maxSockets: config.watch.maxSockets,
      logger,
      server: {
        schema,
        subscribe,
        // A token in the connection_init payload, else the upgrade request's header. A socket
        // without one, or with an invalid one, can do nothing: it is closed at once (4403).
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const fromPayload = params.Authorization ?? params.authorization;
          const authorization = typeof fromPayload === 'string' ? fromPayload : headerValue(ctx.extra.request.headers.authorization);
          let identity: Identity;
          try {
            identity = await options.verifyToken(authorization);
          } catch (err) {
            if (!(err instanceof InvalidTokenError)) throw err;
            logger.info({ transport: 'ws', reason: err.message }, 'rejected bearer token');
            return false;
          }
          if (!identity.authenticated) {
            logger.info({ transport: 'ws' }, 'websocket closed: no bearer token at connection_init');
            return false;
          }
          secretValues.learn(authorization?.replace(/^\s*bearer\s+/i, '').trim());
          identities.set(ctx, identity);
          return true;
        },
        onSubscribe: (ctx, _id, payload) => {
          const identity = identities.get(ctx) ?? ANONYMOUS;
          if (!identity.authenticated || hub.expired(identity)) {
            return [operationError(new JobgraphError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE))];
          }
          const requestId = randomUUID();
          const args = prepareSubscription(prepare, payload, hub.context(identity, requestId));
          if (!Array.isArray(args)) logger.info({ requestId, transport: 'ws', authenticated: true }, 'subscription started');
          return args;
        },
        onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult),
        onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
      },
    });
  };

  return {
    hub,
    wantsSse: (req) => req.method === 'POST' && (headerValue(req.headers.accept) ?? '').toLowerCase().includes('text/event-stream'),
    handleSse,
    attach,
    sockets: () => ws?.size() ?? 0,
    openResponses: () => openResponses.size,
    close: async () => {
      closing = true;
      hub.close();
      // The ended streams send their last events and `complete`; SSE responses then end.
      await Promise.all([...openResponses]);
      // Let graphql-ws send each operation's `complete` before the sockets close with 1001 "Going away".
      await new Promise((resolve) => setImmediate(resolve));
      await ws?.dispose(1001, 'Going away');
    },
  };
}

const UNAUTHENTICATED_MESSAGE = 'Subscriptions need a bearer token with scope jobs:read; send it as "Authorization: Bearer <token>".';

/** End a response; resolves once it is finished or its connection is gone (a closed one never calls `end`'s callback). */
function endResponse(res: http.ServerResponse, body?: string): Promise<void> {
  if (res.destroyed || res.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    res.once('close', () => resolve());
    if (body === undefined) res.end(() => resolve());
    else res.end(body, () => resolve());
  });
}

/** The client went away before its request was read. */
class ClientGoneError extends Error {}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
