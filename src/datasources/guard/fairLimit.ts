interface Waiting {
  start(): void;
  /** Drop the entry without running it (its signal aborted while it waited). */
  cancel(): void;
}

/** One caller's share: tasks running, tasks waiting, when it was last served. */
interface CallerState {
  active: number;
  queue: Waiting[];
  /** Sequence number of the last task started for this caller (0: never). */
  lastServed: number;
}

/**
 * A concurrency cap shared fairly between callers: at most `capacity` tasks run at once, at
 * most `perCaller` of them for one caller, and when a slot frees it goes to the waiting
 * caller with the fewest tasks running (ties: the one served longest ago), not to the head
 * of one FIFO. So a caller that queues a hundred tasks waits behind itself, while another
 * caller's single task is the next to run.
 *
 * One instance per provider, process-wide: the caps hold across all of a caller's requests.
 * A caller's state is dropped once it has nothing running or waiting, so the map holds only
 * callers with work in flight.
 */
export class FairLimiter {
  readonly capacity: number;
  readonly perCaller: number;
  #active = 0;
  #pending = 0;
  #served = 0;
  readonly #callers = new Map<string, CallerState>();

  constructor(capacity: number, perCaller: number) {
    if (!(capacity >= 1) || !(perCaller >= 1)) throw new RangeError('FairLimiter needs capacity and perCaller of at least 1');
    this.capacity = capacity;
    this.perCaller = perCaller;
  }

  /** Tasks running now. */
  get activeCount(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get pendingCount(): number {
    return this.#pending;
  }

  /**
   * Run `task` for `caller` when a slot is free for both the provider and the caller. If
   * `signal` aborts while the task still waits, it is dropped and the promise rejects with
   * the signal's reason; a task already running is not interrupted here.
   */
  run<T>(caller: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let state = this.#callers.get(caller);
      if (!state) {
        state = { active: 0, queue: [], lastServed: 0 };
        this.#callers.set(caller, state);
      }
      const owner = state;
      const onAbort = () => {
        entry.cancel();
        reject(signal?.reason);
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          let result: Promise<T>;
          try {
            result = task();
          } catch (err) {
            // Pass on whatever task() threw, exactly as an async task would have rejected.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            result = Promise.reject(err);
          }
          result.then(resolve, reject).finally(() => this.#finish(caller, owner));
        },
        cancel: () => {
          const i = owner.queue.indexOf(entry);
          if (i < 0) return;
          owner.queue.splice(i, 1);
          this.#pending -= 1;
          this.#forgetIfIdle(caller, owner);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      owner.queue.push(entry);
      this.#pending += 1;
      this.#dispatch();
    });
  }

  #finish(caller: string, state: CallerState): void {
    this.#active -= 1;
    state.active -= 1;
    this.#forgetIfIdle(caller, state);
    this.#dispatch();
  }

  #forgetIfIdle(caller: string, state: CallerState): void {
    if (state.active === 0 && state.queue.length === 0 && this.#callers.get(caller) === state) this.#callers.delete(caller);
  }

  /** Start waiting tasks while slots are free: each time the eligible caller with the fewest running, longest unserved. */
  #dispatch(): void {
    while (this.#active < this.capacity && this.#pending > 0) {
      let next: CallerState | undefined;
      for (const state of this.#callers.values()) {
        if (state.queue.length === 0 || state.active >= this.perCaller) continue;
        if (!next || state.active < next.active || (state.active === next.active && state.lastServed < next.lastServed)) next = state;
      }
      if (!next) return;
      const entry = next.queue.shift() as Waiting;
      this.#pending -= 1;
      this.#active += 1;
      next.active += 1;
      this.#served += 1;
      next.lastServed = this.#served;
      entry.start();
    }
  }
}
