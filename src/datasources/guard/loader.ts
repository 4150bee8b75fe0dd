import { BrokenCircuitError } from 'cockatiel';
import DataLoader from 'dataloader';
import type { JobCache } from '../../cache/jobCache.ts';
import { InternalError, UpstreamError } from '../../errors.ts';
import { formatGlobalId, type KeyOf } from '../../globalId.ts';
import type { JobProvider, JobRecord } from '../../model.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { breakerRegion, RegionalBreakers, type BreakerOptions } from './breakers.ts';
import { FairLimiter, type CallerState, type LimiterEntry } from './fairLimit.ts';
import type { JobSource } from '../shared/types.ts';

export interface GuardOptions extends BreakerOptions {
  /** Concurrent upstream calls for this provider across all requests. */
  concurrency: number;
  /** Concurrent upstream calls one caller may have at this provider, across all its requests. */
  callerConcurrency: number;
  /** Most time one job may take, queueing, attempts and waits included, in ms. */
  budgetMs: number;
}

/**
 * Told of every failed job. The HTTP edge's FdHealth (src/http/health.ts) implements it, so
 * /healthz notices EMFILE/ENFILE; the datasources import nothing from the edge.
 */
export interface FailureObserver {
  noteError(err: Error): void;
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
  /** Told of every failed job (in the gateway: FdHealth, so /healthz notices EMFILE/ENFILE). */
  health?: FailureObserver;
  /** Told of cache lookups and batches. */
  observer?: LoaderObserver;
}

/** The caller of requests without a token subject: they share one bucket. */
export const NO_SUBJECT_CALLER = '';

export function guardSource<P extends JobProvider>(
  source: JobSource<P>,
  options: GuardOptions,
  cache?: JobCache,
  health?: FailureObserver,
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

/**
 * The record a request's loader serves: its own shallow copy of the shared one. The shared record
 * (the cache's deeply frozen parse, or a fetched record every waiter of a call shares) is handed to
 * graphql-js and `@apollo/subgraph`, and `@apollo/subgraph` defines `__typename` on whatever a
 * `__resolveReference` returns (`Object.defineProperty`, types.js `maybeAddTypeNameToPossibleReturn`):
 * on a frozen record that throws ("object is not extensible", every cached job's `_entities` item
 * was null), on a shared one it writes into other requests' object. Only top-level properties are
 * written, so a shallow copy is enough; nested values stay shared (and frozen when cached), which
 * graphql-js only reads. The copy lives as long as the request's DataLoader.
 */
function requestCopy(record: JobRecord): JobRecord {
  return { ...record };
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
 * A request's wait for a shared call: settled by the call, or rejected with the budget error
 * when its deadline passes first (then it stops waiting; the call goes on for the others).
 * A loader's waiter answers a failure as the Error value DataLoader expects in its slot, and a
 * record as the request's own copy (see {@link requestCopy}).
 */
class Waiter implements Deadline {
  at = 0;
  done = false;
  constructor(
    readonly call: WaitedCall,
    readonly resolve: (value: JobRecord | Error) => void,
    readonly reject: (err: Error) => void,
    readonly forLoader: boolean,
  ) {}

  settle(record: JobRecord | undefined, err: Error | undefined): void {
    if (this.done) return;
    this.call.deadlines.settle(this);
    if (err === undefined) this.resolve(this.forLoader ? requestCopy(record as JobRecord) : (record as JobRecord));
    else this.fail(err);
  }

  fail(err: Error): void {
    if (this.forLoader) this.resolve(this.call.noteError(err));
    else this.reject(err);
  }

  expire(): void {
    this.fail(budgetError(this.call.guarded.source.provider, this.call.guarded.budgetMs));
    this.call.leave(this);
  }
}

/** What a waiter needs of its call. */
interface WaitedCall {
  readonly guarded: { readonly source: { readonly provider: JobProvider }; readonly budgetMs: number };
  readonly deadlines: Deadlines;
  noteError(err: Error): Error;
  leave(waiter: Waiter): void;
}

/** A caller who joined a call still waiting for a slot: its own place in the limiter's queue. */
class JoinEntry implements LimiterEntry {
  waitingIn?: CallerState | undefined;
  constructor(readonly call: LimiterEntry) {}
  start(): PromiseLike<unknown> | undefined {
    return this.call.start();
  }
}

/**
 * One upstream call for one job, shared by every request that asks for that job while it is in
 * flight. It has no deadline of its own: it lives while anyone still waits for it, and is
 * abandoned (taken out of the limiter's queue, its attempts aborted) when the last waiter's
 * budget runs out. So one waiter giving up never fails the others.
 *
 * Steps: the cross-request cache (when there is one), then — with a shared cache that offers
 * leases (Redis) — the cross-process lease, then the guarded fetch, then the cache offer.
 *
 * Fairness: the call waits in the provider's limiter under the caller who started it (the call
 * itself is that queue entry), and under each other caller who joins while it still waits; the
 * first of those entries to get a slot runs the call and holds that slot until it settles, the
 * others leave the queue. So a caller with one job never waits behind another caller's flood
 * because both asked for the same job.
 *
 * Memory: a call waiting for a slot holds its key, its waiters and its queue place — no abort
 * controller, timer, listener or closure until it runs (a flood queues thousands of them).
 */
class SharedCall<P extends JobProvider> implements LimiterEntry, WaitedCall {
  waitingIn?: CallerState | undefined;
  readonly deadlines: Deadlines;
  readonly #startedAt = Date.now();
  readonly #waiters: Waiter[] = [];
  /** Callers queued for this call: the first, then those who joined before it started. */
  #callers: string | string[];
  #joins: JoinEntry[] | undefined;
  #started = false;
  #queueing = false;
  #settled = false;
  #abort: AbortController | undefined;
  /** The upstream step's outcome, while the cache steps await it (cache configured only). */
  #upstream: { resolve: (r: JobRecord) => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly guarded: GuardedSource<P>,
    readonly key: KeyOf<P>,
    readonly id: string,
    readonly calls: Map<string, SharedCall<P>>,
    caller: string,
  ) {
    this.deadlines = deadlinesOf(guarded);
    this.#callers = caller;
    if (!guarded.cache) {
      this.#enqueueAll();
      return;
    }
    this.#throughCache(guarded.cache).then(
      (record) => this.#finish(record, undefined),
      (err: unknown) => this.#finish(undefined, err as Error),
    );
  }

  /** Wait for this call for at most the budget, counted from now; `forLoader`: a request's DataLoader (see Waiter). */
  wait(forLoader: boolean): Promise<JobRecord | Error> {
    return new Promise<JobRecord | Error>((resolve, reject) => {
      const waiter = new Waiter(this, resolve, reject, forLoader);
      this.#waiters.push(waiter);
      this.deadlines.add(waiter, this.guarded.budgetMs);
    });
  }

  /** A waiter's budget ran out; the last to go abandons the call. */
  leave(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
    if (this.#waiters.length > 0 || this.#settled) return;
    const reason = budgetError(this.guarded.source.provider, this.guarded.budgetMs);
    this.#forget();
    if (this.#started) {
      this.#abort?.abort(reason);
      return;
    }
    this.#withdrawAll();
    this.#fail(reason);
  }

  /** Another caller asks for the job: while the call still waits for a slot, it waits under that caller too. */
  join(caller: string): void {
    if (this.#started) return;
    const callers = this.#callers;
    if (callers === caller || (Array.isArray(callers) && callers.includes(caller))) return;
    this.#callers = Array.isArray(callers) ? [...callers, caller] : [callers, caller];
    if (this.#queueing) this.#enqueueJoin(caller);
  }

  noteError(err: Error): Error {
    this.guarded.health?.noteError(err);
    return err;
  }

  /** A slot is free (under any of the callers): run the upstream call, once. */
  start(): PromiseLike<unknown> | undefined {
    if (this.#started || this.#settled) return undefined;
    this.#started = true;
    this.#withdrawAll();
    const { source, breakers, budgetMs } = this.guarded;
    const region = breakerRegion(this.key);
    const abort = new AbortController();
    this.#abort = abort;
    const run = breakers.execute(this.key, (signal) => source.fetchJob(this.key, { signal }), abort.signal);
    // Cut short: abandoned, or the whole budget is gone (the client trims its last attempt to what
    // is left of the budget, which started at or after `startedAt`; its timeout racing the waiters'
    // deadline timer must still answer as the budget). The 1 ms absorbs timer rounding.
    run.then(
      (record) => this.#upstreamDone(record, undefined),
      (err: unknown) =>
        this.#upstreamDone(undefined, failureOf(err, source.provider, region, budgetMs, abort.signal.aborted || Date.now() - this.#startedAt >= budgetMs - 1)),
    );
    return run;
  }

  async #throughCache(cache: JobCache): Promise<JobRecord> {
    const { budgetMs, observer } = this.guarded;
    const hit = await cache.get(this.id);
    observer?.cacheLookup?.(hit ? 'hit' : 'miss');
    if (hit) return hit;
    // Across processes: wait (a bounded time) for another process that fetches this job, or fetch it and tell the others.
    const claim = cache.claim
      ? await cache.claim(this.id, { leaseMs: budgetMs, waitMs: Math.max(0, budgetMs / 2 - (Date.now() - this.#startedAt)) })
      : undefined;
    if (claim?.record) return claim.record;
    let stored = false;
    try {
      if (this.#settled) throw budgetError(this.guarded.source.provider, budgetMs); // abandoned meanwhile
      const record = await new Promise<JobRecord>((resolve, reject) => {
        this.#upstream = { resolve, reject };
        this.#enqueueAll();
      });
      stored = await cache.offer(record);
      return record;
    } finally {
      claim?.done?.(stored);
    }
  }

  #enqueueAll(): void {
    this.#queueing = true;
    const callers = this.#callers;
    if (!Array.isArray(callers)) {
      this.guarded.limit.enqueue(callers, this);
      return;
    }
    this.guarded.limit.enqueue(callers[0]!, this);
    for (let i = 1; i < callers.length; i++) this.#enqueueJoin(callers[i]!);
  }

  #enqueueJoin(caller: string): void {
    const entry = new JoinEntry(this);
    (this.#joins ??= []).push(entry);
    this.guarded.limit.enqueue(caller, entry);
  }

  /** Leave every queue this call still waits in. */
  #withdrawAll(): void {
    const limit = this.guarded.limit;
    limit.withdraw(this);
    if (!this.#joins) return;
    for (const entry of this.#joins) limit.withdraw(entry);
    this.#joins = undefined;
  }

  #upstreamDone(record: JobRecord | undefined, err: Error | undefined): void {
    const upstream = this.#upstream;
    if (upstream) {
      this.#upstream = undefined;
      if (err === undefined) upstream.resolve(record as JobRecord);
      else upstream.reject(err);
      return;
    }
    this.#finish(record, err);
  }

  #fail(err: Error): void {
    const upstream = this.#upstream;
    if (upstream) {
      this.#upstream = undefined;
      upstream.reject(err); // the cache steps settle the call
      return;
    }
    this.#finish(undefined, err);
  }

  /** Settle every waiter and leave the map of calls in flight. */
  #finish(record: JobRecord | undefined, err: Error | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#forget();
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter.settle(record, err);
  }

  #forget(): void {
    if (this.calls.get(this.id) === this) this.calls.delete(this.id);
  }
}

/** In-flight calls per guarded source, by global ID. An entry is removed when its call settles or is abandoned. */
const IN_FLIGHT = new WeakMap<object, Map<string, unknown>>();

function inFlightOf<P extends JobProvider>(guarded: GuardedSource<P>): Map<string, SharedCall<P>> {
  let calls = IN_FLIGHT.get(guarded);
  if (!calls) {
    calls = new Map();
    IN_FLIGHT.set(guarded, calls);
  }
  return calls as Map<string, SharedCall<P>>;
}

/** How many jobs of this source have a call in flight now (tests and the subscription poller). */
export function inFlightCount(guarded: object): number {
  return IN_FLIGHT.get(guarded)?.size ?? 0;
}

/** A waiter's deadline: `expire` runs once it passes, unless the waiter was served first. */
interface Deadline {
  at: number;
  done: boolean;
  expire(): void;
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

  add(deadline: Deadline, ms: number): void {
    deadline.at = performance.now() + ms;
    this.#items.push(deadline);
    if (this.#timer === undefined) this.#arm(deadline.at);
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

/**
 * The shared call for `key`: the one in flight, joined, or a new one. A request that asks for a
 * job another request is already fetching waits for that call instead of making its own.
 */
function sharedCallFor<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, caller: string): SharedCall<P> {
  const id = formatGlobalId(key);
  const calls = inFlightOf(guarded);
  const call = calls.get(id);
  if (call) {
    guarded.observer?.coalesced?.(guarded.source.provider);
    call.join(caller);
    return call;
  }
  const mine = new SharedCall(guarded, key, id, calls, caller);
  // A call settled at once (a cache answering synchronously cannot: its steps await) never lingers in the map.
  calls.set(id, mine);
  return mine;
}

/**
 * Fetch one job for `caller` (the token's subject) below the per-request DataLoader: the
 * cross-request cache, then the process-wide map of calls in flight — a request that asks for a
 * job another request is already fetching waits for that call instead of making its own — then
 * the guarded upstream call, then the cache offer. The record is shared as it is between the
 * callers that waited for it, and may be the cache's deeply frozen record: for readers only (the
 * subscription pollers, whose events graphql-js executes and only reads). A request's resolvers
 * get their own copy through `createJobLoader` instead. The call leaves the map when it settles,
 * so a record carrying secrets is shared only while in flight and never stored.
 *
 * Budget: each waiter waits at most the provider's budget from when it asked ("no job waits more
 * than the budget in all"), queueing, attempts and waits included; the call goes on while anyone
 * waits, and is abandoned when the last one gives up. While the circuit of the job's region is
 * open the job fails at once with UPSTREAM_UNAVAILABLE.
 */
export function fetchJobShared<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, caller: string = NO_SUBJECT_CALLER): Promise<JobRecord> {
  return sharedCallFor(guarded, key, caller).wait(false) as Promise<JobRecord>;
}

/**
 * The per-request loader of one provider. DataLoader collects every key asked for in one
 * tick (all of `jobs(ids:)`, all aliases, all `_entities` representations), de-duplicates
 * them by global ID, and calls the batch function once; the batch function issues every
 * call at once under the provider's concurrency cap. A failing job is an Error in its own
 * slot, never a rejected batch. Finished jobs come from and go to the cross-request cache
 * when there is one (it decides what may be cached). Each record is the request's own shallow
 * copy (see {@link requestCopy}), never the shared or cached object: libraries write to it.
 */
export function createJobLoader<P extends JobProvider>(guarded: GuardedSource<P>, caller: string = NO_SUBJECT_CALLER): DataLoader<KeyOf<P>, JobRecord, string> {
  const observer = guarded.observer;
  // Each slot is the record or its Error (told to the fd health check), never a rejected promise.
  const batch = (keys: readonly KeyOf<P>[]) => Promise.all(keys.map((key) => sharedCallFor(guarded, key, caller).wait(true)));
  const observed = observer?.batch ? (keys: readonly KeyOf<P>[]) => observer.batch!(guarded.source.provider, keys.length, () => batch(keys)) : batch;
  return new DataLoader<KeyOf<P>, JobRecord, string>(observed, {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
