import type { Logger } from 'pino';
import { emissionMs, localCallerRates, type CallerRates, type RateLimit } from './callerRates.ts';
import { redisLane } from './redisLane.ts';

/** One key per caller: `jobgraph:caller-rate:v1:<caller key>` = its theoretical arrival time, µs on Redis's clock. */
export const CALLER_RATE_KEY_PREFIX = 'jobgraph:caller-rate:v1:';

/**
 * The GCRA step of callerRates.ts `gcra`, on Redis's clock (`TIME`, so the replicas' clocks do not
 * matter), in µs: ARGV[1] the emission interval, ARGV[2] the burst window, ARGV[3] `1` to spend.
 * Redis is not trusted: a value that is not a number, of another type, or further ahead than
 * this script ever writes (now + the window) is taken as absent and overwritten. Answers 0 (go),
 * -1 (go, and the value found was not one jobgraph wrote), or the µs until a request may go.
 */
const STEP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local stored = redis.pcall('GET', KEYS[1])
local tat = type(stored) == 'string' and tonumber(stored) or nil
local forged = (stored ~= false and tat == nil)
  or (tat ~= nil and (tat ~= tat or tat > now + window))
if forged or not tat or tat < now then tat = now end
local nxt = tat + interval
if nxt - now > window then return nxt - now - window end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
end
if forged then return -1 end
return 0`;

export interface RedisCallerRatesOptions {
  url: string;
  limit: RateLimit;
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
  const args = (spend: boolean) => [
    String(Math.max(1, Math.round(interval * 1000))),
    String(Math.max(1, Math.round(interval * limit.burst * 1000))),
    spend ? '1' : '0',
  ];
  const step = (key: string, spend: boolean) =>
    lane.run(
      async (client) => {
        const waitUs = await client.eval(STEP_SCRIPT, {
          keys: [CALLER_RATE_KEY_PREFIX + key],
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
