// The single connection mode's shared store (src/subscriptions/sseRelay.ts re-exports it) is
// declared here, beside its Redis implementation, so that the cache imports nothing from the
// subscriptions above it.

/**
 * Where the replicas keep graphql-sse single connection reservations between them (Redis:
 * redisSseReservations.ts), so that a reservation, its event stream and its operations may each
 * reach any replica. A record is found by the reservation's ID (a digest of its token,
 * `reservationIdOf` in src/subscriptions/sseRelay.ts) and belongs to one owner (a digest,
 * `ownerIdOf`): the store never sees a token or a subject.
 *
 * Every call answers `unavailable` (never throws) when the store cannot answer within its op
 * timeout: the caller then serves the reservations it holds itself, as without a store.
 */
export interface SharedReservations {
  /** This replica's ID in the records and the messages. */
  readonly replicaId: string;
  /** Whether the store answers now. */
  available(): boolean;
  /**
   * Settles once the store's first connection has come up or failed (or the store closed): until
   * then a replica that has just started would otherwise serve as if the store were away.
   */
  whenStarted(): Promise<void>;
  /** A new record for `ownerId`, lapsing after `ttlMs` unless a stream connects; refused when the owner holds `maxPerCaller` already, across the replicas. */
  reserve(
    reservationId: string,
    ownerId: string,
    maxPerCaller: number,
    ttlMs: number,
  ): Promise<{ kind: 'reserved' } | { kind: 'limit'; held: number } | Unavailable>;
  /** This replica holds the reservation's event stream from now on, for `leaseMs` unless renewed; `maker` is the replica that made it. */
  connect(
    reservationId: string,
    ownerId: string,
    leaseMs: number,
  ): Promise<
    { kind: 'connected'; maker: string } | { kind: 'taken' } | { kind: 'missing' } | Unavailable
  >;
  /** The replica that holds the reservation's stream (null: none yet), or `missing` for an unknown ID and another owner's alike. */
  find(
    reservationId: string,
    ownerId: string,
  ): Promise<{ kind: 'found'; holder: string | null } | { kind: 'missing' } | Unavailable>;
  /** Keep holding the stream for `leaseMs` more; `lost` when the record lapsed or another replica holds it. */
  renew(
    reservationId: string,
    ownerId: string,
    leaseMs: number,
  ): Promise<'held' | 'lost' | 'unavailable'>;
  /** Forget the record unless another replica holds its stream (fire and forget; `close` waits for it). */
  release(reservationId: string, ownerId: string): void;
  /** Send a request to replica `to` and wait up to `timeoutMs` for its answer; `gone` when no replica listens there. */
  request(
    to: string,
    body: string,
    timeoutMs: number,
  ): Promise<{ kind: 'answer'; body: string } | { kind: 'gone' } | Unavailable>;
  /** Tell replica `to` something that needs no answer (fire and forget). */
  notify(to: string, body: string): void;
  /** Serve what other replicas send here: a request's answer is `handler`'s, a notice's is ignored. */
  serve(handler: (body: string, isRequest: boolean) => Promise<string>): void;
  close(): Promise<void>;
}

type Unavailable = { kind: 'unavailable' };
