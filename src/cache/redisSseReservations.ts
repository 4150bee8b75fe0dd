import { randomBytes } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import type { SharedReservations } from './sharedReservations.ts';
import { RedisPair, type RedisPairOptions } from './redisPair.ts';
import type { Sealer } from './sealed.ts';

/**
 * A reservation: `jobgraph:sse:v2:r:<reservation ID>` = hash {owner, maker, holder?}, with a TTL;
 * `maker` and `holder` are `maker|<owner>|<replica ID>` and `holder|<owner>|<replica ID>` sealed
 * for the key (src/cache/sealed.ts).
 */
export const SSE_RESERVATION_PREFIX = 'jobgraph:sse:v2:r:';
/** An owner's reservations: `jobgraph:sse:v2:o:<owner ID>` = sorted set of reservation IDs by when each lapses (ms, Redis's clock). */
export const SSE_OWNER_PREFIX = 'jobgraph:sse:v2:o:';
/**
 * One channel per replica (`jobgraph:sse:v2:<db>:<replica ID>` on a database other than 0): what
 * the others send it, each message sealed for the channel.
 */
export const SSE_CHANNEL_PREFIX = 'jobgraph:sse:v2:';
/** The longest message or field read, in characters (a relayed GraphQL request, sealed). */
const MAX_SSE_MESSAGE_CHARS = 8 * 1024 * 1024;

/**
 * Extend the record (KEYS[1]) and its place in the owner's set (KEYS[2]) by ARGV[3] ms. First, a
 * key of another type than jobgraph writes there (a hash, a sorted set) is dropped: it is nobody's
 * reservation, and left, every command on it would fail the call as if Redis did.
 */
const EXTEND = `
for i, want in ipairs({'hash', 'zset'}) do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'none' and t ~= want then redis.call('DEL', KEYS[i]) end
end
local function extend(ttl)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
  return now
end`;

/** ARGV: reservation ID, owner ID, ttl ms, max per caller, maker. {1} or {0, held}. */
const RESERVE_SCRIPT = `${EXTEND}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local held = redis.call('ZCARD', KEYS[2])
if held >= tonumber(ARGV[4]) then return {0, held} end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'maker', ARGV[5])
extend(tonumber(ARGV[3]))
return {1}`;

/** ARGV: reservation ID, owner ID, lease ms, this replica. {1, maker}, {0} missing, {-1} taken. */
const CONNECT_SCRIPT = `${EXTEND}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return {0} end
if redis.call('HEXISTS', KEYS[1], 'holder') == 1 then return {-1} end
redis.call('HSET', KEYS[1], 'holder', ARGV[4])
extend(tonumber(ARGV[3]))
return {1, redis.call('HGET', KEYS[1], 'maker')}`;

/** ARGV: reservation ID, owner ID, lease ms, this replica. 1 held, 0 lost. */
const RENEW_SCRIPT = `${EXTEND}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[4] then return 0 end
extend(tonumber(ARGV[3]))
return 1`;

/** ARGV: reservation ID, owner ID, this replica. Deletes unless another replica holds the stream. */
const RELEASE_SCRIPT = `${EXTEND}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder and holder ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

export interface RedisSseReservationsOptions extends RedisPairOptions {
  /** Seals the records' replica fields and the messages, and opens what is read back. */
  sealer: Sealer;
}

/** A message on a replica's channel: a request (with the channel to answer on), its answer, or a notice. */
type Envelope =
  | { t: 'req'; n: string; from: string; body: string }
  | { t: 'rep'; n: string; body: string }
  | { t: 'note'; body: string };

/** A request's outcome: the other replica's answer, or none (Redis away, or no answer in time). */
type Answer = { kind: 'answer'; body: string } | { kind: 'unavailable' };
const UNAVAILABLE = { kind: 'unavailable' } as const;

/** Single connection reservations in Redis (see {@link RedisSseReservations}). */
export function redisSseReservations(
  options: RedisSseReservationsOptions,
): SharedReservations & { onAvailability(listener: (available: boolean) => void): () => void } {
  return new RedisSseReservations(options);
}

/**
 * Reservations of graphql-sse's single connection mode in Redis, over two connections of their own
 * (commands, and the subscriber of this replica's channel) without an offline queue: while Redis
 * is away every call answers `unavailable` at once. Each call is bounded by the op timeout; the
 * first failure turns the store unavailable (one warn line), and a check every `retryMs` turns it
 * available again once both connections are back and Redis answers a PING (one info line).
 *
 * What Redis holds: per reservation, the digest of its token (the key), its owner's digest, and
 * the IDs of the replica that made it and the one holding its stream; per owner, the set of its
 * reservations. What goes over the channels: sealed calls (sseRelay.ts) and their status codes.
 */
class RedisSseReservations implements SharedReservations {
  readonly replicaId: string;
  readonly #options: RedisSseReservationsOptions;
  readonly #pair: RedisPair;
  readonly #commands: RedisClientType;
  readonly #subscriber: RedisClientType;
  #subscribed = false;
  #handler: ((body: string, isRequest: boolean) => Promise<string>) | undefined;
  /** Requests sent and not answered yet, by nonce. */
  readonly #waiting = new Map<string, (answer: Answer) => void>();
  readonly #started: Promise<void>;
  #markStarted: () => void = () => undefined;

  constructor(options: RedisSseReservationsOptions) {
    this.#options = options;
    this.#started = new Promise((resolve) => (this.#markStarted = resolve));
    this.#pair = new RedisPair(options, {
      say: {
        down: 'single connection reservations: Redis is unavailable; until it is back, a reservation is served only by the replica that made it (the proxy must keep its requests there)',
        back: 'single connection reservations: Redis is back; any replica serves any reservation again',
      },
      failing: () => {
        this.#markStarted();
        this.#settleWaiting();
      },
      // The client renews its subscriptions after a reconnection; this is the first one.
      answered: async () => {
        if (this.#subscribed) return;
        await this.#pair.bounded(
          this.#subscriber.subscribe(this.#channelOf(this.replicaId), this.#onMessage),
        );
        this.#subscribed = true;
      },
      recovering: () => this.#markStarted(),
      closing: () => {
        this.#markStarted();
        this.#settleWaiting();
      },
    });
    ({
      replicaId: this.replicaId,
      commands: this.#commands,
      subscriber: this.#subscriber,
    } = this.#pair);
  }

  available(): boolean {
    return this.#pair.available();
  }

  whenStarted(): Promise<void> {
    return this.#started;
  }

  /** Told each time the store turns unavailable (false) or available (true). */
  onAvailability(listener: (available: boolean) => void): () => void {
    return this.#pair.onAvailability(listener);
  }

  async reserve(reservationId: string, ownerId: string, maxPerCaller: number, ttlMs: number) {
    const reply = await this.#eval(RESERVE_SCRIPT, reservationId, ownerId, [
      ms(ttlMs),
      String(maxPerCaller),
      this.#field('maker', reservationId, ownerId, this.replicaId),
    ]);
    if (reply === undefined) return { kind: 'unavailable' } as const;
    const [ok, held] = reply as [number, number?];
    return ok === 1
      ? ({ kind: 'reserved' } as const)
      : ({ kind: 'limit', held: Number(held) } as const);
  }

  async connect(reservationId: string, ownerId: string, leaseMs: number) {
    const reply = await this.#eval(CONNECT_SCRIPT, reservationId, ownerId, [
      ms(leaseMs),
      this.#field('holder', reservationId, ownerId, this.replicaId),
    ]);
    if (reply === undefined) return { kind: 'unavailable' } as const;
    const [ok, maker] = reply as [number, unknown?];
    if (ok === 1) {
      const made = this.#replicaIn('maker', reservationId, ownerId, maker);
      return made === undefined
        ? ({ kind: 'missing' } as const)
        : ({ kind: 'connected', maker: made } as const);
    }
    return ok === -1 ? ({ kind: 'taken' } as const) : ({ kind: 'missing' } as const);
  }

  async find(reservationId: string, ownerId: string) {
    if (!this.available()) return { kind: 'unavailable' } as const;
    try {
      const [owner, holder] = await this.#pair.bounded(
        this.#commands.hmGet(SSE_RESERVATION_PREFIX + reservationId, ['owner', 'holder']),
      );
      if (owner !== ownerId) return { kind: 'missing' } as const;
      if (holder === null || holder === undefined) return { kind: 'found', holder: null } as const;
      const held = this.#replicaIn('holder', reservationId, ownerId, holder);
      return held === undefined
        ? ({ kind: 'missing' } as const)
        : ({ kind: 'found', holder: held } as const);
    } catch (err) {
      // A key of another type is nobody's reservation, not a failing Redis.
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
        this.#options.sealer.reject('sse', 'malformed');
        return { kind: 'missing' } as const;
      }
      this.#pair.failed(err);
      return { kind: 'unavailable' } as const;
    }
  }

  async renew(reservationId: string, ownerId: string, leaseMs: number) {
    const reply = await this.#eval(RENEW_SCRIPT, reservationId, ownerId, [
      ms(leaseMs),
      this.#field('holder', reservationId, ownerId, this.replicaId),
    ]);
    if (reply === undefined) return 'unavailable';
    return reply === 1 ? 'held' : 'lost';
  }

  release(reservationId: string, ownerId: string): void {
    void this.#pair.track(
      this.#eval(RELEASE_SCRIPT, reservationId, ownerId, [
        this.#field('holder', reservationId, ownerId, this.replicaId),
      ]),
    );
  }

  async request(to: string, body: string, timeoutMs: number): Promise<Answer | { kind: 'gone' }> {
    if (!this.available()) return UNAVAILABLE;
    const n = randomBytes(12).toString('base64url');
    const answer = new Promise<Answer>((resolve) => {
      const timer = setTimeout(() => settle(UNAVAILABLE), timeoutMs);
      const settle = (a: Answer) => {
        clearTimeout(timer);
        this.#waiting.delete(n);
        resolve(a);
      };
      this.#waiting.set(n, settle);
    });
    const sent = await this.#publish(to, { t: 'req', n, from: this.replicaId, body });
    if (sent === 0 || sent === undefined) {
      this.#waiting.get(n)?.(UNAVAILABLE);
      return sent === 0 ? { kind: 'gone' } : UNAVAILABLE;
    }
    return answer;
  }

  notify(to: string, body: string): void {
    if (this.available()) void this.#pair.track(this.#publish(to, { t: 'note', body }));
  }

  serve(handler: (body: string, isRequest: boolean) => Promise<string>): void {
    this.#handler = handler;
  }

  /** The releases sent so far go out first (each bounded by the op timeout). */
  close(): Promise<void> {
    return this.#pair.close();
  }

  /** Every request waiting for an answer answered unavailable: none will come while Redis is away. */
  #settleWaiting(): void {
    for (const settle of [...this.#waiting.values()]) settle(UNAVAILABLE);
  }

  /** A script on one reservation's keys; undefined when Redis is away or did not answer. */
  async #eval(
    script: string,
    reservationId: string,
    ownerId: string,
    rest: string[],
  ): Promise<unknown> {
    if (!this.available()) return undefined;
    try {
      return await this.#pair.bounded(
        this.#commands.eval(script, {
          keys: [SSE_RESERVATION_PREFIX + reservationId, SSE_OWNER_PREFIX + ownerId],
          arguments: [reservationId, ownerId, ...rest],
        }),
      );
    } catch (err) {
      this.#pair.failed(err);
      return undefined;
    }
  }

  /**
   * A record's `maker` or `holder` field: the replica, sealed for the record's key and bound to
   * its owner (deterministic, so the scripts compare it as it is).
   */
  #field(name: 'maker' | 'holder', reservationId: string, ownerId: string, replicaId: string) {
    return this.#options.sealer.seal(
      'sse',
      SSE_RESERVATION_PREFIX + reservationId,
      `${name}|${ownerId}|${replicaId}`,
    );
  }

  /** The replica a `maker` or `holder` field names, or undefined (counted) when it is not believed. */
  #replicaIn(
    name: 'maker' | 'holder',
    reservationId: string,
    ownerId: string,
    value: unknown,
  ): string | undefined {
    const { sealer } = this.#options;
    const text = sealer.open('sse', SSE_RESERVATION_PREFIX + reservationId, value, 4096);
    if (text === undefined) return undefined;
    const prefix = `${name}|${ownerId}|`;
    if (!text.startsWith(prefix)) return void sealer.reject('sse', 'binding');
    return text.slice(prefix.length);
  }

  /** Publish to a replica's channel: how many listened (0: no replica there), undefined when Redis is away. */
  async #publish(to: string, envelope: Envelope): Promise<number | undefined> {
    const channel = this.#channelOf(to);
    try {
      return await this.#pair.bounded(
        this.#commands.publish(
          channel,
          this.#options.sealer.seal('sse', channel, JSON.stringify(envelope)),
        ),
      );
    } catch (err) {
      this.#pair.failed(err);
      return undefined;
    }
  }

  /** Redis's pub/sub ignores the database number: a deployment on another database of the same server must not hear this one. */
  #channelOf(replicaId: string): string {
    return `${SSE_CHANNEL_PREFIX}${this.#pair.database ? `${this.#pair.database}:` : ''}${replicaId}`;
  }

  readonly #onMessage = (sealed: string, channel: string): void => {
    const { sealer } = this.#options;
    const message = sealer.open('sse', channel, sealed, MAX_SSE_MESSAGE_CHARS);
    if (message === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return void sealer.reject('sse', 'malformed');
    }
    if (typeof envelope !== 'object' || envelope === null)
      return void sealer.reject('sse', 'malformed');
    if (envelope.t === 'rep')
      return this.#waiting.get(envelope.n)?.({ kind: 'answer', body: String(envelope.body) });
    const handler = this.#handler;
    if (!handler || typeof envelope.body !== 'string') return;
    const request = envelope.t === 'req' ? envelope : undefined;
    void handler(envelope.body, request !== undefined).then(
      (answer) => {
        if (request && !this.#pair.closed)
          void this.#pair.track(
            this.#publish(request.from, { t: 'rep', n: request.n, body: answer }),
          );
      },
      () => undefined,
    );
  };
}

/** A TTL argument in whole ms, at least 1. */
function ms(value: number): string {
  return String(Math.max(1, Math.ceil(value)));
}
