import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClientType } from '@keyv/redis';
import {
  connectWatched,
  type OwnRedisOptions,
  type Recheck,
  recheckLater,
  withinOpTimeout,
} from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';

/** What a store over a `RedisPair` gives it. */
export interface RedisPairOptions extends OwnRedisOptions {
  /** This process's ID; default `<hostname>:<pid>:<random>`. */
  replicaId?: string;
}

/** The store's own part in the pair's availability: its lines, and what it does at each turn. */
export interface RedisPairTurns {
  /** The one `warn` line when Redis goes away, and the one `info` line when it is back. */
  say: { down: string; back: string };
  /** At every failure while open, before the store turns unavailable (and while it stays so). */
  failing?(): void;
  /** Once both connections answer a PING, before the store counts as up; a throw keeps it down. */
  answered?(): Promise<void>;
  /** Just before the store turns available again. */
  recovering?(): void;
  /** At `close`, once the calls it waits for have ended, before the connections go. */
  closing?(): void;
}

/**
 * Two connections of a store's own to Redis (commands, and a subscriber), without an offline
 * queue: while Redis is away every call fails at once. The first failure turns the store
 * unavailable (one warn line), and a check every `retryMs` turns it available again once both
 * connections are ready and Redis answers a PING (one info line). The poll leases and the SSE
 * reservations are each one, with their own channels and scripts.
 */
export class RedisPair {
  readonly replicaId: string;
  /**
   * Redis's pub/sub ignores the database number: a deployment on another database of the same
   * server must not hear this one's messages (its jobs may have the same IDs in other accounts).
   */
  readonly database: number;
  readonly commands: RedisClientType;
  readonly subscriber: RedisClientType;
  readonly #options: RedisPairOptions;
  readonly #turns: RedisPairTurns;
  readonly #recheck: Recheck;
  #state: 'starting' | 'up' | 'down' = 'starting';
  #closed = false;
  readonly #availability = new Set<(available: boolean) => void>();
  /** The calls sent and not answered yet, which `close` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: RedisPairOptions, turns: RedisPairTurns) {
    this.#options = options;
    this.#turns = turns;
    this.database = Number(new URL(options.url).pathname.slice(1)) || 0;
    this.replicaId =
      options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
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

  available(): boolean {
    return this.#state === 'up' && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Told each time the store turns unavailable (false) or available (true). */
  onAvailability(listener: (available: boolean) => void): () => void {
    this.#availability.add(listener);
    return () => this.#availability.delete(listener);
  }

  /** `call` bounded by the op timeout. */
  bounded<T>(call: Promise<T>): Promise<T> {
    return withinOpTimeout(call, this.#options.opTimeoutMs);
  }

  /** Keeps `p` among the calls `close` waits for until it settles. */
  track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  /** The calls tracked so far go out first (each bounded by the op timeout), then the connections close. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    this.#closed = true;
    this.#recheck.stop();
    this.#availability.clear();
    this.#turns.closing?.();
    for (const client of [this.subscriber, this.commands]) if (client.isOpen) client.destroy();
  }

  /** A call failed or a connection went away: unavailable, and checked again later. An arrow, as it is the clients' error listener. */
  readonly failed = (err: unknown): void => {
    if (this.#closed) return;
    this.#turns.failing?.();
    if (this.#state !== 'down') {
      this.#state = 'down';
      this.#options.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        this.#turns.say.down,
      );
      for (const listener of [...this.#availability]) listener(false);
    }
    this.#recheck.schedule();
  };

  /** Available again once both connections are ready and Redis answers a PING. */
  async #check(): Promise<void> {
    if (this.#closed || this.#state === 'up') return;
    if (!this.commands.isReady || !this.subscriber.isReady) return this.#recheck.schedule();
    try {
      await this.bounded(this.commands.ping());
      await this.#turns.answered?.();
    } catch {
      return this.#recheck.schedule();
    }
    // Another check may have ended meanwhile.
    if (this.#closed || !this.subscriber.isReady || (this.#state as string) === 'up') return;
    this.#turns.recovering?.();
    const recovered = this.#state === 'down';
    this.#state = 'up';
    if (recovered) this.#options.logger.info(this.#turns.say.back);
    for (const listener of [...this.#availability]) listener(true);
  }
}
