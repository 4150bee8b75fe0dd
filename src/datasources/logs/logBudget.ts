/**
 * Where the log budget's turns are taken: this process (`LogBudget`) or, with Redis, every replica
 * at once (`redisLogBudget`, src/cache/redisLogBudget.ts), this process's own while Redis is away.
 */
export interface LogTurns {
  /** Take one call of `account`'s budget in `region`: 0 when it may go, else the ms until it may. */
  take(account: string, region: string): number | Promise<number>;
}

/**
 * The log budget: GetLogEvents calls per account and region, as a token bucket (`perSecond`
 * tokens a second, at most `burst` kept). CloudWatch Logs' read quotas are small, per account and
 * region, and cannot be raised; the people and tools of the account share them with jobgraph, so
 * jobgraph keeps below them and refuses (UPSTREAM_THROTTLED, with when to try again) rather than
 * queueing a caller behind a quota. Kept in this process: without Redis, or while it is away.
 */
export class LogBudget implements LogTurns {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  /** Per account and region: tokens left and when they were counted. */
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: { perSecond: number; burst: number; now?: () => number }) {
    this.#perSecond = options.perSecond;
    this.#burst = Math.max(1, options.burst);
    this.#now = options.now ?? Date.now;
  }

  /** Take one call of `account`'s budget in `region`: 0 when it may go, else the ms until it may. */
  take(account: string, region: string): number {
    const key = `${account}\u0000${region}`;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    const tokens = Math.min(
      this.#burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond,
    );
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return Math.ceil(((1 - tokens) / this.#perSecond) * 1000);
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }
}
