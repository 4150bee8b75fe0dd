import type { Logger } from 'pino';
import type { Cluster } from '../cache/cluster.ts';
import { openJobCache, type JobCache, type ShareRules } from '../cache/index.ts';
import type { Config } from '../config/index.ts';
import { localRateBucket } from '../datasources/guard/rateBudget.ts';
import { createListSnapshots } from '../datasources/listing/index.ts';
import { LogBudget } from '../datasources/logs/logBudget.ts';

// The stores the replicas share through Redis (JOBGRAPH_CACHE_URL), each this process's own
// without it: finished jobs, the rate budget, the log budget, SSE reservations, list snapshots.

/** The cache of finished jobs: never a record holding a secret, nor one of `uncached`. */
export function openCache(
  config: Config,
  share: ShareRules,
  logger: Logger,
  uncached: ReadonlySet<string> | undefined,
  cluster: Cluster | undefined,
): Promise<JobCache | undefined> {
  const { holdsSecret } = share;
  return openJobCache(
    config,
    uncached ? (record) => uncached.has(record.id) || holdsSecret(record) : holdsSecret,
    logger,
    // What replicas may share of a watched job's polls: the record without its secrets.
    share,
    cluster,
  );
}

/** JOBGRAPH_UPSTREAM_RATE_LIMITS with Redis: the replicas share one rate budget (this process's own while Redis is away). */
export async function openRateBucket(config: Config, logger: Logger, cluster: Cluster | undefined) {
  const sealer = cluster?.sealer;
  return cluster && config.cache.url && Object.keys(config.resilience.upstreamRateLimits).length > 0
    ? (await import('../cache/redisRateBucket.ts')).redisRateBucket({
        redis: cluster.redis,
        url: config.cache.url,
        opTimeoutMs: config.cache.opTimeoutMs,
        retryMs: 1000,
        fallback: localRateBucket(),
        logger,
        ...(sealer ? { onClamped: () => sealer.reject('rate', 'clamped') } : {}),
      })
    : undefined;
}

/**
 * JOBGRAPH_LOG_READS_PER_SECOND with Redis: the replicas share one log budget per account and
 * region (this process's own, on `now`'s clock, while Redis is away); undefined without Redis.
 */
export async function openLogBudget(
  config: Config,
  logger: Logger,
  cluster: Cluster | undefined,
  now: (() => number) | undefined,
) {
  const clusterSecret = config.cache.clusterSecret;
  if (!cluster || !config.cache.url || !clusterSecret) return undefined;
  const perSecond = config.resilience.logReadsPerSecond;
  const { sealer } = cluster;
  return (await import('../cache/redisLogBudget.ts')).redisLogBudget({
    redis: cluster.redis,
    url: config.cache.url,
    perSecond,
    burst: perSecond,
    clusterSecret,
    opTimeoutMs: config.cache.opTimeoutMs,
    retryMs: 1000,
    fallback: new LogBudget({ perSecond, burst: perSecond, ...(now ? { now } : {}) }),
    logger,
    onClamped: () => sealer.reject('logs', 'clamped'),
  });
}

/** With Redis, graphql-sse single connection reservations any replica serves (the proxy needs no affinity). */
export async function openSharedReservations(
  config: Config,
  logger: Logger,
  cluster: Cluster | undefined,
) {
  return config.cache.url && cluster
    ? (await import('../cache/redisSseReservations.ts')).redisSseReservations({
        redis: cluster.redis,
        url: config.cache.url,
        opTimeoutMs: config.cache.opTimeoutMs,
        retryMs: 1000,
        logger,
        sealer: cluster.sealer,
      })
    : undefined;
}

/**
 * listJobs' snapshots of the sources it reads whole, shared with list-assisted watching and,
 * through Redis (`sharedSnapshots`, closed with the gateway), with the other replicas; dated by
 * `listClock` (default the real clock).
 */
export async function openListSnapshots(
  config: Config,
  listClock: (() => number) | undefined,
  logger: Logger,
  cluster: Cluster | undefined,
) {
  const sharedSnapshots =
    config.cache.url && cluster
      ? (await import('../cache/redisListSnapshots.ts')).redisListSnapshots({
          redis: cluster.redis,
          url: config.cache.url,
          opTimeoutMs: config.cache.opTimeoutMs,
          logger,
          sealer: cluster.sealer,
        })
      : undefined;
  const listSnapshots = createListSnapshots(config, {
    ...(sharedSnapshots ? { shared: sharedSnapshots } : {}),
    ...(listClock ? { now: listClock } : {}),
    onSlowRead: (fields) =>
      logger.warn(
        fields,
        'listJobs: a source was not read whole within JOBGRAPH_UPSTREAM_BUDGET_MS; it is reported FAILED (UPSTREAM_UNAVAILABLE) until the provider answers faster',
      ),
  });
  return { listSnapshots, sharedSnapshots };
}
