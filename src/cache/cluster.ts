import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { ClusterPeers } from './clusterPeers.ts';
import { createSealer, type RejectReason, type SealedKind, type Sealer } from './sealed.ts';
import type { SharedRedis } from './sharedRedis.ts';

/**
 * What a replica sharing Redis with others holds: its one client and subscriber connection to
 * Redis with the one signal of whether Redis is there (every Redis store uses them), the sealer of
 * what it keeps there, and its view of the others.
 */
export interface Cluster {
  redis: SharedRedis;
  sealer: Sealer;
  peers: ClusterPeers;
}

/**
 * With Redis, what seals every value the replicas write there and opens what they read back
 * (JOBGRAPH_CLUSTER_SECRET; each value not believed told to `onReject`, the metric
 * `jobgraph_cache_rejected_total`), and the replicas' presence check, which names the MAC
 * failures a replica with another secret causes. None without Redis (whose client is then never
 * loaded: src/cache/redisConnection.ts says why).
 */
export async function openCluster(
  config: Config,
  logger: Logger,
  onReject: (kind: SealedKind, reason: RejectReason) => void,
): Promise<Cluster | undefined> {
  const secret = config.cache.clusterSecret;
  if (!config.cache.url || !secret) return undefined;
  let macRejections = 0;
  const sealer = createSealer(secret, {
    previous: config.cache.previousClusterSecret,
    logger,
    onReject: (kind, reason) => {
      if (reason === 'mac') macRejections++;
      onReject(kind, reason);
    },
  });
  const { SharedRedis } = await import('./sharedRedis.ts');
  const redis = new SharedRedis({
    url: config.cache.url,
    opTimeoutMs: config.cache.opTimeoutMs,
    // Reconnect within about a third of a poll interval (at most every 1.25 s), so a Redis back
    // is used within two intervals.
    retryMs: Math.min(1000, Math.max(25, Math.floor(config.watch.pollMs / 4))),
    logger,
  });
  const peers = (await import('./clusterPeers.ts')).clusterPeers({
    redis,
    url: config.cache.url,
    opTimeoutMs: config.cache.opTimeoutMs,
    sealer,
    logger,
    macRejections: () => macRejections,
  });
  // The first jobs need not pay for (or time out on) the connection; a Redis that is not there
  // holds the start up for at most the op timeout.
  await redis.settled;
  return { redis, sealer, peers };
}

/** With Redis, the callers' request rates (JOBGRAPH_CALLER_RATE) counted across the replicas (this process's own while Redis is away); their state cannot be sealed (the script reads it): keys named under the cluster secret, a forged time counted. */
export async function openCallerRates(
  config: Config,
  logger: Logger,
  cluster: Cluster | undefined,
) {
  const sealer = cluster?.sealer;
  return cluster && config.cache.url && config.callerRate && config.cache.clusterSecret
    ? (await import('./redisCallerRates.ts')).redisCallerRates({
        redis: cluster.redis,
        url: config.cache.url,
        limit: config.callerRate,
        clusterSecret: config.cache.clusterSecret,
        opTimeoutMs: config.cache.opTimeoutMs,
        retryMs: 1000,
        logger,
        ...(sealer ? { onClamped: () => sealer.reject('caller', 'clamped') } : {}),
      })
    : undefined;
}
