import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import type { JobRecord } from '../model/job.ts';
import type { LeaseClaim, PollLeases, PollResult, SharedPoll } from './pollLeases.ts';
import { reconnectAfter, recheckLater, withinOpTimeout } from './redisCall.ts';

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
export function redisPollLeases(options: RedisPollLeasesOptions): PollLeases {
  const { opTimeoutMs, retryMs, logger } = options;
  // Redis's pub/sub ignores the database number: a deployment on another database of the same
  // server must not hear this one's polls (its jobs may have the same IDs in other accounts).
  const database = Number(new URL(options.url).pathname.slice(1)) || 0;
  const channelOf = (globalId: string) =>
    `${POLL_CHANNEL_PREFIX}${database ? `${database}:` : ''}${globalId}`;
  const replicaId =
    options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const socket = {
    // Reconnect soon after Redis is back (whatever the cause), never give up.
    reconnectStrategy: reconnectAfter(retryMs),
  };
  const commands = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket,
  }) as unknown as RedisClientType;
  const subscriber = commands.duplicate() as unknown as RedisClientType;

  let state: 'starting' | 'up' | 'down' = 'starting';
  /** The jobs whose lease this replica took or renewed last (and has not lost or given back). */
  const held = new Set<string>();
  let closed = false;
  const availability = new Set<(available: boolean) => void>();
  const pending = new Set<Promise<unknown>>();

  const bounded = <T>(call: Promise<T>): Promise<T> => withinOpTimeout(call, opTimeoutMs);

  // ---- availability: down at the first failure, up once both connections answer again ----
  const recheck = recheckLater(retryMs, () => check());
  const failed = (err: unknown) => {
    if (closed) return;
    held.clear();
    if (state !== 'down') {
      state = 'down';
      logger.warn(
        { err: { message: err instanceof Error ? err.message : String(err) } },
        'poll leases: Redis is unavailable; each replica polls the jobs it watches itself until it is back',
      );
      for (const listener of [...availability]) listener(false);
    }
    recheck.schedule();
  };
  const check = async () => {
    if (closed || state === 'up') return;
    if (!commands.isReady || !subscriber.isReady) return recheck.schedule();
    try {
      await bounded(commands.ping());
    } catch {
      return recheck.schedule();
    }
    // Another check may have ended meanwhile.
    if (closed || !subscriber.isReady || (state as string) === 'up') return;
    // Channels whose subscription failed while Redis was away (the client renews the others itself).
    for (const channel of followed.keys()) subscribe(channel);
    const recovered = state === 'down';
    state = 'up';
    if (recovered)
      logger.info('poll leases: Redis is back; each watched job is polled by one replica again');
    for (const listener of [...availability]) listener(true);
  };
  for (const client of [commands, subscriber]) {
    client.on('error', failed);
    client.on('end', () => failed(new Error('the Redis connection ended')));
    client.on('ready', () => void check());
  }

  // ---- the followers' channels ----
  const followed = new Map<string, Set<(poll: SharedPoll) => void>>();
  const onMessage = (message: string, channel: string) => {
    const listeners = followed.get(channel);
    if (!listeners) return;
    const poll = parse(message);
    if (poll) for (const listener of [...listeners]) listener(poll);
  };
  const subscribe = (channel: string) => {
    if (!subscriber.isReady) return; // subscribed by `check` once Redis is back
    subscriber.subscribe(channel, onMessage).catch(failed);
  };
  const unsubscribe = (channel: string) => {
    if (!subscriber.isReady) return;
    subscriber.unsubscribe(channel, onMessage).catch(failed);
  };

  // Connected in the background: a Redis that is not there must not hold up the start.
  for (const client of [commands, subscriber]) client.connect().catch(() => undefined);

  /** The record's shareable form, encoded once per record (an unchanged poll shares it again). */
  const encoded = new WeakMap<JobRecord, { record: string; stripped: boolean } | null>();
  const shareable = (record: JobRecord) => {
    let known = encoded.get(record);
    if (known === undefined) {
      const secret = options.holdsSecret(record);
      const view = secret ? options.withoutSecrets(record) : record;
      known =
        view === null || (secret && options.holdsSecret(view))
          ? null
          : { record: JSON.stringify(view), stripped: secret };
      encoded.set(record, known);
    }
    return known;
  };
  /** The message and what becomes of the last poll kept (keep it, leave the old one, drop it). */
  const encode = (result: PollResult): [string, 'keep' | 'skip' | 'drop'] => {
    const from = JSON.stringify(replicaId);
    if (result.kind === 'record') {
      const view = shareable(result.record);
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
  };
  const ttl = (ms: number) => String(Math.max(1, Math.ceil(ms)));
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };

  return {
    replicaId,
    available: () => state === 'up' && !closed,

    async claim(globalId, ttlMs, last = false) {
      if (state !== 'up' || closed) return UNAVAILABLE;
      try {
        const reply = (await bounded(
          commands.eval(CLAIM_SCRIPT, {
            keys: [POLL_LEASE_PREFIX + globalId, POLL_LAST_PREFIX + globalId],
            arguments: [replicaId, ttl(ttlMs), last ? '1' : '0'],
          }),
        )) as [number, number?, (string | null)?];
        if (reply[0] === 1) {
          held.add(globalId);
          return HELD;
        }
        held.delete(globalId);
        const shared = typeof reply[2] === 'string' ? parse(reply[2]) : undefined;
        return {
          kind: 'other',
          retryInMs: Math.max(0, Number(reply[1] ?? 0)),
          ...(shared ? { last: shared } : {}),
        };
      } catch (err) {
        failed(err);
        return UNAVAILABLE;
      }
    },

    async share(globalId, ttlMs, result) {
      if (state !== 'up' || closed) return 'unavailable';
      const [message, last] = encode(result);
      try {
        const reply = await track(
          bounded(
            commands.eval(SHARE_SCRIPT, {
              keys: [POLL_LEASE_PREFIX + globalId, POLL_LAST_PREFIX + globalId],
              arguments: [replicaId, ttl(ttlMs), message, channelOf(globalId), last],
            }),
          ),
        );
        if (reply !== 1) {
          held.delete(globalId);
          return 'lost';
        }
        held.add(globalId);
        return 'held';
      } catch (err) {
        failed(err);
        return 'unavailable';
      }
    },

    holds: (globalId) => held.has(globalId),

    release(globalId) {
      held.delete(globalId);
      if (state !== 'up' || closed) return;
      track(
        bounded(
          commands.eval(RELEASE_SCRIPT, {
            keys: [POLL_LEASE_PREFIX + globalId],
            arguments: [
              replicaId,
              channelOf(globalId),
              `{"kind":"released","from":${JSON.stringify(replicaId)}}`,
            ],
          }),
        ),
      ).catch(failed);
    },

    follow(globalId, listener) {
      const channel = channelOf(globalId);
      let listeners = followed.get(channel);
      if (!listeners) {
        listeners = new Set();
        followed.set(channel, listeners);
        subscribe(channel);
      }
      const mine = listeners;
      mine.add(listener);
      return () => {
        mine.delete(listener);
        if (mine.size > 0 || followed.get(channel) !== mine) return;
        followed.delete(channel);
        unsubscribe(channel);
      };
    },

    onAvailability(listener) {
      availability.add(listener);
      return () => availability.delete(listener);
    },

    async close() {
      // The releases and shares sent so far go out first (each bounded by the op timeout).
      await Promise.allSettled([...pending]);
      closed = true;
      recheck.stop();
      availability.clear();
      followed.clear();
      for (const client of [subscriber, commands]) if (client.isOpen) client.destroy();
    },
  };
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
    case 'fetch':
    case 'released':
      return poll;
    default:
      return undefined;
  }
}
