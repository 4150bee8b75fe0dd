import { createClient, type RedisClientType } from '@keyv/redis';
import { withinOpTimeout } from './redisCall.ts';
import type { RetainedStore } from './retainedJobs.ts';

export interface RedisRetainedOptions {
  url: string;
  /** Longest a Redis call may take before it counts as a failure, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Largest value read back, in bytes: a read asks for no more than one byte beyond it. */
  maxBytes: number;
}

/**
 * The replicas' kept finished jobs in Redis (`jobgraph:retained:v2:<global ID>`, one key a job
 * with the retention time as its TTL, so Redis holds the jobs seen in the last
 * JOBGRAPH_RETAIN_FINISHED_SECONDS and no more), over a connection of its own without an offline
 * queue: while Redis is away a call fails at once, and createRetainedJobs treats it as a miss.
 * A read takes at most `maxBytes` + 1 bytes (GETRANGE), so a huge value planted in Redis is
 * refused before it is decoded.
 */
export function redisRetainedStore(options: RedisRetainedOptions): RetainedStore {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
    },
  }) as unknown as RedisClientType;
  client.on('error', () => {
    // Told through the failed calls (createRetainedJobs logs the first one); keep the emitter quiet.
  });
  // Connected in the background: a Redis that is not there must not hold up the start.
  client.connect().catch(() => undefined);
  const bounded = <T>(call: () => Promise<T>): Promise<T> =>
    client.isReady
      ? withinOpTimeout(call(), options.opTimeoutMs)
      : Promise.reject(new Error('Redis is not connected'));
  return {
    async get(key) {
      // GETRANGE answers "" for a missing key; jobgraph never writes an empty value.
      const value = await bounded(() => client.getRange(key, 0, options.maxBytes));
      return typeof value === 'string' && value !== '' ? value : undefined;
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
