import type { LeaseStore, RecordStore } from './jobCache.ts';
import { boundedGet } from './redisCall.ts';
import type { Sealer } from './sealed.ts';
import type { SharedRedis } from './sharedRedis.ts';

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
 * The jobs waiting for a lease's outcome, by global ID: each woken by the outcome published, by its
 * own timeout ('gone' after `ms`; at once when `ms` is 0) or by `wakeAll` ('gone'). Apart from redisLeases:
 * the waiting is plain bookkeeping, the same whatever carries the outcomes.
 */
function leaseWaiters() {
  const waiting = new Map<string, Set<(o: Outcome) => void>>();
  return {
    wakeAll(): void {
      for (const set of waiting.values()) for (const wake of [...set]) wake('gone');
    },
    wake(globalId: string, outcome: Outcome): void {
      const set = waiting.get(globalId);
      if (set) for (const wake of [...set]) wake(outcome);
    },
    listen(globalId: string, ms: number): { outcome: Promise<Outcome>; cancel: () => void } {
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
        if (ms <= 0) {
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
}

/**
 * Leases over node-redis: `SET NX PX` to take one, a compare-and-delete script and a PUBLISH to
 * give it back, and the process's subscriber connection, which wakes the jobs waiting for an
 * outcome (the job cache's fetches, and the queues' descriptions: src/queues/shared.ts). When Redis turns away (the one signal), every waiter is woken with 'gone' at once (and
 * fetches the job itself), so a failing Redis never holds a job up beyond the cache op timeout.
 */
export function redisLeases(
  redis: SharedRedis,
  sealer: Sealer,
): { leases: LeaseStore; close: () => Promise<void> } {
  const { commands: client, subscriber } = redis;
  const waiters = leaseWaiters();
  let subscribed = false;
  const onOutcome = (sealed: string) => {
    const message = sealer.open('outcome', LEASE_CHANNEL, sealed, MAX_OUTCOME_CHARS);
    if (message === undefined) return;
    const space = message.indexOf(' ');
    const outcome = message.slice(0, space) === 'stored' ? 'stored' : 'uncacheable';
    waiters.wake(message.slice(space + 1), outcome);
  };
  // Subscribed once Redis first answers (before it counts as there); the client renews the
  // subscription after each reconnection. Until then, waiters are woken at once and fetch the job.
  const leave = redis.join({
    failing: () => waiters.wakeAll(),
    answered: async () => {
      if (subscribed) return;
      await redis.bounded(subscriber.subscribe(LEASE_CHANNEL, onOutcome));
      subscribed = true;
    },
  });
  const leases: LeaseStore = {
    async acquire(globalId, token, ttlMs) {
      return (
        (await redis.send(() =>
          client.set(LEASE_PREFIX + globalId, token, {
            condition: 'NX',
            expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
          }),
        )) === 'OK'
      );
    },
    async release(globalId, token, stored) {
      await redis.send(() =>
        client.eval(RELEASE_SCRIPT, { keys: [LEASE_PREFIX + globalId], arguments: [token] }),
      );
      await redis.send(() =>
        client.publish(
          LEASE_CHANNEL,
          sealer.seal('outcome', LEASE_CHANNEL, `${stored ? 'stored' : 'uncacheable'} ${globalId}`),
        ),
      );
    },
    listen: (globalId, ms) =>
      waiters.listen(globalId, !subscribed || !redis.available() || ms <= 0 ? 0 : ms),
  };
  return {
    leases,
    close: async () => {
      leave();
      waiters.wakeAll();
      if (subscribed && subscriber.isReady)
        await subscriber.unsubscribe(LEASE_CHANNEL, onOutcome).catch(() => undefined);
    },
  };
}

/**
 * A Redis-backed record store on the process's shared connections, so several replicas share
 * finished jobs, with per-job leases so they also share the fetch of a job they want at the same
 * time. Reads are bounded by Redis (`BOUNDED_GET_SCRIPT`, at most `maxValueBytes`): a value over
 * it, or a key of another type, is answered as a rejection, never as a failure of the store. While
 * the one signal says Redis is away a call rejects at once, unsent; a call that fails is told to
 * the signal and rejects: the job cache treats either as a miss.
 */
export function redisStore(
  redis: SharedRedis,
  options: { sealer: Sealer; maxValueBytes: number },
): { store: RecordStore; leases: LeaseStore; close: () => Promise<void> } {
  const client = redis.commands;
  const lease = redisLeases(redis, options.sealer);
  const sent = <T>(call: () => Promise<T>) => redis.send(call);
  const store: RecordStore = {
    get: async (key) => (await sent(() => boundedGet(client, [key], options.maxValueBytes)))[0],
    set: async (key, value, opts) => {
      const ttl = opts?.ttl;
      await sent(() =>
        client.set(
          key,
          value,
          ttl ? { expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttl * 1000)) } } : {},
        ),
      );
    },
    delete: async (key) => (await sent(() => client.del(key))) > 0,
  };
  return { store, leases: lease.leases, close: () => lease.close() };
}
