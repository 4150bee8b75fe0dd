import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createJobCache, inMemoryStore, type JobCache, type SecretDetector } from './jobCache.ts';

export type { JobCache, SecretDetector } from './jobCache.ts';

/** The configured job cache: Redis when JOBGRAPH_CACHE_URL is set, else an in-process LRU; none when max entries is 0. */
export async function openJobCache(
  config: Config,
  holdsSecret: SecretDetector,
  logger: Logger,
): Promise<JobCache | undefined> {
  const { url, maxEntries, ttlSeconds, opTimeoutMs } = config.cache;
  if (url) {
    // Loaded only when configured: the Redis client is most of a megabyte of code.
    const { redisStore } = await import('./redisStore.ts');
    const redis = await redisStore(url);
    return createJobCache({
      store: redis.store,
      ttlSeconds,
      holdsSecret,
      logger,
      close: redis.close,
      opTimeoutMs,
      ...(redis.leases ? { leases: redis.leases } : {}),
    });
  }
  if (maxEntries === 0) return undefined;
  return createJobCache({
    store: inMemoryStore(maxEntries),
    ttlSeconds,
    holdsSecret,
    logger,
    opTimeoutMs: 0,
  });
}
