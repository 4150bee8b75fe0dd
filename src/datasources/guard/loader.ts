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

/**
 * Fetch one job under the provider's protections, for `caller` (the token's subject). The
 * budget clock starts before the job waits for a concurrency slot, so "no job waits more than
 * the budget in all" holds under load too; a job still waiting when it runs out leaves the
 * queue. The abort signal reaches the client, which stops its attempts and retries. While the
 * circuit of the job's region is open the job fails at once with UPSTREAM_UNAVAILABLE.
 */
export async function fetchGuarded<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, caller: string = NO_SUBJECT_CALLER): Promise<JobRecord> {
  const provider = guarded.source.provider;
  const budget = AbortSignal.timeout(guarded.budgetMs);
  const region = breakerRegion(key);
  try {
    return await guarded.limit.run(
      caller,
      () => guarded.breakers.forRegion(region).execute(({ signal }) => guarded.source.fetchJob(key, { signal: AbortSignal.any([signal, budget]) })),
      budget,
    );
  } catch (err) {
    if (err instanceof InternalError) throw err;
    // A transport failure caused by the budget's own abort is answered as the budget, below.
    const cutByBudget = budget.aborted && err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && err.httpStatus === null;
    if (err instanceof UpstreamError && !cutByBudget) throw err;
    const label = PROVIDER_LABEL[provider];
    if (err instanceof BrokenCircuitError) {
      const where = region === 'global' ? '' : ` in ${region}`;
      throw new UpstreamError({
        provider,
        code: 'UPSTREAM_UNAVAILABLE',
        message: `${label} is failing${where}; jobgraph stopped calling it there for a while.`,
        retryable: false,
        cause: err,
      });
    }
    if (budget.aborted) {
      throw new UpstreamError({
        provider,
        code: 'UPSTREAM_UNAVAILABLE',
        message: `${label} did not answer within ${guarded.budgetMs} ms.`,
        retryable: false,
        cause: err,
      });
    }
    // Anything else is jobgraph's own failure, never the provider's: INTERNAL_SERVER_ERROR (formatError
    // masks it with a correlation id), not retried, and not counted — the breaker counts only UPSTREAM_UNAVAILABLE.
    throw new InternalError(provider, err);
  }
}

/**
 * One job below the per-request loader, for `caller`: from the cross-request cache of finished
 * jobs when there is one (it decides what may be cached), else fetched under the provider's
 * protections and offered to the cache. The per-request loaders and the subscription pollers
 * (src/subscriptions/) both load through it.
 */
export async function fetchJobShared<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>, caller: string): Promise<JobRecord> {
  const cache = guarded.cache;
  if (!cache) return fetchGuarded(guarded, key, caller);
  const id = formatGlobalId(key);
  const hit = await cache.get(id);
  guarded.observer?.cacheLookup?.(hit ? 'hit' : 'miss');
  if (hit) return hit;
  const record = await fetchGuarded(guarded, key, caller);
  await cache.offer(record);
  return record;
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
  const load = (key: KeyOf<P>): Promise<JobRecord> => fetchJobShared(guarded, key, caller);
  const failed = (err: Error): Error => {
    guarded.health?.noteError(err);
    return err;
  };
  const batch = (keys: readonly KeyOf<P>[]) => Promise.all(keys.map((key) => load(key).catch(failed)));
  const observed = observer?.batch ? (keys: readonly KeyOf<P>[]) => observer.batch!(guarded.source.provider, keys.length, () => batch(keys)) : batch;
  return new DataLoader<KeyOf<P>, JobRecord, string>(observed, {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
