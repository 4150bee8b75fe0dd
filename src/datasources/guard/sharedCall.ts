import type { JobCache } from '../../cache/jobCache.ts';
import { UpstreamError } from '../../errors.ts';
import { formatGlobalId, type AnyKeyOf } from '../../model/globalId.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { AnswerMemo } from '../shared/answerMemo.ts';
import type { JobSource } from '../shared/types.ts';
import { breakerRegion, type BreakerAccounts, type RegionalBreakers } from './breakers.ts';
import type { Deadlines } from './deadlines.ts';
import { budgetError, failureOf } from './failures.ts';
import type { CallerState, FairLimiter, LimiterEntry } from './fairLimit.ts';
import { Waiter, type WaitedCall } from './waiter.ts';

// A guarded source holds its shared calls and each shared call its guarded source, so the two
// types live in one file (loader.ts re-exports GuardedSource and its observers).

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
  /** A job the provider no longer knows was answered with its record from the history store. */
  retainedAnswer?(provider: JobProvider): void;
  /** Runs one loader batch of `size` keys (tracing wraps it in a span). */
  batch?<T>(provider: JobProvider, size: number, run: () => Promise<T>): Promise<T>;
}

/**
 * Jobs retained after their provider forgets them (the history store, src/history): the job's
 * latest record without its secrets, marked `retained` with `lastConfirmedAt`, or undefined.
 * Never rejects (a failing store answers undefined).
 */
export interface RetainedJobs {
  recall(globalId: string): Promise<JobRecord | undefined>;
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
  /**
   * Jobs retained after the provider forgets them (the history store): a NOT_FOUND answer is
   * replaced by the retained record when there is one; absent with history off.
   */
  retained?: RetainedJobs;
  /** The account a key names (the breakers' per-account circuits read it). */
  accounts?: BreakerAccounts;
  /** Told of every failed job (in the gateway: FdHealth, so /healthz notices EMFILE/ENFILE). */
  health?: FailureObserver;
  /** Told of cache lookups and batches. */
  observer?: LoaderObserver;
  /**
   * Its calls in flight, by global ID: one per job, shared by every request that asks for the job
   * while it is in flight; a call leaves when it settles or is abandoned (sharedCall.ts).
   */
  readonly inFlight: Map<string, SharedCall<P>>;
  /** Its waiters' deadlines, one timer for them all (deadlines.ts). */
  readonly deadlines: Deadlines;
  /** Its batch describe's calls (batchCall.ts), for a source with one (`JobSource.batch`). */
  readonly batcher?: BatchQueue<P>;
}

/**
 * Where a batch source's shared calls wait to go out together (batchCall.ts's DescribeBatcher);
 * declared here so that batchCall.ts imports this file and not the other way round.
 */
export interface BatchQueue<P extends JobProvider> {
  add(call: SharedCall<P>): void;
}

/** A caller who joined a call still waiting for a slot: its own place in the limiter's queue. */
class JoinEntry implements LimiterEntry {
  waitingIn?: CallerState | undefined;
  constructor(
    readonly call: { startAs(caller: string): PromiseLike<unknown> | undefined },
    readonly caller: string,
  ) {}
  start(): PromiseLike<unknown> | undefined {
    return this.call.startAs(this.caller);
  }
}

/**
 * One upstream call for one job, shared by every request that asks for that job while it is in
 * flight. It has no deadline of its own: it lives while anyone still waits for it, and is
 * abandoned (taken out of the limiter's queue, its attempts aborted) when the last waiter's
 * budget runs out. So one waiter giving up never fails the others.
 *
 * Steps: the cross-request cache (when there is one), then — with a shared cache that offers
 * leases (Redis) — the cross-process lease, then the guarded fetch, then the cache's admit. With a
 * cache without leases (in process) the record is admitted as the fetch settles and not waited for:
 * the lookup's promise is the call's only step of its own around the fetch (a watch's poll makes
 * one call a job a poll, and each awaited step was promises and microtasks of its own).
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
export class SharedCall<P extends JobProvider> implements LimiterEntry, WaitedCall {
  waitingIn?: CallerState | undefined;
  /** The source's waiter deadlines (each waiter's budget). */
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
  /** The upstream step's outcome, while the cache steps await it (a cache with leases only). */
  #upstream: { resolve: (r: JobRecord) => void; reject: (e: Error) => void } | undefined;
  /** A cache without leases: admits the fetched record as the fetch settles (#lookUp). */
  #admitTo: JobCache | undefined;
  /** A watch's memo's record as the call began: admitted already, when the memo took it. */
  #admitted: unknown;

  constructor(
    readonly guarded: GuardedSource<P>,
    readonly key: AnyKeyOf<P>,
    readonly id: string,
    caller: string,
    /** The job's last answer, when a watch polls it (CallOptions.answer). */
    readonly answer?: AnswerMemo,
  ) {
    this.deadlines = guarded.deadlines;
    this.#callers = caller;
    const cache = guarded.cache;
    if (!cache) {
      this.#enqueueAll();
      return;
    }
    if (!withLeases(cache)) {
      this.#admitTo = cache;
      // A watch's poll after its first asks the provider for news of a job it last saw
      // unfinished, and this process's cache holds finished jobs only, admitted from calls like this
      // one: the poll makes no lookup (a job another request found finished meanwhile costs it
      // this call, answered the same), and its memo's record, admitted when the memo took it, is
      // not admitted again. A watch's first poll has seen nothing yet: it looks the job up, as a
      // request does, so a job the cache holds finished costs no call.
      if (answer && answer.value !== undefined) {
        this.#admitted = answer.value;
        this.#enqueueAll();
      } else this.#lookUp(cache);
      return;
    }
    this.#throughCache(cache).then(
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
    // A job of a batch call waits in its batch's one limiter entry, never in one of its own.
    if (this.#queueing && !this.#batched) this.#enqueueJoin(caller);
  }

  /** Its job goes in a batch describe (a further kind's job never does: `JobSource.batch.takes`). */
  get #batched(): boolean {
    return (
      this.guarded.batcher !== undefined && this.guarded.source.batch?.takes(this.key) === true
    );
  }

  /** The caller who started the call (a batch call waits under its first job's). */
  get firstCaller(): string {
    const callers = this.#callers;
    return Array.isArray(callers) ? callers[0]! : callers;
  }

  /** What is left of the first waiter's budget, in ms (a batch call takes its jobs' least). */
  timeLeftMs(): number {
    return this.guarded.budgetMs - (Date.now() - this.#startedAt);
  }

  /**
   * Taken into a batch call (batchCall.ts) that is about to start: the signal that says this
   * job was abandoned, or null when it already started or settled (left out of the call).
   */
  claimForBatch(): AbortSignal | null {
    if (this.#started || this.#settled) return null;
    this.#started = true;
    this.#abort = new AbortController();
    return this.#abort.signal;
  }

  /**
   * The batch call's outcome for this job: its record, its own Error (NOT_FOUND), or the
   * failure of the whole call (`cutShort`: the call was abandoned).
   */
  batchSettled(outcome: unknown, cutShort: boolean): void {
    if (outcome !== undefined && !(outcome instanceof Error)) {
      this.#upstreamDone(outcome as JobRecord, undefined);
      return;
    }
    const { source, budgetMs } = this.guarded;
    const err = outcome ?? new Error('the batch call answered no outcome for this job');
    this.#upstreamDone(
      undefined,
      failureOf(
        err,
        source.provider,
        breakerRegion(this.key),
        budgetMs,
        cutShort || this.timeLeftMs() <= 1,
      ),
    );
  }

  noteError(err: Error): Error {
    this.guarded.health?.noteError(err);
    return err;
  }

  /** A slot is free under the caller who started the call: run the upstream call, once. */
  start(): PromiseLike<unknown> | undefined {
    const callers = this.#callers;
    return this.startAs(Array.isArray(callers) ? callers[0]! : callers);
  }

  /**
   * A slot is free under `caller`: run the upstream call, once, in that caller's share of the rate
   * budget, with what is left of the first waiter's budget (the earliest deadline).
   */
  startAs(caller: string): PromiseLike<unknown> | undefined {
    if (this.#started || this.#settled) return undefined;
    this.#started = true;
    this.#withdrawAll();
    const { source, breakers, budgetMs } = this.guarded;
    const region = breakerRegion(this.key);
    const abort = new AbortController();
    this.#abort = abort;
    const run = breakers.execute(
      this.key,
      (signal) =>
        source.fetchJob(this.key, {
          signal,
          caller,
          timeLeftMs: this.timeLeftMs(),
          ...(this.answer ? { answer: this.answer } : {}),
        }),
      abort.signal,
      this.id,
    );
    // Cut short: abandoned, or the whole budget is gone (the client trims its last attempt to what
    // is left of the budget, which started at or after `startedAt`; its timeout racing the waiters'
    // deadline timer must still answer as the budget). The 1 ms absorbs timer rounding.
    run.then(
      (record) => this.#upstreamDone(record, undefined),
      (err: unknown) =>
        this.#upstreamDone(
          undefined,
          failureOf(
            err,
            source.provider,
            region,
            budgetMs,
            abort.signal.aborted || this.timeLeftMs() <= 1,
          ),
        ),
    );
    return run;
  }

  /** A cache without leases: its lookup, then the call (unless it answered or the call was abandoned meanwhile). */
  #lookUp(cache: JobCache): void {
    cache.get(this.id).then(
      (hit) => {
        this.guarded.observer?.cacheLookup?.(hit ? 'hit' : 'miss');
        if (hit) this.#finish(hit, undefined);
        else if (!this.#settled) this.#enqueueAll();
      },
      (err: unknown) => this.#finish(undefined, err as Error),
    );
  }

  /** A cache with leases (Redis): its lookup, the cross-process lease (`claim`), the call, the admit. */
  async #throughCache(cache: LeasedCache): Promise<JobRecord> {
    const { budgetMs, observer } = this.guarded;
    const hit = await cache.get(this.id);
    observer?.cacheLookup?.(hit ? 'hit' : 'miss');
    if (hit) return hit;
    // Across processes: wait (a bounded time) for another process that fetches this job, or fetch it and tell the others.
    const claim = await cache.claim(this.id, {
      leaseMs: budgetMs,
      waitMs: Math.max(0, budgetMs / 2 - (Date.now() - this.#startedAt)),
    });
    if (claim.record) return claim.record;
    let stored = false;
    try {
      if (this.#settled) throw budgetError(this.guarded.source.provider, budgetMs); // abandoned meanwhile
      const record = await new Promise<JobRecord>((resolve, reject) => {
        this.#upstream = { resolve, reject };
        this.#enqueueAll();
      });
      stored = await cache.admit(record);
      return record;
    } finally {
      claim.done?.(stored);
    }
  }

  #enqueueAll(): void {
    this.#queueing = true;
    if (this.#batched) {
      this.guarded.batcher!.add(this);
      return;
    }
    const callers = this.#callers;
    if (!Array.isArray(callers)) {
      this.guarded.limit.enqueue(callers, this);
      return;
    }
    this.guarded.limit.enqueue(callers[0]!, this);
    for (let i = 1; i < callers.length; i++) this.#enqueueJoin(callers[i]!);
  }

  #enqueueJoin(caller: string): void {
    const entry = new JoinEntry(this, caller);
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

  /**
   * The upstream call's outcome, through the history store: a NOT_FOUND answer becomes the job's
   * retained record when there is one. Live wins: the store is read only after the provider said
   * it does not know the job. Authorization was decided on the ID before the call, and the store's
   * row of that ID is of the ID's account, so it is answered as the live one would be.
   */
  #upstreamDone(record: JobRecord | undefined, err: Error | undefined): void {
    const retained = this.guarded.retained;
    if (retained && err instanceof UpstreamError && err.code === 'NOT_FOUND') {
      void retained.recall(this.id).then((kept) => {
        if (kept) this.guarded.observer?.retainedAnswer?.(this.guarded.source.provider);
        this.#upstreamSettled(kept, kept ? undefined : err);
      });
      return;
    }
    this.#upstreamSettled(record, err);
  }

  #upstreamSettled(record: JobRecord | undefined, err: Error | undefined): void {
    const upstream = this.#upstream;
    if (upstream) {
      this.#upstream = undefined;
      if (err === undefined) upstream.resolve(record as JobRecord);
      else upstream.reject(err);
      return;
    }
    // The cache decides what it stores, and says a failure itself (a store's failure is a miss):
    // an in-process store has stored the record before the waiters are answered.
    if (record !== undefined && record !== this.#admitted)
      this.#admitTo?.admit(record).then(undefined, ignore);
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
    const calls = this.guarded.inFlight;
    if (calls.get(this.id) === this) calls.delete(this.id);
  }
}

/**
 * The shared call for `key`: the one in flight, joined, or a new one. A request that asks for a
 * job another request is already fetching waits for that call instead of making its own. `answer`:
 * the job's last answer, for a new call (a watch's poll).
 */
export function sharedCallFor<P extends JobProvider>(
  guarded: GuardedSource<P>,
  key: AnyKeyOf<P>,
  caller: string,
  answer?: AnswerMemo,
): SharedCall<P> {
  const id = formatGlobalId(key);
  const calls = guarded.inFlight;
  const call = calls.get(id);
  if (call) {
    guarded.observer?.coalesced?.(guarded.source.provider);
    call.join(caller);
    return call;
  }
  const mine = new SharedCall(guarded, key, id, caller, answer);
  // A call settled at once (a cache answering synchronously cannot: its steps await) never lingers in the map.
  calls.set(id, mine);
  return mine;
}

/** A cache that offers leases across processes (Redis). */
type LeasedCache = JobCache & Required<Pick<JobCache, 'claim'>>;
const withLeases = (cache: JobCache): cache is LeasedCache => cache.claim !== undefined;

/** A settled promise's outcome nobody waits for (the cache's admit, which handles its own failures). */
function ignore(): void {}
