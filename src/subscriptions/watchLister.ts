import type { Config } from '../config.ts';
import type { Sources } from '../datasources/index.ts';
import {
  guardedCall,
  isProviderSource,
  type ListCallContext,
} from '../datasources/listing/guardedCall.ts';
import { MAX_PAGES_PER_STREAM, type StreamPage } from '../datasources/listing/merge.ts';
import type { Listed } from '../datasources/listing/summaries.ts';
import { PROVIDERS, providerOf } from '../datasources/registry.ts';
import type { GuardedSource } from '../datasources/guard/loader.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';

/**
 * Watching many jobs of one source through its list call. A list summary cannot be an event (a
 * subscriber gets the full record), so the list is only a change detector: one list pass stands in
 * for the describe calls of the jobs it shows unchanged, and the jobs it shows changed, or does not
 * show, are described as before.
 *
 * Which providers: those of the registry with a `watch` (src/datasources/<p>/listing.ts says why
 * theirs can: a summary that carries every field `changeSignature` compares, or whose missing
 * fields cannot change without one it carries).
 */
export const LIST_WATCH_PROVIDERS: ReadonlySet<JobProvider> = new Set(
  PROVIDERS.filter((p) => p.watch).map((p) => p.name),
);

/**
 * What a list summary shows of `changeSignature`, from a describe record or from a summary in
 * record form (the provider's listing.ts): a job whose summary's value differs from its last
 * record's has changed. null for a provider whose summary cannot tell.
 */
export function listedSignature(record: Partial<JobRecord>): string | null {
  if (record.provider === undefined) return null;
  return providerOf(record.provider).watch?.signature(record) ?? null;
}

/** One list pass over a source. */
export interface ListPass {
  /** `listedSignature` of each job the pages showed, by global ID. */
  seen: Map<string, string>;
  /** Upstream list calls it made (one per page). */
  calls: number;
  /** Whether it read the last page: a job it did not see is then not listed. */
  complete: boolean;
}

/** How the pollers read a provider's list. */
export interface WatchLister {
  /**
   * The source a job is listed in (e.g. `cos:ap-guangzhou:100000000001`): its provider, region
   * and account; null when the job's provider is not watched through its list.
   */
  sourceOf(key: JobKey): string | null;
  /**
   * Read the list of `key`'s source page by page until every job of `wanted` (global IDs) has been
   * seen, the list ends, or `maxPages` pages are read. Rejects as any upstream call
   * (UpstreamError, InternalError).
   */
  list(
    key: JobKey,
    wanted: ReadonlySet<string>,
    maxPages: number,
    signal: AbortSignal,
  ): Promise<ListPass>;
}

export interface WatchListerOptions {
  sources: Sources;
  config: Config;
  /** The caller the list calls run as, in each provider's fair share (the pollers' caller). */
  caller: string;
  /**
   * Providers watched through their list; default LIST_WATCH_PROVIDERS (a bench measures others).
   */
  providers?: ReadonlySet<JobProvider>;
}

/**
 * The lister over the guarded sources: every list call goes through `guardedCall`, as listJobs'
 * do (the provider's fair limiter under `caller`, the region's circuit breaker, the provider's
 * time budget for the whole pass), each page read by the provider's `watch` at its largest page
 * size, its subject `watch:` and the source. At most MAX_PAGES_PER_STREAM pages a pass.
 */
export function createWatchLister(options: WatchListerOptions): WatchLister {
  const { sources, config, caller } = options;
  const providers = options.providers ?? LIST_WATCH_PROVIDERS;

  const sourceOf = (key: JobKey): string | null => {
    if (!providers.has(key.provider) || !isProviderSource(sources[key.provider].source))
      return null;
    const watch = providerOf(key.provider).watch;
    return watch ? watch.sourceOf(key as never, config) : null;
  };

  return {
    sourceOf,
    async list(key, wanted, maxPages, signal) {
      const watch = providerOf(key.provider).watch;
      const source = watch?.sourceOf(key as never, config) ?? null;
      if (!watch || source === null)
        throw new TypeError(`${key.provider} jobs are not watched through a list`);
      const ctx: ListCallContext = {
        caller,
        signal,
        deadline: AbortSignal.timeout(config.resilience.upstreamBudgetMs),
        calls: 0,
      };
      const guarded = sources[key.provider] as GuardedSource;
      const seen = new Map<string, string>();
      let token: string | null = null;
      for (let pages = 0; pages < Math.min(maxPages, MAX_PAGES_PER_STREAM); pages++) {
        const page: StreamPage<Listed> = await watch.page(
          (operation, input, where) => guardedCall(guarded, operation, input, where, ctx),
          config,
          key as never,
          token,
          `watch:${source}`,
        );
        for (const item of page.items) {
          const signature = listedSignature(item.job.summary);
          if (signature !== null) seen.set(item.id, signature);
        }
        token = page.next;
        if (token === null) return { seen, calls: ctx.calls, complete: true };
        if ([...wanted].every((id) => seen.has(id)))
          return { seen, calls: ctx.calls, complete: false };
      }
      return { seen, calls: ctx.calls, complete: false };
    },
  };
}
