import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import DataLoader from 'dataloader';
import pLimit, { type LimitFunction } from 'p-limit';
import type { JobCache } from '../cache/jobCache.ts';
import { InternalError, UpstreamError } from '../errors.ts';
import { formatGlobalId, type KeyOf } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';
import { PROVIDER_LABEL } from './classify.ts';
import type { JobSource } from './types.ts';

export interface GuardOptions {
  /** Concurrent upstream calls for this provider across all requests. */
  concurrency: number;
  /** Most time one job may take, queueing, attempts and waits included, in ms. */
  budgetMs: number;
  /** Consecutive unavailable answers that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one trial call, in ms. */
  breakerHalfOpenMs: number;
}

/** A provider's source with its process-wide protections: concurrency cap, circuit breaker, time budget. */
export interface GuardedSource<P extends JobProvider = JobProvider> {
  source: JobSource<P>;
  limit: LimitFunction;
  breaker: CircuitBreakerPolicy;
  budgetMs: number;
  /** Cross-request cache of finished jobs; absent when off. */
  cache?: JobCache;
}

/** Only "the provider is down" opens the circuit: 5xx, timeouts, resets. Not-found, throttling and bad bodies do not. */
const countsAgainstProvider = handleWhen((err) => err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE');

export function guardSource<P extends JobProvider>(source: JobSource<P>, options: GuardOptions, cache?: JobCache): GuardedSource<P> {
  return {
    source,
    limit: pLimit(options.concurrency),
    breaker: circuitBreaker(countsAgainstProvider, {
      halfOpenAfter: options.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerFailures),
    }),
    budgetMs: options.budgetMs,
    ...(cache ? { cache } : {}),
  };
}

/**
 * Fetch one job under the provider's protections. The budget clock starts before the job
 * waits for a concurrency slot, so "no job waits more than the budget in all" holds under
 * load too; the abort signal reaches the client, which stops its attempts and retries.
 * While the circuit is open the job fails at once with UPSTREAM_UNAVAILABLE.
 */
export async function fetchGuarded<P extends JobProvider>(guarded: GuardedSource<P>, key: KeyOf<P>): Promise<JobRecord> {
  const provider = guarded.source.provider;
  const budget = AbortSignal.timeout(guarded.budgetMs);
  try {
    return await guarded.limit(() => {
      if (budget.aborted) throw budget.reason;
      return guarded.breaker.execute(({ signal }) => guarded.source.fetchJob(key, { signal: AbortSignal.any([signal, budget]) }));
    });
  } catch (err) {
    if (err instanceof InternalError) throw err;
    // A transport failure caused by the budget's own abort is answered as the budget, below.
    const cutByBudget = budget.aborted && err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && err.httpStatus === null;
    if (err instanceof UpstreamError && !cutByBudget) throw err;
    const label = PROVIDER_LABEL[provider];
    if (err instanceof BrokenCircuitError) {
      throw new UpstreamError({ provider, code: 'UPSTREAM_UNAVAILABLE', message: `${label} is failing; jobgraph stopped calling it for a while.`, retryable: false, cause: err });
    }
    if (budget.aborted) {
      throw new UpstreamError({ provider, code: 'UPSTREAM_UNAVAILABLE', message: `${label} did not answer within ${guarded.budgetMs} ms.`, retryable: false, cause: err });
    }
    // Anything else is jobgraph's own failure, never the provider's: INTERNAL_SERVER_ERROR (formatError
    // masks it with a correlation id), not retried, and not counted — the breaker counts only UPSTREAM_UNAVAILABLE.
    throw new InternalError(provider, err);
  }
}

/**
 * The per-request loader of one provider. DataLoader collects every key asked for in one
 * tick (all of `jobs(ids:)`, all aliases, all `_entities` representations), de-duplicates
 * them by global ID, and calls the batch function once; the batch function issues every
 * call at once under the provider's concurrency cap. A failing job is an Error in its own
 * slot, never a rejected batch. Finished jobs come from and go to the cross-request cache
 * when there is one (it decides what may be cached).
 */
export function createJobLoader<P extends JobProvider>(guarded: GuardedSource<P>): DataLoader<KeyOf<P>, JobRecord, string> {
  const cache = guarded.cache;
  const load = async (key: KeyOf<P>): Promise<JobRecord> => {
    if (!cache) return fetchGuarded(guarded, key);
    const id = formatGlobalId(key);
    const hit = await cache.get(id);
    if (hit) return hit;
    const record = await fetchGuarded(guarded, key);
    await cache.offer(record);
    return record;
  };
  return new DataLoader<KeyOf<P>, JobRecord, string>((keys) => Promise.all(keys.map((key) => load(key).catch((err: Error) => err))), {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
