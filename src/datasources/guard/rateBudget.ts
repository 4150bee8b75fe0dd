import { UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import type { RateGate } from '../shared/rateGate.ts';
import type { RateBucket } from '../../cache/rateBucket.ts';
import { MAX_TIMER_MS } from '../../cache/redisCall.ts';
import { localGcra } from '../../cache/gcra.ts';

export type { RateBucket } from '../../cache/rateBucket.ts';

/** Time as the rate budget sees it; the subscriptions' `Scheduler` (and tests' ManualScheduler) fits. */
export interface RateClock {
  /** Milliseconds, increasing. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: RateClock = {
  now: () => performance.now(),
  // Never past Node's maximum (beyond it a timer fires at once, with a warning: a spin).
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms))).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Keys (provider and region) whose turns a process keeps at most (the least recently taken forgotten first). */
const LOCAL_RATE_KEYS_MAX = 10_000;

/**
 * The rate budget in this process alone: GCRA (the generic cell rate algorithm, cache/gcra.ts, the
 * callers' request rates' too) with no burst — one call every `intervalMs` per key, so any one
 * second holds at most the configured rate (a token bucket of that size would let twice the rate
 * through in a second after an idle spell, a fixed window twice the rate across a window
 * boundary). What is kept per key is one number, the theoretical arrival time of the next call.
 */
export function localRateBucket(now: () => number = () => performance.now()): RateBucket {
  const times = localGcra(now, LOCAL_RATE_KEYS_MAX);
  return { take: (key, intervalMs) => times.step(key, intervalMs, 1, true) };
}

/** Told of the rate budget's decisions (metrics, src/observability); every hook optional. */
export interface RateObserver {
  /** A call got its turn after `waitedMs` in the queue (0: at once). */
  rateGranted?(provider: JobProvider, waitedMs: number): void;
  /** A call was refused UPSTREAM_THROTTLED: its turn would not come within its budget. */
  rateThrottled?(provider: JobProvider): void;
}

export interface RateBudgetOptions {
  /** Calls per second, per provider and region; a provider not named has no budget. */
  perSecond: Partial<Record<JobProvider, number>>;
  bucket: RateBucket;
  observer?: RateObserver;
  clock?: RateClock;
}

/** A call waiting for its turn. */
interface Turn {
  readonly caller: string;
  readonly askedAt: number;
  resolve(): void;
  reject(err: unknown): void;
  timer: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One caller's calls waiting in a lane, in order, and when it was last served. */
interface CallerQueue {
  readonly turns: Turn[];
  /**
   * Sequence number of the lane's last turn given to this caller. A caller that starts waiting gets
   * the latest turn's less a half: after every caller waiting but the one served last, so a caller
   * that comes back at once after each turn cannot take every turn.
   */
  lastServed: number;
}

/** The queue of one provider and region: each caller with calls waiting, and its calls in order. */
interface Lane {
  readonly key: string;
  readonly provider: JobProvider;
  readonly region: string;
  readonly intervalMs: number;
  readonly callers: Map<string, CallerQueue>;
  size: number;
  /** Turns given so far (the sequence `lastServed` counts in). */
  served: number;
  /** A pump is running: it asks the bucket for turns while the lane has calls waiting. */
  pumping: boolean;
  /** When the bucket said a turn may be free next (clock ms). */
  freeAt: number;
  /** The pump's wait for `freeAt`. */
  timer: unknown;
  wake: (() => void) | undefined;
}

/**
 * The rate budget of JOBGRAPH_UPSTREAM_RATE_LIMITS: every upstream attempt (describes, lists,
 * polls, lookups, retries) asks for a turn of its provider and region before it goes. A call whose
 * turn is not free waits in its lane's queue; the lane serves its callers round-robin — each turn
 * goes to the waiting caller served longest ago, and a caller that starts waiting joins the round
 * just before the caller served last — so one caller's flood waits behind itself while another
 * caller's single call goes next (the fairness FairLimiter gives slots), and a caller that asks
 * again as soon as it is served gets one turn per round, not every turn. A call that cannot have its turn within its wait limit (what is left of
 * its job's budget, less a reserve for the call itself) is refused at once when this process's
 * queue already says so, else when the limit passes: UPSTREAM_THROTTLED with a retry hint, never
 * a hang.
 *
 * One pump per lane asks the bucket: at once when a call arrives, then again when the bucket says a
 * turn may be free. With Redis (every replica asking the same key) turns go to whichever replica
 * asks first, so fairness between callers holds within each replica, and the replicas with calls
 * waiting share the rate about evenly.
 */
export class RateBudget implements RateGate {
  readonly #intervalMs: Partial<Record<JobProvider, number>> = {};
  readonly #perSecond: Partial<Record<JobProvider, number>>;
  readonly #bucket: RateBucket;
  readonly #observer: RateObserver | undefined;
  readonly #clock: RateClock;
  readonly #lanes = new Map<string, Lane>();

  constructor(options: RateBudgetOptions) {
    this.#perSecond = { ...options.perSecond };
    for (const [provider, perSecond] of Object.entries(options.perSecond)) {
      if (!(perSecond > 0)) throw new RangeError(`rate of ${provider} must be above 0`);
      this.#intervalMs[provider as JobProvider] = 1000 / perSecond;
    }
    this.#bucket = options.bucket;
    this.#observer = options.observer;
    this.#clock = options.clock ?? systemClock;
  }

  /** Calls waiting for a turn now, in this process (tests, metrics). */
  get waiting(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.size;
    return n;
  }

  /** Its parameters and answer are RateGate's, declared and described there once. */
  readonly acquire: RateGate['acquire'] = (provider, region, caller, maxWaitMs, signal) => {
    const intervalMs = this.#intervalMs[provider];
    if (intervalMs === undefined) return null;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const lane = this.#lane(provider, region, intervalMs);
    const expected = this.#expectedWait(lane, caller);
    if (expected > maxWaitMs) return Promise.reject(this.#throttled(lane, expected));
    return new Promise<void>((resolve, reject) => {
      const turn: Turn = {
        caller,
        askedAt: this.#clock.now(),
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      turn.timer = this.#clock.setTimeout(() => {
        turn.timer = undefined;
        if (this.#leave(lane, turn))
          reject(this.#throttled(lane, this.#expectedWait(lane, caller) || intervalMs));
      }, maxWaitMs);
      if (signal) {
        turn.onAbort = () => {
          if (this.#leave(lane, turn)) reject(signal.reason as Error);
        };
        signal.addEventListener('abort', turn.onAbort, { once: true });
      }
      const queue = lane.callers.get(caller);
      if (queue) queue.turns.push(turn);
      else lane.callers.set(caller, { turns: [turn], lastServed: lane.served - 0.5 });
      lane.size += 1;
      this.#pump(lane);
    });
  };

  #lane(provider: JobProvider, region: string, intervalMs: number): Lane {
    const key = `${provider}:${region}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = {
        key,
        provider,
        region,
        intervalMs,
        callers: new Map(),
        size: 0,
        served: 0,
        pumping: false,
        freeAt: 0,
        timer: undefined,
        wake: undefined,
      };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * What this process's queue says a new call of `caller` would wait, in ms: the time until the
   * next turn may be free, then one interval per call served before it — round-robin, that is
   * the caller's own calls waiting, and of each other caller as many, plus one. Other replicas'
   * calls are not known here, so the real wait may be longer (then the call's limit ends it).
   */
  #expectedWait(lane: Lane, caller: string): number {
    const own = lane.callers.get(caller)?.turns.length ?? 0;
    let ahead = own;
    for (const [other, queue] of lane.callers)
      if (other !== caller) ahead += Math.min(queue.turns.length, own + 1);
    return Math.max(0, lane.freeAt - this.#clock.now()) + ahead * lane.intervalMs;
  }

  #throttled(lane: Lane, retryAfterMs: number): UpstreamError {
    this.#observer?.rateThrottled?.(lane.provider);
    const where = lane.region === 'global' ? '' : ` in ${lane.region}`;
    const ms = Math.max(1, Math.ceil(retryAfterMs));
    return new UpstreamError({
      provider: lane.provider,
      code: 'UPSTREAM_THROTTLED',
      message: `jobgraph's rate budget for ${PROVIDER_LABEL[lane.provider]}${where} (${this.#perSecond[lane.provider]} calls/s, JOBGRAPH_UPSTREAM_RATE_LIMITS) is spent; try again in ${ms} ms.`,
      retryable: false,
      retryAfterMs: ms,
    });
  }

  /** Take a waiting call out of its lane; false when it is no longer waiting. */
  #leave(lane: Lane, turn: Turn): boolean {
    const queue = lane.callers.get(turn.caller);
    const i = queue ? queue.turns.indexOf(turn) : -1;
    if (!queue || i < 0) return false;
    queue.turns.splice(i, 1);
    if (queue.turns.length === 0) lane.callers.delete(turn.caller);
    lane.size -= 1;
    this.#settle(turn);
    if (lane.size === 0) lane.wake?.(); // the pump stops
    return true;
  }

  #settle(turn: Turn): void {
    if (turn.timer !== undefined) this.#clock.clearTimeout(turn.timer);
    turn.timer = undefined;
    if (turn.onAbort) turn.signal?.removeEventListener('abort', turn.onAbort);
  }

  /** The next call round-robin: the first call of the waiting caller served longest ago. */
  #next(lane: Lane): Turn | undefined {
    let next: [string, CallerQueue] | undefined;
    for (const entry of lane.callers)
      if (!next || entry[1].lastServed < next[1].lastServed) next = entry;
    if (!next) return undefined;
    const [caller, queue] = next;
    const turn = queue.turns.shift() as Turn;
    if (queue.turns.length === 0) lane.callers.delete(caller);
    lane.served += 1;
    queue.lastServed = lane.served;
    lane.size -= 1;
    return turn;
  }

  /** Ask the bucket for turns while the lane has calls waiting; wait when it says a turn is not free yet. */
  #pump(lane: Lane): void {
    if (lane.pumping) return;
    lane.pumping = true;
    void this.#run(lane).finally(() => {
      lane.pumping = false;
      if (lane.size > 0) this.#pump(lane);
      else if (this.#lanes.get(lane.key) === lane) this.#lanes.delete(lane.key);
    });
  }

  async #run(lane: Lane): Promise<void> {
    while (lane.size > 0) {
      let waitMs: number;
      try {
        waitMs = await this.#bucket.take(lane.key, lane.intervalMs);
      } catch {
        // A bucket that fails (it should fall back on its own) grants nothing: try again in an interval.
        waitMs = lane.intervalMs;
      }
      const now = this.#clock.now();
      if (waitMs > 0) {
        lane.freeAt = now + waitMs;
        await this.#sleep(lane, waitMs);
        continue;
      }
      lane.freeAt = now + lane.intervalMs;
      // Calls that left while the bucket was asked leave the turn unused: it is not given back.
      const turn = this.#next(lane);
      if (!turn) return;
      this.#settle(turn);
      this.#observer?.rateGranted?.(lane.provider, now - turn.askedAt);
      turn.resolve();
    }
  }

  /** The pump's wait: `ms`, or until the lane empties. */
  #sleep(lane: Lane, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        if (lane.timer !== undefined) this.#clock.clearTimeout(lane.timer);
        lane.timer = undefined;
        lane.wake = undefined;
        resolve();
      };
      lane.wake = done;
      lane.timer = this.#clock.setTimeout(done, ms);
    });
  }
}
