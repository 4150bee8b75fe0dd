import type http from 'node:http';
import {
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
} from 'graphql';
import { createHandler, print as printSseMessage } from 'graphql-sse';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import { JobgraphError } from '../errors.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import { operationTypeOf } from '../http/transport.ts';
import type { QueryLimits } from '../limits/index.ts';
import { subscribe } from './execute.ts';
import type { WatchContext } from './hub.ts';
import { operationError, prepareSubscription, type OperationParams } from './operation.ts';
import {
  createSingleConnectionSse,
  isSingleConnectionRequest,
  type PreparedSubscription,
  type SingleConnectionCall,
  type SingleConnectionOptions,
  type SingleConnectionSse,
} from './sseSingleConnection.ts';
import { startedLog, type TransportCommon } from './transportCommon.ts';

/** The GraphQL path both transports serve, as queries do. */
export const GRAPHQL_PATH = '/graphql';

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

const SHUTTING_DOWN_MESSAGE =
  'jobgraph is shutting down; send the request again (another replica will answer it).';

const UNAUTHENTICATED_MESSAGE =
  'Subscriptions need a bearer token with scope jobs:read; send it as "Authorization: Bearer <token>".';

/** The event stream of a prepared subscription, as graphql-sse's handler opens it. */
type EventStream = AsyncGenerator<string, void, undefined>;

/**
 * `Subscription.jobUpdates` over Server-Sent Events: graphql-sse's distinct connections mode
 * (one request, one stream) and its single connection mode (sseSingleConnection.ts). Owns the
 * responses it is serving, so that shutdown can end each and wait for it.
 */
export class SseTransport {
  /** Every SSE response being served, until it has ended: shutdown waits for each. */
  private readonly openResponses = new Set<Promise<void>>();
  /** End each open stream without `complete` (shutdown: the client reconnects elsewhere). */
  private readonly interrupts = new Set<() => void>();
  private closing = false;
  private readonly streams: ReturnType<typeof distinctConnectionsHandler>;
  private readonly single: SingleConnectionSse;
  private readonly parseOptions: QueryLimits['parseOptions'];
  /** The line of each subscription started: fixed fields, bound once (see {@link startedLog}). */
  private readonly started: Logger;

  constructor(
    private readonly common: TransportCommon,
    config: Config,
    private readonly logger: Logger,
    relay: Pick<SingleConnectionOptions, 'execute' | 'shared' | 'bounds'>,
  ) {
    this.parseOptions = common.prepare.limits.parseOptions;
    this.started = startedLog(logger, { transport: 'sse', authenticated: true });
    this.streams = distinctConnectionsHandler(common);
    // graphql-sse's single connection mode: reservations, one stream each, operations by ID.
    this.single = createSingleConnectionSse({
      config,
      parseOptions: this.parseOptions,
      scheduler: common.hub.scheduler,
      logger,
      streamHeaders: SSE_HEADERS,
      prepare: (identity, requestId, params) => this.prepareFor(identity, requestId, params),
      formatResult: common.formatResult,
      execute: relay.execute,
      ...(relay.shared ? { shared: relay.shared } : {}),
      ...(relay.bounds ? { bounds: relay.bounds } : {}),
    });
  }

  /** SSE requests being served now, from their first byte to their response's end. */
  open(): number {
    return this.openResponses.size;
  }

  /** Single connection mode reservations held now. */
  reservations(): number {
    return this.single.reservations();
  }

  /** Serve one SSE request (either mode); settles once it is answered (a stream: when it ends). */
  handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SingleConnectionCall,
  ): Promise<void> {
    // Settled once the response is finished or the connection is gone, whichever comes first; attached before anything can wait.
    const gone = new Promise<void>((resolve) => {
      if (res.destroyed || req.socket.destroyed) resolve();
      res.once('close', () => resolve());
    });
    const served = !isSingleConnectionRequest(req)
      ? this.serve(req, res, call, gone)
      : this.closing
        ? Promise.resolve(this.refuseClosing(req, res))
        : this.single.handle(req, res, call, gone);
    const settled = served.then(
      () => undefined,
      () => undefined,
    );
    this.openResponses.add(settled);
    void settled.then(() => this.openResponses.delete(settled));
    return served;
  }

  /**
   * Shutdown: refuse new requests (503), end every open stream without `complete`; settles once
   * every response open now has ended.
   */
  close(): Promise<unknown> {
    this.closing = true;
    for (const interrupt of [...this.interrupts]) interrupt();
    this.single.close();
    return Promise.all([...this.openResponses]);
  }

  /** Any SSE request once shutting down: 503, so the client sends it again (another replica answers). */
  private refuseClosing(req: http.IncomingMessage, res: http.ServerResponse): void {
    writeErrorAnswer(
      req,
      res,
      503,
      [{ message: SHUTTING_DOWN_MESSAGE, extensions: { code: 'SHUTTING_DOWN' } }],
      { 'retry-after': '1' },
    );
  }

  /** A subscription checked for `identity` (no token or an expired one, then prepareSubscription), or the answer that refuses it. */
  private prepareFor(
    identity: Identity,
    requestId: string,
    params: OperationParams,
  ): PreparedSubscription {
    const { hub, formatErrors } = this.common;
    if (!identity.authenticated || hub.expired(identity)) {
      return {
        refused: {
          errors: formatErrors([
            operationError(new JobgraphError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE)),
          ]),
        },
      };
    }
    const args = prepareSubscription(this.common.prepare, params, hub.context(identity, requestId));
    return Array.isArray(args) ? { refused: { errors: formatErrors(args) } } : { args };
  }

  /** One request of the distinct connections mode: a query's one result, a refusal, or a subscription's stream. */
  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: SingleConnectionCall,
    gone: Promise<void>,
  ): Promise<void> {
    if (this.closing) return this.refuseClosing(req, res);
    const params = (call.params ?? {}) as OperationParams;
    if (
      operationTypeOf(params, this.parseOptions) !== OperationTypeNode.SUBSCRIPTION &&
      typeof params.query === 'string'
    ) {
      // A query (or anything but a subscription) over SSE: Apollo's pipeline answers it, as one event.
      return answerOnce(res, await call.execute());
    }
    const { requestId } = call;
    const prepared = this.prepareFor(call.identity, requestId, params);
    if ('refused' in prepared) return answerOnce(res, prepared.refused);
    const [stream, init] = await this.streams({
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
      context: { args: prepared.args },
    });
    if (!stream || typeof stream === 'string') {
      // Not expected once prepared; answered as the library says, in its own words' stead ours.
      this.logger.error(
        { requestId, status: init.status },
        'subscription stream refused by graphql-sse',
      );
      return answerOnce(res, {
        errors: [
          { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ],
      });
    }
    return this.pipe(stream, res, gone, requestId);
  }

  /**
   * A subscription's events written to its response until either ends. The stream is open (its
   * subscription holds a slot and read schedules) until it is returned: on every way out of here,
   * the client's going away included, however early.
   */
  private async pipe(
    stream: EventStream,
    res: http.ServerResponse,
    gone: Promise<void>,
    requestId: string,
  ): Promise<void> {
    let left = false;
    /** Settles the write being waited for, if any. */
    let wake: (() => void) | undefined;
    const leave = () => {
      if (left) return;
      left = true;
      wake?.();
      void stream.return(undefined);
    };
    void gone.then(leave);
    this.interrupts.add(leave);
    try {
      if (res.destroyed) return;
      res.writeHead(200, SSE_HEADERS);
      this.started.info({ requestId }, 'subscription started');
      for await (const chunk of stream) {
        if (res.destroyed || left) break;
        // A write to a client that went away may never call back: leaving (the close) settles it
        // instead, through `wake`; a race with `gone` would add a reaction to it for every event,
        // held until the connection closes.
        await new Promise<void>((resolve, reject) => {
          wake = resolve;
          res.write(chunk, (err) => (err ? reject(err) : resolve()));
        });
        wake = undefined;
      }
    } finally {
      this.interrupts.delete(leave);
      leave();
      await endResponse(res);
    }
  }
}

/** graphql-sse's handler for streams whose operation is already prepared (distinct connections mode only). */
function distinctConnectionsHandler(common: TransportCommon) {
  return createHandler<
    http.IncomingMessage,
    { args: ExecutionArgs },
    WatchContext & Record<PropertyKey, unknown>
  >({
    schema: common.prepare.schema,
    subscribe,
    // prepareSubscription has parsed, validated (with every limit) and sized the operation.
    validate: () => [],
    authenticate: () => null, // distinct connections mode only: no reservation tokens
    onSubscribe: (req) => req.context.args as never,
    onNext: (_ctx, _req, result) => common.formatResult(result as ExecutionResult) as never,
  });
}

/** One stream answered at once: an operation refused once the stream was accepted, or a query's one result. */
function answerOnce(res: http.ServerResponse, result: FormattedExecutionResult): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  res.writeHead(200, SSE_HEADERS);
  res.write(sseEvent('next', result));
  return endResponse(res, sseEvent('complete'));
}

/** End a response; resolves once it is finished or its connection is gone (a closed one never calls `end`'s callback). */
function endResponse(res: http.ServerResponse, body?: string): Promise<void> {
  if (res.destroyed || res.writableFinished) return Promise.resolve();
  return new Promise<void>((resolve) => {
    res.once('close', () => resolve());
    if (body === undefined) res.end(() => resolve());
    else res.end(body, () => resolve());
  });
}
