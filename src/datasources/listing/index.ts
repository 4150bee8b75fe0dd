import type { Config } from '../../config/index.ts';
import { BadUserInputError } from '../../errors.ts';
import type { Sources } from '../index.ts';
import { ColdSources } from './coldSources.ts';
import { CursorCodec, type ListCursor } from './cursor.ts';
import type { ListCallContext } from './guardedCall.ts';
import { mergeStreams, type MergeStream } from './merge.ts';
import { planDefaults, planList } from './plan.ts';
import { createListSnapshots, type ListSnapshots } from './snapshots.ts';
import { planSources } from './sources.ts';
import { failedReport } from './streams.ts';
import type { Listed } from './summaries.ts';
import type { JobLister, JobListSourceReport, ListedJob, ListedRowStates } from './types.ts';

export type {
  JobListFilter,
  JobListPage,
  JobLister,
  ListedJob,
  ListedReads,
  ListedRowStates,
} from './types.ts';
export { createListSnapshots, ListSnapshots } from './snapshots.ts';

/** Largest `first` of one page. */
export const MAX_LIST_FIRST = 100;

/**
 * The `listJobs` engine over the guarded sources: one merged list, newest first by creation time
 * (ties by global ID), across every source the filter asks for, paged by cursors.
 *
 * Per page: the filter is checked and the cursor verified before any upstream call; then every
 * source's list stream is read through the provider's pipeline, under the caller's fair share and
 * the region's circuit breaker (guardedCall.ts), and merged (merge.ts): Import/Export and AWS
 * Batch's queues, the sources whose order is documented (newest first), page by page from their
 * position in the cursor, each upstream page read at the provider's largest page size and kept
 * in `snapshots` for the same time, shared by every page and caller (snapshotStream.ts
 * `pagedStream`); the others from their snapshot (`snapshots`, snapshots.ts: each read whole at
 * its largest page size at most once per JOBGRAPH_LIST_SNAPSHOT_SECONDS, shared by every page and
 * caller), from just after the cursor's keyset. A source that fails is reported FAILED with its
 * code and the page goes on without it. Only sources that need an upstream read count against the
 * request's list-source bound (coldSources.ts); past it the page is refused (BAD_USER_INPUT). Each edge's cursor carries its keyset, the filter's
 * digest and the position after it of each source read page by page, under HMAC-SHA256 with
 * `config.listing.cursorSecret` (cursor.ts). `snapshots`: default this lister's own.
 */
export function createJobLister(
  sources: Sources,
  config: Config,
  snapshots: ListSnapshots = createListSnapshots(config),
  /** The job-state store the rows meet (ListedRowStates); absent: rows as listed. */
  states?: ListedRowStates,
): JobLister {
  const codec = new CursorCodec(config.listing.cursorSecret);
  const defaults = planDefaults(config);
  return {
    async list({ filter, first, after, caller, signal, budget, access, reads }) {
      if (!Number.isInteger(first) || first < 1 || first > MAX_LIST_FIRST) {
        throw new BadUserInputError(
          `Argument "first" must be a whole number from 1 to ${MAX_LIST_FIRST}; got ${String(first)}.`,
          { argument: 'first' },
        );
      }
      const plan = planList(filter, defaults, access);
      const cursor = after === null ? null : codec.decode(after);
      if (cursor !== null && cursor.filter !== plan.digest) {
        throw new BadUserInputError(
          'Argument "after" is a cursor made for other filters; pass the filter it was made with, or list again without `after`.',
          { argument: 'after' },
        );
      }
      // A page that fails (a source refusing the cursor's position) stops its other sources' calls.
      const page = new AbortController();
      const ctx: ListCallContext = {
        caller,
        signal: signal ? AbortSignal.any([signal, page.signal]) : page.signal,
        deadline: AbortSignal.timeout(config.resilience.upstreamBudgetMs),
        calls: 0,
      };
      const cold = new ColdSources(budget);
      const env = { sources, config, plan, ctx, budget, cold, snapshots, access, reads };
      const entries = await planSources(env);
      let merged: Awaited<ReturnType<typeof mergeStreams<Listed>>>;
      try {
        merged = await mergeStreams({
          streams: entries.flatMap((e) => (e.stream ? [overlaid(e.stream, states)] : [])),
          after: cursor?.keyset ?? null,
          positions: cursor?.positions ?? {},
          first,
        });
      } catch (err) {
        page.abort(err);
        throw err;
      }
      signal?.throwIfAborted();
      // Past the request's bound on cold sources the page is refused — only now, once the reads
      // it started have ended and been kept, so listing again is served from them.
      cold.throwIfRefused();
      const reports = entries.map((e) => sourceReport(e, merged.failures));
      return {
        edges: merged.edges.map(
          ({ item, positions }) =>
            new ListedEdge(
              codec,
              { keyset: keyOf(item), filter: plan.digest, positions },
              served(item, states),
            ),
        ),
        hasNextPage: merged.hasNextPage,
        hasPreviousPage: cursor !== null,
        sources: reports,
        upstreamCalls: ctx.calls,
      };
    },
  };
}

const keyOf = (item: Listed) => ({ createdMs: item.createdMs, id: item.id });

/**
 * An edge of a page: its job, and its cursor sealed when first read (a page's caller that selects
 * no `cursor` reads one or two: `pageInfo`'s), not one HMAC and payload an edge.
 */
class ListedEdge {
  #cursor: string | undefined;

  constructor(
    private readonly codec: CursorCodec,
    private readonly at: ListCursor,
    readonly job: ListedJob,
  ) {}

  get cursor(): string {
    return (this.#cursor ??= this.codec.encode(this.at));
  }
}

/**
 * `stream` whose rows are made as fresh as the events applied before its filter selects them
 * (the row as read kept beside, for the store): a page filtered by state judges the state it
 * shows. Without a store, `stream` itself.
 */
function overlaid(
  stream: MergeStream<Listed>,
  states: ListedRowStates | undefined,
): MergeStream<Listed> {
  if (!states) return stream;
  return {
    ...stream,
    select: (items) =>
      stream.select(
        items.map((item) => {
          const job = states.overlay(item.job, item.readAt);
          return job === item.job ? item : { ...item, job, asRead: item.job };
        }),
      ),
  };
}

/** A row the page serves: offered to the store as the provider read it; shown as fresh as the events. */
function served(item: Listed, states: ListedRowStates | undefined): ListedJob {
  states?.offerListed(item.asRead ?? item.job, item.readAt);
  return item.job;
}

/** What `sources` says of one planned source: LISTED, or why not (not listable, not configured, failed with its code). */
function sourceReport(
  e: Awaited<ReturnType<typeof planSources>>[number],
  failures: ReadonlyMap<string, unknown>,
): JobListSourceReport {
  const where = {
    provider: e.provider,
    account: e.account,
    region: e.region,
    referenceStoreId: e.referenceStoreId,
    jobQueue: e.jobQueue,
  };
  if (!e.stream) return { ...where, state: e.state ?? 'LISTED', code: e.code ?? null };
  const failure = failures.get(e.stream.id);
  return failure === undefined
    ? { ...where, state: 'LISTED', code: null }
    : { ...where, ...failedReport(failure) };
}
