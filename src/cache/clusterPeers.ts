import type { RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';
import { SharedRedis } from './sharedRedis.ts';
import { SEALED_HEADER_LENGTH, type Sealer } from './sealed.ts';

/** One key per replica: `jobgraph:replicas:v2:<replica ID>` = its ID, sealed for the key, with a short TTL. */
export const PRESENCE_KEY_PREFIX = 'jobgraph:replicas:v2:';
/** The set of the replicas' IDs (`jobgraph:replicas:v2`), so a check reads them without a scan of the keyspace. */
export const PRESENCE_INDEX_KEY = 'jobgraph:replicas:v2';

/** How long a replica's presence lasts unless renewed, in ms; renewed every third of it. */
export const PRESENCE_TTL_MS = 15_000;

/** Longest presence value read, in characters (a replica ID is at most about 300). */
const MAX_PRESENCE_CHARS = 512;
/** Most other replicas' presences one check reads (drawn at random from the index): a flood of IDs costs one bounded call. */
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
  /** The process's shared connections (its replica ID is this one's); absent: a connection of its own to `url`, closed with it. */
  redis?: SharedRedis;
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

/**
 * One check, in one call: this replica's presence written (KEYS[2], its ID added to the index
 * KEYS[1]), then up to ARGV[5] other IDs of the index read, each presence bounded before it is
 * sent: `{id, 'ok', value}`, `{id, 'oversized'}`, `{id, 'malformed'}` (another type). An ID whose
 * key has lapsed (a stopped replica), or longer than ARGV[6], leaves the index. An index of
 * another type is replaced (`{'', 'malformed'}`). ARGV: 1 the ID, 2 its sealed presence, 3 the TTL
 * in ms, 4 the key prefix, 5 most IDs read, 6 longest ID, 7 longest presence.
 */
const PRESENCE_SCRIPT = `
local out = {}
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
local added = redis.pcall('SADD', KEYS[1], ARGV[1])
if type(added) == 'table' and added.err then
  redis.call('DEL', KEYS[1])
  redis.call('SADD', KEYS[1], ARGV[1])
  out[#out + 1] = {'', 'malformed'}
end
for _, id in ipairs(redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[5]))) do
  if id ~= ARGV[1] then
    if string.len(id) > tonumber(ARGV[6]) then redis.call('SREM', KEYS[1], id)
    else
      local n = redis.pcall('STRLEN', ARGV[4] .. id)
      if type(n) ~= 'number' then out[#out + 1] = {id, 'malformed'}
      elseif n == 0 then redis.call('SREM', KEYS[1], id)
      elseif n > tonumber(ARGV[7]) then out[#out + 1] = {id, 'oversized'}
      else out[#out + 1] = {id, 'ok', redis.call('GET', ARGV[4] .. id)} end
    end
  end
end
return out`;

/** Longest replica ID read from the index, in characters. */
const MAX_REPLICA_ID_CHARS = 256;

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
  const { sealer, logger } = options;
  const ttlMs = options.ttlMs ?? PRESENCE_TTL_MS;
  const owned = options.redis === undefined;
  const redis = options.redis ?? ownRedis(options, ttlMs);
  const { replicaId } = redis;
  const ownKey = PRESENCE_KEY_PREFIX + replicaId;
  const client = redis.commands;
  let seen = { checked: false, peers: 0, other: [] as string[] };
  let warnedOf = 0;
  let closed = false;
  let firstCheck: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstCheck = resolve));
  const call = <T>(f: (c: RedisClientType) => Promise<T>) => redis.bounded(f(client));

  const check = async () => {
    if (closed || !client.isReady) return;
    try {
      const replies: unknown = await call((c) =>
        c.eval(PRESENCE_SCRIPT, {
          keys: [PRESENCE_INDEX_KEY, ownKey],
          arguments: presenceArguments(
            replicaId,
            sealer.seal('presence', ownKey, replicaId),
            ttlMs,
          ),
        }),
      );
      const { peers, other } = presencesOf(replies, sealer);
      seen = { checked: true, peers, other };
      if (other.length > 0 && other.length !== warnedOf)
        logger.warn(
          { peersWithAnotherSecret: other.length, replicas: namesOf(other) },
          'cluster: replicas sharing this Redis seal under another JOBGRAPH_CLUSTER_SECRET (or a presence was forged there): what each writes is a miss to the other, so both read upstream; give every replica the same secret',
        );
      warnedOf = other.length;
    } catch (err) {
      // Told to the one signal (each store says what it means for it); the next check tries again.
      if (!closed) redis.failed(err);
    } finally {
      firstCheck();
    }
  };
  const timer = setInterval(() => void check(), ttlMs / 3);
  timer.unref();
  // Checked as soon as Redis is there, at first and after each time it was away.
  const off = redis.onAvailability((available) => {
    if (available) void check();
  });
  if (redis.available()) void check();
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
      off();
      if (client.isReady)
        await call((c) => c.multi().del(ownKey).sRem(PRESENCE_INDEX_KEY, replicaId).exec()).catch(
          () => undefined,
        );
      if (owned) await redis.close();
    },
  };
}

/** A Redis connection of the presence's own (none was shared with it), retried at a third of the TTL. */
const ownRedis = (options: ClusterPeersOptions, ttlMs: number) =>
  new SharedRedis({
    url: options.url,
    opTimeoutMs: options.opTimeoutMs,
    retryMs: ttlMs / 3,
    logger: options.logger,
    ...(options.replicaId ? { replicaId: options.replicaId } : {}),
  });

/** PRESENCE_SCRIPT's arguments: this replica's ID and sealed presence, the TTL, the bounds. */
const presenceArguments = (replicaId: string, sealed: string, ttlMs: number): string[] => [
  replicaId,
  sealed,
  String(ttlMs),
  PRESENCE_KEY_PREFIX,
  String(MAX_PEERS_READ),
  String(MAX_REPLICA_ID_CHARS),
  String(MAX_PRESENCE_CHARS),
];

/**
 * What a check read back: how many presences open under this replica's secret (`peers`), and the
 * IDs of those sealed under another (`other`); a malformed or oversized one is a counted rejection.
 */
function presencesOf(replies: unknown, sealer: Sealer): { peers: number; other: string[] } {
  let peers = 0;
  const other: string[] = [];
  for (const reply of Array.isArray(replies) ? (replies as unknown[]) : []) {
    const [id, status, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (typeof id !== 'string') continue;
    if (status !== 'ok') {
      sealer.reject('presence', status === 'oversized' ? 'oversized' : 'malformed');
      continue;
    }
    const key = PRESENCE_KEY_PREFIX + id;
    if (sealer.open('presence', key, value, MAX_PRESENCE_CHARS) !== undefined) peers++;
    else if (typeof value === 'string' && sealedShape(value)) other.push(id);
  }
  return { peers, other };
}

/** The IDs that look like a replica's (a key's tail is whatever was written to Redis), at most 5. */
const namesOf = (ids: readonly string[]) => ids.filter((id) => REPLICA_ID_RE.test(id)).slice(0, 5);
