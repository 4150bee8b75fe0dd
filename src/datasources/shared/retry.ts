import { UpstreamError } from '../../errors.ts';
import { promiseOf } from './promiseOf.ts';

/** Default total time one job may spend in attempts and waits, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS default). */
const DEFAULT_RETRY_BUDGET_MS = 15_000;

/**
 * Full-jitter backoff of the one pipeline (`createSource`), the same numbers as the AWS SDK's standard
 * retry strategy in the @smithy/core this project ships (`Retry.delay()` 50 ms,
 * `Retry.throttlingDelay()` 1000 ms, `MAXIMUM_RETRY_DELAY` 20 s).
 */
export const BACKOFF_BASE_MS = 50;
export const THROTTLE_BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 20_000;

/** Test seams of the pipeline's retries; production code passes none. */
export interface RetrySeams {
  /** Clock in ms, default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1), default Math.random. */
  random?: () => number;
  /** Waits between attempts, default abortableSleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The one retry policy of every provider (all five call through `createSource`): up to
 * `maxAttempts` attempts inside `budgetMs` (JOBGRAPH_UPSTREAM_BUDGET_MS), full-jitter backoff
 * with the SDK's base, throttle base and cap, at least Retry-After, and each attempt's timeout
 * (`timeoutMs`, a deadline for the whole exchange, connecting included) cut to what is left of
 * the budget, so an attempt never outlives the budget and a retry starts while any of it is left.
 *
 * Differences from the AWS SDK's standard strategy, on purpose:
 * - the SDK knows no budget; here retries are planned inside it, and a wait that would end
 *   after it is not started;
 * - the SDK caps a Retry-After wait at its backoff + 5 s; here Retry-After is honoured whole,
 *   or, when it would outlast the budget, the provider's error is answered at once;
 * - the SDK keeps a client-wide retry quota (500 tokens); here there is none (the loader's
 *   concurrency cap and circuit breaker bound the load instead);
 * - the SDK retries 500/502/503/504 and transient codes; here every UPSTREAM_UNAVAILABLE
 *   (any 5xx, transport failures, the provider's transient codes) and UPSTREAM_THROTTLED is.
 * Like the SDK, the pipeline retries a clock-skew error once it has corrected its signing
 * clock from the answer's Date header.
 */
export function handMadeRetryPolicy(
  options: { maxAttempts: number; timeoutMs: number; budgetMs?: number },
  seams: RetrySeams = {},
): RetryPolicy {
  return {
    maxAttempts: Math.floor(options.maxAttempts),
    budgetMs: options.budgetMs ?? DEFAULT_RETRY_BUDGET_MS,
    timeoutMs: options.timeoutMs,
    trimAttemptToBudget: true,
    backoffBaseMs: BACKOFF_BASE_MS,
    backoffCapMs: BACKOFF_CAP_MS,
    throttleBaseMs: THROTTLE_BACKOFF_BASE_MS,
    ...(seams.now ? { now: seams.now } : {}),
    ...(seams.random ? { random: seams.random } : {}),
    ...(seams.sleep ? { sleep: seams.sleep } : {}),
  };
}

/** How a client retries one job (see handMadeRetryPolicy). */
export interface RetryPolicy {
  /** Attempts including the first; values below 1 mean 1. */
  maxAttempts: number;
  /** Total time across attempts and waits, in ms (default 15000). */
  budgetMs?: number;
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  /**
   * Cut each attempt's timeout to what is left of the budget (at least 1 ms); a retry is then
   * started while any budget is left. Without it every attempt gets the full `timeoutMs` and a
   * retry is started only if that whole timeout still fits. Default false.
   */
  trimAttemptToBudget?: boolean;
  /** Full-jitter backoff base in ms. */
  backoffBaseMs: number;
  /** Full-jitter backoff cap in ms. */
  backoffCapMs: number;
  /** Backoff base in ms after a throttling error; default `backoffBaseMs`. */
  throttleBaseMs?: number;
  /** Clock in ms, default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1), default Math.random. */
  random?: () => number;
  /** Waits between attempts, default abortableSleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Run `attempt` until it succeeds or retrying stops making sense. Only an UpstreamError with
 * `retryable` set is retried; anything else (an InternalError above all) is rethrown as is. Before the n-th retry the wait
 * is `random() * min(cap, base * 2^(n-1))` (full jitter, the AWS SDK's standard strategy),
 * raised to Retry-After when the provider sent one.
 *
 * The budget is a promise to the caller, not a hint: an attempt whose wait and timeout could
 * not finish inside it is never started, and the last error is answered instead, so a job
 * fails fast with the provider's own error rather than with a late timeout. An abort (or a
 * sleep that rejects) also ends the loop with the last error.
 *
 * `attempt` gets the timeout in ms for that attempt and the attempt's number (1 = first). `startedAt` is when the budget began
 * (default: now), for callers that do work before the first attempt.
 */
export function retryUpstream<T>(
  attempt: (attemptTimeoutMs: number, attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  startedAt?: number,
): Promise<T> {
  const now = policy.now ?? Date.now;
  const started = startedAt ?? now();
  // The first attempt runs as is, its value passed on by one step: the retry loop (an async
  // function, its clock, jitter and sleep) is entered only once an attempt has failed.
  const first = promiseOf(() => attempt(attemptTimeoutMs(policy, now, started), 1));
  return first.then(undefined, (err: unknown) => {
    // A failure that is not retried (NOT_FOUND, say) is answered here, without the loop.
    if (!mayRetry(err, 1, policy, signal)) throw err;
    return retryAfter(err, attempt, policy, now, signal, started);
  });
}

/** Whether attempt `n`'s failure `err` may be retried (when the budget allows a wait and another attempt). */
function mayRetry(
  err: unknown,
  n: number,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
): err is UpstreamError {
  return (
    err instanceof UpstreamError &&
    err.retryable &&
    n < Math.max(1, policy.maxAttempts) &&
    !signal?.aborted
  );
}

/** Each attempt's timeout: the policy's, or, trimmed, what is left of the budget (at least 1 ms). */
function attemptTimeoutMs(policy: RetryPolicy, now: () => number, started: number): number {
  if (!(policy.trimAttemptToBudget ?? false)) return policy.timeoutMs;
  const budgetMs = policy.budgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  return Math.max(1, Math.min(policy.timeoutMs, budgetMs - (now() - started)));
}

/** The retries after the first attempt failed with `failure` (retryUpstream). */
async function retryAfter<T>(
  failure: unknown,
  attempt: (attemptTimeoutMs: number, attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  now: () => number,
  signal: AbortSignal | undefined,
  started: number,
): Promise<T> {
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? abortableSleep;
  const budgetMs = policy.budgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const trim = policy.trimAttemptToBudget ?? false;
  let err = failure;
  for (let n = 1; ; n += 1) {
    if (!mayRetry(err, n, policy, signal)) throw err;
    const base = err.throttling
      ? (policy.throttleBaseMs ?? policy.backoffBaseMs)
      : policy.backoffBaseMs;
    const jitter = random() * Math.min(policy.backoffCapMs, base * 2 ** (n - 1));
    const delay = Math.max(jitter, (err.retryAfterSeconds ?? 0) * 1000);
    const elapsed = now() - started;
    if (trim ? elapsed + delay >= budgetMs : elapsed + delay + policy.timeoutMs > budgetMs)
      throw err;
    try {
      await sleep(delay, signal);
    } catch {
      throw err;
    }
    try {
      return await attempt(attemptTimeoutMs(policy, now, started), n + 1);
    } catch (next) {
      err = next;
    }
  }
}

/** Resolve after `ms`; reject with the signal's reason if it is (or becomes) aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
