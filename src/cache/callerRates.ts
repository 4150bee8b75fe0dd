// The per-caller request rate's store (src/http/callerRate.ts asks it), declared here beside its
// Redis implementation (redisCallerRates.ts), so that the HTTP edge and the stores stay apart.

import { RecencyList, type Linked } from './recencyList.ts';

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
const LOCAL_CALLERS_MAX = 100_000;

/** A caller's theoretical arrival time, linked in the order of its last counted request. */
interface CallerTime extends Linked<CallerTime> {
  readonly key: string;
  tat: number;
}

/**
 * This process's own caller rates, on `now` (ms; default the monotonic clock). A key whose time
 * has passed holds nothing a new one would not, so the least recently counted are forgotten
 * first. That order is a RecencyList, not the Map's insertion order: past the bound every new
 * caller forgets one (as when many addresses take turns), and taking a Map's first key walks
 * every entry deleted before it.
 */
export function localCallerRates(
  limit: RateLimit,
  now: () => number = () => performance.now(),
  maxCallers = LOCAL_CALLERS_MAX,
): CallerRates {
  const interval = emissionMs(limit);
  const times = new Map<string, CallerTime>();
  const order = new RecencyList<CallerTime>();
  const step = (key: string) => gcra(times.get(key)?.tat, now(), interval, limit.burst);
  return {
    take(key) {
      const { wait, next } = step(key);
      if (wait > 0) return wait;
      const known = times.get(key);
      if (known) {
        known.tat = next;
        order.touch(known);
        return 0;
      }
      const added: CallerTime = { key, tat: next, older: undefined, newer: undefined };
      times.set(key, added);
      order.append(added);
      if (times.size > maxCallers) times.delete(order.shift()!.key);
      return 0;
    },
    peek: (key) => step(key).wait,
    close: () => Promise.resolve(),
  };
}
