import { describe, expect, it } from 'vitest';
import { InternalError, UpstreamError } from '../../../src/errors.ts';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  THROTTLE_BACKOFF_BASE_MS,
  abortableSleep,
  handMadeRetryPolicy,
  retryUpstream,
  type RetryPolicy,
} from '../../../src/datasources/shared/retry.ts';

const unavailable = (retryAfterSeconds: number | null = null) =>
  new UpstreamError({
    provider: 'TENCENT_COS_BATCH',
    code: 'UPSTREAM_UNAVAILABLE',
    message: 'down',
    retryAfterSeconds,
  });
const throttled = () =>
  new UpstreamError({
    provider: 'TENCENT_COS_BATCH',
    code: 'UPSTREAM_THROTTLED',
    message: 'slow down',
  });
const notFound = () =>
  new UpstreamError({ provider: 'TENCENT_COS_BATCH', code: 'NOT_FOUND', message: 'no such job' });

/** A policy on a manual clock: sleeping moves the clock, nothing waits for real time. */
function manual(policy: Partial<RetryPolicy> = {}) {
  let now = 0;
  const sleeps: number[] = [];
  const timeouts: number[] = [];
  const full: RetryPolicy = {
    maxAttempts: 3,
    budgetMs: 15_000,
    timeoutMs: 5_000,
    trimAttemptToBudget: true,
    backoffBaseMs: BACKOFF_BASE_MS,
    backoffCapMs: BACKOFF_CAP_MS,
    throttleBaseMs: THROTTLE_BACKOFF_BASE_MS,
    now: () => now,
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    ...policy,
  };
  /** Run with attempts that fail with `failures` in turn (each taking `attemptMs`), then succeed. */
  const run = (failures: Error[], attemptMs = 0) =>
    retryUpstream(async (timeoutMs) => {
      timeouts.push(timeoutMs);
      now += attemptMs;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'ok';
    }, full);
  return { run, sleeps, timeouts, advance: (ms: number) => (now += ms) };
}

describe('retryUpstream', () => {
  it('retries retryable failures with full-jitter exponential backoff and returns the success', async () => {
    const m = manual();
    await expect(m.run([unavailable(), unavailable()])).resolves.toBe('ok');
    expect(m.sleeps).toEqual([BACKOFF_BASE_MS, BACKOFF_BASE_MS * 2]);
  });

  it('backs off from the throttle base after throttling', async () => {
    const m = manual();
    await m.run([throttled()]);
    expect(m.sleeps).toEqual([THROTTLE_BACKOFF_BASE_MS]);
  });

  it('waits at least Retry-After', async () => {
    const m = manual();
    await m.run([unavailable(3)]);
    expect(m.sleeps).toEqual([3_000]);
  });

  it('answers the last error after maxAttempts attempts', async () => {
    const m = manual({ maxAttempts: 2 });
    const last = unavailable();
    await expect(m.run([unavailable(), last, unavailable()])).rejects.toBe(last);
    expect(m.timeouts).toHaveLength(2);
  });

  it("never retries what is not retryable, nor jobgraph's own failures", async () => {
    for (const err of [
      notFound(),
      new InternalError('TENCENT_COS_BATCH', new TypeError('bug')),
      new TypeError('bug'),
    ]) {
      const m = manual();
      await expect(m.run([err])).rejects.toBe(err);
      expect(m.sleeps).toEqual([]);
    }
  });

  it('does not start a wait that ends after the budget, answering the provider error at once', async () => {
    const m = manual({ budgetMs: 2_000 });
    const err = unavailable(5);
    await expect(m.run([err])).rejects.toBe(err);
    expect(m.sleeps).toEqual([]);
  });

  it('cuts each attempt to what is left of the budget', async () => {
    const m = manual({ budgetMs: 8_000, timeoutMs: 5_000 });
    await m.run([unavailable()], 5_000);
    expect(m.timeouts).toEqual([5_000, 8_000 - 5_000 - BACKOFF_BASE_MS]);
  });

  it('without trimming, starts a retry only if a whole attempt still fits', async () => {
    const m = manual({ budgetMs: 8_000, timeoutMs: 5_000, trimAttemptToBudget: false });
    const err = unavailable();
    await expect(m.run([err], 5_000)).rejects.toBe(err);
    expect(m.timeouts).toEqual([5_000]);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = unavailable();
    await expect(
      retryUpstream(
        async () => {
          throw err;
        },
        { ...handMadeRetryPolicy({ maxAttempts: 3, timeoutMs: 100 }), sleep: async () => {} },
        controller.signal,
      ),
    ).rejects.toBe(err);
  });
});

describe('handMadeRetryPolicy', () => {
  it('uses the SDK standard strategy numbers and the default budget', () => {
    expect(handMadeRetryPolicy({ maxAttempts: 3.7, timeoutMs: 5_000 })).toEqual({
      maxAttempts: 3,
      budgetMs: 15_000,
      timeoutMs: 5_000,
      trimAttemptToBudget: true,
      backoffBaseMs: 50,
      backoffCapMs: 20_000,
      throttleBaseMs: 1_000,
    });
  });
});

describe('abortableSleep', () => {
  it('rejects with the reason of an aborted signal', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(sleeping).rejects.toThrow('gone');
  });
});
