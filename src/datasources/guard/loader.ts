import DataLoader from 'dataloader';
import type { JobCache } from '../../cache/jobCache.ts';
import { formatGlobalId, type AnyKeyOf } from '../../model/globalId.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { AnswerMemo } from '../shared/answerMemo.ts';
import type { JobSource } from '../shared/types.ts';
import { RegionalBreakers, type BreakerAccounts, type BreakerOptions } from './breakers.ts';
import { FairLimiter } from './fairLimit.ts';
import { Deadlines } from './deadlines.ts';
import { DescribeBatcher } from './batchCall.ts';
import {
  sharedCallFor,
  type FailureObserver,
  type GuardedSource,
  type LoaderObserver,
  type RetainedJobs,
} from './sharedCall.ts';

export type { FailureObserver, GuardedSource, LoaderObserver, RetainedJobs } from './sharedCall.ts';

export interface GuardOptions extends BreakerOptions {
  /** The account of a job or list call, for its circuit breaker; default: the default account's. */
  accounts?: BreakerAccounts;
  /** Concurrent upstream calls for this provider across all requests. */
  concurrency: number;
  /** Concurrent upstream calls one caller may have at this provider, across all its requests. */
  callerConcurrency: number;
  /** Most time one job may take, queueing, attempts and waits included, in ms. */
  budgetMs: number;
  /** Jobs retained by the history store (answered when the provider forgets one); absent when off. */
  retained?: RetainedJobs;
}

/** How many jobs of this source have a call in flight now (tests and the read schedules). */
export function inFlightCount(guarded: {
  readonly inFlight: ReadonlyMap<string, unknown>;
}): number {
  return guarded.inFlight.size;
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
  const guarded: GuardedSource<P> = {
    source,
    limit: new FairLimiter(options.concurrency, options.callerConcurrency),
    breakers: new RegionalBreakers(options, options.accounts),
    budgetMs: options.budgetMs,
    inFlight: new Map(),
    deadlines: new Deadlines(),
    ...(cache ? { cache } : {}),
    ...(options.retained ? { retained: options.retained } : {}),
    ...(options.accounts ? { accounts: options.accounts } : {}),
    ...(health ? { health } : {}),
    ...(observer ? { observer } : {}),
  };
  return source.batch ? { ...guarded, batcher: new DescribeBatcher(guarded) } : guarded;
}

/**
 * The same source, limits, breakers and budget, answering only what its provider answers now:
 * without the cross-request cache (a peer's or an earlier read's copy), the retained jobs (the
 * history's own copy of a job the provider forgot) or the requests' calls in flight (which may be
 * answered by either). What a notification's confirming read takes for the provider's word
 * (notifications/index.ts): a copy confirms no event.
 */
export function providerOnly<P extends JobProvider>(guarded: GuardedSource<P>): GuardedSource<P> {
  const { cache: _cache, retained: _retained, batcher: _batcher, ...rest } = guarded;
  const own: GuardedSource<P> = { ...rest, inFlight: new Map() };
  return guarded.source.batch ? { ...own, batcher: new DescribeBatcher(own) } : own;
}

/**
 * Fetch one job for `caller` (the token's subject) below the per-request DataLoader: the
 * cross-request cache, then the process-wide map of calls in flight — a request that asks for a
 * job another request is already fetching waits for that call instead of making its own — then
 * the guarded upstream call, then the cache's admit. The record is shared as it is between the
 * callers that waited for it, and may be the cache's deeply frozen record: for readers only (the
 * read schedules, whose events graphql-js executes and only reads). A request's resolvers
 * get their own copy through `createJobLoader` instead. The call leaves the map when it settles,
 * so a record carrying secrets is shared only while in flight and never stored.
 *
 * Budget: each waiter waits at most the provider's budget from when it asked ("no job waits more
 * than the budget in all"), queueing, attempts and waits included; the call goes on while anyone
 * waits, and is abandoned when the last one gives up. While the circuit of the job's region is
 * open the job fails at once with UPSTREAM_UNAVAILABLE.
 *
 * `answer`: a watch's memo of the job's last answer; an upstream answer the same as that one is
 * its record again, the very object, without a parse (shared/answerMemo.ts).
 */
export function fetchJobShared<P extends JobProvider>(
  guarded: GuardedSource<P>,
  key: AnyKeyOf<P>,
  caller: string = NO_SUBJECT_CALLER,
  answer?: AnswerMemo,
): Promise<JobRecord> {
  return sharedCallFor(guarded, key, caller, answer).wait(false) as Promise<JobRecord>;
}

/**
 * The per-request loader of one provider. DataLoader collects every key asked for in one
 * tick (all of `jobs(ids:)`, all aliases, all `_entities` representations), de-duplicates
 * them by global ID, and calls the batch function once; the batch function issues every
 * call at once under the provider's concurrency cap. A failing job is an Error in its own
 * slot, never a rejected batch. Finished jobs come from and go to the cross-request cache
 * when there is one (it decides what may be cached). Each record is the request's own shallow
 * copy (see {@link requestCopy}), never the shared or cached object: libraries write to it.
 * `onRecord` sees every record the loader serves before any of its loads resolves, with when the
 * batch was sent (the request context registers the record's secrets there, and offers it to the
 * job-state store as a read).
 */
export function createJobLoader<P extends JobProvider>(
  guarded: GuardedSource<P>,
  caller: string = NO_SUBJECT_CALLER,
  onRecord?: (record: JobRecord, sentAt: number) => void,
  /** The clock `sentAt` is read on: the job-state store's, so a read and an event compare. */
  now: () => number = Date.now,
): DataLoader<AnyKeyOf<P>, JobRecord, string> {
  const observer = guarded.observer;
  // Each slot is the record or its Error (told to the fd health check), never a rejected promise.
  const settled = (keys: readonly AnyKeyOf<P>[]) =>
    Promise.all(keys.map((key) => sharedCallFor(guarded, key, caller).wait(true)));
  // Each record told to `onRecord` once the batch settles, before any load of it resolves: one
  // step for the batch, not one promise per job.
  const batch = onRecord
    ? (keys: readonly AnyKeyOf<P>[]) => {
        // When the batch's calls were sent: a read sent before an event arrived may be older news.
        const sentAt = now();
        return settled(keys).then((slots) => {
          for (const slot of slots) if (!(slot instanceof Error)) onRecord(slot, sentAt);
          return slots;
        });
      }
    : settled;
  const observed = observer?.batch
    ? (keys: readonly AnyKeyOf<P>[]) =>
        observer.batch!(guarded.source.provider, keys.length, () => batch(keys))
    : batch;
  return new DataLoader<AnyKeyOf<P>, JobRecord, string>(observed, {
    cacheKeyFn: (key) => formatGlobalId(key),
  });
}
