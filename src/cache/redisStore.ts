import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import { createKeyv, type RedisClientType } from '@keyv/redis';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { LeaseStore } from './jobCache.ts';

const LEASE_PREFIX = 'jobgraph:lease:v1:';
/** One channel for every lease's outcome: `stored <globalId>` or `uncacheable <globalId>`. */
const LEASE_CHANNEL = 'jobgraph:lease:v1';
/** Delete the lease only if it is still ours (it may have expired and been taken by another process). */
const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

type Outcome = 'stored' | 'uncacheable' | 'gone';

/**
 * Leases over node-redis: `SET NX PX` to take one, a compare-and-delete script and a PUBLISH to
 * give it back, and one subscriber connection per process that wakes the jobs waiting for an
 * outcome. When the subscriber connection fails, every waiter is woken with 'gone' at once (and
 * fetches the job itself), so a failing Redis never holds a job up beyond the cache op timeout.
 */
function redisLeases(client: RedisClientType): { leases: LeaseStore; close: () => Promise<void> } {
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
      subscriber.subscribe(LEASE_CHANNEL, (message: string) => {
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
      await client.publish(LEASE_CHANNEL, `${stored ? 'stored' : 'uncacheable'} ${globalId}`);
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
 * A Redis-backed KeyValueCache (Apollo's interface over Keyv), so several replicas share
 * finished jobs, with per-job leases so they also share the fetch of a job they want at the
 * same time. Connection and command errors are not thrown at callers: the job cache treats
 * a failing Redis as a miss.
 */
export async function redisStore(
  url: string,
): Promise<{ store: KeyValueCache<string>; leases?: LeaseStore; close: () => Promise<void> }> {
  // No offline queue: while Redis is away a command fails at once (a miss) instead of waiting for the op timeout.
  const keyv = createKeyv(
    { url, disableOfflineQueue: true },
    { throwOnConnectError: false, throwOnErrors: false, connectionTimeout: 1000 },
  );
  keyv.on('error', () => {
    // Reported through failed reads and writes (logged by the job cache); keep the emitter quiet.
  });
  // Connect at start, so the first jobs do not pay for (or time out on) the connection.
  const client = await (keyv.store as { getClient?: () => Promise<unknown> })
    .getClient?.()
    .catch(() => undefined);
  const lease =
    client && typeof (client as RedisClientType).duplicate === 'function'
      ? redisLeases(client as RedisClientType)
      : undefined;
  return {
    store: new KeyvAdapter<string>(keyv as never),
    ...(lease ? { leases: lease.leases } : {}),
    close: async () => {
      await lease?.close();
      // A client that lost its Redis would wait for it to come back to close politely: drop it instead.
      const redis = client as RedisClientType | undefined;
      // One whose socket is already closed (its reconnecting gave up) has nothing left to drop.
      if (redis && !redis.isReady && typeof redis.destroy === 'function') {
        if (redis.isOpen) redis.destroy();
      } else await keyv.disconnect().catch(() => undefined);
    },
  };
}
