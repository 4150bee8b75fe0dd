import type { Logger } from 'pino';
import { emissionMs, localCallerRates, type CallerRates, type RateLimit } from './callerRates.ts';
import { callerRateKeys } from './callerRateKey.ts';
import { GCRA_STEP_SCRIPT } from './redisCall.ts';
import { redisLane } from './redisLane.ts';
import type { SharedRedis } from './sharedRedis.ts';

export { CALLER_RATE_KEY_PREFIX } from './callerRateKey.ts';

export interface RedisCallerRatesOptions {
  /** The process's shared connections; absent: a connection of its own to `url`, closed with it. */
  redis?: SharedRedis;
  url: string;
  limit: RateLimit;
  /** JOBGRAPH_CLUSTER_SECRET: each caller's key is named by an HMAC under it (callerRateKey.ts). */
  clusterSecret: string;
  /** Longest a Redis call may take before Redis counts as down, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Longest wait between two checks (a PING) while Redis is away, in ms. */
  retryMs: number;
  logger: Logger;
  /** Where requests are counted while Redis is away (default: this process's own rates of the same limit). */
  fallback?: CallerRates;
  /** Told each time the counting moves to Redis (true) or to the fallback (false). */
  onChange?(shared: boolean): void;
  /** Told of each value read back that jobgraph cannot have written (taken as absent). */
  onClamped?(): void;
}

/**
 * The callers' request rates in Redis, shared by every replica; this process's own while Redis is
 * away (one `warn` line; N replicas may then let a caller make N times the rate). Resolves once
 * Redis first answered or failed (at most the op timeout), so the first requests are counted
 * where the later ones are.
 */
export async function redisCallerRates(options: RedisCallerRatesOptions): Promise<CallerRates> {
  const { limit } = options;
  const fallback = options.fallback ?? localCallerRates(limit);
  const lane = redisLane({
    ...options,
    say: {
      down: 'caller rate: Redis is unavailable; each replica counts JOBGRAPH_CALLER_RATE on its own until it is back (N replicas may let a caller make up to N times the rate)',
      back: 'caller rate: Redis is back; the replicas count JOBGRAPH_CALLER_RATE together again',
    },
  });
  await lane.settled;
  const interval = emissionMs(limit);
  const redisKeyOf = callerRateKeys(options.clusterSecret);
  const args = (spend: boolean) => [
    String(Math.max(1, Math.round(interval * 1000))),
    String(Math.max(1, Math.round(interval * limit.burst * 1000))),
    spend ? '1' : '0',
  ];
  const step = (key: string, spend: boolean) =>
    lane.run(
      async (client) => {
        const waitUs = await client.eval(GCRA_STEP_SCRIPT, {
          keys: [redisKeyOf(key)],
          arguments: args(spend),
        });
        if (Number(waitUs) === -1) options.onClamped?.();
        // What comes back from Redis is clamped to what the script can answer: one interval at most.
        const waitMs = Number(waitUs) / 1000;
        return Number.isFinite(waitMs) && waitMs > 0 ? Math.min(waitMs, interval) : 0;
      },
      () => (spend ? fallback.take(key) : fallback.peek(key)),
    );
  return {
    take: (key) => step(key, true),
    peek: (key) => step(key, false),
    close: async () => {
      await lane.close();
      await fallback.close();
    },
  };
}
