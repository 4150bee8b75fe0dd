import type { Config } from '../config.ts';
import { COS_LIST_MAX_RESULTS, cosListOperation } from '../datasources/cosbatch/list.ts';
import type { Sources } from '../datasources/index.ts';
import { isProviderSource, type ListCallContext } from '../datasources/listing/guardedCall.ts';
import { MAX_PAGES_PER_STREAM, type StreamPage } from '../datasources/listing/merge.ts';
import { cosPage, panoramaPage } from '../datasources/listing/streams.ts';
import type { Listed } from '../datasources/listing/summaries.ts';
import { PANORAMA_LIST_MAX_RESULTS } from '../datasources/panorama/list.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';

/**
 * Watching many jobs of one source through its list call. A list summary cannot be an event (a
 * subscriber gets the full record), so the list is only a change detector: one list pass stands in
 * for the describe calls of the jobs it shows unchanged, and the jobs it shows changed, or does not
 * show, are described as before.
 *
 * Which providers: those whose list summary carries every field `changeSignature` compares, or
 * whose missing fields cannot change without one it carries.
 * - COS Batch ListJobs: Status and the ProgressSummary task counts (up to 1000 jobs a call, the
 *   account's jobs in a region). Not `statusMessage`, which the describe record takes from
 *   StatusUpdateReason, the first FailureReason or SuspendedCause: each is written with a Status
 *   change (the reason of the last status update; a job failure; a suspension), so the Status
 *   shows that change too. Not `ProgressSummary.AutoManifestStatus` either (the emulator's list
 *   omits it; Tencent documents no list of the summary's members): a change of it alone is seen at
 *   the job's next change.
 * - Panorama ListPackageImportJobs: Status and StatusMessage, all Panorama compares (it reports no
 *   progress). Its list comes 25 jobs a page in no documented order, so a pass may read every
 *   page; measured (bench/WATCHING.md) on the demo's 65 jobs, four still jobs cost 27 % (oldest
 *   first: three pages) to 76 % (newest first: one) fewer calls, and two stay on their describes
 *   after one probe page. The group lists only where a pass is expected to cost fewer calls.
 * - HealthOmics ListReferenceImportJobs: status only, no statusMessage, no per-source progress; a
 *   source finishing while the job stays IN_PROGRESS would be lost. Import/Export ListJobs has no
 *   status; CodePipeline is never listed.
 */
export const LIST_WATCH_PROVIDERS: ReadonlySet<JobProvider> = new Set([
  'TENCENT_COS_BATCH',
  'AWS_PANORAMA',
]);

/**
 * What a list summary shows of `changeSignature`, from a describe record or from a summary in
 * record form (src/datasources/listing/summaries.ts): a job whose summary's value differs from its
 * last record's has changed. null for a provider whose summary cannot tell.
 */
export function listedSignature(record: Partial<JobRecord>): string | null {
  switch (record.provider) {
    case 'TENCENT_COS_BATCH': {
      const p = (record as { progressSummary?: Record<string, unknown> | null }).progressSummary;
      return JSON.stringify([
        record.state ?? null,
        record.providerStatus ?? null,
        p?.numberOfTasksFailed ?? null,
        p?.numberOfTasksSucceeded ?? null,
        p?.totalNumberOfTasks ?? null,
      ]);
    }
    case 'AWS_PANORAMA':
      return JSON.stringify([
        record.state ?? null,
        record.providerStatus ?? null,
        record.statusMessage ?? null,
      ]);
    default:
      return null;
  }
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
  /** Providers watched through their list; default LIST_WATCH_PROVIDERS (a bench measures others). */
  providers?: ReadonlySet<JobProvider>;
}

/**
 * The lister over the guarded sources: every list call goes through `guardedCall`, as listJobs'
 * do (the provider's fair limiter under `caller`, the region's circuit breaker, the provider's
 * time budget for the whole pass); COS Batch unfiltered at 1000 jobs a page (one status per call
 * is all `jobStatuses` takes), Panorama at its 25. At most MAX_PAGES_PER_STREAM pages a pass.
 */
export function createWatchLister(options: WatchListerOptions): WatchLister {
  const { sources, config, caller } = options;
  const providers = options.providers ?? LIST_WATCH_PROVIDERS;
  const appId = config.tencent.appId;
  const cosList = appId ? cosListOperation(appId) : null;

  const readPage = (
    key: JobKey,
    token: string | null,
    ctx: ListCallContext,
  ): Promise<StreamPage<Listed>> => {
    switch (key.provider) {
      case 'TENCENT_COS_BATCH': {
        const { region, uin } = key;
        const subject = `watch:cos:${region}:${uin}`;
        const ask = { size: COS_LIST_MAX_RESULTS, token, subject };
        return cosPage(sources, ctx, cosList!, region, uin, ask);
      }
      case 'AWS_PANORAMA': {
        const { region } = key;
        const ask = { size: PANORAMA_LIST_MAX_RESULTS, token, subject: `watch:panorama:${region}` };
        return panoramaPage(sources, ctx, region, ask);
      }
      default:
        throw new TypeError(`${key.provider} jobs are not watched through a list`);
    }
  };

  return {
    sourceOf(key) {
      if (!providers.has(key.provider) || !isProviderSource(sources[key.provider].source))
        return null;
      switch (key.provider) {
        case 'TENCENT_COS_BATCH':
          return cosList ? `cos:${key.region}:${key.uin}` : null;
        case 'AWS_PANORAMA':
          return `panorama:${key.region}`;
        default:
          return null;
      }
    },
    async list(key, wanted, maxPages, signal) {
      const ctx: ListCallContext = {
        caller,
        signal,
        deadline: AbortSignal.timeout(config.resilience.upstreamBudgetMs),
        calls: 0,
      };
      const seen = new Map<string, string>();
      let token: string | null = null;
      for (let pages = 0; pages < Math.min(maxPages, MAX_PAGES_PER_STREAM); pages++) {
        const page = await readPage(key, token, ctx);
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
