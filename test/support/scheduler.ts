import type { Scheduler } from '../../src/subscriptions/scheduler.ts';

/**
 * A clock the test moves by hand: timers fire only when the test says so, so pollers and token
 * expiry are driven without waiting on the real clock.
 */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private readonly waiters: (() => void)[] = [];

  constructor(start: number = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    for (const w of this.waiters.splice(0)) w();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers waiting to fire, with their delay from now (ms), earliest first. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Resolves once at least `count` timers are pending (a poll finished and planned the next). */
  async timersPending(count = 1): Promise<void> {
    while (this.timers.size < count)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resolves once a timer due within `ms` of now is pending (a poll finished and planned the next
   * one), told by `setTimeout` itself: timers hours away (a token's expiry) do not count.
   */
  async timerDueWithin(ms: number): Promise<void> {
    while (!this.pending().some((delay) => delay <= ms))
      await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Move the clock to the earliest pending timer and fire every timer due then. Returns how many fired. */
  fireNext(): number {
    const next = Math.min(...[...this.timers.values()].map((t) => t.at));
    if (!Number.isFinite(next)) return 0;
    return this.advanceTo(next);
  }

  /** Move the clock forward by `ms`, firing every timer due by then in order. */
  advance(ms: number): number {
    return this.advanceTo(this.time + ms);
  }

  private advanceTo(end: number): number {
    let fired = 0;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
      fired += 1;
    }
    this.time = Math.max(this.time, end);
    return fired;
  }
}

/** A fixed sequence in 0..1 (a linear congruential generator): the jitter, the same every run. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}
