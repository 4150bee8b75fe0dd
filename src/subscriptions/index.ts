import type http from 'node:http';
import type { FormattedExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identity.ts';
import type { CallerRate } from '../http/callerRate.ts';
import type { QueryLimits } from '../limits/index.ts';
import { WatchHub, type WatchHubOptions } from './hub.ts';
import type { SharedReservations } from './sseRelay.ts';
import { SseTransport } from './sseTransport.ts';
import { transportCommon } from './transportCommon.ts';
import { ValidDocuments } from './validDocuments.ts';
import { WsTransport, type OperationCall } from './wsTransport.ts';

export type { SubscriptionBounds } from './bounds.ts';
export type { Scheduler } from './scheduler.ts';
export { isSingleConnectionRequest } from './sseSingleConnection.ts';

export { GRAPHQL_PATH } from './sseTransport.ts';
export type { SharedReservations } from './sseRelay.ts';
export type { OperationCall } from './wsTransport.ts';

/** What the transports take, and the watchers' hub its part of it (`WatchHubOptions`). */
export interface SubscriptionOptions extends Pick<
  WatchHubOptions,
  | 'config'
  | 'sources'
  | 'scheduler'
  | 'accounts'
  | 'listSnapshots'
  | 'audit'
  | 'events'
  | 'states'
  | 'actions'
  | 'queues'
  | 'historyDatabase'
  | 'logs'
  | 'background'
  | 'bounds'
> {
  schema: GraphQLSchema;
  limits: QueryLimits;
  logger: Logger;
  /** Verifies an `Authorization` value as for queries (src/auth/verifyToken.ts). */
  verifyToken(authorization: string | undefined): Promise<Identity>;
  /** The server's client-facing error formatting (http/formatError.ts `createFormatError`). */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /**
   * Run an operation that is not a subscription, sent over graphql-ws, through Apollo's pipeline
   * (server.ts) as the socket's caller: its answer, as JSON would carry it.
   */
  executeOperation(call: OperationCall): Promise<FormattedExecutionResult>;
  /** graphql-sse single connection reservations shared by the replicas (Redis), so any replica serves any of their requests. */
  sharedReservations?: SharedReservations;
  /** The callers' request rate, which each WebSocket operation spends (SSE requests spend it at the HTTP edge); none: off. */
  callerRate?: CallerRate;
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
   * without `complete`; WebSocket: close 1012 "Service Restart", no `complete`), stop the read
   * schedules.
   */
  close(): Promise<void>;
}

/** One GraphQL request for the SSE adapter: who asks, and the operation's parameters (body or URL). */
interface SseCall {
  identity: Identity;
  requestId: string;
  params: unknown;
  /** Run an operation that is not a subscription through Apollo's pipeline: its answer, as JSON would carry it. */
  execute(): Promise<FormattedExecutionResult>;
}

/** `Subscription.jobUpdates` over Server-Sent Events and WebSocket, beside Apollo Server on the same path and port. */
export function createSubscriptions(options: SubscriptionOptions): Subscriptions {
  const { config, schema, limits, logger } = options;
  const hub = new WatchHub(options);
  const common = transportCommon(
    hub,
    { schema, limits, config, documents: new ValidDocuments() },
    (formatted, error) => options.formatError(formatted, error),
  );
  const sse = new SseTransport(common, config, logger, {
    // An operation relayed from another replica runs through Apollo's pipeline as its sender.
    execute: (call) => options.executeOperation(call),
    ...(options.sharedReservations ? { shared: options.sharedReservations } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
  });
  const ws = new WsTransport(common, {
    config,
    logger,
    verifyToken: (authorization) => options.verifyToken(authorization),
    executeOperation: (call) => options.executeOperation(call),
    ...(options.callerRate ? { callerRate: options.callerRate } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
  });
  return {
    hub,
    handleSse: (req, res, call) => sse.handle(req, res, call),
    attach: (server) => ws.attach(server),
    sockets: () => ws.sockets(),
    openResponses: () => sse.open(),
    reservations: () => sse.reservations(),
    close: async () => {
      const ended = sse.close();
      await Promise.all([ws.close(), ended]);
      hub.close();
    },
  };
}
