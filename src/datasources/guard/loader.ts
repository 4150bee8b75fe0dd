import { BrokenCircuitError } from 'cockatiel';
import DataLoader from 'dataloader';
import type { JobCache } from '../../cache/jobCache.ts';
import { InternalError, UpstreamError } from '../../errors.ts';
import type { FdHealth } from '../../health.ts';
import { formatGlobalId, type KeyOf } from '../../globalId.ts';
import type { JobProvider, JobRecord } from '../../model.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { breakerRegion, RegionalBreakers, type BreakerOptions } from './breakers.ts';
import { FairLimiter } from './fairLimit.ts';
import type { JobSource } from '../shared/types.ts';

export interface GuardOptions extends BreakerOptions {
  /** Concurrent upstream calls for this provider across all requests. */
  concurrency: number;
  /** Concurrent upstream calls one caller may have at this provider, across all its requests. */
  callerConcurrency: number;
  /** Most time one job may take, queueing, attempts and waits included, in ms. */
  budgetMs: number;
}

/** Told of cache lookups and loader batches (metrics and traces, src/observability); every hook optional. */
export interface LoaderObserver {
  cacheLookup?(result: 'hit' | 'miss'): void;
  /** A request waited for a call another request had in flight, instead of making its own. */
  coalesced?(provider: JobProvider): void;
  /** Runs one loader batch of `size` keys (tracing wraps it in a span). */
  batch?<T>(provider: JobProvider, size: number, run: () => Promise<T>): Promise<T>;
}

/** A provider's source with its process-wide protections: fair concurrency cap, circuit breakers, time budget. */
export interface GuardedSource<P extends JobProvider = JobProvider> {
  source: JobSource<P>;
  /** The provider's concurrency cap, shared fairly between callers, with a cap per caller. */
  limit: FairLimiter;
  /** One circuit breaker per region (Import/Export, a global service, has one). */
  breakers: RegionalBreakers;
  budgetMs: number;
  /** Cross-request cache of finished jobs; absent when off. */
  cache?: JobCache;
  /** Told of every failed job, so /healthz notices EMFILE/ENFILE. */
  health?: FdHealth;
  /** Told of cache lookups and batches. */
  observer?: LoaderObserver;
}

/** The caller of requests without a token subject: they share one bucket. */
export const NO_SUBJECT_CALLER = '';

export function guardSource<P extends JobProvider>(
  source: JobSource<P>,
  options: GuardOptions,
  cache?: JobCache,
  health?: FdHealth,
  observer?: LoaderObserver,
): GuardedSource<P> {
  return {
    source,
    limit: new FairLimiter(options.concurrency, options.callerConcurrency),
    breakers: new RegionalBreakers(options),
    budgetMs: options.budgetMs,
    ...(cache ? { cache } : {}),
    ...(health ? { health } : {}),
    ...(observer ? { observer } : {}),
  };
}

/** The failure a waiter gets when the provider did not answer within its budget. */
function budgetError(provider: JobProvider, budgetMs: number, cause?: unknown): UpstreamError {
  return new UpstreamError({
    provider,
    code: 'UPSTREAM_UNAVAILABLE',
    message: `${PROVIDER_LABEL[provider]} did not answer within ${budgetMs} ms.`,
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** What a failed guarded call is answered with: the provider's error as is, an open circuit or the budget as UPSTREAM_UNAVAILABLE, anything else as jobgraph's own failure. */
function failureOf(err: unknown, provider: JobProvider, region: string, budgetMs: number, cutShort: boolean): Error {
  if (err instanceof InternalError) return err;
  // A transport failure caused by the budget's own abort is answered as the budget, below.
  const cutByBudget = cutShort && err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && err.httpStatus === null;
  if (err instanceof UpstreamError && !cutByBudget) return err;
  if (err instanceof BrokenCircuitError) {
    const where = region === 'global' ? '' : ` in ${region}`;
    return new UpstreamError({
      provider,
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${PROVIDER_LABEL[provider]} is failing${where}; jobgraph stopped calling it there for a while.`,
      retryable: false,
      cause: err,
    });
  }
  if (cutShort) return budgetError(provider, budgetMs, err);
  // Anything else is jobgraph's own failure, never the provider's: INTERNAL_SERVER_ERROR (formatError
  // masks it with a correlation id), not retried, and not counted — the breaker counts only UPSTREAM_UNAVAILABLE.
  return new InternalError(provider, err);
}

/**
 * One upstream call for one job, shared by every request that asks for that job while it is in
 * flight. It has no deadline of its own: it lives while anyone still waits for it, and is
 * abandoned (taken out of the limiter's queue, its attempts aborted) when the last waiter's
 * budget runs out. So one waiter giving up never fails the others.
 */
interface SharedCall {
  promise: Promise<JobRecord>;
  /** Waiters still waiting. */
  waiters: number;
  /** Give a caller who joins its own place in the limiter's queue while the call still waits for a slot. */
  join(caller: string): void;
  abandon(reason: Error): void;
}

/** In-flight calls per guarded source, by global ID. An entry is removed when its call settles or is abandoned. */
const IN_FLIGHT = new WeakMap<object, Map<string, SharedCall>>();

function inFlightOf(guarded: object): Map<string, SharedCall> {
  let calls = IN_FLIGHT.get(guarded);
  if (!calls) {
    calls = new Map();
    IN_FLIGHT.set(guarded, calls);
  }
  return calls;
}

/** How many jobs of this source have a call in flight now (tests and the subscription poller). */
export function inFlightCount(guarded: object): number {
  return IN_FLIGHT.get(guarded)?.size ?? 0;
}

/**
 * Start the call for `key`: the cross-request cache (when there is one), then — with a shared cache
 * that offers leases (Redis) — the cross-process lease, then the guarded fetch, then the cache offer.
 *
 * Fairness: the call waits in the provider's limiter under the caller who started it, and under each
 * other caller who joins while it still waits; the first of those entries to get a slot runs the call
 * and holds that slot until it settles, the others leave the queue. So a caller with one job never
 * waits behind another caller's flood because both asked for the same job.
 */
function startCall<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, id: string, caller: string): SharedCall {
  const { source, limit, breakers, budgetMs, observer } = guarded;
  const cache = guarded.cache;
  const provider = source.provider;
  const region = breakerRegion(key);
  const startedAt = Date.now();
  // `abort` aborts the running attempts when the call is abandoned; `queue` takes the entries that
  // did not run the call out of the limiter's queue (when one of them starts it, or on abandonment).
  const abort = new AbortController();
  const queue = new AbortController();
  let started = false;
  let queueing = false;
  const callers = new Set<string>([caller]);
  let settle!: { resolve: (r: JobRecord) => void; reject: (e: Error) => void };
  const outcome = new Promise<JobRecord>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const task = (): Promise<unknown> => {
    if (started) return Promise.resolve();
    started = true;
    if (callers.size > 1) queue.abort();
    const run = breakers.forRegion(region).execute(({ signal }) => source.fetchJob(key, { signal }), abort.signal);
    // Cut short: abandoned, or the whole budget is gone (the client trims its last attempt to what
    // is left of the budget, which started at or after `startedAt`; its timeout racing the waiters'
    // deadline timer must still answer as the budget). The 1 ms absorbs timer rounding.
    run.then(settle.resolve, (err: unknown) =>
      settle.reject(failureOf(err, provider, region, budgetMs, abort.signal.aborted || Date.now() - startedAt >= budgetMs - 1)),
    );
    return run;
  };
  const enqueue = (who: string): void => {
    limit.run(who, task, queue.signal).catch((err: unknown) => {
      // An entry that did not run the call left the queue: because another entry runs it (ignored) or because the call was abandoned.
      if (!started) settle.reject(abort.signal.aborted ? (abort.signal.reason as Error) : failureOf(err, provider, region, budgetMs, true));
    });
  };
  const fetchUpstream = (): Promise<JobRecord> => {
    queueing = true;
    for (const who of callers) enqueue(who);
    return outcome;
  };
  const promise = !cache
    ? fetchUpstream()
    : (async (): Promise<JobRecord> => {
        const hit = await cache.get(id);
        observer?.cacheLookup?.(hit ? 'hit' : 'miss');
        if (hit) return hit;
        // Across processes: wait (a bounded time) for another process that fetches this job, or fetch it and tell the others.
        const claim = cache.claim ? await cache.claim(id, { leaseMs: budgetMs, waitMs: Math.max(0, budgetMs / 2 - (Date.now() - startedAt)) }) : undefined;
        if (claim?.record) return claim.record;
        let stored = false;
        try {
          const record = await fetchUpstream();
          stored = await cache.offer(record);
          return record;
        } finally {
          claim?.done?.(stored);
        }
      })();
  return {
    promise,
    waiters: 0,
    join(who) {
      if (started || callers.has(who)) return;
      callers.add(who);
      if (queueing) enqueue(who);
    },
    abandon(reason) {
      abort.abort(reason);
      queue.abort(reason);
    },
  };
}

/** A waiter's deadline: `expire` runs once it passes, unless the waiter was served first. */
interface Deadline {
  at: number;
  expire: () => void;
  done: boolean;
}

/**
 * The deadlines of one source's waiters. They all get the same budget, so they come due in the
 * order they were made: a FIFO with one timer for its head, instead of a timer (or an
 * `AbortSignal.timeout`) per job. Served waiters are dropped from the head as they settle.
 */
class Deadlines {
  readonly #items: Deadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  add(ms: number, expire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + ms, expire, done: false };
    this.#items.push(deadline);
    if (this.#timer === undefined) this.#arm(deadline.at);
    return deadline;
  }

  /** The waiter was served: forget its deadline (at once when it is the oldest). */
  settle(deadline: Deadline): void {
    deadline.done = true;
    this.#dropServed();
  }

  #dropServed(): void {
    while (this.#head < this.#items.length && this.#items[this.#head]!.done) this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#items.length) {
      const next = this.#items[this.#head]!;
      if (!next.done && next.at > now) break;
      this.#head += 1;
      if (!next.done) {
        next.done = true;
        next.expire();
      }
    }
    this.#dropServed();
    if (this.#head < this.#items.length && this.#timer === undefined) this.#arm(this.#items[this.#head]!.at);
  }
}

const DEADLINES = new WeakMap<object, Deadlines>();

function deadlinesOf(guarded: object): Deadlines {
  let deadlines = DEADLINES.get(guarded);
  if (!deadlines) {
    deadlines = new Deadlines();
    DEADLINES.set(guarded, deadlines);
  }
  return deadlines;
}

/** Wait for a shared call for at most the budget, counted from now; the last waiter to give up abandons the call. */
function waitFor(call: SharedCall, guarded: { source: { provider: JobProvider }; budgetMs: number }, forget: () => void): Promise<JobRecord> {
  call.waiters += 1;
  const deadlines = deadlinesOf(guarded);
  const { budgetMs } = guarded;
  return new Promise<JobRecord>((resolve, reject) => {
    const deadline = deadlines.add(budgetMs, () => {
      const err = budgetError(guarded.source.provider, budgetMs);
      reject(err);
      call.waiters -= 1;
      if (call.waiters === 0) {
        forget();
        call.abandon(err);
      }
    });
    call.promise.then(
      (record) => {
        if (deadline.done) return;
        deadlines.settle(deadline);
        resolve(record);
      },
      (err: Error) => {
        if (deadline.done) return;
        deadlines.settle(deadline);
        reject(err);
      },
    );
  });
}

/**
 * Fetch one job for `caller` (the token's subject) below the per-request DataLoader: the
 * cross-request cache, then the process-wide map of calls in flight — a request that asks for a
 * job another request is already fetching waits for that call instead of making its own — then
 * the guarded upstream call, then the cache offer. The record is shared as it is between the
 * requests that waited for it (nothing mutates it; each request's resolvers filter its fields by
 * that caller's scopes), and leaves the map when its call settles, so a record carrying secrets is
 * shared only while in flight and never stored.
 *
 * Budget: each waiter waits at most the provider's budget from when it asked ("no job waits more
 * than the budget in all"), queueing, attempts and waits included; the call goes on while anyone
 * waits, and is abandoned when the last one gives up. While the circuit of the job's region is
 * open the job fails at once with UPSTREAM_UNAVAILABLE.
 */
export function fetchJobShared<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, caller: string = NO_SUBJECT_CALLER): Promise<JobRecord> {
  const id = formatGlobalId(key);
  const calls = inFlightOf(guarded);
  let call = calls.get(id);
  if (call) {
    guarded.observer?.coalesced?.(guarded.source.provider);
    call.join(caller);
  } else {
    const mine = startCall(guarded, key, id, caller);
    call = mine;
    calls.set(id, mine);
    const forget = () => {
      if (calls.get(id) === mine) calls.delete(id);
    };
    mine.promise.then(forget, forget);
  }
  const shared = call;
  return waitFor(shared, guarded, () => {
    if (calls.get(id) === shared) calls.delete(id);
  });
}

/**
 * The per-request loader of one provider. DataLoader collects every key asked for in one
 * tick (all of `jobs(ids:)`, all aliases, all `_entities` representations), de-duplicates
 * them by global ID, and calls the batch function once; the batch function issues every
 * call at once under the provider's concurrency cap. A failing job is an Error in its own
 * slot, never a rejected batch. Finished jobs come from and go to the cross-request cache
 * when there is one (it decides what may be cached).
 */
export function createJobLoader<P extends JobProvider>(guarded: GuardedSource<P>, caller: string = NO_SUBJECT_CALLER): DataLoader<KeyOf<P>, JobRecord, string> {
  const observer = guarded.observer;
  const failed = (err: Error): Error => {
    guarded.health?.noteError(err);
    return err;
  };
  const batch = (keys: readonly KeyOf<P>[]) => Promise.all(keys.map((key) => fetchJobShared(guarded, key, caller).catch(failed)));
  const observed = observer?.batch ? (keys: readonly KeyOf<P>[]) => observer.batch!(guarded.source.provider, keys.length, () => batch(keys)) : batch;
  return new DataLoader<KeyOf<P>, JobRecord, string>(observed, {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
