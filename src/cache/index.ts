import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { JobRecord } from '../model/job.ts';
import { createJobCache, inMemoryStore, type JobCache, type SecretDetector } from './jobCache.ts';

import { boundedRetainedStore, createRetainedJobs, type RetainedJobs } from './retainedJobs.ts';

export type { JobCache, SecretDetector } from './jobCache.ts';
export type { RetainedJobs } from './retainedJobs.ts';
export type { PollLeases } from './pollLeases.ts';

/** What the poll leases need to keep secrets out of Redis: the central sensitive-field list, as functions. */
export interface ShareRules {
  /** Whether a record holds a value of a sensitive field. */
  holdsSecret: SecretDetector;
  /** The record with every sensitive field null (null when it cannot be made). */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
}

/**
 * The configured job cache: Redis when JOBGRAPH_CACHE_URL is set, else an in-process LRU; none when
 * max entries is 0. With Redis and `share`, the cache also carries the watched jobs' poll leases
 * (`pollLeases`), so the replicas poll each watched job once between them.
 */
export async function openJobCache(
  config: Config,
  holdsSecret: SecretDetector,
  logger: Logger,
  share?: ShareRules,
): Promise<JobCache | undefined> {
  const { url, maxEntries, ttlSeconds, opTimeoutMs } = config.cache;
  if (url) {
    // Loaded only when configured: the Redis client is most of a megabyte of code.
    const { redisStore } = await import('./redisStore.ts');
    const redis = await redisStore(url);
    const pollLeases = share
      ? (await import('./redisPollLeases.ts')).redisPollLeases({
          url,
          opTimeoutMs,
          // Reconnect within about a third of a poll interval (at most every 1.25 s), so a Redis
          // back is used within two intervals.
          retryMs: Math.min(1000, Math.max(25, Math.floor(config.watch.pollMs / 4))),
          holdsSecret: share.holdsSecret,
          withoutSecrets: share.withoutSecrets,
          logger,
        })
      : undefined;
    const cache = createJobCache({
      store: redis.store,
      ttlSeconds,
      holdsSecret,
      logger,
      close: async () => {
        await pollLeases?.close();
        await redis.close();
      },
      opTimeoutMs,
      ...(redis.leases ? { leases: redis.leases } : {}),
      // A watched job this replica polls for all needs no fetch lease.
      ...(pollLeases ? { leaseFree: (id: string) => pollLeases.holds(id) } : {}),
    });
    return pollLeases ? { ...cache, pollLeases } : cache;
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

/** Largest kept record read back from the store, in bytes. */
const RETAINED_MAX_BYTES = 1024 * 1024;

/**
 * The kept finished jobs (src/cache/retainedJobs.ts): in Redis when JOBGRAPH_CACHE_URL is set (the
 * replicas share them), else in process, at most JOBGRAPH_RETAIN_FINISHED_MAX; none when
 * JOBGRAPH_RETAIN_FINISHED_SECONDS is 0. `accountOf` names the account alias of a global ID.
 */
export async function openRetainedJobs(
  config: Config,
  withoutSecrets: ShareRules['withoutSecrets'],
  accountOf: (globalId: string) => string,
  logger: Logger,
  onRejected?: () => void,
): Promise<RetainedJobs | undefined> {
  const { url, retainSeconds, retainMax, opTimeoutMs } = config.cache;
  if (retainSeconds === 0) return undefined;
  const store = url
    ? (await import('./redisRetained.ts')).redisRetainedStore({
        url,
        opTimeoutMs,
        maxBytes: RETAINED_MAX_BYTES,
      })
    : boundedRetainedStore(retainMax);
  return createRetainedJobs({
    store,
    ttlSeconds: retainSeconds,
    withoutSecrets,
    accountOf,
    logger,
    maxBytes: RETAINED_MAX_BYTES,
    ...(onRejected ? { onRejected } : {}),
  });
}
