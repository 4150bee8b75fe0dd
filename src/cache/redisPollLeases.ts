import type { RedisClientType } from '@keyv/redis';
import type { JobRecord } from '../model/job.ts';
import type { LeaseClaim, PollLeases, PollResult, SharedPoll } from './pollLeases.ts';
import { RedisPair, type RedisPairOptions } from './redisPair.ts';
import { MAX_TIMER_MS } from './redisCall.ts';
import type { Sealer } from './sealed.ts';

import {
  POLL_LEASE_PREFIX,
  POLL_LAST_PREFIX,
  POLL_CHANNEL_PREFIX,
  MAX_POLL_MESSAGE_CHARS,
  MAX_LEASE_CHARS,
  CLOCK_SKEW_MS,
  MESSAGE_LIFETIME_MS,
  CLAIMS_PER_CALL,
  CLAIMS_PER_OP,
  CLAIM_SCRIPT,
  TAKEOVER_SCRIPT,
  SHARE_SCRIPT,
  RELEASE_SCRIPT,
} from './redisPollLeaseScripts.ts';
export {
  POLL_LEASE_PREFIX,
  POLL_LAST_PREFIX,
  POLL_CHANNEL_PREFIX,
  MAX_POLL_MESSAGE_CHARS,
  CLAIMS_PER_CALL,
  CLAIMS_PER_OP,
} from './redisPollLeaseScripts.ts';

export interface RedisPollLeasesOptions extends RedisPairOptions {
  /** Whether a record holds a secret (the central sensitive-field list). */
  holdsSecret(record: JobRecord): boolean;
  /** The record without its secrets (null when it cannot be made). */
  withoutSecrets(record: JobRecord): JobRecord | null;
  /** Seals the leases and messages for their keys and channels, and opens what is read back. */
  sealer: Sealer;
  /** The clock leases' expiries are written and read by, in ms (default Date.now). */
  now?: () => number;
}

const HELD: LeaseClaim = { kind: 'held' };
const UNAVAILABLE: LeaseClaim = { kind: 'unavailable' };

/** CLAIM_SCRIPT's answer to one claim. */
type ClaimReply = [number, number?, unknown?, unknown?];

/** A claim waiting for its call: its two keys, its three arguments, and its answer. */
interface PendingClaim {
  keys: string[];
  args: string[];
  resolve(reply: ClaimReply): void;
  reject(err: unknown): void;
}

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
  /** How this replica's lease values begin (after the seal's header): its ID and a bar. */
  readonly #tag: string;
  readonly #options: RedisPollLeasesOptions;
  readonly #pair: RedisPair;
  readonly #commands: RedisClientType;
  readonly #subscriber: RedisClientType;
  /** The jobs whose lease this replica took or renewed last (and has not lost or given back). */
  readonly #held = new Set<string>();
  /** The listeners of each followed job, by channel. */
  readonly #followed = new Map<string, Set<(poll: SharedPoll) => void>>();
  /** The claims not sent yet: made in this turn of the event loop, or while a call was out (`#sendClaims`). */
  readonly #claims: PendingClaim[] = [];
  /** Whether a call of claims is out: one at a time, so none waits behind another's answer. */
  #claiming = false;
  /** Each record's shareable form (null: not shareable), so an unchanged poll shares it again. */
  readonly #encoded = new WeakMap<JobRecord, Shareable | null>();

  constructor(options: RedisPollLeasesOptions) {
    this.#options = options;
    this.#pair = new RedisPair(options, {
      say: {
        down: 'poll leases: Redis is unavailable; each replica polls the jobs it watches itself until it is back',
        back: 'poll leases: Redis is back; each watched job is polled by one replica again',
      },
      failing: () => this.#held.clear(),
      // Channels whose subscription failed while Redis was away (the client renews the others itself).
      recovering: () => {
        for (const channel of this.#followed.keys()) this.#subscribe(channel);
      },
      closing: () => this.#followed.clear(),
    });
    ({
      replicaId: this.replicaId,
      commands: this.#commands,
      subscriber: this.#subscriber,
    } = this.#pair);
    this.#tag = `${this.replicaId}|`;
  }

  available(): boolean {
    return this.#pair.available();
  }

  async claim(globalId: string, ttlMs: number, last = false): Promise<LeaseClaim> {
    if (!this.#pair.available()) return UNAVAILABLE;
    const key = POLL_LEASE_PREFIX + globalId;
    try {
      const mine = this.#leaseValue(key, ttlMs);
      const reply = await new Promise<ClaimReply>((resolve, reject) => {
        const keys = [key, POLL_LAST_PREFIX + globalId];
        this.#claims.push({ keys, args: [mine, ttl(ttlMs), last ? '1' : '0'], resolve, reject });
        // The claims made in this turn of the event loop go together.
        if (this.#claims.length === 1 && !this.#claiming) setImmediate(() => this.#sendClaims());
      });
      if (reply[0] === 1) return this.#took(globalId);
      const leftMs = this.#leaseLeft(key, reply[2], Number(reply[1] ?? 0), ttlMs);
      if (leftMs === undefined) return await this.#takeOver(globalId, reply[2], mine, ttlMs);
      this.#held.delete(globalId);
      const shared = reply[3] === undefined ? undefined : this.#open(globalId, reply[3]);
      return { kind: 'other', retryInMs: leftMs, ...(shared ? { last: shared } : {}) };
    } catch (err) {
      this.#pair.failed(err);
      return UNAVAILABLE;
    }
  }

  /**
   * The claims waiting, CLAIMS_PER_CALL to a call of CLAIM_SCRIPT, one call out at a time; each
   * claim gets its own answer. Pipelined, the last of a burst's calls waited for every call before
   * it within its own op timeout, which a burst of thousands overran; one at a time, each call's
   * bound starts when it is sent and weighs its claims (CLAIMS_PER_OP).
   */
  #sendClaims(): void {
    const batch = this.#claims.splice(0, CLAIMS_PER_CALL);
    if (batch.length === 0) return void (this.#claiming = false);
    this.#claiming = true;
    const call = this.#commands.eval(CLAIM_SCRIPT, {
      keys: batch.flatMap((c) => c.keys),
      arguments: [this.#tag, ...batch.flatMap((c) => c.args)],
    });
    void this.#pair
      .bounded(call, batch.length / CLAIMS_PER_OP)
      .then(
        (replies) => batch.forEach((c, i) => c.resolve((replies as ClaimReply[])[i]!)),
        (err: unknown) => {
          // Redis counts as away now (each claim's catch): the claims waiting are answered at once.
          for (const c of [...batch, ...this.#claims.splice(0)]) c.reject(err);
        },
      )
      .finally(() => this.#sendClaims());
  }

  async share(
    globalId: string,
    ttlMs: number,
    result: PollResult,
  ): Promise<'held' | 'lost' | 'unavailable'> {
    if (!this.#pair.available()) return 'unavailable';
    const [message, last] = this.#encode(globalId, result, ttlMs);
    try {
      const reply = await this.#pair.track(
        this.#pair.bounded(
          this.#commands.eval(SHARE_SCRIPT, {
            keys: [POLL_LEASE_PREFIX + globalId, POLL_LAST_PREFIX + globalId],
            arguments: [
              this.#tag,
              this.#leaseValue(POLL_LEASE_PREFIX + globalId, ttlMs),
              ttl(ttlMs),
              message,
              this.#channelOf(globalId),
              last,
            ],
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
      this.#pair.failed(err);
      return 'unavailable';
    }
  }

  async announce(
    globalId: string,
    news: { record: JobRecord; time: number } | 'hint',
  ): Promise<boolean> {
    if (!this.#pair.available()) return false;
    const from = JSON.stringify(this.replicaId);
    const view = news === 'hint' ? null : this.#shareable(news.record);
    // A record whose view would still hold a secret goes out as a hint: the holder reads it.
    const exp = this.#expiry(MESSAGE_LIFETIME_MS);
    const message =
      news === 'hint' || !view
        ? `{"exp":${exp},"kind":"hint","from":${from}}`
        : `{"exp":${exp},"kind":"event","from":${from},"time":${news.time},"stripped":${view.stripped},"record":${view.record}}`;
    try {
      // Sealed for the channel like every watch message: a replica believes only what one sealed.
      await this.#pair.track(
        this.#pair.bounded(
          this.#commands.publish(this.#channelOf(globalId), this.#sealMessage(globalId, message)),
        ),
      );
      return true;
    } catch (err) {
      this.#pair.failed(err);
      return false;
    }
  }

  holds(globalId: string): boolean {
    return this.#held.has(globalId);
  }

  release(globalId: string): void {
    this.#held.delete(globalId);
    if (!this.#pair.available()) return;
    this.#pair
      .track(
        this.#pair.bounded(
          this.#commands.eval(RELEASE_SCRIPT, {
            keys: [POLL_LEASE_PREFIX + globalId],
            arguments: [
              this.#tag,
              this.#channelOf(globalId),
              this.#sealMessage(
                globalId,
                `{"exp":${this.#expiry(MESSAGE_LIFETIME_MS)},"kind":"released","from":${JSON.stringify(this.replicaId)}}`,
              ),
            ],
          }),
        ),
      )
      .catch(this.#pair.failed);
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
    return this.#pair.onAvailability(listener);
  }

  /** The releases and shares sent so far go out first (each bounded by the op timeout). */
  close(): Promise<void> {
    return this.#pair.close();
  }

  // ---- the followers' channels ----

  #channelOf(globalId: string): string {
    return `${POLL_CHANNEL_PREFIX}${this.#pair.database ? `${this.#pair.database}:` : ''}${globalId}`;
  }

  /** One function for every channel: the subscriber removes a listener by identity. */
  readonly #onMessage = (message: string, channel: string): void => {
    const listeners = this.#followed.get(channel);
    if (!listeners) return;
    const poll = this.#openOn(channel, message);
    if (poll) for (const listener of [...listeners]) listener(poll);
  };

  // ---- what is read back: opened, checked, clamped ----

  /** A poll kept or published for `globalId`, or undefined (counted) when it is not believed. */
  #open(globalId: string, value: unknown): SharedPoll | undefined {
    return this.#openOn(this.#channelOf(globalId), value);
  }

  #openOn(channel: string, value: unknown): SharedPoll | undefined {
    const { sealer } = this.#options;
    const text = sealer.open('watch', channel, value, MAX_POLL_MESSAGE_CHARS);
    if (text === undefined) return undefined;
    const poll = parse(text);
    if (!poll) return void sealer.reject('watch', 'malformed');
    // Genuine, but sealed for a moment that is over: a replayed message (last week's RUNNING
    // republished on the channel) must not move a watcher backwards.
    const { exp, ...shared } = poll;
    if (this.#now() > exp + CLOCK_SKEW_MS) return void sealer.reject('watch', 'expired');
    // The record must be the channel's job (its global ID names the account too).
    if (
      (shared.kind === 'record' || shared.kind === 'event') &&
      channel !== this.#channelOf(shared.record.id)
    )
      return void sealer.reject('watch', 'binding');
    return shared;
  }

  /**
   * How long another replica holds the lease (`value` under `key`, Redis's PTTL `pttl`), clamped
   * to the TTL this replica would write; undefined (counted) when the value is not a lease sealed
   * for this key, or its sealed expiry has passed (a genuine value written again): take it over.
   */
  #leaseLeft(key: string, value: unknown, pttl: number, ttlMs: number): number | undefined {
    const { sealer } = this.#options;
    const text = sealer.open('poll', key, value, MAX_LEASE_CHARS);
    if (text === undefined) return undefined;
    const bar = text.lastIndexOf('|');
    const expires = Number(text.slice(bar + 1));
    if (bar <= 0 || !Number.isFinite(expires)) return void sealer.reject('poll', 'malformed');
    const left = expires - this.#now();
    if (left < -CLOCK_SKEW_MS) return void sealer.reject('poll', 'clamped');
    // No key TTL (-1) or one longer than a lease: never wait past the lease's own TTL.
    const bound = Math.min(ttlMs, MAX_TIMER_MS);
    if (pttl < 0 || pttl > bound) sealer.reject('poll', 'clamped');
    return Math.max(0, Math.min(pttl < 0 ? bound : pttl, bound, left + CLOCK_SKEW_MS));
  }

  /** Replace a lease value that is not believed with this replica's, unless it changed meanwhile. */
  async #takeOver(
    globalId: string,
    forged: unknown,
    mine: string,
    ttlMs: number,
  ): Promise<LeaseClaim> {
    const taken = await this.#pair.bounded(
      this.#commands.eval(TAKEOVER_SCRIPT, {
        keys: [POLL_LEASE_PREFIX + globalId],
        arguments: [typeof forged === 'string' ? forged : '', mine, ttl(ttlMs)],
      }),
    );
    if (taken === 1) return this.#took(globalId);
    // Another replica took it first: ask again at its next poll.
    this.#held.delete(globalId);
    return { kind: 'other', retryInMs: 0 };
  }

  #took(globalId: string): LeaseClaim {
    this.#held.add(globalId);
    return HELD;
  }

  /** This replica's lease value under `key`: its ID and when the lease lapses, sealed for the key. */
  #leaseValue(key: string, ttlMs: number): string {
    return this.#options.sealer.seal('poll', key, `${this.#tag}${Math.ceil(this.#now() + ttlMs)}`);
  }

  #sealMessage(globalId: string, message: string): string {
    return this.#options.sealer.seal('watch', this.#channelOf(globalId), message);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #subscribe(channel: string): void {
    if (!this.#subscriber.isReady) return; // subscribed by `recovering` once Redis is back
    this.#subscriber.subscribe(channel, this.#onMessage).catch(this.#pair.failed);
  }

  #unsubscribe(channel: string): void {
    if (!this.#subscriber.isReady) return;
    this.#subscriber.unsubscribe(channel, this.#onMessage).catch(this.#pair.failed);
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

  /**
   * The message and what becomes of the last poll kept (keep it, leave the old one, drop it). A
   * poll's message is believed as long as the lease it renews (`ttlMs`), which is also how long the
   * last poll is kept; the others for MESSAGE_LIFETIME_MS.
   */
  #encode(globalId: string, result: PollResult, ttlMs: number): [string, 'keep' | 'skip' | 'drop'] {
    const [message, last] = this.#message(result, ttlMs);
    return [this.#sealMessage(globalId, message), last];
  }

  #message(result: PollResult, ttlMs: number): [string, 'keep' | 'skip' | 'drop'] {
    const from = JSON.stringify(this.replicaId);
    const fetch = `{"exp":${this.#expiry(MESSAGE_LIFETIME_MS)},"kind":"fetch","from":${from}}`;
    const exp = this.#expiry(ttlMs);
    if (result.kind === 'record') {
      const view = this.#shareable(result.record);
      if (view)
        return [
          `{"exp":${exp},"kind":"record","from":${from},"interval":${result.interval},"wait":${result.wait},"stripped":${view.stripped},"record":${view.record}}`,
          'keep',
        ];
      return [fetch, 'drop'];
    }
    if (result.kind === 'wait')
      return [
        `{"exp":${exp},"kind":"wait","from":${from},"interval":${result.interval},"wait":${result.wait}}`,
        'skip',
      ];
    return [fetch, 'drop'];
  }

  /** When a message sealed now stops being believed: `ms` from now, in whole ms since the epoch. */
  #expiry(ms: number): number {
    return Math.ceil(this.#now() + ms);
  }
}

/** A TTL argument in whole ms, at least 1. */
function ttl(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)));
}

/** A message from a channel or the last-poll key, with its sealed expiry, or undefined when it is not one. */
function parse(message: string): (SharedPoll & { exp: number }) | undefined {
  let poll: SharedPoll & { exp: number };
  try {
    poll = JSON.parse(message) as SharedPoll & { exp: number };
  } catch {
    return undefined;
  }
  if (
    typeof poll !== 'object' ||
    poll === null ||
    typeof poll.from !== 'string' ||
    typeof poll.exp !== 'number'
  )
    return undefined;
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
