import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import DataLoader from 'dataloader';
import type { JobCache } from '../cache/jobCache.ts';
import { InternalError, UpstreamError } from '../errors.ts';
import type { FdHealth } from '../health.ts';
import { formatGlobalId, type JobKey, type KeyOf } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';
import { PROVIDER_LABEL } from './classify.ts';
import { FairLimiter } from './fairLimit.ts';
import type { JobSource } from './types.ts';

export interface GuardOptions {
  /** Concurrent upstream calls for this provider across all requests. */
  concurrency: number;
  /** Concurrent upstream calls one caller may have at this provider, across all its requests. */
  callerConcurrency: number;
  /** Most time one job may take, queueing, attempts and waits included, in ms. */
  budgetMs: number;
  /** Consecutive unavailable answers that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one trial call, in ms. */
  breakerHalfOpenMs: number;
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
}

/** The caller of requests without a token subject: they share one bucket. */
export const NO_SUBJECT_CALLER = '';

/** The breaker key of a job: its region, or `global` for a provider without regions. */
export function breakerRegion(key: JobKey): string {
  return 'region' in key ? key.region : 'global';
}

/**
 * Error codes that say the fault is on jobgraph's side of the wire, not the provider's: a
 * region or host that does not resolve (ENOTFOUND, EAI_AGAIN), a URL jobgraph could not
 * build. A provider that is down answers, refuses, resets or times out; it does not fail to
 * be named.
 */
const LOCAL_FAULT_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EAI_NODATA',
  'ERR_INVALID_URL',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_UNESCAPED_CHARACTERS',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  // Out of file descriptors: jobgraph's own exhaustion, not the provider's.
  'EMFILE',
  'ENFILE',
]);

/** Programming errors: a bug of jobgraph's (in parsing, say) is never the provider's fault. */
const BUG_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError] as const;

function isLocalFault(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && LOCAL_FAULT_CODES.has(e.code)) return true;
  if (BUG_ERRORS.some((C) => err instanceof C)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isLocalFault(inner, depth + 1))) return true;
  return isLocalFault(e.cause, depth + 1);
}

/**
 * Whether a failure counts against the provider's circuit: only "the provider is down"
 * (UPSTREAM_UNAVAILABLE: 5xx, timeouts, resets) does. Not-found, throttling, bad bodies,
 * jobgraph's own bugs, and faults of the caller's or jobgraph's making (a region that does
 * not resolve, an invalid host) do not, so no caller can open a healthy provider's circuit.
 */
export function countsAgainstProvider(err: unknown): boolean {
  return err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && !isLocalFault(err.cause);
}

/**
 * One circuit breaker per region of a provider, made on first use. Regions are checked
 * against the regions the provider serves before any call (globalId.ts), so the map is
 * bounded by those lists.
 */
export class RegionalBreakers {
  readonly #options: Pick<GuardOptions, 'breakerFailures' | 'breakerHalfOpenMs'>;
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(options: Pick<GuardOptions, 'breakerFailures' | 'breakerHalfOpenMs'>) {
    this.#options = options;
  }

  forRegion(region: string): CircuitBreakerPolicy {
    let breaker = this.#breakers.get(region);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(countsAgainstProvider), {
        halfOpenAfter: this.#options.breakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(this.#options.breakerFailures),
      });
      this.#breakers.set(region, breaker);
    }
    return breaker;
  }

  /** Regions whose circuit is open or half-open now. */
  openRegions(): string[] {
    return [...this.#breakers].filter(([, b]) => b.state !== CircuitState.Closed).map(([region]) => region);
  }
}

export function guardSource<P extends JobProvider>(source: JobSource<P>, options: GuardOptions, cache?: JobCache, health?: FdHealth): GuardedSource<P> {
  return {
    source,
    limit: new FairLimiter(options.concurrency, options.callerConcurrency),
    breakers: new RegionalBreakers(options),
    budgetMs: options.budgetMs,
    ...(cache ? { cache } : {}),
    ...(health ? { health } : {}),
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
      throw new UpstreamError({ provider, code: 'UPSTREAM_UNAVAILABLE', message: `${label} is failing${where}; jobgraph stopped calling it there for a while.`, retryable: false, cause: err });
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
export function createJobLoader<P extends JobProvider>(guarded: GuardedSource<P>, caller: string = NO_SUBJECT_CALLER): DataLoader<KeyOf<P>, JobRecord, string> {
  const cache = guarded.cache;
  const load = async (key: KeyOf<P>): Promise<JobRecord> => {
    if (!cache) return fetchGuarded(guarded, key, caller);
    const id = formatGlobalId(key);
    const hit = await cache.get(id);
    if (hit) return hit;
    const record = await fetchGuarded(guarded, key, caller);
    await cache.offer(record);
    return record;
  };
  const failed = (err: Error): Error => {
    guarded.health?.noteError(err);
    return err;
  };
  return new DataLoader<KeyOf<P>, JobRecord, string>((keys) => Promise.all(keys.map((key) => load(key).catch(failed))), {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
