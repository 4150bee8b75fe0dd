import type { Config } from '../config/index.ts';
import type { Sources } from '../datasources/index.ts';
import {
  guardedCall,
  isProviderSource,
  type ListCallContext,
} from '../datasources/listing/guardedCall.ts';
import type { StreamPage } from '../datasources/listing/merge.ts';
import { Snapshot } from '../datasources/listing/snapshot.ts';
import { createListSnapshots, type ListSnapshots } from '../datasources/listing/snapshots.ts';
import type { Listed } from '../datasources/listing/summaries.ts';
import { PROVIDERS, providerOf } from '../datasources/registry.ts';
import type { GuardedSource } from '../datasources/guard/loader.ts';
import { AnswerMemo } from '../datasources/shared/answerMemo.ts';
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

/** `listedSignature` of each job a pass saw, by global ID (a Map, or a view over a snapshot). */
type SeenSignatures = Pick<ReadonlyMap<string, string>, 'get' | 'has' | 'size'>;

/** One list pass over a source. */
export interface ListPass {
  /** `listedSignature` of each job the pages showed, by global ID. */
  seen: SeenSignatures;
  /** Upstream list calls it made (one per page; 0 when a snapshot served it). */
  calls: number;
  /** Whether it read the last page: a job it did not see is then not listed. */
  complete: boolean;
}

/** How the read schedules read a provider's list. */
export interface WatchLister {
  /**
   * The source a job is listed in (e.g. `cos:ap-guangzhou:100000000001`): its provider, region
   * and account; null when the job's provider is not watched through its list.
   */
  sourceOf(key: JobKey): string | null;
  /**
   * The list of `key`'s source as it was at most `maxAgeMs` ago (default JOBGRAPH_WATCH_POLL_MS,
   * and never older than JOBGRAPH_LIST_SNAPSHOT_SECONDS): its snapshot (listing/snapshots.ts,
   * shared with `listJobs` and the other watchers), or the snapshot being read, else the list read
   * now page by page to its end — which becomes the source's snapshot — or until `maxPages` pages
   * are read (then not complete; `wanted`, the batch's global IDs, says which jobs the pass is
   * for). Rejects as any upstream call (UpstreamError, InternalError).
   */
  list(
    key: JobKey,
    wanted: ReadonlySet<string>,
    maxPages: number,
    signal: AbortSignal,
    maxAgeMs?: number,
  ): Promise<ListPass>;
  /** Whether a pass over `key`'s source at most `maxAgeMs` old would cost no call now (a snapshot is held). */
  fresh?(key: JobKey, maxAgeMs: number): boolean;
  /** No job of `source` is watched any more: its pages' last answers are let go. */
  release?(source: string): void;
}

export interface WatchListerOptions {
  sources: Sources;
  config: Config;
  /** The caller the list calls run as, in each provider's fair share (the read schedules' caller). */
  caller: string;
  /**
   * Providers watched through their list; default LIST_WATCH_PROVIDERS (a bench measures others).
   */
  providers?: ReadonlySet<JobProvider>;
  /** The gateway's list snapshots, shared with `listJobs`; default the lister's own. */
  snapshots?: ListSnapshots;
}

/**
 * A watched source's last pass: each page's last answer (a page whose body did not change is its
 * last value again, unparsed, and so its last page of listed jobs: listing/summaries.ts
 * `pageOnce`), those pages, and the snapshot they made.
 */
interface LastPass {
  answers: AnswerMemo[];
  pages: StreamPage<Listed>[];
  snapshot: Snapshot | null;
}

/**
 * The snapshot of a pass that read `pages` whole from `takenAt`: the last pass's again, retaken
 * now, when every page is the very page it read (a quiet account's list rarely changes: its
 * thousands of jobs are not encoded again), else one made of their items.
 */
function passSnapshot(last: LastPass, pages: StreamPage<Listed>[], takenAt: number): Snapshot {
  const same =
    last.snapshot !== null &&
    pages.length === last.pages.length &&
    pages.every((page, i) => page === last.pages[i]);
  if (same) return last.snapshot!.retaken(takenAt);
  const items: Listed[] = [];
  for (const page of pages) for (const item of page.items) items.push(item);
  return Snapshot.of(items, takenAt, pages.length);
}

/** The signatures of a snapshot's jobs, each built when asked. */
function snapshotSeen(snapshot: Snapshot): SeenSignatures {
  const get = (id: string): string | undefined => {
    const i = snapshot.indexOf(id);
    if (i === undefined) return undefined;
    return listedSignature(snapshot.item(i).job.summary) ?? undefined;
  };
  return { get, has: (id) => get(id) !== undefined, size: snapshot.size };
}

/**
 * The lister over the guarded sources: every list call goes through `guardedCall`, as listJobs'
 * do (the provider's fair limiter under `caller`, the region's circuit breaker, the provider's
 * time budget for the whole pass), each page read by the provider's `watch` at its largest page
 * size, its subject `watch:` and the source. A source's snapshot is its key in the snapshots
 * (`watch.sourceOf`, the id of the unfiltered `listJobs` stream of the source): the same one.
 */
export function createWatchLister(options: WatchListerOptions): WatchLister {
  const { sources, config, caller } = options;
  const providers = options.providers ?? LIST_WATCH_PROVIDERS;
  const snapshots = options.snapshots ?? createListSnapshots(config);
  const ageOf = (maxAgeMs: number) => Math.min(maxAgeMs, snapshots.ttlMs);
  // Each watched source's last pass (its pages' answers by page number).
  const lastPasses = new Map<string, LastPass>();

  const sourceOf = (key: JobKey): string | null => {
    if (!providers.has(key.provider) || !isProviderSource(sources[key.provider].source))
      return null;
    const watch = providerOf(key.provider).watch;
    return watch ? watch.sourceOf(key as never, config) : null;
  };

  return {
    sourceOf,
    release: (source) => void lastPasses.delete(source),
    fresh(key, maxAgeMs) {
      const source = sourceOf(key);
      return source !== null && snapshots.held(source, ageOf(maxAgeMs)) !== undefined;
    },
    async list(key, _wanted, maxPages, signal, maxAgeMs = config.watch.pollMs) {
      const watch = providerOf(key.provider).watch;
      const source = watch?.sourceOf(key as never, config) ?? null;
      if (!watch || source === null)
        throw new TypeError(`${key.provider} jobs are not watched through a list`);
      // A snapshot at most one poll interval old: one begun longer ago is not joined either.
      const age = ageOf(maxAgeMs);
      const existing = await snapshots.existing([source], age, signal, age);
      if (existing) return { seen: snapshotSeen(existing), calls: 0, complete: true };
      const ctx: ListCallContext = {
        caller,
        signal,
        deadline: AbortSignal.timeout(config.resilience.upstreamBudgetMs),
        calls: 0,
      };
      const guarded = sources[key.provider] as GuardedSource;
      const takenAt = snapshots.now();
      const pages: StreamPage<Listed>[] = [];
      let token: string | null = null;
      let last = lastPasses.get(source);
      if (!last) lastPasses.set(source, (last = { answers: [], pages: [], snapshot: null }));
      // Read to the end when the batch's describes are worth it, so that the pass is a snapshot
      // other watchers and listJobs pages use; not stopped when the wanted jobs are seen.
      while (pages.length < maxPages) {
        const answer = (last.answers[pages.length] ??= new AnswerMemo());
        const page: StreamPage<Listed> = await watch.page(
          (operation, input, where) => guardedCall(guarded, operation, input, where, ctx, answer),
          config,
          key as never,
          token,
          `watch:${source}`,
        );
        pages.push(page);
        token = page.next;
        if (token === null) {
          const snapshot = passSnapshot(last, pages, takenAt);
          Object.assign(last, { pages, snapshot });
          snapshots.keep(source, snapshot);
          return { seen: snapshotSeen(snapshot), calls: ctx.calls, complete: true };
        }
      }
      const seen = new Map<string, string>();
      for (const page of pages)
        for (const item of page.items) {
          const signature = listedSignature(item.job.summary);
          if (signature !== null) seen.set(item.id, signature);
        }
      return { seen, calls: ctx.calls, complete: false };
    },
  };
}
