import { JobgraphError } from '../errors.ts';

/** A refused subscription: too many open for the caller or the process. BAD_USER_INPUT, naming the limit and its variable. */
class SubscriptionLimitError extends JobgraphError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

/**
 * Open-subscription slots: at most `maxPerCaller` per caller (the token's `sub`) and `maxTotal`
 * in the process. A slot is taken when a subscription starts and freed when it ends, however it ends.
 */
export class SubscriptionSlots {
  private readonly perCaller = new Map<string, number>();
  private total = 0;
  constructor(
    private readonly maxPerCaller: number,
    private readonly maxTotal: number,
  ) {}

  /** Take a slot for `caller` or throw SubscriptionLimitError; returns the (idempotent) release. */
  acquire(caller: string): () => void {
    if (this.total >= this.maxTotal) {
      throw new SubscriptionLimitError(
        `jobgraph already serves ${this.total} open subscriptions, its limit (JOBGRAPH_MAX_SUBSCRIPTIONS=${this.maxTotal}); try again later.`,
      );
    }
    const mine = this.perCaller.get(caller) ?? 0;
    if (mine >= this.maxPerCaller) {
      throw new SubscriptionLimitError(
        `This caller already has ${mine} open subscriptions; at most ${this.maxPerCaller} are allowed per caller (JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER). Close one first.`,
      );
    }
    this.perCaller.set(caller, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.perCaller.set(caller, left);
      else this.perCaller.delete(caller);
    };
  }

  /** Open subscriptions in the process. */
  open(): number {
    return this.total;
  }
}
