import type { RedisClientType } from '@keyv/redis';
import { SharedRedis, sayTurns, type RedisTurns, type SharedRedisOptions } from './sharedRedis.ts';

/** What a store over a `RedisPair` gives it. */
export interface RedisPairOptions extends SharedRedisOptions {
  /**
   * The process's shared connections (src/cache/sharedRedis.ts); absent: connections of the
   * store's own to `url` (a store alone: a test's, a bench's), closed with it.
   */
  redis?: SharedRedis;
}

/** The store's own part in Redis's availability: its lines, and what it does at each turn. */
export interface RedisPairTurns extends RedisTurns {
  /** The one `warn` line when Redis goes away, and the one `info` line when it is back. */
  say: { down: string; back: string };
  /** At `close`, once the calls it waits for have ended. */
  closing?(): void;
}

/**
 * A store's use of the shared connections to Redis (commands, and the subscriber): while Redis is
 * away every call fails at once. Whether Redis is there is the shared signal's to decide
 * (`SharedRedis`): a failed call is told to it (`failed`), and the store says what each turn
 * means for it (one warn line when Redis goes away, one info line when it is back). The poll
 * leases and the SSE reservations are each one, with their own channels and scripts.
 */
export class RedisPair {
  readonly replicaId: string;
  readonly database: number;
  readonly commands: RedisClientType;
  readonly subscriber: RedisClientType;
  readonly #redis: SharedRedis;
  /** Whether the connections are this store's own (closed with it). */
  readonly #owned: boolean;
  readonly #turns: RedisPairTurns;
  readonly #leave: (() => void)[];
  #closed = false;
  readonly #availability = new Set<(available: boolean) => void>();
  /** The calls sent and not answered yet, which `close` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: RedisPairOptions, turns: RedisPairTurns) {
    this.#turns = turns;
    this.#owned = options.redis === undefined;
    this.#redis = options.redis ?? new SharedRedis(options);
    ({
      replicaId: this.replicaId,
      database: this.database,
      commands: this.commands,
      subscriber: this.subscriber,
    } = this.#redis);
    this.#leave = [
      sayTurns(this.#redis, options.logger, turns.say, (available) => {
        for (const listener of [...this.#availability]) listener(available);
      }),
      this.#redis.join(turns),
    ];
  }

  available(): boolean {
    return this.#redis.available() && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Told each time the store turns unavailable (false) or available (true). */
  onAvailability(listener: (available: boolean) => void): () => void {
    this.#availability.add(listener);
    return () => this.#availability.delete(listener);
  }

  /** `call` bounded by the op timeout, times `weight` (a batch's: how many ops it counts as). */
  bounded<T>(call: Promise<T>, weight = 1): Promise<T> {
    return this.#redis.bounded(call, weight);
  }

  /** Keeps `p` among the calls `close` waits for until it settles. */
  track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  /** The calls tracked so far go out first (each bounded by the op timeout); then the store leaves the connections (closing its own). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    this.#closed = true;
    for (const leave of this.#leave) leave();
    this.#availability.clear();
    this.#turns.closing?.();
    if (this.#owned) await this.#redis.close();
  }

  /** A call failed: told to the shared signal. An arrow, as it is passed as a rejection handler. */
  readonly failed = (err: unknown): void => {
    if (!this.#closed) this.#redis.failed(err);
  };
}
