/**
 * When a delivery is tried again: the Standard Webhooks specification's example schedule —
 * immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure
 * (about 75 h in all) — each wait stretched by up to 10 % of jitter, and never sooner than a
 * `Retry-After` the target asked for. After the last attempt fails, the target is disabled.
 */

/** The waits before attempts 2…10, ms (attempt 1 is immediate). */
export const RETRY_WAITS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

/** Attempts a delivery gets at most (the first and one per wait). */
export const MAX_ATTEMPTS = RETRY_WAITS_MS.length + 1;

/**
 * The wait before the next attempt after `attempts` failed ones, ms, or null when the schedule is
 * spent. `random` in [0, 1) (injected by tests); `retryAfterMs` the target's own ask, if any.
 */
export function nextWaitMs(
  attempts: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const base = RETRY_WAITS_MS[attempts - 1];
  if (base === undefined) return null;
  const wait = Math.round(base * (1 + 0.1 * random()));
  return Math.max(wait, retryAfterMs ?? 0);
}
