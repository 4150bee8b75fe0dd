// The one rate algorithm of the process (issue 105): the callers' request rates (callerRates.ts,
// with a burst) and the upstream rate budget's turns (guard/rateBudget.ts `localRateBucket`, no
// burst) both count here, and their Redis stores run the same step (redisCall.ts GCRA_STEP_SCRIPT).
import { LRUCache } from 'lru-cache';

/**
 * One GCRA step (Generic Cell Rate Algorithm, as in ATM's and redis-cell's rate limiters): `tat`
 * is the theoretical arrival time the key holds (absent: none), in the same unit as `now`. A
 * request may go when, counted, the time it adds stays within the burst window (`burst`
 * intervals ahead of now). A stored time further ahead than that is not one this code wrote (it
 * never writes past the window): it is taken as absent. Answers the wait (0: go) and the new time
 * to store when it goes. With a `burst` of 1 it is one call every `interval`, no credit kept from
 * an idle spell.
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

/** GCRA times kept in one process (`localGcra`). */
export interface LocalGcra {
  /**
   * One step of `key` (`interval` and `burst` as `gcra`'s): the wait (0: it may go, and with
   * `spend` it is counted), nothing counted when it must wait.
   */
  step(key: string, interval: number, burst: number, spend: boolean): number;
}

/**
 * This process's GCRA times, on `now`: one number a key, at most `maxKeys` of them (lru-cache;
 * the least recently counted forgotten first: its budget starts afresh, as a key whose time has
 * passed holds nothing a new one would not). A step that only looks, or that must wait, does not
 * make its key more recent.
 */
export function localGcra(now: () => number, maxKeys: number): LocalGcra {
  const times = new LRUCache<string, number>({ max: maxKeys });
  return {
    step(key, interval, burst, spend) {
      const { wait, next } = gcra(times.peek(key), now(), interval, burst);
      if (wait === 0 && spend) times.set(key, next);
      return wait;
    },
  };
}
