import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import { boundedGet, connectWatched, withinOpTimeout } from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';
import { SEALED_HEADER_LENGTH, type Sealer } from './sealed.ts';

/** One key per replica: `jobgraph:replicas:v2:<replica ID>` = its ID, sealed for the key, with a short TTL. */
export const PRESENCE_KEY_PREFIX = 'jobgraph:replicas:v2:';

/** How long a replica's presence lasts unless renewed, in ms; renewed every third of it. */
export const PRESENCE_TTL_MS = 15_000;

/** Longest presence value read, in characters (a replica ID is at most about 300). */
const MAX_PRESENCE_CHARS = 512;
/** Most presence keys one check reads: past it the rest are not looked at (a flood of keys costs one bounded scan). */
const MAX_PEERS_READ = 256;
/** A replica ID as this code makes one, the only form a log line or /readyz repeats. */
const REPLICA_ID_RE = /^[A-Za-z0-9._-]{1,200}:\d{1,10}:[0-9a-f]{8}$/;

/** What the replicas sharing this Redis look like from this one: names and counts, never a secret. */
export interface ClusterState {
  /** This replica's ID (`<hostname>:<pid>:<random>`). */
  replica: string;
  /** Whether a check has ended since the start (false: Redis not answered yet). */
  checked: boolean;
  /** Other replicas whose presence is sealed under this replica's JOBGRAPH_CLUSTER_SECRET. */
  peers: number;
  /**
   * Presence values that fail their MAC: a replica with another JOBGRAPH_CLUSTER_SECRET (or a
   * value forged in Redis). Each side's values are misses to the other, so both read upstream.
   */
  peersWithAnotherSecret: number;
  /** Their replica IDs, when they look like one (at most 5). */
  peersWithAnotherSecretIds: string[];
  /** Values read back from Redis that failed their MAC since the start, every kind of value. */
  macRejections: number;
}

export interface ClusterPeers {
  readonly replicaId: string;
  /** Renew this replica's presence and read the others' now (the timer does so every third of the TTL). */
  check(): Promise<void>;
  /** Resolves once the first check ended, or after `timeoutMs`, whichever is first. */
  checked(timeoutMs: number): Promise<void>;
  state(): ClusterState;
  close(): Promise<void>;
}

export interface ClusterPeersOptions {
  url: string;
  /** Longest a Redis call may take, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  sealer: Sealer;
  logger: Logger;
  /** Values that failed their MAC so far, every kind (counted where the sealer reports them). */
  macRejections(): number;
  replicaId?: string;
  /** Presence TTL in ms (default PRESENCE_TTL_MS). */
  ttlMs?: number;
}

/** Whether `value` has a sealed value's shape (version, MAC, separator): failing to open, its MAC is what failed. */
const sealedShape = (value: string) =>
  value.length >= SEALED_HEADER_LENGTH &&
  value.startsWith('2.') &&
  value[SEALED_HEADER_LENGTH - 1] === '.';

/**
 * Each replica says it is there (its ID, sealed, under a key that lapses unless renewed) and reads
 * the others': a presence sealed under another JOBGRAPH_CLUSTER_SECRET is a replica whose values
 * this one never believes, nor it this one's: they still work, each reading upstream what the
 * other cached, which nothing else would report. A stopped replica's presence lapses within the
 * TTL; what it wrote under the same secret (leases, records) stays believed, as a failover needs,
 * so a MAC failure is never a leftover. Redis away: no check, no line (the stores say so).
 */
export function clusterPeers(options: ClusterPeersOptions): ClusterPeers {
  const { sealer, logger, opTimeoutMs } = options;
  const ttlMs = options.ttlMs ?? PRESENCE_TTL_MS;
  const replicaId =
    options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const ownKey = PRESENCE_KEY_PREFIX + replicaId;
  const client = ownRedisConnection(options.url, { retryMs: ttlMs / 3 });
  let seen = { checked: false, peers: 0, other: [] as string[] };
  let warnedOf = 0;
  let closed = false;
  let firstCheck: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstCheck = resolve));
  const call = <T>(f: (c: RedisClientType) => Promise<T>) =>
    withinOpTimeout(f(client), opTimeoutMs);

  const check = async () => {
    if (closed || !client.isReady) return;
    try {
      await call((c) => c.set(ownKey, sealer.seal('presence', ownKey, replicaId), { PX: ttlMs }));
      const keys: string[] = [];
      for await (const batch of client.scanIterator({
        MATCH: `${PRESENCE_KEY_PREFIX}*`,
        COUNT: 100,
      })) {
        for (const key of [batch].flat())
          if (key !== ownKey && keys.length < MAX_PEERS_READ) keys.push(key);
        if (keys.length >= MAX_PEERS_READ) break;
      }
      const values = keys.length ? await call((c) => boundedGet(c, keys, MAX_PRESENCE_CHARS)) : [];
      let peers = 0;
      const other: string[] = [];
      values.forEach((value, i) => {
        const key = keys[i]!;
        if (value === undefined) return;
        if (typeof value !== 'string') return sealer.reject('presence', value.rejected);
        const id = sealer.open('presence', key, value, MAX_PRESENCE_CHARS);
        if (id !== undefined) peers++;
        else if (sealedShape(value)) other.push(key.slice(PRESENCE_KEY_PREFIX.length));
      });
      seen = { checked: true, peers, other };
      if (other.length > 0 && other.length !== warnedOf)
        logger.warn(
          { peersWithAnotherSecret: other.length, replicas: namesOf(other) },
          'cluster: replicas sharing this Redis seal under another JOBGRAPH_CLUSTER_SECRET (or a presence was forged there): what each writes is a miss to the other, so both read upstream; give every replica the same secret',
        );
      warnedOf = other.length;
    } catch {
      // Redis failing is the stores' to report; the next check tries again.
    } finally {
      firstCheck();
    }
  };
  const timer = setInterval(() => void check(), ttlMs / 3);
  timer.unref();
  connectWatched([client], { failed: () => undefined, ready: () => void check() });
  return {
    replicaId,
    check,
    checked: (timeoutMs) =>
      Promise.race([first, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]),
    state: () => ({
      replica: replicaId,
      checked: seen.checked,
      peers: seen.peers,
      peersWithAnotherSecret: seen.other.length,
      peersWithAnotherSecretIds: namesOf(seen.other),
      macRejections: options.macRejections(),
    }),
    async close() {
      closed = true;
      clearInterval(timer);
      if (client.isReady) await call((c) => c.del(ownKey)).catch(() => undefined);
      if (client.isOpen) client.destroy();
    },
  };
}

/** The IDs that look like a replica's (a key's tail is whatever was written to Redis), at most 5. */
const namesOf = (ids: readonly string[]) => ids.filter((id) => REPLICA_ID_RE.test(id)).slice(0, 5);
