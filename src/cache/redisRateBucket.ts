import type { Logger } from 'pino';
import type { RateBucket } from './rateBucket.ts';
import { GCRA_STEP_SCRIPT } from './redisCall.ts';
import { redisLane, sharedBudgetSay } from './redisLane.ts';
import type { SharedRedis } from './sharedRedis.ts';

/** One key per provider and region: `jobgraph:rate:v2:<JobProvider>:<region>` = the next call's time. */
export const RATE_KEY_PREFIX = 'jobgraph:rate:v2:';

export interface RedisRateBucketOptions {
  /** The process's shared connections; absent: a connection of its own to `url`, closed with it. */
  redis?: SharedRedis;
  url: string;
  /** Longest a Redis call may take before the bucket counts Redis as down, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Longest wait between two checks (a PING) while Redis is away, in ms. */
  retryMs: number;
  /** Where turns are counted while Redis is away: this process's own bucket of the same rates. */
  fallback: RateBucket;
  logger: Logger;
  /** Told each time the turns move to Redis (true) or to `fallback` (false). */
  onChange?(shared: boolean): void;
  /** Told of each state read back that jobgraph cannot have written (the metric; see redisRateBucket). */
  onClamped?(): void;
}

/**
 * The rate budget's turns in Redis, shared by every replica, over a connection of its own
 * (redisLane.ts): each take is bounded by the op timeout; the first failure turns the bucket to
 * `fallback` (this process's own bucket of the same rates: N replicas may then make N times the
 * rate) with one warn line, and a check every `retryMs` turns it back once Redis answers a PING
 * (one info line).
 *
 * GCRA with no burst (GCRA_STEP_SCRIPT with a window of one interval), on Redis's clock (`TIME`, so
 * the replicas' clocks do not matter): the key holds the theoretical arrival time of the next call,
 * in µs. A call may go when that time has come; it then sets the next one an interval from now,
 * with a TTL just past it, so an idle key goes away. Answers 0 (go), or the µs until the next call
 * may go.
 *
 * The state cannot be sealed (the script must read it, and Redis never holds the cluster secret),
 * so it is clamped instead: a time further ahead than now + the interval (more than jobgraph ever
 * writes), or a value that is not a number or not a string, is taken as no state — overwritten,
 * the call goes — and answered -1, which the replica counts. One write to the key can thus not
 * hold a provider's calls up longer than one interval.
 */
export function redisRateBucket(
  options: RedisRateBucketOptions,
): RateBucket & { close(): Promise<void> } {
  const { fallback } = options;
  const lane = redisLane({
    ...options,
    say: sharedBudgetSay('rate budget', 'JOBGRAPH_UPSTREAM_RATE_LIMITS', 'rate'),
  });
  return {
    take: (key, intervalMs) =>
      lane.run(
        async (client) => {
          const intervalUs = String(Math.max(1, Math.round(intervalMs * 1000)));
          const waitUs = Number(
            await client.eval(GCRA_STEP_SCRIPT, {
              keys: [RATE_KEY_PREFIX + key],
              // No burst: the window is one interval; the turn is spent when it is free.
              arguments: [intervalUs, intervalUs, '1'],
            }),
          );
          if (waitUs === -1) options.onClamped?.();
          // Never a wait longer than the budget's own period, whatever came back.
          return Number.isFinite(waitUs) && waitUs > 0 ? Math.min(waitUs / 1000, intervalMs) : 0;
        },
        () => fallback.take(key, intervalMs),
      ),
    close: () => lane.close(),
  };
}
