import { boundedGet, connectWatched, readyCalls } from './redisCall.ts';
import { ownRedisConnection } from './redisConnection.ts';
import type { RetainedStore } from './retainedJobs.ts';

export interface RedisRetainedOptions {
  url: string;
  /** Longest a Redis call may take before it counts as a failure, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Largest value read back, in bytes: a longer one is not even sent (`{ rejected: 'oversized' }`). */
  maxBytes: number;
}

/**
 * The replicas' kept finished jobs in Redis (`jobgraph:retained:v2:<global ID>`, one key a job
 * with the retention time as its TTL, so Redis holds the jobs seen in the last
 * JOBGRAPH_RETAIN_FINISHED_SECONDS and no more), over a connection of its own without an offline
 * queue: while Redis is away a call fails at once, and createRetainedJobs treats it as a miss.
 * A read is bounded by Redis before anything is sent (BOUNDED_GET_SCRIPT): a huge value planted
 * there, or a key of another type, is a rejected value, never a failing call.
 */
export function redisRetainedStore(options: RedisRetainedOptions): RetainedStore {
  const client = ownRedisConnection(options.url);
  connectWatched([client], {
    failed: () => {
      // Told through the failed calls (createRetainedJobs logs the first one); keep the emitter quiet.
    },
  });
  const bounded = readyCalls(client, options.opTimeoutMs);
  return {
    async get(key) {
      const [value] = await bounded(() => boundedGet(client, [key], options.maxBytes));
      return value;
    },
    async set(key, value, ttlMs) {
      await bounded(() =>
        client.set(key, value, { expiration: { type: 'PX', value: Math.max(1, ttlMs) } }),
      );
    },
    async close() {
      if (client.isOpen) client.destroy();
    },
  };
}
