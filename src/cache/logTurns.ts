// The log budget's turns and its sizes are declared here, beside its Redis implementation
// (redisLogBudget.ts), so that the cache imports nothing from the datasources above it; the
// process's own budget is src/datasources/logs/logBudget.ts.

/** One turn asked of the log budget: whose account and region, which caller, and whether it may take the reserve. */
export interface LogTurn {
  /** The account's alias (`default`: the default account). */
  account: string;
  region: string;
  /** Who reads (the token's subject; jobgraph's own readers have names of their own): its share. */
  caller: string;
  /** Notifications' reads: they may take the reserve the callers leave (docs/logs.md#the-log-budget). */
  reserve?: boolean;
}

/**
 * Where the log budget's turns are taken: this process (`LogBudget`, src/datasources/logs/logBudget.ts) or, with Redis, every replica
 * at once (`redisLogBudget`, redisLogBudget.ts), this process's own while Redis is away.
 */
export interface LogTurns {
  /** Take one call of the turn's account and region: 0 when it may go, else the ms until it may. */
  take(turn: LogTurn): number | Promise<number>;
}

/** The sizes of the log budget of `perSecond` calls a second and `burst` at once (both budgets use these). */
export interface LogBudgetShape {
  perSecond: number;
  /** Calls the callers may make at once after a quiet while (at least 1). */
  burst: number;
  /** Calls kept above `burst` that only notifications' reads take: a fifth of it, at least 1. */
  reserve: number;
  /** One caller's share: calls a second (half the budget's) … */
  callerPerSecond: number;
  /** … and at once (half the burst, at least 1). */
  callerBurst: number;
}

/** The shape of the log budget of `perSecond` calls a second, `burst` at once. */
export function logBudgetShape(perSecond: number, burst: number): LogBudgetShape {
  const b = Math.max(1, Math.floor(burst));
  return {
    perSecond,
    burst: b,
    reserve: Math.ceil(b / 5),
    callerPerSecond: perSecond / 2,
    callerBurst: Math.ceil(b / 2),
  };
}
