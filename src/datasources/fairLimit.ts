interface Waiting {
  start(): void;
  /** Drop the entry without running it (its signal aborted while it waited). */
  cancel(): void;
}

/**
 * A concurrency cap shared fairly between callers: at most `capacity` tasks run at once, at
 * most `perCaller` of them for one caller, and when a slot frees the next task comes from the
 * callers in turn (round-robin over the callers that have a task waiting and are under their
 * own cap), not from one FIFO. So a caller that queues a hundred tasks waits behind itself,
 * while another caller's single task is the next to run.
 *
 * One instance per provider, process-wide: the caps hold across all of a caller's requests.
 */
export class FairLimiter {
  readonly capacity: number;
  readonly perCaller: number;
  #active = 0;
  readonly #activeBy = new Map<string, number>();
  /**
   * Waiting tasks per caller. The Map's insertion order is the round-robin ring: a caller
   * that was just served is moved to the end.
   */
  readonly #queues = new Map<string, Waiting[]>();

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
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
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
      const onAbort = () => {
        entry.cancel();
        reject(signal?.reason);
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#active += 1;
          this.#activeBy.set(caller, (this.#activeBy.get(caller) ?? 0) + 1);
          let result: Promise<T>;
          try {
            result = task();
          } catch (err) {
            result = Promise.reject(err);
          }
          result.then(resolve, reject).finally(() => this.#finish(caller));
        },
        cancel: () => {
          const q = this.#queues.get(caller);
          const i = q ? q.indexOf(entry) : -1;
          if (q && i >= 0) {
            q.splice(i, 1);
            if (q.length === 0) this.#queues.delete(caller);
          }
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const q = this.#queues.get(caller);
      if (q) q.push(entry);
      else this.#queues.set(caller, [entry]);
      this.#dispatch();
    });
  }

  #finish(caller: string): void {
    this.#active -= 1;
    const n = (this.#activeBy.get(caller) ?? 1) - 1;
    if (n === 0) this.#activeBy.delete(caller);
    else this.#activeBy.set(caller, n);
    this.#dispatch();
  }

  /** Start waiting tasks while slots are free, taking callers in turn. */
  #dispatch(): void {
    while (this.#active < this.capacity) {
      let started = false;
      for (const [caller, q] of this.#queues) {
        if ((this.#activeBy.get(caller) ?? 0) >= this.perCaller) continue;
        const entry = q.shift() as Waiting;
        // Move the caller to the end of the ring (or drop it when it has nothing left waiting).
        this.#queues.delete(caller);
        if (q.length > 0) this.#queues.set(caller, q);
        entry.start();
        started = true;
        break;
      }
      if (!started) return;
    }
  }
}
