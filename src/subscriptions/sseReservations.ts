import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity.ts';
import { JobgraphError } from '../errors.ts';
import type { Scheduler } from './scheduler.ts';

/** A refused reservation: too many for the caller (HTTP 429) or the process (HTTP 503). BAD_USER_INPUT, naming the limit and its variable. */
export class ReservationLimitError extends JobgraphError {
  constructor(
    message: string,
    readonly status: 429 | 503,
  ) {
    super('BAD_USER_INPUT', message);
  }
}

/** One reservation of graphql-sse's single connection mode: its token, whose it is, and what the transport keeps with it. */
export interface Reservation<S> {
  /** The entrance ticket (`x-graphql-event-stream-token` or `?token=`): 256 random bits, never logged. */
  readonly token: string;
  /** Whose it is ({@link reservationOwner}); every request with its token must be the same owner's. */
  readonly owner: string;
  readonly state: S;
}

/** The refusal of a reservation to a caller holding `held` already (429). */
export function perCallerLimit(held: number, maxPerCaller: number): ReservationLimitError {
  return new ReservationLimitError(
    `This caller already holds ${held} event stream reservations; at most ${maxPerCaller} are allowed per caller. Close a stream first.`,
    429,
  );
}

export interface SseReservationsOptions {
  /** Reservations one owner may hold (waiting or connected). */
  maxPerCaller: number;
  /** Reservations the process holds. */
  maxTotal: number;
  /** How long a reservation waits for its event stream, in ms. */
  timeoutMs: number;
  scheduler: Scheduler;
}

/**
 * Who a reservation belongs to: the token's subject; for a token without `sub`, that token
 * itself (as a digest; nothing else could tell two such callers apart); every anonymous caller
 * is one owner.
 */
export function reservationOwner(identity: Identity, authorization: string | undefined): string {
  if (!identity.authenticated) return 'anonymous';
  if (identity.subject !== null) return `sub:${identity.subject}`;
  const bearer = (authorization ?? '').replace(/^\s*bearer\s+/i, '').trim();
  return `token:${createHash('sha256').update(bearer).digest('base64url')}`;
}

/**
 * The reservations of graphql-sse's single connection mode (its PROTOCOL.md "Making
 * reservations"): at most `maxPerCaller` per owner and `maxTotal` in the process, each found only
 * by its token together with its owner, so a token alone opens nothing. A reservation whose event
 * stream has not connected within `timeoutMs` lapses (`onLapse`); once connected it lasts until
 * released.
 */
export class SseReservations<S> {
  private readonly byToken = new Map<string, Reservation<S>>();
  private readonly perOwner = new Map<string, number>();
  private readonly timers = new Map<Reservation<S>, unknown>();

  constructor(private readonly options: SseReservationsOptions) {}

  /** A new reservation for `owner`, or a ReservationLimitError; `onLapse` runs if no stream connects in time (already released then). */
  reserve(owner: string, state: S, onLapse: (r: Reservation<S>) => void): Reservation<S> {
    const { maxPerCaller, maxTotal, timeoutMs, scheduler } = this.options;
    if (this.byToken.size >= maxTotal) {
      throw new ReservationLimitError(
        `jobgraph already holds ${this.byToken.size} event stream reservations, its limit (JOBGRAPH_MAX_SSE_RESERVATIONS=${maxTotal}); try again later.`,
        503,
      );
    }
    const mine = this.perOwner.get(owner) ?? 0;
    if (mine >= maxPerCaller) throw perCallerLimit(mine, maxPerCaller);
    const reservation = this.hold(randomBytes(32).toString('base64url'), owner, state);
    this.timers.set(
      reservation,
      scheduler.setTimeout(() => {
        this.timers.delete(reservation);
        this.release(reservation);
        onLapse(reservation);
      }, timeoutMs),
    );
    return reservation;
  }

  /**
   * Hold a reservation made elsewhere (another replica) whose event stream connects here: counted
   * as this process's, with no lapse (it is connected), whatever the caps.
   */
  hold(token: string, owner: string, state: S): Reservation<S> {
    const reservation: Reservation<S> = { token, owner, state };
    this.byToken.set(token, reservation);
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    return reservation;
  }

  /** The reservation of `token` when it is `owner`'s; undefined for an unknown token and for another owner's alike. */
  find(token: string | undefined, owner: string): Reservation<S> | undefined {
    const reservation = token === undefined ? undefined : this.byToken.get(token);
    return reservation?.owner === owner ? reservation : undefined;
  }

  /** Its event stream has connected: it no longer lapses. */
  connected(reservation: Reservation<S>): void {
    const timer = this.timers.get(reservation);
    if (timer === undefined) return;
    this.timers.delete(reservation);
    this.options.scheduler.clearTimeout(timer);
  }

  /** Forget a reservation (idempotent): its token finds nothing any more, and its owner may reserve again. */
  release(reservation: Reservation<S>): void {
    if (this.byToken.get(reservation.token) !== reservation) return;
    this.connected(reservation);
    this.byToken.delete(reservation.token);
    const left = (this.perOwner.get(reservation.owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(reservation.owner, left);
    else this.perOwner.delete(reservation.owner);
  }

  /** Every reservation held now. */
  all(): Reservation<S>[] {
    return [...this.byToken.values()];
  }

  /** Reservations held now, waiting or connected. */
  size(): number {
    return this.byToken.size;
  }
}
