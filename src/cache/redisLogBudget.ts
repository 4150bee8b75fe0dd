import type { Logger } from 'pino';
import { GCRA_STEP_SCRIPT } from './redisCall.ts';
import { redisLane } from './redisLane.ts';
import type { SharedRedis } from './sharedRedis.ts';

/**
 * One key per account and region: `jobgraph:log-budget:v1:<account alias>:<region>` = the time the
 * budget is next free. Aliases and regions are checked at start (a-z, 0-9, `-`): no secret, no `:`.
 */
export const LOG_BUDGET_KEY_PREFIX = 'jobgraph:log-budget:v1:';

/** The log budget's turns of one process (src/datasources/logs/logBudget.ts `LogBudget`). */
export interface LocalLogTurns {
  take(account: string, region: string): number;
}

export interface RedisLogBudgetOptions {
  /** The process's shared connections; absent: a connection of its own to `url`, closed with it. */
  redis?: SharedRedis;
  url: string;
  /** GetLogEvents calls a second per account and region (JOBGRAPH_LOG_READS_PER_SECOND). */
  perSecond: number;
  /** Calls that may go at once after a quiet while (at least 1). */
  burst: number;
  /** Longest a Redis call may take before the budget counts Redis as down, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Longest wait between two checks (a PING) while Redis is away, in ms. */
  retryMs: number;
  /** Where turns are taken while Redis is away: this process's own budget of the same rate. */
  fallback: LocalLogTurns;
  logger: Logger;
  /** Told each time the turns move to Redis (true) or to `fallback` (false). */
  onChange?(shared: boolean): void;
  /** Told of each state read back that jobgraph cannot have written (the metric). */
  onClamped?(): void;
}

/**
 * The log budget's turns in Redis, shared by every replica (docs/logs.md#the-log-budget): the
 * quota of GetLogEvents is the account's in a region, whatever the number of replicas reading it.
 * Over a lane of the shared connection (redisLane.ts): each take is bounded by the op timeout; the
 * first failure turns the budget to `fallback` (N replicas may then make N times the rate) with
 * one warn line, and it is shared again once Redis answers (one info line).
 *
 * GCRA_STEP_SCRIPT on Redis's clock (`TIME`: the replicas' clocks do not matter) with a burst
 * window of `burst` intervals: the same turns as the process's token bucket of `burst` tokens
 * refilled at `perSecond`. Redis is not trusted: a state further ahead than jobgraph ever writes
 * (now + the window), or not a number, is overwritten and counted (`onClamped`); a wait read back
 * is never longer than one interval.
 */
export function redisLogBudget(options: RedisLogBudgetOptions): {
  take(account: string, region: string): Promise<number>;
  close(): Promise<void>;
} {
  const { fallback } = options;
  const lane = redisLane({
    ...options,
    say: {
      down: 'log budget: Redis is unavailable; each replica keeps JOBGRAPH_LOG_READS_PER_SECOND on its own until it is back (N replicas may make up to N times the reads)',
      back: 'log budget: Redis is back; the replicas share JOBGRAPH_LOG_READS_PER_SECOND again',
    },
  });
  const intervalMs = 1000 / options.perSecond;
  const intervalUs = Math.max(1, Math.round(intervalMs * 1000));
  const windowUs = intervalUs * Math.max(1, Math.floor(options.burst));
  return {
    take: (account, region) =>
      lane.run(
        async (client) => {
          const waitUs = Number(
            await client.eval(GCRA_STEP_SCRIPT, {
              keys: [`${LOG_BUDGET_KEY_PREFIX}${account}:${region}`],
              arguments: [String(intervalUs), String(windowUs), '1'],
            }),
          );
          if (waitUs === -1) options.onClamped?.();
          // Whole ms, as the local budget answers; never longer than one interval, whatever came back.
          return Number.isFinite(waitUs) && waitUs > 0
            ? Math.ceil(Math.min(waitUs / 1000, intervalMs))
            : 0;
        },
        () => fallback.take(account, region),
      ),
    close: () => lane.close(),
  };
}
