import { describe, expect, it } from 'vitest';
import { LogBudget } from '../../../src/datasources/logs/logBudget.ts';

/**
 * The log budget of one process, on an injected clock: an account's bucket per region, a share
 * of it per caller (half the rate and half the burst), and a reserve above the callers' burst
 * that only notifications' reads take.
 */
describe('The log budget', () => {
  const turn = (caller: string, reserve = false) => ({
    account: 'prod',
    region: 'eu-west-1',
    caller,
    ...(reserve ? { reserve } : {}),
  });

  it('gives one caller half the burst and half the rate, and leaves the rest to the others', () => {
    let now = 1_000_000;
    const budget = new LogBudget({ perSecond: 4, burst: 4, now: () => now });
    // Caller a: 2 at once (half of 4), then one every 500 ms (2 a second).
    expect([budget.take(turn('a')), budget.take(turn('a'))]).toEqual([0, 0]);
    expect(budget.take(turn('a'))).toBe(500);
    // Caller b still has the other half of the account's burst.
    expect([budget.take(turn('b')), budget.take(turn('b'))]).toEqual([0, 0]);
    // The account's burst is spent: a third caller waits for the account, not for its own share.
    expect(budget.take(turn('c'))).toBe(250);
    now += 250;
    expect(budget.take(turn('c'))).toBe(0);
    now += 250;
    // Half a second on: a has its own turn again, but the account has one more for whoever asks first.
    expect(budget.take(turn('a'))).toBe(0);
    expect(budget.take(turn('c'))).toBe(250);
  });

  it('keeps a reserve that callers never take and notifications’ reads do', () => {
    let now = 1_000_000;
    const budget = new LogBudget({ perSecond: 5, burst: 5, now: () => now });
    // Five callers take the callers' burst of 5; a sixth is refused …
    for (const caller of ['a', 'b', 'c', 'd', 'e']) expect(budget.take(turn(caller))).toBe(0);
    expect(budget.take(turn('f'))).toBe(200);
    // … and a notification's read takes the reserve (a fifth of the burst: 1) at once.
    expect(budget.take(turn('jobgraph:notifications', true))).toBe(0);
    expect(budget.take(turn('jobgraph:notifications', true))).toBe(200);
    // Callers wait until the reserve is full again and one more token is there.
    expect(budget.take(turn('f'))).toBe(400);
    now += 400;
    expect(budget.take(turn('f'))).toBe(0);
  });

  it('keeps each account and region its own', () => {
    const budget = new LogBudget({ perSecond: 1, burst: 1, now: () => 0 });
    expect(budget.take(turn('a'))).toBe(0);
    expect(budget.take(turn('b'))).toBeGreaterThan(0);
    expect(budget.take({ ...turn('b'), region: 'us-west-2' })).toBe(0);
    expect(budget.take({ ...turn('b'), account: 'staging' })).toBe(0);
  });
});
