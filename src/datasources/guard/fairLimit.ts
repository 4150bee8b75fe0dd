import { promiseOf } from '../shared/promiseOf.ts';

/**
 * A task waiting for a slot. `start` runs it once a slot is free and returns the promise the slot
 * is held for — or nothing, when there is nothing left to run (the slot is given back at once).
 * An entry waits in one queue at a time; `waitingIn` is the limiter's own mark (the caller's
 * state it waits in), so a withdrawn entry is skipped where it lies instead of searched for.
 */
export interface LimiterEntry {
  start(): PromiseLike<unknown> | undefined;
  waitingIn?: CallerState | undefined;
}

/** One caller's share: tasks running, tasks waiting, when it was last served. */
export interface CallerState {
  readonly caller: string;
  active: number;
  /**
   * Entries waiting, in order, from `head` on; withdrawn ones stay until they reach the head (see
   * `waiting`). Taken by moving `head`, not by Array#shift, which moves every entry behind the
   * head once the array is too long for V8 to trim in place: a long flood's every take would then
   * cost in proportion to its length (docs/performance.md, Decisions).
   */
  queue: (LimiterEntry | undefined)[];
  /** Where the queue's first entry is (the slots before it are taken). */
  head: number;
  /** Entries in `queue` still waiting. */
  waiting: number;
  /** Sequence number of the last task started for this caller (0: never). */
  lastServed: number;
}

/**
 * A concurrency cap shared fairly between callers, that conserves work: at most `capacity` tasks
 * run at once, and when a slot frees it goes to the waiting caller with the fewest tasks running
 * (ties: the one served longest ago), not to the head of one FIFO. `perCaller` binds only while
 * another caller waits: a caller with `perCaller` tasks running gets a free slot only when no
 * caller below its cap waits for one. So a lone caller's hundred tasks use every free slot (a
 * slot left idle would only make it wait), while another caller's single task is the next to run
 * when a slot frees, ahead of the flood's next.
 *
 * One instance per provider, process-wide: the caps hold across all of a caller's requests.
 * A caller's state is dropped once it has nothing running or waiting, so the map holds only
 * callers with work in flight. A waiting entry costs the limiter one array slot: no promise,
 * listener or closure until it runs (the loader queues thousands of jobs under a flood).
 */
export class FairLimiter {
  readonly capacity: number;
  readonly perCaller: number;
  #active = 0;
  #pending = 0;
  #served = 0;
  /** A dispatch is queued for the end of this turn (`#dispatchAfterTurn`). */
  #dispatchQueued = false;
  readonly #callers = new Map<string, CallerState>();

  constructor(capacity: number, perCaller: number) {
    if (!(capacity >= 1) || !(perCaller >= 1))
      throw new RangeError('FairLimiter needs capacity and perCaller of at least 1');
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

  /** Queue `entry` for `caller`; it starts when a slot is free for both the provider and the caller. */
  enqueue(caller: string, entry: LimiterEntry): void {
    if (entry.waitingIn) throw new Error('FairLimiter: this entry is already waiting');
    let state = this.#callers.get(caller);
    if (!state) {
      state = { caller, active: 0, queue: [], head: 0, waiting: 0, lastServed: 0 };
      this.#callers.set(caller, state);
    }
    entry.waitingIn = state;
    state.queue.push(entry);
    state.waiting += 1;
    this.#pending += 1;
    this.#dispatch();
  }

  /** Take a waiting entry out of its queue; false when it is not waiting (it started, or was withdrawn). */
  withdraw(entry: LimiterEntry): boolean {
    const state = entry.waitingIn;
    if (!state) return false;
    entry.waitingIn = undefined;
    state.waiting -= 1;
    this.#pending -= 1;
    this.#forgetIfIdle(state);
    return true;
  }

  /**
   * Run `task` for `caller` when a slot is free. If `signal` aborts while the task still waits, it
   * is dropped and the promise rejects with the signal's reason; a task already running is not
   * interrupted here.
   */
  run<T>(caller: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        if (this.withdraw(entry)) reject(signal?.reason);
      };
      const entry: LimiterEntry = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          const result = promiseOf(task);
          result.then(resolve, reject);
          return result;
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.enqueue(caller, entry);
    });
  }

  #forgetIfIdle(state: CallerState): void {
    if (state.active !== 0 || state.waiting !== 0) return;
    state.queue.length = 0;
    state.head = 0;
    if (this.#callers.get(state.caller) === state) this.#callers.delete(state.caller);
  }

  /**
   * Start waiting tasks while slots are free: each time the waiting caller below its cap with the
   * fewest running (ties: longest unserved); when every waiting caller is at its cap, the one of
   * them with the fewest running, so no slot stays free while a task waits.
   */
  #dispatch(): void {
    while (this.#active < this.capacity && this.#pending > 0) {
      let next: CallerState | undefined;
      let capped: CallerState | undefined;
      for (const state of this.#callers.values()) {
        if (state.waiting === 0) continue;
        if (state.active >= this.perCaller) {
          if (before(state, capped)) capped = state;
        } else if (before(state, next)) next = state;
      }
      next ??= capped;
      if (!next) return;
      let entry = takeHead(next);
      while (entry.waitingIn !== next) entry = takeHead(next);
      entry.waitingIn = undefined;
      next.waiting -= 1;
      this.#pending -= 1;
      this.#active += 1;
      next.active += 1;
      this.#served += 1;
      next.lastServed = this.#served;
      this.#start(next, entry);
    }
  }

  /** Run an entry in the slot just taken; the slot is given back when its promise settles, or at once when it runs nothing. */
  #start(state: CallerState, entry: LimiterEntry): void {
    let running: PromiseLike<unknown> | undefined;
    try {
      running = entry.start();
    } catch {
      running = undefined; // an entry reports its own failures; the slot is free again either way
    }
    if (!running) {
      this.#release(state); // the dispatch loop that called us goes on
      return;
    }
    const release = (): void => {
      this.#release(state);
      this.#dispatchAfterTurn();
    };
    running.then(release, release);
  }

  /**
   * Give the slots freed in this turn of the event loop out once the turn is over, together: the
   * answers read in one turn free their slots one by one, and starting the next call at each
   * would interleave every write with the turn's other answers. Started together, the next calls
   * go out in one burst and their answers tend to come back in one, which cost less CPU a job on
   * the bench's 100-job queries of COS Batch and Import/Export at the same p50 (measured in
   * docs/performance.md). The choice is the same (`#dispatch`); a task enqueued meanwhile still
   * takes a free slot at once.
   */
  #dispatchAfterTurn(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    setImmediate(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  /** A slot of `state`'s is free again. */
  #release(state: CallerState): void {
    this.#active -= 1;
    state.active -= 1;
    this.#forgetIfIdle(state);
  }
}

/** Whether `state` is served before `other`: fewer tasks running, then served longer ago. */
function before(state: CallerState, other: CallerState | undefined): boolean {
  return (
    !other ||
    state.active < other.active ||
    (state.active === other.active && state.lastServed < other.lastServed)
  );
}

/** Taken slots a queue keeps before it is cut back (when they are also half of it or more). */
export const QUEUE_TAKEN_KEPT = 1024;

/**
 * The entry at the head of `state`'s queue, taken. The slots before the head are dropped at once
 * when the queue empties, and otherwise once they are {@link QUEUE_TAKEN_KEPT} and half the array:
 * each entry is moved at most once a halving, so a take costs the same however long the queue.
 */
function takeHead(state: CallerState): LimiterEntry {
  const { queue } = state;
  const entry = queue[state.head] as LimiterEntry;
  queue[state.head++] = undefined;
  if (state.head === queue.length) {
    queue.length = 0;
    state.head = 0;
  } else if (state.head >= QUEUE_TAKEN_KEPT && state.head * 2 >= queue.length) {
    queue.splice(0, state.head);
    state.head = 0;
  }
  return entry;
}
