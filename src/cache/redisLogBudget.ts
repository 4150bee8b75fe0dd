import { createHmac, createSecretKey, hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import { logBudgetShape, type LogTurn } from './logTurns.ts';
import { redisLane, sharedBudgetSay } from './redisLane.ts';
import type { SharedRedis } from './sharedRedis.ts';

/**
 * One key per account and region: `jobgraph:log-budget:v1:<account alias>:<region>` = the time the
 * budget is next free; and one per caller of it, `…:<account alias>:<region>:<keyed digest of the
 * caller>`. Aliases and regions are checked at start (a-z, 0-9, `-`): no secret, no `:`.
 */
export const LOG_BUDGET_KEY_PREFIX = 'jobgraph:log-budget:v1:';

/** The log budget's turns of one process (src/datasources/logs/logBudget.ts `LogBudget`). */
export interface LocalLogTurns {
  take(turn: LogTurn): number;
}

export interface RedisLogBudgetOptions {
  /** The process's shared connections; absent: a connection of its own to `url`, closed with it. */
  redis?: SharedRedis;
  url: string;
  /** GetLogEvents calls a second per account and region (JOBGRAPH_LOG_READS_PER_SECOND). */
  perSecond: number;
  /** Calls that may go at once after a quiet while (at least 1). */
  burst: number;
  /** JOBGRAPH_CLUSTER_SECRET: the callers' keys are named by a digest under a key derived from it. */
  clusterSecret: string;
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
 * GCRA over two keys at once, on Redis's clock: KEYS[1] the account's (ARGV[1] its interval,
 * ARGV[2] its whole window, ARGV[3] the window this turn may use: without the reserve for a
 * caller), KEYS[2] the caller's (ARGV[4] its interval, ARGV[5] its window), all in µs. Both step
 * or neither: the wait is the longer of the two. A state further ahead than its whole window, or
 * not a number, is read as none (and -1 answered when the turn goes, so it is counted).
 */
export const LOG_TURN_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local forged = false
local function step(key, interval, full, window)
  local stored = redis.pcall('GET', key)
  local tat = type(stored) == 'string' and tonumber(stored) or nil
  if (stored ~= false and tat == nil) or (tat ~= nil and (tat ~= tat or tat > now + full)) then
    forged = true
    tat = nil
  end
  if not tat or tat < now then tat = now end
  local nxt = tat + interval
  return nxt, math.max(0, nxt - now - window)
end
local a, waitA = step(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
local c, waitC = step(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[5]))
local wait = math.max(waitA, waitC)
if wait > 0 then return wait end
redis.call('SET', KEYS[1], string.format('%.0f', a), 'PX', math.ceil((a - now) / 1000) + 1000)
redis.call('SET', KEYS[2], string.format('%.0f', c), 'PX', math.ceil((c - now) / 1000) + 1000)
if forged then return -1 end
return 0`;

/**
 * The name of each caller's key: an HMAC-SHA256 of the caller under a key derived (HKDF) from
 * JOBGRAPH_CLUSTER_SECRET, as the caller rate's (callerRateKey.ts says why: with a plain digest
 * whoever may write to Redis could compute a caller's key and hold it ahead).
 */
function callerDigests(clusterSecret: string): (caller: string) => string {
  const key = createSecretKey(
    Buffer.from(
      hkdfSync('sha256', clusterSecret, 'jobgraph cluster', 'jobgraph:log-caller:v1', 32),
    ),
  );
  return (caller) => createHmac('sha256', key).update(caller).digest('base64url');
}

/**
 * The log budget's turns in Redis, shared by every replica (docs/logs.md#the-log-budget): the
 * quota of GetLogEvents is the account's in a region, whatever the number of replicas reading it.
 * Over a lane of the shared connection (redisLane.ts): each take is bounded by the op timeout; the
 * first failure turns the budget to `fallback` (N replicas may then make N times the rate) with
 * one warn line, and it is shared again once Redis answers (one info line).
 *
 * LOG_TURN_SCRIPT on Redis's clock (`TIME`: the replicas' clocks do not matter): the same turns as
 * the process's `LogBudget` (logBudgetShape: the account's bucket of `burst` and the
 * notifications' reserve above it, each caller's share of half). Redis is not trusted: a state
 * further ahead than jobgraph ever writes, or not a number, is overwritten and counted
 * (`onClamped`); a wait read back is never longer than the longest jobgraph can answer.
 */
export function redisLogBudget(options: RedisLogBudgetOptions): {
  take(turn: LogTurn): Promise<number>;
  close(): Promise<void>;
} {
  const { fallback } = options;
  const lane = redisLane({
    ...options,
    say: sharedBudgetSay('log budget', 'JOBGRAPH_LOG_READS_PER_SECOND', 'reads'),
  });
  const shape = logBudgetShape(options.perSecond, options.burst);
  const us = (n: number) => String(Math.max(1, Math.round(n)));
  const intervalUs = 1_000_000 / shape.perSecond;
  const callerIntervalUs = 1_000_000 / shape.callerPerSecond;
  const args = (reserve: boolean) => [
    us(intervalUs),
    us(intervalUs * (shape.burst + shape.reserve)),
    us(intervalUs * (reserve ? shape.burst + shape.reserve : shape.burst)),
    us(callerIntervalUs),
    us(callerIntervalUs * shape.callerBurst),
  ];
  // The longest wait a turn can have: the reserve and one more of the account's, or one of the caller's.
  const maxWaitMs = Math.max((intervalUs * (shape.reserve + 1)) / 1000, callerIntervalUs / 1000);
  const digest = callerDigests(options.clusterSecret);
  return {
    take: (turn) =>
      lane.run(
        async (client) => {
          const account = `${LOG_BUDGET_KEY_PREFIX}${turn.account}:${turn.region}`;
          const waitUs = Number(
            await client.eval(LOG_TURN_SCRIPT, {
              keys: [account, `${account}:${digest(turn.caller)}`],
              arguments: args(turn.reserve === true),
            }),
          );
          if (waitUs === -1) options.onClamped?.();
          // Whole ms, as the local budget answers; never longer than jobgraph can ask, whatever came back.
          return Number.isFinite(waitUs) && waitUs > 0
            ? Math.ceil(Math.min(waitUs / 1000, maxWaitMs))
            : 0;
        },
        () => fallback.take(turn),
      ),
    close: () => lane.close(),
  };
}
