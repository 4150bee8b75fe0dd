import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type ParseOptions,
} from 'graphql';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY, print as printSseMessage } from 'graphql-sse';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import { acceptedTypes, operationTypeOf } from '../http/transport.ts';
import { subscribe } from './execute.ts';
import type { OperationParams } from './operation.ts';
import type { Scheduler } from './scheduler.ts';
import {
  ReservationLimitError,
  SseReservations,
  reservationOwner,
  type Reservation,
} from './sseReservations.ts';

/** What the single connection mode needs of one request: who asks, its ID, its operation (body or URL), and Apollo's pipeline for it. */
export interface SingleConnectionCall {
  identity: Identity;
  requestId: string;
  params: unknown;
  /** Run an operation that is not a subscription through Apollo's pipeline: its answer, as JSON would carry it. */
  execute(): Promise<FormattedExecutionResult>;
}

/** A subscription's execution arguments, or the answer that refuses it (no token, parse, validation, limits, budget). */
export type PreparedSubscription = { args: ExecutionArgs } | { refused: FormattedExecutionResult };

export interface SingleConnectionOptions {
  config: Pick<Config, 'watch'>;
  parseOptions: ParseOptions;
  scheduler: Scheduler;
  logger: Logger;
  /** The event stream's response head (the distinct connections mode's). */
  streamHeaders: Record<string, string>;
  /** Check a subscription for `identity` as distinct connections do (index.ts). */
  prepare: (identity: Identity, requestId: string, params: OperationParams) => PreparedSubscription;
  /** The client-facing form of one execution result (errors through `formatError`). */
  formatResult: (result: ExecutionResult) => FormattedExecutionResult;
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

/** graphql-sse's handler writes a comment line this often (ms) to keep an idle stream open; single-connection streams do the same. */
const HEARTBEAT_MS = 12_000;

/** The longest `extensions.operationId` accepted (each event of the operation carries it). */
const MAX_OPERATION_ID_LENGTH = 256;

/** One running operation on a stream: stopping it (DELETE, the stream's end) sends nothing more for it. */
interface Operation {
  stopped: boolean;
  stop(): void;
}

/** What a reservation carries: its stream once connected, its operations, the writes waiting on the stream. */
interface Stream {
  res: http.ServerResponse | undefined;
  readonly ops: Map<string, Operation>;
  ended: boolean;
  /** Settles when the stream connects or the reservation ends, whichever comes first. */
  readonly ready: Promise<void>;
  markReady(): void;
  /** Writes in flight (a write to a client that went away may never call back): settled at the end. */
  readonly writes: Set<() => void>;
  /** Lets the stream's request settle (shutdown, lapse). */
  finish(): void;
}

function newStream(): Stream {
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return {
    res: undefined,
    ops: new Map(),
    ended: false,
    ready,
    markReady,
    writes: new Set(),
    finish: () => undefined,
  };
}

/** The reservation token a request presents: header `x-graphql-event-stream-token`, else `?token=` (graphql-sse's PROTOCOL.md). */
export function streamToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER_KEY];
  if (typeof header === 'string' && header !== '') return header;
  const query = new URL(req.url ?? '', 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY);
  return query === null || query === '' ? undefined : query;
}

/** Whether a GraphQL-path request belongs to single connection mode: a reservation (PUT), a stop (DELETE), or anything carrying a reservation token. */
export function isSingleConnectionRequest(req: http.IncomingMessage): boolean {
  return req.method === 'PUT' || req.method === 'DELETE' || streamToken(req) !== undefined;
}

const nextEvent = (id: string, payload: FormattedExecutionResult): string =>
  printSseMessage({ event: 'next', data: { id, payload: payload as ExecutionResult } });
const completeEvent = (id: string): string => printSseMessage({ event: 'complete', data: { id } });

const badRequest = (message: string) => [{ message, extensions: { code: 'BAD_REQUEST' } }];

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
 * connects within `reservationTimeoutMs`.
 *
 * We serve this ourselves rather than through graphql-sse's handler: its reservations cannot
 * lapse, be bounded or be tied to a caller from outside it.
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
class SingleConnectionServer {
  readonly reservations: SseReservations<Stream>;
  private readonly logger: Logger;

  constructor(private readonly options: SingleConnectionOptions) {
    this.logger = options.logger;
    this.reservations = new SseReservations<Stream>({
      maxPerCaller: options.config.watch.maxReservationsPerCaller,
      maxTotal: options.config.watch.maxReservations,
      timeoutMs: options.config.watch.reservationTimeoutMs,
      scheduler: options.scheduler,
    });
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
    const reservation = this.reservations.find(streamToken(req), owner);
    if (!reservation) return this.notFound(req, res, call.requestId);
    if (req.method === 'DELETE') return this.stop(req, res, reservation.state);
    if (acceptedTypes(req.headers.accept).includes('text/event-stream'))
      return this.connect(req, res, reservation, gone);
    return this.operation(req, res, reservation.state, call);
  }

  close(): void {
    for (const reservation of this.reservations.all()) this.end(reservation);
  }

  /** End a reservation (idempotent): its operations stop, its stream's response ends without `complete`. */
  private end(reservation: Reservation<Stream>): void {
    const stream = reservation.state;
    this.reservations.release(reservation);
    if (stream.ended) return;
    stream.ended = true;
    for (const op of stream.ops.values()) op.stop();
    stream.ops.clear();
    for (const settle of [...stream.writes]) settle();
    stream.markReady();
    if (stream.res && !stream.res.writableEnded && !stream.res.destroyed) stream.res.end();
    stream.finish();
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
      // Ours, not the caller's: that operation ends with the error (the stream goes on).
      const correlationId = randomUUID();
      this.logger.error({ requestId, correlationId, err }, 'single-connection subscription failed');
      if (!op.stopped) {
        op.stop();
        const error = {
          message: 'Internal server error',
          extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
        };
        await send(stream, nextEvent(id, { errors: [error] }));
        await send(stream, completeEvent(id));
      }
    } finally {
      forget(stream, id, op);
    }
  }

  private notFound(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void {
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

  private reserve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    owner: string,
    call: SingleConnectionCall,
  ): void {
    let reservation: Reservation<Stream>;
    try {
      reservation = this.reservations.reserve(owner, newStream(), (lapsed) => this.end(lapsed));
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

  private async connect(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reservation: Reservation<Stream>,
    gone: Promise<void>,
  ): Promise<void> {
    const stream = reservation.state;
    if (stream.res || stream.ended) {
      writeErrorAnswer(req, res, 409, badRequest('This reservation already has its event stream.'));
      return;
    }
    if (res.destroyed) return this.end(reservation);
    this.reservations.connected(reservation);
    stream.res = res;
    res.writeHead(200, this.options.streamHeaders);
    // A first comment line, as graphql-sse's handler writes: some browsers wait for a body byte.
    res.write(':\n\n');
    stream.markReady();
    const heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableEnded) res.write(':\n\n');
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
    const id = operationIdOf(req, res, stream, params);
    if (id === null) return;
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
      // Stopped (DELETE, the stream's end) while it was prepared: nothing to send.
      if (Symbol.asyncIterator in result) void result.return?.();
      forget(stream, id, op);
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (Symbol.asyncIterator in result) {
      results = result;
      this.logger.info(
        { requestId: call.requestId, transport: 'sse', mode: 'single', authenticated: true },
        'subscription started',
      );
      void this.pump(stream, id, op, result, call.requestId);
    } else {
      void this.answerOnce(stream, id, op, result);
    }
    res.writeHead(202, { 'cache-control': 'no-store' });
    res.end();
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

/** The operation's `extensions.operationId`, or null once a 400 (none, too long) or 409 (running) has been sent. */
function operationIdOf(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  stream: Stream,
  params: { extensions?: unknown },
): string | null {
  const extensions = params.extensions as { operationId?: unknown } | null | undefined;
  const id = typeof extensions === 'object' ? extensions?.operationId : undefined;
  if (typeof id !== 'string' || id === '' || id.length > MAX_OPERATION_ID_LENGTH) {
    writeErrorAnswer(
      req,
      res,
      400,
      badRequest(
        `Send the operation's ID as extensions.operationId (a string of 1 to ${MAX_OPERATION_ID_LENGTH} characters).`,
      ),
    );
    return null;
  }
  if (stream.ops.has(id)) {
    writeErrorAnswer(req, res, 409, badRequest('An operation with this ID is already running.'));
    return null;
  }
  return id;
}

/** Write one event on the stream (once it is connected); settles when written, or when the stream is gone. */
async function send(stream: Stream, chunk: string): Promise<void> {
  if (!stream.res) await stream.ready;
  const res = stream.res;
  if (stream.ended || !res || res.destroyed || res.writableEnded) return;
  await new Promise<void>((resolve) => {
    const settle = () => {
      stream.writes.delete(settle);
      resolve();
    };
    stream.writes.add(settle);
    res.write(chunk, () => settle());
  });
}

function forget(stream: Stream, id: string, op: Operation): void {
  if (stream.ops.get(id) === op) stream.ops.delete(id);
}
