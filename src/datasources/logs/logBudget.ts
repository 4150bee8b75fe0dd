import {
  logBudgetShape,
  type LogBudgetShape,
  type LogTurn,
  type LogTurns,
} from '../../cache/logTurns.ts';

export type { LogTurn, LogTurns } from '../../cache/logTurns.ts';

/** Caller buckets kept before the full ones (as good as absent) are dropped. */
const SWEEP_AT = 4096;

type Bucket = { tokens: number; at: number };

/**
 * The log budget: GetLogEvents calls per account and region, as a token bucket (`perSecond`
 * tokens a second). CloudWatch Logs' read quotas are small, per account and region, and cannot be
 * raised; the people and tools of the account share them with jobgraph, so jobgraph keeps below
 * them and refuses (UPSTREAM_THROTTLED, with when to try again) rather than queueing a caller
 * behind a quota. Kept in this process: without Redis, or while it is away.
 *
 * Shared fairly (issue 100): each caller also has a bucket of its own of half the rate and half
 * the burst, so one caller cannot take the account's whole budget from the others; and the
 * account's bucket holds `reserve` tokens above `burst` that callers leave and notifications'
 * reads (`reserve: true`) may take, so a failed job's notification still gets its lines while
 * callers spend the rest. A call takes a token of both buckets or of neither.
 */
export class LogBudget implements LogTurns {
  readonly #shape: LogBudgetShape;
  readonly #now: () => number;
  /** Per account and region: tokens left and when they were counted. */
  readonly #accounts = new Map<string, Bucket>();
  /** Per account, region and caller. */
  readonly #callers = new Map<string, Bucket>();

  constructor(options: { perSecond: number; burst: number; now?: () => number }) {
    this.#shape = logBudgetShape(options.perSecond, options.burst);
    this.#now = options.now ?? Date.now;
  }

  /** Take one call of the turn's account and region: 0 when it may go, else the ms until it may. */
  take(turn: LogTurn): number {
    const { perSecond, burst, reserve, callerPerSecond, callerBurst } = this.#shape;
    const now = this.#now();
    const accountKey = JSON.stringify([turn.account, turn.region]);
    const callerKey = JSON.stringify([turn.account, turn.region, turn.caller]);
    const account = level(this.#accounts.get(accountKey), now, perSecond, burst + reserve);
    const own = level(this.#callers.get(callerKey), now, callerPerSecond, callerBurst);
    const need = turn.reserve === true ? 1 : 1 + reserve;
    const waitMs = Math.max(
      account < need ? ((need - account) / perSecond) * 1000 : 0,
      own < 1 ? ((1 - own) / callerPerSecond) * 1000 : 0,
    );
    const taken = waitMs > 0 ? 0 : 1;
    this.#accounts.set(accountKey, { tokens: account - taken, at: now });
    if (this.#callers.size >= SWEEP_AT) this.#sweep(now);
    this.#callers.set(callerKey, { tokens: own - taken, at: now });
    return Math.ceil(waitMs);
  }

  /** Drop the caller buckets full again (a full bucket and none are the same). */
  #sweep(now: number): void {
    const { callerPerSecond, callerBurst } = this.#shape;
    for (const [key, bucket] of this.#callers)
      if (level(bucket, now, callerPerSecond, callerBurst) >= callerBurst)
        this.#callers.delete(key);
  }
}

/** The tokens of `bucket` (none yet: full) at `now`, refilled at `perSecond` up to `capacity`. */
function level(bucket: Bucket | undefined, now: number, perSecond: number, capacity: number) {
  if (!bucket) return capacity;
  return Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
}
