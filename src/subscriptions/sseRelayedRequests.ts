import type http from 'node:http';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identity.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import type { OperationParams } from './operation.ts';
import {
  perCallerLimit,
  type ReservationLimitError,
  type Reservation,
  type SseReservations,
} from './sseReservations.ts';
import {
  carried,
  narrowedIdentity,
  ownerIdOf,
  reservationIdOf,
  seal,
  unseal,
  type RelayedCall,
  type SharedReservations,
} from './sseRelay.ts';
import {
  HEARTBEAT_MS,
  OPERATION_ID_MESSAGE,
  RUNNING_MESSAGE,
  badRequest,
  isStreamRequest,
  newStream,
  operationIdIn,
  type Stream,
} from './sseStream.ts';

/** How long the replica holding a stream keeps its record without renewing it, in ms: three heartbeats (it renews at each). */
const LEASE_MS = 3 * HEARTBEAT_MS;

/** What the relay needs of the single connection server (sseSingleConnection.ts). */
export interface RelayHost {
  readonly reservations: SseReservations<Stream>;
  /** The reservations shared with the other replicas that this one knows, by ID. */
  readonly shared: Map<string, Reservation<Stream>>;
  /** Whether the server is shutting down. */
  closing(): boolean;
  /** Serve the event stream of `reservation` here; settles when it ends. */
  connect(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reservation: Reservation<Stream>,
    gone: Promise<void>,
    identity: Identity,
  ): Promise<void>;
  /** End a reservation here; `release` also forgets its shared record. */
  end(reservation: Reservation<Stream>, release: boolean): void;
  notFound(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void;
  /** Start an operation another replica relayed, on a stream held here (its 202 already answered). */
  startRelayed(
    stream: Stream,
    operationId: string,
    params: OperationParams,
    identity: Identity,
    requestId: string,
  ): void;
}

/** One request of the mode as the relay sees it: who sent it (verified here) and its operation. */
export interface RelayRequest {
  identity: Identity;
  requestId: string;
  params: unknown;
}

export interface RelayOptions {
  maxPerCaller: number;
  /** How long a reservation waits for its event stream, in ms. */
  timeoutMs: number;
  /** How long to wait for the stream's replica to answer a relayed request, in ms. */
  replyTimeoutMs: number;
  logger: Logger;
}

const status = (code: number): string => JSON.stringify({ status: code });

/**
 * Single connection reservations that any replica can serve, through a store the replicas share
 * (sseRelay.ts). The reservation is recorded there when made; the replica that its event stream
 * reaches claims it (one stream per reservation, across the replicas) and renews the claim at
 * each heartbeat; an operation or a stop that reaches another replica is checked there (the
 * token's record and its owner, as for a local reservation) and relayed, sealed, to the stream's
 * replica, which runs it with the sender's identity narrowed to the stream's and answers the
 * status code the sender then answers its client. When the store is away, the reservations known
 * here are served here, as without it.
 */
export class RelayedReservations {
  constructor(
    private readonly store: SharedReservations,
    private readonly host: RelayHost,
    private readonly options: RelayOptions,
  ) {
    store.serve((body, isRequest) => Promise.resolve(this.onMessage(body, isRequest)));
  }

  /** Record a new reservation in the store (when it answers): a refusal when its owner holds too many across the replicas. */
  async reserve(reservation: Reservation<Stream>): Promise<ReservationLimitError | undefined> {
    if (!(await this.answers())) return undefined;
    const { maxPerCaller, timeoutMs } = this.options;
    const id = reservationIdOf(reservation.token);
    const outcome = await this.store.reserve(
      id,
      ownerIdOf(reservation.owner),
      maxPerCaller,
      timeoutMs,
    );
    if (outcome.kind === 'limit') return perCallerLimit(outcome.held, maxPerCaller);
    if (outcome.kind === 'reserved') this.share(reservation, id);
    return undefined;
  }

  /** Keep the claim on a stream held here; a claim lost (its record lapsed while Redis was away) ends the stream, and the client reserves again. */
  renew(reservation: Reservation<Stream>): void {
    const id = reservation.state.sharedId;
    if (id === undefined) return;
    void this.store.renew(id, ownerIdOf(reservation.owner), LEASE_MS).then((outcome) => {
      if (outcome !== 'lost') return;
      this.options.logger.info('event stream reservation lost from Redis: its stream ends');
      this.host.end(reservation, false);
    });
  }

  release(reservation: Reservation<Stream>): void {
    const id = reservation.state.sharedId;
    if (id !== undefined) this.store.release(id, ownerIdOf(reservation.owner));
  }

  /**
   * Serve a request carrying `token` whose reservation is not streaming here: false when the store
   * cannot answer (the caller serves it as a local reservation, or answers 404).
   */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: RelayRequest,
    gone: Promise<void>,
    token: string,
    owner: string,
    local: Reservation<Stream> | undefined,
  ): Promise<boolean> {
    if (!(await this.answers())) return false;
    const id = reservationIdOf(token);
    if (req.method !== 'DELETE' && isStreamRequest(req))
      return this.connect(req, res, call, gone, { token, owner, id, local });
    const found = await this.store.find(id, ownerIdOf(owner));
    if (found.kind === 'unavailable') return false;
    if (found.kind === 'missing' || found.holder === this.store.replicaId) {
      // Lapsed (or its stream here has just ended): nothing of it is left to serve.
      if (local) this.host.end(local, false);
      this.host.notFound(req, res, call.requestId);
    } else if (found.holder === null) {
      if (req.method === 'DELETE') {
        // Nothing runs before the stream connects.
        res.writeHead(200, { 'cache-control': 'no-store' });
        res.end();
      } else
        writeErrorAnswer(
          req,
          res,
          409,
          badRequest(
            'This reservation has no event stream yet: connect it first (graphql-sse’s client does), then send operations.',
          ),
        );
    } else await this.relay(found.holder, req, res, call, { token, owner, id });
    return true;
  }

  /**
   * Whether the store answers. A replica that has just started may take requests before its first
   * connection to Redis is up (a proxy without readiness checks sends it traffic at once): served
   * as if Redis were away, such a request would find no reservation made elsewhere, or start an
   * operation away from its stream. So a store still starting is waited for, up to the reply
   * timeout; a store that is down answers at once.
   */
  private async answers(): Promise<boolean> {
    if (this.store.available()) return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.store.whenStarted(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.replyTimeoutMs))),
    ]);
    clearTimeout(timer);
    return this.store.available();
  }

  /** The event stream of a shared reservation: claimed for this replica, then served here. */
  private async connect(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: RelayRequest,
    gone: Promise<void>,
    r: { token: string; owner: string; id: string; local: Reservation<Stream> | undefined },
  ): Promise<boolean> {
    const claim = await this.store.connect(r.id, ownerIdOf(r.owner), LEASE_MS);
    if (claim.kind === 'unavailable') return false;
    if (claim.kind === 'missing') {
      if (r.local) this.host.end(r.local, false);
      this.host.notFound(req, res, call.requestId);
      return true;
    }
    if (claim.kind === 'taken') {
      writeErrorAnswer(req, res, 409, badRequest('This reservation already has its event stream.'));
      return true;
    }
    const reservation = r.local ?? this.host.reservations.hold(r.token, r.owner, newStream());
    this.share(reservation, r.id);
    // The replica that made it stops waiting for it (and counting it).
    if (claim.maker !== this.store.replicaId)
      this.store.notify(claim.maker, JSON.stringify({ kind: 'connected', id: r.id }));
    await this.host.connect(req, res, reservation, gone, call.identity);
    return true;
  }

  /** An operation or a stop sent to this replica for a stream another one holds: relayed there, its answer answered here. */
  private async relay(
    holder: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: RelayRequest,
    r: { token: string; owner: string; id: string },
  ): Promise<void> {
    const stop = req.method === 'DELETE';
    const params = (call.params ?? {}) as OperationParams & { extensions?: unknown };
    const operationId = stop
      ? new URL(req.url ?? '', 'http://localhost/').searchParams.get('operationId')
      : operationIdIn(params);
    if (!operationId) {
      const message = stop
        ? 'Name the operation to stop with ?operationId=.'
        : OPERATION_ID_MESSAGE;
      return writeErrorAnswer(req, res, 400, badRequest(message));
    }
    const relayed: RelayedCall = {
      kind: stop ? 'stop' : 'op',
      owner: r.owner,
      identity: carried(call.identity),
      requestId: call.requestId,
      operationId,
      ...(stop ? {} : { params: operationOf(params) }),
    };
    const body = JSON.stringify({ id: r.id, sealed: seal(r.token, r.id, relayed) });
    const answer = await this.store.request(holder, body, this.options.replyTimeoutMs);
    const code =
      answer.kind === 'gone' ? 404 : answer.kind === 'answer' ? statusIn(answer.body) : 0;
    this.options.logger.info(
      { requestId: call.requestId, method: req.method, status: code },
      'single connection request relayed to the replica holding its stream',
    );
    if (code === 404) return this.host.notFound(req, res, call.requestId);
    if (code === 409) return writeErrorAnswer(req, res, 409, badRequest(RUNNING_MESSAGE));
    if (code !== 200 && code !== 202 && code !== 204) {
      const late = code !== 503;
      const message = late
        ? 'The replica holding this event stream did not answer in time; try again (or reserve a new stream).'
        : 'The replica holding this event stream is shutting down; reserve a new stream (another replica will hold it).';
      const extensions = { code: late ? 'INTERNAL_SERVER_ERROR' : 'SHUTTING_DOWN' };
      return writeErrorAnswer(req, res, 503, [{ message, extensions }], { 'retry-after': '1' });
    }
    res.writeHead(code, { 'cache-control': 'no-store' });
    res.end();
  }

  /** What another replica sent here: a request's answer (a status code), or nothing for a notice. */
  private onMessage(body: string, isRequest: boolean): string {
    let message: { kind?: unknown; id?: unknown; sealed?: unknown };
    try {
      message = JSON.parse(body) as typeof message;
    } catch {
      return status(400);
    }
    const reservation =
      typeof message.id === 'string' ? this.host.shared.get(message.id) : undefined;
    if (!isRequest) {
      // Its stream connected on another replica: this one stops waiting for it.
      if (message.kind === 'connected' && reservation && !reservation.state.res)
        this.host.end(reservation, false);
      return '';
    }
    if (this.host.closing()) return status(503);
    const stream = reservation?.state;
    if (!reservation || !stream?.res || stream.ended || !stream.identity) return status(404);
    if (typeof message.sealed !== 'string' || stream.sharedId === undefined) return status(404);
    const call = unseal(reservation.token, stream.sharedId, message.sealed);
    const identity =
      call?.owner === reservation.owner ? narrowedIdentity(call.identity, stream.identity) : null;
    if (!call || !identity) return status(404);
    if (call.kind === 'stop') {
      stream.ops.get(call.operationId)?.stop();
      stream.ops.delete(call.operationId);
      return status(200);
    }
    if (stream.ops.has(call.operationId)) return status(409);
    const params = (call.params ?? {}) as OperationParams;
    this.host.startRelayed(stream, call.operationId, params, identity, call.requestId);
    return status(202);
  }

  private share(reservation: Reservation<Stream>, id: string): void {
    reservation.state.sharedId = id;
    this.host.shared.set(id, reservation);
  }
}

/** The operation a relayed request carries: what graphql-sse's client sends, nothing else of the body. */
function operationOf(params: OperationParams & { extensions?: unknown }): object {
  const { query, variables, operationName, extensions } = params as Record<string, unknown>;
  return { query, variables, operationName, extensions };
}

/** The status code in an answer; 0 when it holds none. */
function statusIn(answer: string): number {
  try {
    const code = (JSON.parse(answer) as { status?: unknown }).status;
    return typeof code === 'number' ? code : 0;
  } catch {
    return 0;
  }
}
