import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { JobRecord } from '../model/job.ts';
import {
  createJobCache,
  inMemoryStore,
  MAX_SHARED_RECORD_BYTES,
  type JobCache,
  type SecretDetector,
} from './jobCache.ts';
import type { Cluster } from './cluster.ts';
import { SEALED_HEADER_LENGTH } from './sealed.ts';

export type { JobCache, SecretDetector } from './jobCache.ts';
/** What the poll leases need to keep secrets out of Redis: the central sensitive-field list, as functions. */
export interface ShareRules {
  /** Whether a record holds a value of a sensitive field. */
  holdsSecret: SecretDetector;
  /** The record with every sensitive field null (null when it cannot be made). */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
}

/**
 * How long a finished job stays cached, s: a finished job does not change, so the bound is only
 * how long its record takes room; a day keeps the jobs a day's dashboards and reports ask for warm.
 * Fixed (was JOBGRAPH_CACHE_TTL_SECONDS).
 */
const FINISHED_JOB_TTL_SECONDS = 86_400;

/**
 * The configured job cache: Redis when JOBGRAPH_CACHE_URL is set, else an in-process LRU; none when
 * max entries is 0. With Redis and `share`, the cache also carries the watched jobs' poll leases
 * (`pollLeases`), so the replicas poll each watched job once between them. With Redis, `cluster`
 * gives the process's shared connections and JOBGRAPH_CLUSTER_SECRET's sealer, which seals every
 * value written and opens every value read back.
 */
export async function openJobCache(
  config: Config,
  holdsSecret: SecretDetector,
  logger: Logger,
  share?: ShareRules,
  cluster?: Cluster,
): Promise<JobCache | undefined> {
  const { url, maxEntries, opTimeoutMs } = config.cache;
  const ttlSeconds = FINISHED_JOB_TTL_SECONDS;
  if (url) {
    if (!cluster)
      throw new Error('a Redis cache needs the cluster sealer (JOBGRAPH_CLUSTER_SECRET)');
    const { sealer } = cluster;
    // Loaded only when configured: the Redis client is most of a megabyte of code.
    const { redisStore } = await import('./redisStore.ts');
    const redis = redisStore(cluster.redis, {
      sealer,
      maxValueBytes: MAX_SHARED_RECORD_BYTES + SEALED_HEADER_LENGTH,
    });
    const pollLeases = share
      ? (await import('./redisPollLeases.ts')).redisPollLeases({
          redis: cluster.redis,
          url,
          opTimeoutMs,
          retryMs: 1000,
          holdsSecret: share.holdsSecret,
          withoutSecrets: share.withoutSecrets,
          logger,
          sealer,
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
      // No pause of its own after a failure: the store fails at once while the one signal says
      // Redis is away, and is used again as soon as it says Redis is back.
      pauseAfterFailureMs: 0,
      sealer,
      leases: redis.leases,
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
