import DataLoader from 'dataloader';
import pLimit, { type LimitFunction } from 'p-limit';
import { UpstreamError } from '../errors.ts';
import { formatGlobalId, type KeyOf } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';
import { PROVIDER_LABEL } from './classify.ts';
import type { JobSource } from './types.ts';

/** A provider's source together with its process-wide concurrency cap. */
export interface GuardedSource<P extends JobProvider = JobProvider> {
  source: JobSource<P>;
  /** Caps concurrent upstream calls for this provider across all requests. */
  limit: LimitFunction;
}

export function guardSource<P extends JobProvider>(source: JobSource<P>, concurrency: number): GuardedSource<P> {
  return { source, limit: pLimit(concurrency) };
}

/**
 * The per-request loader of one provider. DataLoader collects every key asked for in one
 * tick (all of `jobs(ids:)`, all aliases, all `_entities` representations), de-duplicates
 * them by global ID, and calls the batch function once; the batch function issues every
 * call at once under the provider's concurrency cap. A failing job is an Error in its own
 * slot, never a rejected batch.
 */
export function createJobLoader<P extends JobProvider>(guarded: GuardedSource<P>): DataLoader<KeyOf<P>, JobRecord, string> {
  return new DataLoader<KeyOf<P>, JobRecord, string>(
    (keys) =>
      Promise.all(
        keys.map((key) =>
          guarded.limit(() => guarded.source.fetchJob(key)).catch((err: unknown) => (err instanceof Error ? err : unexpected(guarded.source.provider, err))),
        ),
      ),
    { cacheKeyFn: (key) => formatGlobalId(key) },
  );
}

function unexpected(provider: JobProvider, cause: unknown): Error {
  return new UpstreamError({ provider, code: 'UPSTREAM_BAD_RESPONSE', message: `${PROVIDER_LABEL[provider]} failed unexpectedly.`, cause });
}
