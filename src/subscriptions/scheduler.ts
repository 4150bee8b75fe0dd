import { MAX_TIMER_MS } from '../cache/redisCall.ts';

/**
 * Time as the subscriptions see it: the read schedules' waits, and when a token expires. Injected
 * so tests drive it by hand instead of waiting on the clock.
 */
export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers never keep the process alive on their own (the server does). */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  // Never past Node's maximum (beyond it a timer fires at once, with a warning: a spin).
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms))).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
