import type { RedisClientType } from '@keyv/redis';
import type { LeaseStore, RecordStore } from './jobCache.ts';
import { boundedGet } from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';
import type { Sealer } from './sealed.ts';

const LEASE_PREFIX = 'jobgraph:lease:v2:';
/**
 * One channel for every lease's outcome: `stored <globalId>` or `uncacheable <globalId>`, sealed
 * for this channel (a forged `stored` would only send the waiters to the cache, where the record is
 * checked again; sealed, it cannot even do that).
 */
const LEASE_CHANNEL = 'jobgraph:lease:v2';
/** The longest outcome message read, in characters (a word and a global ID). */
const MAX_OUTCOME_CHARS = 4096;
/**
 * Delete the lease only if it is still ours (it may have expired and been taken by another
 * process). pcall: a key of another type there is not ours, and must not fail the call (which the
 * job cache would take for Redis failing, and pause).
 */
const RELEASE_SCRIPT =
  "if redis.pcall('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

type Outcome = 'stored' | 'uncacheable' | 'gone';

/**
 * Leases over node-redis: `SET NX PX` to take one, a compare-and-delete script and a PUBLISH to
 * give it back, and one subscriber connection per process that wakes the jobs waiting for an
 * outcome. When the subscriber connection fails, every waiter is woken with 'gone' at once (and
 * fetches the job itself), so a failing Redis never holds a job up beyond the cache op timeout.
 */
function redisLeases(
  client: RedisClientType,
  sealer: Sealer,
): { leases: LeaseStore; close: () => Promise<void> } {
  const waiting = new Map<string, Set<(o: Outcome) => void>>();
  const wakeAll = () => {
    for (const set of waiting.values()) for (const wake of [...set]) wake('gone');
  };
  const subscriber = client.duplicate();
  subscriber.on('error', wakeAll);
  subscriber.on('end', wakeAll);
  let subscribed = false;
  // Connected in the background: a Redis that is not there must not hold up the start (until it
  // answers, waiters are woken at once and fetch the job themselves).
  subscriber
    .connect()
    .then(() =>
      subscriber.subscribe(LEASE_CHANNEL, (sealed: string) => {
        const message = sealer.open('outcome', LEASE_CHANNEL, sealed, MAX_OUTCOME_CHARS);
        if (message === undefined) return;
        const space = message.indexOf(' ');
        const outcome = message.slice(0, space) === 'stored' ? 'stored' : 'uncacheable';
        const set = waiting.get(message.slice(space + 1));
        if (set) for (const wake of [...set]) wake(outcome);
      }),
    )
    .then(
      () => {
        subscribed = true;
      },
      () => undefined,
    );
  const leases: LeaseStore = {
    async acquire(globalId, token, ttlMs) {
      return (
        (await client.set(LEASE_PREFIX + globalId, token, {
          condition: 'NX',
          expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
        })) === 'OK'
      );
    },
    async release(globalId, token, stored) {
      await client.eval(RELEASE_SCRIPT, { keys: [LEASE_PREFIX + globalId], arguments: [token] });
      await client.publish(
        LEASE_CHANNEL,
        sealer.seal('outcome', LEASE_CHANNEL, `${stored ? 'stored' : 'uncacheable'} ${globalId}`),
      );
    },
    listen(globalId, ms) {
      let wake!: (o: Outcome) => void;
      const outcome = new Promise<Outcome>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        wake = (o) => {
          clearTimeout(timer);
          const set = waiting.get(globalId);
          set?.delete(wake);
          if (set?.size === 0) waiting.delete(globalId);
          resolve(o);
        };
        if (!subscribed || !subscriber.isReady || ms <= 0) {
          resolve('gone');
          return;
        }
        timer = setTimeout(() => wake('gone'), ms);
        let set = waiting.get(globalId);
        if (!set) {
          set = new Set();
          waiting.set(globalId, set);
        }
        set.add(wake);
      });
      return { outcome, cancel: () => wake('gone') };
    },
  };
  return {
    leases,
    close: async () => {
      wakeAll();
      subscriber.destroy();
    },
  };
}

/**
 * A Redis-backed record store, so several replicas share finished jobs, with per-job leases so
 * they also share the fetch of a job they want at the same time. Reads are bounded by Redis
 * (`BOUNDED_GET_SCRIPT`, at most `maxValueBytes`): a value over it, or a key of another type, is
 * answered as a rejection, never as a failure of the store. Connection and command errors reject:
 * the job cache treats a failing Redis as a miss and leaves it alone for a while.
 */
export async function redisStore(
  url: string,
  options: { sealer: Sealer; maxValueBytes: number },
): Promise<{ store: RecordStore; leases: LeaseStore; close: () => Promise<void> }> {
  // No offline queue: while Redis is away a command fails at once (a miss) instead of waiting for the op timeout.
  const client = ownRedisConnection(url, { connectTimeoutMs: 1000 });
  client.on('error', () => {
    // Reported through failed reads and writes (logged by the job cache); keep the emitter quiet.
  });
  // Connect at start, so the first jobs do not pay for (or time out on) the connection; a Redis
  // that is not there does not stop the start (the client keeps reconnecting).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    client.connect().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
  const lease = redisLeases(client, options.sealer);
  const store: RecordStore = {
    get: async (key) => (await boundedGet(client, [key], options.maxValueBytes))[0],
    set: async (key, value, opts) => {
      const ttl = opts?.ttl;
      await client.set(
        key,
        value,
        ttl ? { expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttl * 1000)) } } : {},
      );
    },
    delete: async (key) => (await client.del(key)) > 0,
  };
  return {
    store,
    leases: lease.leases,
    close: async () => {
      await lease.close();
      // A client that lost its Redis would wait for it to come back to close politely: drop it instead.
      if (client.isOpen) client.destroy();
    },
  };
}
