/**
 * The history writer's bound as the producers of changes see it (docs/history.md, "Falling
 * behind"). While more jobs wait to be written than MAX_QUEUE (writer.ts), nothing is
 * dropped: the producers slow down instead. The job event queues stop receiving (their messages
 * stay in SQS, durable) and the watches' background reads wait; a caller's query is still answered,
 * its record coalesced with what waits. So the jobs waiting stay within the bound, plus the
 * messages being applied and what callers ask for meanwhile.
 */

/** What a producer asks of the bound. */
export interface WriterBound {
  /** Whether more jobs wait to be written than the writer bounds, now. */
  over(): boolean;
  /** Resolves once they fit again (at once when they fit now). */
  fits(): Promise<void>;
}

/** What a watch's read schedule asks before a background read (subscriptions/watchOptions.ts). */
export interface BackgroundReads {
  /** Whether a read nobody asked for now is to wait (counted when it is). */
  deferred(): boolean;
}

/** The bound, set by the writer's `onOverBound`, counting the background reads it deferred. */
export class WriterBoundSignal implements WriterBound, BackgroundReads {
  #over = false;
  #waiters: (() => void)[] = [];
  /** Background reads deferred since start (`jobgraph_history_deferred_reads_total`). */
  deferredReads = 0;

  over(): boolean {
    return this.#over;
  }

  fits(): Promise<void> {
    if (!this.#over) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  deferred(): boolean {
    if (this.#over) this.deferredReads++;
    return this.#over;
  }

  /** The writer is over its bound (true) or fits it again (false). */
  set(over: boolean): void {
    this.#over = over;
    if (over) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
