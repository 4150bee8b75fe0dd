// The per-caller request rate's store (src/http/callerRate.ts asks it), declared here beside its
// Redis implementation (redisCallerRates.ts), so that the HTTP edge and the stores stay apart.

import { localGcra } from './gcra.ts';

export { gcra } from './gcra.ts';

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

/** How many callers' times a process keeps at most; past it the oldest is forgotten (its budget starts afresh). */
const LOCAL_CALLERS_MAX = 100_000;

/**
 * This process's own caller rates, on `now` (ms; default the monotonic clock): GCRA times kept
 * by `localGcra`, at most `maxCallers` (the least recently counted forgotten first).
 */
export function localCallerRates(
  limit: RateLimit,
  now: () => number = () => performance.now(),
  maxCallers = LOCAL_CALLERS_MAX,
): CallerRates {
  const interval = emissionMs(limit);
  const times = localGcra(now, maxCallers);
  return {
    take: (key) => times.step(key, interval, limit.burst, true),
    peek: (key) => times.step(key, interval, limit.burst, false),
    close: () => Promise.resolve(),
  };
}
