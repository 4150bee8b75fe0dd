import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { createHandler, type Request as SseRequest } from 'graphql-sse';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { ANONYMOUS, type Identity } from '../auth/identity.ts';
import { secretValues } from '../auth/secretValues.ts';
import { InvalidTokenError } from '../auth/verifyToken.ts';
import type { Config } from '../config.ts';
import type { Sources } from '../datasources/index.ts';
import { JobgraphError } from '../errors.ts';
import type { QueryLimits } from '../limits/index.ts';
import { WatchHub, type WatchContext } from './hub.ts';
import { operationError, prepareSubscription } from './operation.ts';
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
    authenticate: () => null, // distinct connections mode only: no reservation tokens
    context: (req) => req.context.context as WatchContext & Record<PropertyKey, unknown>,
    onSubscribe: (req, params) => {
      const args = prepareSubscription(prepare, params, req.context.context);
      if (!Array.isArray(args)) return args as never;
      return [JSON.stringify({ errors: formatErrors(args) }), { status: 400, statusText: 'Bad Request', headers: JSON_HEADERS }];
    },
    onNext: (_ctx, _req, result) => formatResult(result as ExecutionResult) as never,
  });
  const openResponses = new Set<Promise<void>>();

  const respond = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<void>((resolve) => res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body), () => resolve()));

  const readBody = (req: http.IncomingMessage): Promise<string | null> =>
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
    });

  const handleSse = async (req: http.IncomingMessage, res: http.ServerResponse, identity: Identity, requestId: string): Promise<void> => {
    if (closing) return respond(res, 503, { errors: [{ message: 'jobgraph is shutting down.', extensions: { code: 'BAD_REQUEST' } }] });
    if (!identity.authenticated || hub.expired(identity)) {
      return respond(res, 401, { errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    const body = await readBody(req);
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
    res.writeHead(init.status, init.statusText, init.headers as http.OutgoingHttpHeaders);
    if (!stream || typeof stream === 'string') return new Promise<void>((resolve) => res.end(stream ?? undefined, () => resolve()));
    logger.info({ requestId, transport: 'sse', authenticated: true }, 'subscription started');
    const done = (async () => {
      const stop = () => void stream.return(undefined);
      res.once('close', stop);
      try {
        for await (const chunk of stream) {
          if (!res.writable) break;
          await new Promise<void>((resolve, reject) => res.write(chunk, (err) => (err ? reject(err) : resolve())));
        }
      } catch {
        // The client went away mid-write: the stream is returned on close.
      } finally {
        res.off('close', stop);
        await endResponse(res);
      }
    })();
    openResponses.add(done);
    await done;
    openResponses.delete(done);
  };

  // ---- WebSocket (graphql-transport-ws) ----
  let wss: WebSocketServer | undefined;
  let disposeWs: (() => Promise<void>) | undefined;
  const identities = new WeakMap<object, Identity>();
  const attach = (server: http.Server) => {
    wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (pathOf(req.url) !== GRAPHQL_PATH || closing) {
        socket.destroy();
        return;
      }
      wss!.handleUpgrade(req, socket, head, (ws) => wss!.emit('connection', ws, req));
    });
    const disposable = useServer<Record<string, unknown> | undefined>(
      {
        schema,
        // A token in the connection_init payload, else the upgrade request's header. A present but invalid one closes the socket (4403).
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const fromPayload = params.Authorization ?? params.authorization;
          const authorization = typeof fromPayload === 'string' ? fromPayload : headerValue(ctx.extra.request.headers.authorization);
          try {
            const identity = await options.verifyToken(authorization);
            if (identity.authenticated) secretValues.learn(authorization?.replace(/^\s*bearer\s+/i, '').trim());
            identities.set(ctx, identity);
            return true;
          } catch (err) {
            if (!(err instanceof InvalidTokenError)) throw err;
            logger.info({ transport: 'ws', reason: err.message }, 'rejected bearer token');
            return false;
          }
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
      wss,
      config.watch.heartbeatMs,
    );
    disposeWs = () => disposable.dispose() as Promise<void>;
  };

  return {
    hub,
    wantsSse: (req) => req.method === 'POST' && (headerValue(req.headers.accept) ?? '').toLowerCase().includes('text/event-stream'),
    handleSse,
    attach,
    close: async () => {
      closing = true;
      hub.close();
      // The ended streams send their last events and `complete`; SSE responses then end.
      await Promise.all([...openResponses]);
      // Let graphql-ws send each operation's `complete` before the sockets close with 1001 "Going away".
      await new Promise((resolve) => setImmediate(resolve));
      await disposeWs?.();
    },
  };
}

const UNAUTHENTICATED_MESSAGE = 'Subscriptions need a bearer token with scope jobs:read; send it as "Authorization: Bearer <token>".';

/** End a response; resolves once it is finished or its connection is gone (a closed one never calls `end`'s callback). */
function endResponse(res: http.ServerResponse): Promise<void> {
  if (res.destroyed || res.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    res.once('close', () => resolve());
    res.end(() => resolve());
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q >= 0 ? (url as string).slice(0, q) : (url ?? '/');
}
