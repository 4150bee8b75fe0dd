import { describe, expect, it } from 'vitest';
import {
  localRateBucket,
  RateBudget,
  type RateBucket,
} from '../../../src/datasources/guard/rateBudget.ts';
import { rateWaitLimitMs } from '../../../src/datasources/shared/rateGate.ts';
import { UpstreamError } from '../../../src/errors.ts';
import { ManualScheduler } from '../../support/scheduler.ts';

// The rate budget with its clock injected: time moves only when a test moves it, and every wait is
// a timer the test fires (ManualScheduler), never a sleep. Between moves the budget's own promises
// settle (`settle`: one macrotask, after every microtask).

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A budget of `perSecond` calls per second for HealthOmics, counted in this process on `clock`. */
function budgetOf(perSecond: number, clock = new ManualScheduler(0)) {
  const granted: { caller: string; at: number; waitedMs: number }[] = [];
  const throttled: string[] = [];
  const budget = new RateBudget({
    perSecond: { AWS_OMICS: perSecond },
    bucket: localRateBucket(() => clock.now()),
    clock,
    observer: {
      rateGranted: (_p, waitedMs) => granted.push({ caller: '', at: clock.now(), waitedMs }),
      rateThrottled: (p) => throttled.push(p),
    },
  });
  /** One call of `caller` (in us-east-1), recorded with its grant time or its refusal. */
  const ask = (caller: string, maxWaitMs = 10_000, signal?: AbortSignal) => {
    const out: { at?: number; error?: unknown } = {};
    const turn = budget.acquire('AWS_OMICS', 'us-east-1', caller, maxWaitMs, signal);
    if (turn === null) throw new Error('HealthOmics has a budget');
    turn.then(
      () => (out.at = clock.now()),
      (err: unknown) => (out.error = err),
    );
    return out;
  };
  return { budget, clock, granted, throttled, ask };
}

describe('The local rate bucket (GCRA, no burst)', () => {
  it('lets one call through per interval and says how long until the next', () => {
    let now = 1_000;
    const bucket = localRateBucket(() => now);
    expect(bucket.take('a', 200)).toBe(0);
    expect(bucket.take('a', 200)).toBe(200);
    now += 150;
    expect(bucket.take('a', 200)).toBe(50);
    now += 50;
    expect(bucket.take('a', 200)).toBe(0);
    // Another key has its own turns.
    expect(bucket.take('b', 200)).toBe(0);
  });

  it('keeps no credit from an idle spell: after a long pause the calls are spaced again at once', () => {
    let now = 0;
    const bucket = localRateBucket(() => now);
    expect(bucket.take('a', 100)).toBe(0);
    now += 10_000;
    expect(bucket.take('a', 100)).toBe(0);
    expect(bucket.take('a', 100)).toBe(100);
  });
});

describe('The rate budget (JOBGRAPH_UPSTREAM_RATE_LIMITS)', () => {
  it('gives no turn to wait for to a provider without a budget', () => {
    const { budget } = budgetOf(5);
    expect(budget.acquire('AWS_PANORAMA', 'us-east-1', 'alice', 1000)).toBeNull();
  });

  it('lets calls over the rate wait for their turn, one per interval', async () => {
    const { clock, ask } = budgetOf(5);
    const calls = [ask('alice'), ask('alice'), ask('alice')];
    await settle();
    expect(calls.map((c) => c.at)).toEqual([0, undefined, undefined]);
    clock.advance(200);
    await settle();
    clock.advance(200);
    await settle();
    expect(calls.map((c) => c.at)).toEqual([0, 200, 400]);
  });

  it('never lets more than the rate through in any one second, whatever the load', async () => {
    const { clock, ask } = budgetOf(5);
    const calls: { at?: number; error?: unknown }[] = [];
    // Six callers asking again as each call is answered, for ten seconds of the clock.
    const callers = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const caller of callers) for (let i = 0; i < 3; i++) calls.push(ask(caller, 1_500));
    for (let step = 0; step < 500 && clock.now() < 10_000; step++) {
      await settle();
      const done = calls.filter((c) => c.at !== undefined || c.error !== undefined).length;
      for (let i = calls.length - done; i < 18; i++)
        calls.push(ask(callers[step % callers.length] as string, 1_500));
      clock.fireNext();
    }
    const times = calls
      .map((c) => c.at)
      .filter((t): t is number => t !== undefined)
      .sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(45);
    let most = 0;
    for (let i = 0; i < times.length; i++) {
      let n = 0;
      while (i + n < times.length && (times[i + n] as number) < (times[i] as number) + 1000) n++;
      most = Math.max(most, n);
    }
    expect(most).toBeLessThanOrEqual(5);
    // The rest were answered UPSTREAM_THROTTLED, none left waiting past its limit.
    expect(calls.some((c) => c.error instanceof UpstreamError)).toBe(true);
  });

  it('serves callers round-robin: a caller with one call goes before the rest of a flood', async () => {
    const { clock, ask } = budgetOf(10);
    const flood = Array.from({ length: 5 }, () => ask('flooder'));
    await settle();
    const single = ask('other');
    for (let i = 0; i < 6; i++) {
      clock.advance(100);
      await settle();
    }
    // flooder's first call went at once; the other caller's single call is the next turn.
    expect(flood[0]?.at).toBe(0);
    expect(single.at).toBe(100);
    expect(flood.slice(1).map((c) => c.at)).toEqual([200, 300, 400, 500]);
  });

  it('gives a caller that asks again as soon as it is served one turn per round, not every turn', async () => {
    const { clock, ask } = budgetOf(10);
    const queued = Array.from({ length: 3 }, () => ask('patient'));
    let quick = ask('quick');
    const quickTimes: number[] = [];
    for (let i = 0; i < 6; i++) {
      await settle();
      if (quick.at !== undefined) {
        quickTimes.push(quick.at);
        quick = ask('quick');
      }
      clock.advance(100);
    }
    await settle();
    expect(queued.map((c) => c.at)).toEqual([0, 200, 400]);
    expect(quickTimes).toEqual([100, 300, 500]);
  });

  it('answers UPSTREAM_THROTTLED at once, with a retry hint, when its queue says the turn would come too late', async () => {
    const { ask, throttled } = budgetOf(5);
    const calls = [ask('alice', 1_000), ask('alice', 1_000), ask('alice', 1_000)];
    const late = ask('alice', 500);
    await settle();
    const err = late.error as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.code).toBe('UPSTREAM_THROTTLED');
    expect(err.retryable).toBe(false);
    expect(err.extensions).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      provider: 'AWS_OMICS',
      retryAfterMs: 600,
    });
    expect(err.retryAfterSeconds).toBe(0.6);
    expect(err.message).toBe(
      "jobgraph's rate budget for AWS HealthOmics in us-east-1 (5 calls/s, JOBGRAPH_UPSTREAM_RATE_LIMITS) is spent; try again in 600 ms.",
    );
    expect(throttled).toEqual(['AWS_OMICS']);
    expect(calls.map((c) => c.error)).toEqual([undefined, undefined, undefined]);
  });

  it('answers UPSTREAM_THROTTLED when the wait limit passes without a turn (another replica took them all): never a hang', async () => {
    const clock = new ManualScheduler(0);
    // A bucket whose turns other replicas always take first.
    const busy: RateBucket = { take: () => 100 };
    const budget = new RateBudget({ perSecond: { AWS_OMICS: 10 }, bucket: busy, clock });
    let error: unknown;
    budget.acquire('AWS_OMICS', 'us-east-1', 'alice', 250)?.catch((err: unknown) => (error = err));
    await settle();
    clock.advance(249);
    await settle();
    expect(error).toBeUndefined();
    clock.advance(1);
    await settle();
    expect((error as UpstreamError).code).toBe('UPSTREAM_THROTTLED');
    expect(budget.waiting).toBe(0);
    // The pump stops once its lane is empty: no timer left behind.
    clock.advance(1000);
    await settle();
    expect(clock.pending()).toEqual([]);
  });

  it('drops a waiting call whose signal aborts, with the signal reason, and gives its turn to the next', async () => {
    const { clock, ask } = budgetOf(5);
    const first = ask('alice');
    const abort = new AbortController();
    const dropped = ask('bob', 10_000, abort.signal);
    const next = ask('carol');
    await settle();
    abort.abort(new Error('client went away'));
    await settle();
    expect((dropped.error as Error).message).toBe('client went away');
    clock.advance(200);
    await settle();
    expect([first.at, next.at]).toEqual([0, 200]);
  });

  it('tells the observer how long each call waited for its turn', async () => {
    const { clock, ask, granted } = budgetOf(5);
    ask('alice');
    ask('alice');
    await settle();
    clock.advance(200);
    await settle();
    expect(granted.map((g) => g.waitedMs)).toEqual([0, 200]);
  });

  it('keeps asking a bucket that fails, an interval apart, until the wait limit answers', async () => {
    const clock = new ManualScheduler(0);
    let asked = 0;
    const failing: RateBucket = {
      take: () => {
        asked += 1;
        throw new Error('down');
      },
    };
    const budget = new RateBudget({ perSecond: { AWS_OMICS: 10 }, bucket: failing, clock });
    let error: unknown;
    budget.acquire('AWS_OMICS', 'us-east-1', 'alice', 350)?.catch((err: unknown) => (error = err));
    for (let i = 0; i < 4; i++) {
      await settle();
      clock.advance(100);
    }
    await settle();
    expect(asked).toBe(4);
    expect((error as UpstreamError).code).toBe('UPSTREAM_THROTTLED');
  });
});

describe('How long a call may wait for its turn', () => {
  it('keeps a quarter of what is left of the budget, or one attempt timeout when shorter, for the call', () => {
    expect(rateWaitLimitMs(2000, 5000)).toBe(1500);
    expect(rateWaitLimitMs(15_000, 5000)).toBe(11_250);
    expect(rateWaitLimitMs(60_000, 5000)).toBe(55_000);
    expect(rateWaitLimitMs(0, 5000)).toBe(0);
    expect(rateWaitLimitMs(-10, 5000)).toBe(0);
  });
});
