// The per-caller request rate's store (src/http/callerRate.ts asks it), declared here beside its
// Redis implementation (redisCallerRates.ts), so that the HTTP edge and the stores stay apart.

/** A request rate: `count` requests per `periodMs`, up to `burst` of them at once. */
export interface RateLimit {
  count: number;
  periodMs: number;
  burst: number;
}

/**
 * Where callers' requests are counted: per process (`localCallerRates`) or for every replica at
 * once (`redisCallerRates`). One key per caller.
 */
export interface CallerRates {
  /**
   * Spend one request of `key`: 0 when it may go (and is counted), else the ms until one may (nothing
   * is counted then). Never more than the limit's emission interval (`periodMs / count`).
   */
  take(key: string): number | Promise<number>;
  /** The ms until `key` may make a request (0: now), spending nothing. */
  peek(key: string): number | Promise<number>;
  close(): Promise<void>;
}

/** The longest wait a limit answers: one emission interval, `periodMs / count`, in ms. */
export const emissionMs = (limit: RateLimit): number => limit.periodMs / limit.count;

/**
 * One GCRA step (Generic Cell Rate Algorithm, as in ATM's and redis-cell's rate limiters): `tat`
 * is the theoretical arrival time the key holds (absent: none), in the same unit as `now`. A
 * request may go when, counted, the time it adds stays within the burst window (`burst`
 * intervals ahead of now). A stored time further ahead than that is not one this code wrote (it
 * never writes past the window): it is taken as absent. Answers the wait (0: go) and the new time
 * to store when it goes.
 */
export function gcra(
  tat: number | undefined,
  now: number,
  interval: number,
  burst: number,
): { wait: number; next: number } {
  const window = burst * interval;
  const from = tat === undefined || !(tat >= now && tat <= now + window) ? now : tat;
  const next = from + interval;
  const over = next - now - window;
  return over > 0 ? { wait: over, next: from } : { wait: 0, next };
}

/** How many callers' times a process keeps at most; past it the oldest is forgotten (its budget starts afresh). */
export const LOCAL_CALLERS_MAX = 100_000;

/**
 * This process's own caller rates, on `now` (ms; default the monotonic clock). A key whose time
 * has passed holds nothing a new one would not, so the oldest written are forgotten first.
 */
export function localCallerRates(
  limit: RateLimit,
  now: () => number = () => performance.now(),
  maxCallers = LOCAL_CALLERS_MAX,
): CallerRates {
  const interval = emissionMs(limit);
  const times = new Map<string, number>();
  const step = (key: string) => gcra(times.get(key), now(), interval, limit.burst);
  return {
    take(key) {
      const { wait, next } = step(key);
      if (wait > 0) return wait;
      // Written last, so the map's order is the order of last use.
      times.delete(key);
      times.set(key, next);
      if (times.size > maxCallers) times.delete(times.keys().next().value as string);
      return 0;
    },
    peek: (key) => step(key).wait,
    close: () => Promise.resolve(),
  };
}
