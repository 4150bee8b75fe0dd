import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import {
  answeredInOrder,
  connectWatched,
  recheckLater,
  type OwnRedisOptions,
  type Recheck,
} from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';

export interface SharedRedisOptions extends OwnRedisOptions {
  /** This process's ID; default `<hostname>:<pid>:<random>`. */
  replicaId?: string;
}

/**
 * What a user of the shared connections does at the turns of Redis's availability, besides
 * listening to it (`onAvailability`).
 */
export interface RedisTurns {
  /** At every failure while open, before Redis counts as away (and while it stays so). */
  failing?(): void;
  /**
   * Once both connections answer a PING, before Redis counts as back: a subscription it needs
   * (the lease outcomes, a replica's channel); a throw keeps Redis away, checked again later.
   */
  answered?(): Promise<void>;
  /** Just before Redis counts as back. */
  recovering?(): void;
}

/** Told each time Redis turns away (false, with the failure) or back (true). */
export type AvailabilityListener = (available: boolean, err?: unknown) => void;

/**
 * The process's connections to Redis, shared by every feature that uses it: one client for the
 * commands and one subscriber (`duplicate()`: a connection in subscribe mode takes no other
 * command), without an offline queue, so while Redis is away every call fails at once. One signal
 * says whether Redis is there, decided here alone: any failed call or connection error turns it
 * away, and a check every `retryMs` turns it back once both connections are ready, Redis answers
 * a PING and every user's `answered` turn went through. The users (the job cache, the poll leases,
 * the SSE reservations, the rate budget, the callers' rates, the list snapshots, the presence
 * check) listen to it and say what it means for them; /readyz's `redis` and `jobgraph_redis_up`
 * read it.
 */
export class SharedRedis {
  readonly replicaId: string;
  /**
   * Redis's pub/sub ignores the database number: a deployment on another database of the same
   * server must not hear this one's messages (its jobs may have the same IDs in other accounts).
   */
  readonly database: number;
  readonly commands: RedisClientType;
  readonly subscriber: RedisClientType;
  readonly opTimeoutMs: number;
  /** Resolves once Redis first answered or first failed, or after the op timeout, whichever is first. */
  readonly settled: Promise<void>;
  #settle: () => void = () => undefined;
  readonly #recheck: Recheck;
  readonly #inOrder: <T>(call: Promise<T>, weight?: number) => Promise<T>;
  #state: 'starting' | 'up' | 'down' = 'starting';
  #closed = false;
  readonly #turns = new Set<RedisTurns>();
  readonly #listeners = new Set<AvailabilityListener>();

  constructor(options: SharedRedisOptions) {
    this.opTimeoutMs = options.opTimeoutMs;
    this.#inOrder = answeredInOrder(options.opTimeoutMs);
    this.database = Number(new URL(options.url).pathname.slice(1)) || 0;
    this.replicaId =
      options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.settled = new Promise<void>((resolve) => {
      this.#settle = resolve;
      setTimeout(resolve, options.opTimeoutMs).unref();
    });
    // Reconnect soon after Redis is back (whatever the cause), never give up.
    this.commands = ownRedisConnection(options.url, { retryMs: options.retryMs });
    this.subscriber = this.commands.duplicate();
    this.#recheck = recheckLater(options.retryMs, () => this.#check());
    connectWatched([this.commands, this.subscriber], {
      failed: this.failed,
      ready: () => void this.#check(),
      endIsFailure: true,
    });
  }

  /** Whether Redis is there: the one signal every user reads. */
  available(): boolean {
    return this.#state === 'up' && !this.#closed;
  }

  /** `starting` until Redis first answers or fails, then `up` or `down`. */
  get state(): 'starting' | 'up' | 'down' {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A user's turns, until the returned function is called. A user that joins late is told where
   * things stand: away (`failing`), or there (`answered`, then `recovering`; a throw turns Redis away).
   */
  join(turns: RedisTurns): () => void {
    this.#turns.add(turns);
    if (this.#state === 'down') turns.failing?.();
    // After the caller's constructor is done (a user joins from its own).
    else if (this.#state === 'up')
      void Promise.resolve()
        .then(() => turns.answered?.())
        .then(() => turns.recovering?.(), this.failed);
    return () => this.#turns.delete(turns);
  }

  /** Told each time Redis turns away or back, until the returned function is called. */
  onAvailability(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * `call` bounded by the op timeout, times `weight`: how many ops a batch counts as (default 1),
   * once the calls sent before it were answered (`answeredInOrder`).
   */
  bounded<T>(call: Promise<T>, weight = 1): Promise<T> {
    return this.#inOrder(call, weight);
  }

  /**
   * `call` while Redis is there, bounded by the op timeout, its failure told to the signal (and
   * rethrown); while it is away a rejection at once, nothing sent.
   */
  async send<T>(call: () => Promise<T>): Promise<T> {
    if (!this.available()) throw new Error('Redis is unavailable');
    try {
      return await this.bounded(call());
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /**
   * A call failed or a connection went away: Redis is away, and checked again later. An arrow, as
   * it is the clients' error listener and every user's.
   */
  readonly failed = (err: unknown): void => {
    if (this.#closed) return;
    for (const turns of [...this.#turns]) turns.failing?.();
    this.#settle();
    if (this.#state !== 'down') {
      this.#state = 'down';
      for (const listener of [...this.#listeners]) listener(false, err);
    }
    this.#recheck.schedule();
  };

  /** Both connections closed (the users closed first: what they send on close goes out). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#recheck.stop();
    this.#listeners.clear();
    this.#turns.clear();
    for (const client of [this.subscriber, this.commands]) if (client.isOpen) client.destroy();
  }

  /** Back once both connections are ready, Redis answers a PING and every user's `answered` went through. */
  async #check(): Promise<void> {
    if (this.#closed || this.#state === 'up') return;
    if (!this.commands.isReady || !this.subscriber.isReady) return this.#recheck.schedule();
    try {
      await this.bounded(this.commands.ping());
      for (const turns of [...this.#turns]) await turns.answered?.();
    } catch {
      return this.#recheck.schedule();
    }
    // Another check may have ended meanwhile.
    if (this.#closed || !this.subscriber.isReady || (this.#state as string) === 'up') return;
    for (const turns of [...this.#turns]) turns.recovering?.();
    this.#state = 'up';
    this.#settle();
    for (const listener of [...this.#listeners]) listener(true);
  }
}

/**
 * What the one signal means for one user, said once a turn: `say.down` (warn, with the failure's
 * message) when Redis goes away, `say.back` (info) when it is back after that; `also` is told every
 * turn. Until the returned function is called.
 */
export function sayTurns(
  redis: SharedRedis,
  logger: Logger,
  say: { down: string; back: string },
  also?: (available: boolean) => void,
): () => void {
  let saidDown = false;
  return redis.onAvailability((available, err) => {
    if (!available) {
      saidDown = true;
      logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, say.down);
    } else if (saidDown) {
      saidDown = false;
      logger.info(say.back);
    }
    also?.(available);
  });
}
