import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import type { JobRecord } from '../model/job.ts';
import type { LeaseClaim, PollLeases, PollResult, SharedPoll } from './pollLeases.ts';
import { type Recheck, reconnectAfter, recheckLater, withinOpTimeout } from './redisCall.ts';

/** The lease on a watched job: `jobgraph:poll:v1:<global ID>` = the holder's replica ID, with a TTL. */
export const POLL_LEASE_PREFIX = 'jobgraph:poll:v1:';
/** The last poll the holder shared, kept as long as its lease: a new watcher's first event. */
export const POLL_LAST_PREFIX = 'jobgraph:poll:v1:last:';
/**
 * One channel per watched job: `jobgraph:watch:v1:<global ID>` (`jobgraph:watch:v1:<db>:<global
 * ID>` on a database other than 0). Interest is a subscription, never a key.
 */
export const POLL_CHANNEL_PREFIX = 'jobgraph:watch:v1:';

/**
 * Take the lease if it is free (what `SET key id NX PX ttl` does) or renew it if it is already
 * ours (compare-and-renew), in one step. Answers {1}, or {0, the holder's PTTL[, its last poll]}.
 */
const CLAIM_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if not holder or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1}
end
local ttl = redis.call('PTTL', KEYS[1])
if ARGV[3] == '1' then return {0, ttl, redis.call('GET', KEYS[2])} end
return {0, ttl}`;

/**
 * The holder's poll: renew the lease if it is still ours (or take it again if it lapsed and nobody
 * took it), keep the message as the last poll (ARGV[5] keep) or drop the last one (drop), and
 * publish the message. 0 when another replica holds the lease: nothing is written.
 */
const SHARE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[5] == 'keep' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
elseif ARGV[5] == 'drop' then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1`;

/** Compare-and-delete: give the lease back only if it is still ours, and tell the followers. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`;

export interface RedisPollLeasesOptions {
  url: string;
  /** Longest a Redis call may take before the store counts as down, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Longest wait between two reconnection attempts or checks while Redis is away, in ms. */
  retryMs: number;
  /** Whether a record holds a secret (the central sensitive-field list). */
  holdsSecret(record: JobRecord): boolean;
  /** The record without its secrets (null when it cannot be made). */
  withoutSecrets(record: JobRecord): JobRecord | null;
  logger: Logger;
  /** This process's ID in the leases; default `<hostname>:<pid>:<random>`. */
  replicaId?: string;
}

const HELD: LeaseClaim = { kind: 'held' };
const UNAVAILABLE: LeaseClaim = { kind: 'unavailable' };

/** A record's shareable form: its secret-free view as JSON, and whether anything was taken out. */
type Shareable = { record: string; stripped: boolean };

/** Poll leases in Redis, connecting in the background (see {@link RedisPollLeases}). */
export function redisPollLeases(options: RedisPollLeasesOptions): PollLeases {
  return new RedisPollLeases(options);
}

/**
 * Poll leases over two Redis connections of their own (commands, and the pub/sub subscriber),
 * without an offline queue: while Redis is away every call fails at once. Each call is bounded by
 * the op timeout; the first failure turns the store unavailable (one warn line), and a check every
 * `retryMs` turns it available again once both connections are back and Redis answers a PING (one
 * info line). Channel subscriptions are this process's interest in a job: they are held by its
 * connection and vanish with it, so nothing is left behind by a replica that dies.
 *
 * What goes through Redis: the lease (the replica ID), and each poll's record only as the
 * secret-free view (`withoutSecrets`, flagged `stripped` when anything was taken out) — the same
 * rule as the finished-job cache: no secret value is ever written to Redis. A record whose view
 * still holds a secret (it cannot happen while the view is built from the same list) is not
 * shared: the followers are told to fetch the job themselves.
 */
class RedisPollLeases implements PollLeases {
  readonly replicaId: string;
  readonly #options: RedisPollLeasesOptions;
  /**
   * Redis's pub/sub ignores the database number: a deployment on another database of the same
   * server must not hear this one's polls (its jobs may have the same IDs in other accounts).
   */
  readonly #database: number;
  readonly #commands: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #recheck: Recheck;
  #state: 'starting' | 'up' | 'down' = 'starting';
  #closed = false;
  /** The jobs whose lease this replica took or renewed last (and has not lost or given back). */
  readonly #held = new Set<string>();
  readonly #availability = new Set<(available: boolean) => void>();
  /** The shares and releases sent and not answered yet, which `close` waits for. */
  readonly #pending = new Set<Promise<unknown>>();
  /** The listeners of each followed job, by channel. */
  readonly #followed = new Map<string, Set<(poll: SharedPoll) => void>>();
  /** Each record's shareable form (null: not shareable), so an unchanged poll shares it again. */
  readonly #encoded = new WeakMap<JobRecord, Shareable | null>();

  constructor(options: RedisPollLeasesOptions) {
    this.#options = options;
    this.#database = Number(new URL(options.url).pathname.slice(1)) || 0;
    this.replicaId =
      options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#commands = createClient({
      url: options.url,
      disableOfflineQueue: true,
      // Reconnect soon after Redis is back (whatever the cause), never give up.
      socket: { reconnectStrategy: reconnectAfter(options.retryMs) },
    });
    this.#subscriber = this.#commands.duplicate();
    this.#recheck = recheckLater(options.retryMs, () => this.#check());
    for (const client of [this.#commands, this.#subscriber]) {
      client.on('error', this.#failed);
      client.on('end', () => this.#failed(new Error('the Redis connection ended')));
      client.on('ready', () => void this.#check());
    }
    // Connected in the background: a Redis that is not there must not hold up the start.
    for (const client of [this.#commands, this.#subscriber])
      client.connect().catch(() => undefined);
  }

  available(): boolean {
    return this.#state === 'up' && !this.#closed;
  }

  async claim(globalId: string, ttlMs: number, last = false): Promise<LeaseClaim> {
    if (this.#state !== 'up' || this.#closed) return UNAVAILABLE;
    try {
      const reply = (await this.#bounded(
        this.#commands.eval(CLAIM_SCRIPT, {
          keys: [POLL_LEASE_PREFIX + globalId, POLL_LAST_PREFIX + globalId],
          arguments: [this.replicaId, ttl(ttlMs), last ? '1' : '0'],
        }),
      )) as [number, number?, (string | null)?];
      if (reply[0] === 1) {
        this.#held.add(globalId);
        return HELD;
      }
      this.#held.delete(globalId);
      const shared = typeof reply[2] === 'string' ? parse(reply[2]) : undefined;
      return {
        kind: 'other',
        retryInMs: Math.max(0, Number(reply[1] ?? 0)),
        ...(shared ? { last: shared } : {}),
      };
    } catch (err) {
      this.#failed(err);
      return UNAVAILABLE;
    }
  }

  async share(
    globalId: string,
    ttlMs: number,
    result: PollResult,
  ): Promise<'held' | 'lost' | 'unavailable'> {
    if (this.#state !== 'up' || this.#closed) return 'unavailable';
    const [message, last] = this.#encode(result);
    try {
      const reply = await this.#track(
        this.#bounded(
          this.#commands.eval(SHARE_SCRIPT, {
            keys: [POLL_LEASE_PREFIX + globalId, POLL_LAST_PREFIX + globalId],
            arguments: [this.replicaId, ttl(ttlMs), message, this.#channelOf(globalId), last],
          }),
        ),
      );
      if (reply !== 1) {
        this.#held.delete(globalId);
        return 'lost';
      }
      this.#held.add(globalId);
      return 'held';
    } catch (err) {
      this.#failed(err);
      return 'unavailable';
    }
  }

  async announce(
    globalId: string,
    news: { record: JobRecord; time: number } | 'hint',
  ): Promise<boolean> {
    if (this.#state !== 'up' || this.#closed) return false;
    const from = JSON.stringify(this.replicaId);
    const view = news === 'hint' ? null : this.#shareable(news.record);
    // A record whose view would still hold a secret goes out as a hint: the holder reads it.
    const message =
      news === 'hint' || !view
        ? `{"kind":"hint","from":${from}}`
        : `{"kind":"event","from":${from},"time":${news.time},"stripped":${view.stripped},"record":${view.record}}`;
    try {
      await this.#track(this.#bounded(this.#commands.publish(this.#channelOf(globalId), message)));
      return true;
    } catch (err) {
      this.#failed(err);
      return false;
    }
  }

  holds(globalId: string): boolean {
    return this.#held.has(globalId);
  }

  release(globalId: string): void {
    this.#held.delete(globalId);
    if (this.#state !== 'up' || this.#closed) return;
    this.#track(
      this.#bounded(
        this.#commands.eval(RELEASE_SCRIPT, {
          keys: [POLL_LEASE_PREFIX + globalId],
          arguments: [
            this.replicaId,
            this.#channelOf(globalId),
            `{"kind":"released","from":${JSON.stringify(this.replicaId)}}`,
          ],
        }),
      ),
    ).catch(this.#failed);
  }

  follow(globalId: string, listener: (poll: SharedPoll) => void): () => void {
    const channel = this.#channelOf(globalId);
    let listeners = this.#followed.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#followed.set(channel, listeners);
      this.#subscribe(channel);
    }
    const mine = listeners;
    mine.add(listener);
    return () => {
      mine.delete(listener);
      if (mine.size > 0 || this.#followed.get(channel) !== mine) return;
      this.#followed.delete(channel);
      this.#unsubscribe(channel);
    };
  }

  onAvailability(listener: (available: boolean) => void): () => void {
    this.#availability.add(listener);
    return () => this.#availability.delete(listener);
  }

  async close(): Promise<void> {
    // The releases and shares sent so far go out first (each bounded by the op timeout).
    await Promise.allSettled([...this.#pending]);
    this.#closed = true;
    this.#recheck.stop();
    this.#availability.clear();
    this.#followed.clear();
    for (const client of [this.#subscriber, this.#commands]) if (client.isOpen) client.destroy();
  }

  // ---- availability: down at the first failure, up once both connections answer again ----

  /** A call failed or a connection went away: unavailable, and checked again later. An arrow, as it is the clients' error listener. */
  readonly #failed = (err: unknown): void => {
    if (this.#closed) return;
    this.#held.clear();
    if (this.#state !== 'down') {
      this.#state = 'down';
      this.#options.logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'poll leases: Redis is unavailable; each replica polls the jobs it watches itself until it is back',
      );
      for (const listener of [...this.#availability]) listener(false);
    }
    this.#recheck.schedule();
  };

  /** Available again once both connections are ready and Redis answers a PING. */
  async #check(): Promise<void> {
    if (this.#closed || this.#state === 'up') return;
    if (!this.#commands.isReady || !this.#subscriber.isReady) return this.#recheck.schedule();
    try {
      await this.#bounded(this.#commands.ping());
    } catch {
      return this.#recheck.schedule();
    }
    // Another check may have ended meanwhile.
    if (this.#closed || !this.#subscriber.isReady || (this.#state as string) === 'up') return;
    // Channels whose subscription failed while Redis was away (the client renews the others itself).
    for (const channel of this.#followed.keys()) this.#subscribe(channel);
    const recovered = this.#state === 'down';
    this.#state = 'up';
    if (recovered)
      this.#options.logger.info(
        'poll leases: Redis is back; each watched job is polled by one replica again',
      );
    for (const listener of [...this.#availability]) listener(true);
  }

  #bounded<T>(call: Promise<T>): Promise<T> {
    return withinOpTimeout(call, this.#options.opTimeoutMs);
  }

  /** Keeps `p` among the calls `close` waits for until it settles. */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
    return p;
  }

  // ---- the followers' channels ----

  #channelOf(globalId: string): string {
    return `${POLL_CHANNEL_PREFIX}${this.#database ? `${this.#database}:` : ''}${globalId}`;
  }

  /** One function for every channel: the subscriber removes a listener by identity. */
  readonly #onMessage = (message: string, channel: string): void => {
    const listeners = this.#followed.get(channel);
    if (!listeners) return;
    const poll = parse(message);
    if (poll) for (const listener of [...listeners]) listener(poll);
  };

  #subscribe(channel: string): void {
    if (!this.#subscriber.isReady) return; // subscribed by `#check` once Redis is back
    this.#subscriber.subscribe(channel, this.#onMessage).catch(this.#failed);
  }

  #unsubscribe(channel: string): void {
    if (!this.#subscriber.isReady) return;
    this.#subscriber.unsubscribe(channel, this.#onMessage).catch(this.#failed);
  }

  // ---- what a poll puts in Redis ----

  /** The record's shareable form, encoded once per record. */
  #shareable(record: JobRecord): Shareable | null {
    let known = this.#encoded.get(record);
    if (known === undefined) {
      const secret = this.#options.holdsSecret(record);
      const view = secret ? this.#options.withoutSecrets(record) : record;
      known =
        view === null || (secret && this.#options.holdsSecret(view))
          ? null
          : { record: JSON.stringify(view), stripped: secret };
      this.#encoded.set(record, known);
    }
    return known;
  }

  /** The message and what becomes of the last poll kept (keep it, leave the old one, drop it). */
  #encode(result: PollResult): [string, 'keep' | 'skip' | 'drop'] {
    const from = JSON.stringify(this.replicaId);
    if (result.kind === 'record') {
      const view = this.#shareable(result.record);
      if (view)
        return [
          `{"kind":"record","from":${from},"interval":${result.interval},"wait":${result.wait},"stripped":${view.stripped},"record":${view.record}}`,
          'keep',
        ];
      return [`{"kind":"fetch","from":${from}}`, 'drop'];
    }
    if (result.kind === 'wait')
      return [
        `{"kind":"wait","from":${from},"interval":${result.interval},"wait":${result.wait}}`,
        'skip',
      ];
    return [`{"kind":"fetch","from":${from}}`, 'drop'];
  }
}

/** A TTL argument in whole ms, at least 1. */
function ttl(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)));
}

/** A message from a channel or the last-poll key, or undefined when it is not one. */
function parse(message: string): SharedPoll | undefined {
  let poll: SharedPoll;
  try {
    poll = JSON.parse(message) as SharedPoll;
  } catch {
    return undefined;
  }
  if (typeof poll !== 'object' || poll === null || typeof poll.from !== 'string') return undefined;
  switch (poll.kind) {
    case 'record':
      return typeof poll.record === 'object' && poll.record !== null ? poll : undefined;
    case 'wait':
      return typeof poll.wait === 'number' ? poll : undefined;
    case 'event':
      return typeof poll.record === 'object' &&
        poll.record !== null &&
        typeof poll.time === 'number'
        ? poll
        : undefined;
    case 'fetch':
    case 'released':
    case 'hint':
      return poll;
    default:
      return undefined;
  }
}
