import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type ParseOptions,
} from 'graphql';
import type { Logger } from 'pino';
import { startedLog } from './transportCommon.ts';
import type { Identity } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import { operationTypeOf } from '../http/transport.ts';
import { subscribe } from './execute.ts';
import type { OperationParams } from './operation.ts';
import type { Scheduler } from './scheduler.ts';
import {
  ReservationLimitError,
  SseReservations,
  reservationOwner,
  type Reservation,
} from './sseReservations.ts';
import type { SubscriptionBounds } from './bounds.ts';
import type { SharedReservations } from './sseRelay.ts';
import { RelayedReservations, type RelayHost } from './sseRelayedRequests.ts';
import {
  HEARTBEAT_MS,
  OPERATION_ID_MESSAGE,
  RUNNING_MESSAGE,
  badRequest,
  completeEvent,
  forget,
  isStreamRequest,
  newStream,
  nextEvent,
  operationIdIn,
  send,
  streamToken,
  type Operation,
  type Stream,
} from './sseStream.ts';

export { isSingleConnectionRequest } from './sseStream.ts';

/**
 * How long a reservation waits for its event stream before it lapses, ms: graphql-sse's client
 * opens the stream right after its `PUT` answers, so 10 s is many round trips, and an abandoned
 * reservation holds its caller's slot no longer. Fixed (was JOBGRAPH_SSE_RESERVATION_TIMEOUT_MS);
 * exported for the tests, which move their clock past it.
 */
export const RESERVATION_TIMEOUT_MS = 10_000;

// duplicates: data — named constants, each its own value and reason
/**
 * Reservations one caller may hold, waiting for their stream or connected (every anonymous caller
 * together counts as one): a page holds one, so 20 is a user's every tab and device, as the 20
 * open subscriptions a caller may have by default. Fixed (was JOBGRAPH_MAX_SSE_RESERVATIONS_PER_CALLER).
 */
const RESERVATIONS_PER_CALLER = 20;

/** What the single connection mode needs of one request: who asks, its ID, its operation (body or URL), and Apollo's pipeline for it. */
export interface SingleConnectionCall {
  identity: Identity;
  requestId: string;
  params: unknown;
  /** Run an operation that is not a subscription through Apollo's pipeline: its answer, as JSON would carry it. */
  execute(): Promise<FormattedExecutionResult>;
  /** Sent to another replica, which relayed it here (its log lines say so). */
  relayed?: boolean;
}

/** A subscription's execution arguments, or the answer that refuses it (no token, parse, validation, limits, budget). */
export type PreparedSubscription = { args: ExecutionArgs } | { refused: FormattedExecutionResult };

export interface SingleConnectionOptions {
  config: Pick<Config, 'watch' | 'cache'>;
  parseOptions: ParseOptions;
  scheduler: Scheduler;
  logger: Logger;
  /** The event stream's response head (the distinct connections mode's). */
  streamHeaders: Record<string, string>;
  /** Check a subscription for `identity` as distinct connections do (index.ts). */
  prepare: (identity: Identity, requestId: string, params: OperationParams) => PreparedSubscription;
  /** The client-facing form of one execution result (errors through `formatError`). */
  formatResult: (result: ExecutionResult) => FormattedExecutionResult;
  /**
   * Run an operation that is not a subscription, relayed from another replica, through Apollo's
   * pipeline as its sender (what `SingleConnectionCall.execute` does for a request made here).
   */
  execute: (call: {
    identity: Identity;
    requestId: string;
    params: OperationParams;
  }) => Promise<FormattedExecutionResult>;
  /** The reservations the replicas share (Redis), so that any replica serves any request of the mode; none: this process's own. */
  shared?: SharedReservations;
  /** Bounds fixed in production that a test narrows (bounds.ts). */
  bounds?: SubscriptionBounds;
}

export interface SingleConnectionSse {
  /** Serve one request of the mode: a reservation (PUT), its event stream, an operation, a stop (DELETE). Settles when the request is answered (a stream: when it ends). */
  handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SingleConnectionCall,
    gone: Promise<void>,
  ): Promise<void>;
  /** Reservations held now, waiting for their stream or connected. */
  reservations(): number;
  /** Shutdown (the caller refuses new requests from now on): end every stream without `complete` (the client reserves again elsewhere) and stop its operations. */
  close(): void;
}

/**
 * graphql-sse's single connection mode (PROTOCOL.md "Single connection mode"), for HTTP/1
 * browsers at their six-connection cap: `PUT` reserves a stream and answers its token (201,
 * text/plain); one `GET`/`POST` with `Accept: text/event-stream` and the token is the stream;
 * each operation is a `POST` (or `GET`) with the token and `extensions.operationId`, accepted
 * with 202 and answered on the stream as `next`/`complete` events carrying that ID; `DELETE
 * ?operationId=` stops one.
 *
 * Every operation goes through the same pipeline as in distinct connections: a subscription
 * through `prepare` with the identity of the request that sent it (its bearer token, verified
 * per request), so it takes a subscription slot, is authorized per event and ends with
 * UNAUTHENTICATED when that token expires; anything else through Apollo's pipeline, as one `next`
 * and `complete`. A refusal once the operation is accepted is a `next` with `{errors}` then
 * `complete` for that operation only.
 *
 * A reservation is its maker's: a request with its token from another subject (or from an
 * anonymous caller for a subject's) finds nothing, answered exactly as an unknown token (404), so
 * nobody learns of another caller's stream. This means the stream request carries the
 * `Authorization` header too, which graphql-sse's client does (a bare browser `EventSource`
 * cannot). Reservations are bounded per caller and in the process, and lapse when no stream
 * connects within RESERVATION_TIMEOUT_MS.
 *
 * With `shared` (the replicas' Redis), a reservation is any replica's: its event stream, its
 * operations and its stops may each reach a different replica (sseRelayedRequests.ts), so no
 * proxy affinity is needed; the per-caller cap then counts across the replicas.
 *
 * We serve this ourselves rather than through graphql-sse's handler: its reservations cannot
 * lapse, be bounded, be tied to a caller or be shared between processes from outside it.
 */
export function createSingleConnectionSse(options: SingleConnectionOptions): SingleConnectionSse {
  const server = new SingleConnectionServer(options);
  return {
    handle: (req, res, call, gone) => server.handle(req, res, call, gone),
    reservations: () => server.reservations.size(),
    close: () => server.close(),
  };
}

/** The single connection mode's server (createSingleConnectionSse): its reservations, each with its stream and operations. */
class SingleConnectionServer implements RelayHost {
  readonly reservations: SseReservations<Stream>;
  readonly shared = new Map<string, Reservation<Stream>>();
  private readonly logger: Logger;
  /** The line of each subscription started: fixed fields, bound once (see {@link startedLog}). */
  private readonly started: Logger;
  private readonly relay: RelayedReservations | undefined;
  private shuttingDown = false;

  constructor(private readonly options: SingleConnectionOptions) {
    this.logger = options.logger;
    this.started = startedLog(options.logger, {
      transport: 'sse',
      mode: 'single',
      authenticated: true,
    });
    const { watch, cache } = options.config;
    const maxPerCaller = options.bounds?.maxReservationsPerCaller ?? RESERVATIONS_PER_CALLER;
    this.reservations = new SseReservations<Stream>({
      maxPerCaller,
      maxTotal: watch.maxReservations,
      timeoutMs: RESERVATION_TIMEOUT_MS,
      scheduler: options.scheduler,
    });
    this.relay = options.shared
      ? new RelayedReservations(options.shared, this, {
          maxPerCaller,
          timeoutMs: RESERVATION_TIMEOUT_MS,
          // Two Redis round trips and a hop through the other replica's event loop.
          replyTimeoutMs: Math.max(1000, 4 * cache.opTimeoutMs),
          logger: options.logger,
        })
      : undefined;
  }

  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SingleConnectionCall,
    gone: Promise<void>,
  ): Promise<void> {
    const owner = reservationOwner(call.identity, req.headers.authorization);
    if (req.method === 'PUT') return this.reserve(req, res, owner, call);
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
      writeErrorAnswer(
        req,
        res,
        405,
        badRequest('Single connection mode takes GET, POST, PUT and DELETE.'),
        {
          allow: 'GET, POST, PUT, DELETE',
        },
      );
      return;
    }
    const token = streamToken(req);
    const reservation = this.reservations.find(token, owner);
    // Its stream is here, or only this process knows it: served here.
    if (reservation && (reservation.state.sharedId === undefined || reservation.state.res))
      return this.serveLocal(req, res, reservation, call, gone);
    if (token !== undefined && this.relay) {
      if (await this.relay.handle(req, res, call, gone, token, owner, reservation)) return;
    }
    if (reservation) return this.serveLocal(req, res, reservation, call, gone);
    return this.notFound(req, res, call.requestId);
  }

  close(): void {
    this.shuttingDown = true;
    for (const reservation of this.reservations.all()) this.end(reservation);
  }

  closing(): boolean {
    return this.shuttingDown;
  }

  /** End a reservation (idempotent): its operations stop, its stream's response ends without `complete`; `release` also forgets its shared record. */
  end(reservation: Reservation<Stream>, release = true): void {
    const stream = reservation.state;
    this.reservations.release(reservation);
    if (stream.ended) return;
    stream.ended = true;
    if (stream.sharedId !== undefined) {
      if (this.shared.get(stream.sharedId) === reservation) this.shared.delete(stream.sharedId);
      if (release) this.relay?.release(reservation);
    }
    for (const op of stream.ops.values()) op.stop();
    stream.ops.clear();
    for (const settle of [...stream.writes]) settle();
    stream.markReady();
    if (stream.res && !stream.res.writableEnded && !stream.res.destroyed) stream.res.end();
    stream.finish();
  }

  /** A request on a reservation served here: a stop, its event stream, or an operation. */
  private serveLocal(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reservation: Reservation<Stream>,
    call: SingleConnectionCall,
    gone: Promise<void>,
  ): Promise<void> | void {
    if (req.method === 'DELETE') return this.stop(req, res, reservation.state);
    if (isStreamRequest(req)) return this.connect(req, res, reservation, gone, call.identity);
    return this.operation(req, res, reservation.state, call);
  }

  /** One result for an operation, then its `complete`. */
  private async answerOnce(
    stream: Stream,
    id: string,
    op: Operation,
    result: FormattedExecutionResult,
  ): Promise<void> {
    try {
      if (!op.stopped) await send(stream, nextEvent(id, result));
      if (!op.stopped) await send(stream, completeEvent(id));
    } finally {
      forget(stream, id, op);
    }
  }

  /** A subscription's results as `next` events, then `complete` when it ends by itself (not when stopped). */
  private async pump(
    stream: Stream,
    id: string,
    op: Operation,
    results: AsyncIterableIterator<ExecutionResult>,
    requestId: string,
  ): Promise<void> {
    try {
      for (;;) {
        const step = await results.next();
        if (step.done || op.stopped) break;
        await send(stream, nextEvent(id, this.options.formatResult(step.value)));
      }
      if (!op.stopped) await send(stream, completeEvent(id));
    } catch (err) {
      if (!op.stopped) {
        op.stop();
        await this.failed(stream, id, requestId, err);
      }
    } finally {
      forget(stream, id, op);
    }
  }

  /** Ours, not the caller's: that operation ends with the error (the stream goes on). */
  private async failed(stream: Stream, id: string, requestId: string, err: unknown) {
    const correlationId = randomUUID();
    this.logger.error({ requestId, correlationId, err }, 'single-connection subscription failed');
    const error = {
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
    };
    await send(stream, nextEvent(id, { errors: [error] }));
    await send(stream, completeEvent(id));
  }

  notFound(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void {
    this.logger.info({ requestId, method: req.method }, 'event stream reservation not found');
    writeErrorAnswer(
      req,
      res,
      404,
      badRequest(
        'No event stream reservation for this token and caller (it lapsed, its stream ended, or it was never made); reserve one with PUT.',
      ),
    );
  }

  private async reserve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    owner: string,
    call: SingleConnectionCall,
  ): Promise<void> {
    let reservation: Reservation<Stream>;
    try {
      reservation = this.reservations.reserve(owner, newStream(), (lapsed) => this.end(lapsed));
      // Across the replicas too, when they share reservations.
      const refused = await this.relay?.reserve(reservation);
      if (refused) {
        this.end(reservation, false);
        throw refused;
      }
    } catch (err) {
      if (!(err instanceof ReservationLimitError)) throw err;
      this.logger.info(
        { requestId: call.requestId, authenticated: call.identity.authenticated },
        'event stream reservation refused: limit reached',
      );
      writeErrorAnswer(
        req,
        res,
        err.status,
        [{ message: err.message, extensions: { code: err.code } }],
        err.status === 503 ? { 'retry-after': '1' } : {},
      );
      return;
    }
    res.writeHead(201, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(reservation.token);
  }

  async connect(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reservation: Reservation<Stream>,
    gone: Promise<void>,
    identity: Identity,
  ): Promise<void> {
    const stream = reservation.state;
    if (stream.res || stream.ended) {
      writeErrorAnswer(req, res, 409, badRequest('This reservation already has its event stream.'));
      return;
    }
    if (res.destroyed) return this.end(reservation);
    this.reservations.connected(reservation);
    stream.res = res;
    stream.identity = identity;
    res.writeHead(200, this.options.streamHeaders);
    // A first comment line, as graphql-sse's handler writes: some browsers wait for a body byte.
    res.write(':\n\n');
    stream.markReady();
    const heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) res.write(':\n\n');
      // A shared reservation's claim on its stream is renewed at each heartbeat.
      this.relay?.renew(reservation);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      await new Promise<void>((resolve) => {
        stream.finish = resolve;
        if (stream.ended) resolve();
        void gone.then(() => resolve());
      });
    } finally {
      clearInterval(heartbeat);
      this.end(reservation);
      if (!res.writableFinished && !res.destroyed)
        await new Promise<void>((resolve) => {
          res.once('close', resolve);
          res.once('finish', resolve);
        });
    }
  }

  private stop(req: http.IncomingMessage, res: http.ServerResponse, stream: Stream): void {
    const id = new URL(req.url ?? '', 'http://localhost/').searchParams.get('operationId');
    if (!id) {
      writeErrorAnswer(req, res, 400, badRequest('Name the operation to stop with ?operationId=.'));
      return;
    }
    stream.ops.get(id)?.stop();
    stream.ops.delete(id);
    res.writeHead(200, { 'cache-control': 'no-store' });
    res.end();
  }

  /** An operation sent on a reservation: accepted (202) and answered on its stream, or refused. */
  private async operation(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    stream: Stream,
    call: SingleConnectionCall,
  ): Promise<void> {
    const params = (call.params ?? {}) as OperationParams & { extensions?: unknown };
    const id = operationIdIn(params);
    if (id === null) return writeErrorAnswer(req, res, 400, badRequest(OPERATION_ID_MESSAGE));
    if (stream.ops.has(id)) return writeErrorAnswer(req, res, 409, badRequest(RUNNING_MESSAGE));
    const started = await this.begin(stream, id, params, call);
    // 204: stopped (DELETE, the stream's end) while it was prepared, so nothing is sent for it.
    res.writeHead(started ? 202 : 204, { 'cache-control': 'no-store' });
    res.end();
  }

  startRelayed(
    stream: Stream,
    id: string,
    params: OperationParams,
    identity: Identity,
    requestId: string,
  ): void {
    const call: SingleConnectionCall = {
      identity,
      requestId,
      params,
      relayed: true,
      execute: () => this.options.execute({ identity, requestId, params }),
    };
    void this.begin(stream, id, params, call).catch((err: unknown) =>
      this.failed(stream, id, requestId, err),
    );
  }

  /**
   * Run an operation on the stream, answered there: false when it was stopped while being
   * prepared (nothing is sent for it). Throws what preparing it throws (then it is not held).
   */
  private async begin(
    stream: Stream,
    id: string,
    params: OperationParams,
    call: SingleConnectionCall,
  ): Promise<boolean> {
    // Held from now, so a DELETE while it is being prepared stops it.
    let results: AsyncIterableIterator<ExecutionResult> | undefined;
    const op: Operation = {
      stopped: false,
      stop: () => {
        op.stopped = true;
        void results?.return?.();
      },
    };
    stream.ops.set(id, op);
    let result: FormattedExecutionResult | AsyncIterableIterator<ExecutionResult>;
    try {
      result = await this.run(params, call);
    } catch (err) {
      forget(stream, id, op);
      throw err;
    }
    if (op.stopped || stream.ended) {
      if (Symbol.asyncIterator in result) void result.return?.();
      forget(stream, id, op);
      return false;
    }
    if (Symbol.asyncIterator in result) {
      results = result;
      this.started.info(
        { requestId: call.requestId, ...(call.relayed ? { relayed: true } : {}) },
        'subscription started',
      );
      void this.pump(stream, id, op, result, call.requestId);
    } else {
      void this.answerOnce(stream, id, op, result);
    }
    return true;
  }

  /** An operation run: a query's one result (Apollo's pipeline), a refusal, or a subscription's results. */
  private async run(
    params: OperationParams,
    call: SingleConnectionCall,
  ): Promise<FormattedExecutionResult | AsyncIterableIterator<ExecutionResult>> {
    if (
      operationTypeOf(params, this.options.parseOptions) !== OperationTypeNode.SUBSCRIPTION &&
      typeof params.query === 'string'
    ) {
      // A query (or anything but a subscription): Apollo's pipeline answers it, as one event.
      return call.execute();
    }
    const prepared = this.options.prepare(call.identity, call.requestId, params);
    if ('refused' in prepared) return prepared.refused;
    const subscribed = await subscribe(prepared.args);
    return Symbol.asyncIterator in subscribed ? subscribed : this.options.formatResult(subscribed);
  }
}
