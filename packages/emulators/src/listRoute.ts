import {
  bigAccountJobs,
  checkJobsPerSource,
  listOfJobs,
  pageAfter,
  sortListed,
  sourceCache,
  type BigAccountSpec,
  type JobList,
  type ListedJob,
  type ListOptions,
  type ListOrder,
  type ListPlace,
  type ListPosition,
  type OpaqueTokens,
  type TokenRefusal,
} from './listing.ts';
import { synthesizedJob, type EmulatorRequest } from './framework.ts';
import { progressClock, type CyclePoint, type ProgressClockOptions } from './progress.ts';

/**
 * What the list routes of the emulators share beyond paging itself: the order from the options,
 * the demo or big-account sources, where a job stands in a list, and the progressing job (whose
 * status moves with the clock) merged into the source it lists in. Each emulator keeps its own
 * wire: how a request names its page size and start, how a page is written, which errors it
 * answers.
 */

/** What one emulator's listing is made of. */
export interface JobListingSpec<J> {
  /** The provider's order when the options name none. */
  defaultOrder: ListOrder;
  /** Where a job stands in a list: its creation time in ms, ID and status. */
  place: (job: J) => ListPlace;
  /**
   * The progressing job's ID, where it keeps one ID across cycles (`findDemo` answers it), and
   * the job at a point of its cycle.
   */
  progressingId?: string;
  progressing: (point: CyclePoint) => J;
  /** Where each cycle is a new job: the finished jobs of the cycles before `point`'s that lists still show. */
  finished?: (point: CyclePoint) => readonly J[];
}

/** One page of a list, and its last job (the next page's start) when it has one. */
interface ListPage<T> {
  items: T[];
  more: boolean;
  last: T | undefined;
}

/** The jobs one list request reads: a source's, and the progressing job where it lists. */
interface ListSource<J> {
  /** The job with this ID (the progressing one included), or undefined. */
  find(id: string): ListedJob<J> | undefined;
  /** At most `size` jobs strictly after `after` in the listing's order, those `accept` takes. */
  page(
    after: ListPosition | null,
    size: number,
    accept?: (job: ListedJob<J>) => boolean,
  ): ListPage<ListedJob<J>>;
}

/** One emulator's listing (see `jobListing`). */
export interface JobListing<J> {
  /** The order its lists come in. */
  readonly order: ListOrder;
  /** The big account's jobs per source, or undefined for the demo data. */
  readonly jobsPerSource: number | undefined;
  /** When the emulator started (its clock then), ms: the listed jobs lie in the 90 days before it. */
  readonly anchorMs: number;
  /** The progressing job as the clock stands now. */
  progressingJob(): J;
  /** Where the clock stands now in the progressing job's cycle. */
  cyclePoint(): CyclePoint;
  /** A source of these jobs, held in memory. */
  of(jobs: readonly J[]): JobList<J>;
  /**
   * A demo source: the demo's `listed` jobs, or (big account) `big(anchorMs, count)` with
   * `count` the jobs per source less the progressing job where `holdsProgressing`.
   */
  demo(
    listed: (anchorMs: number) => readonly J[],
    big: (anchorMs: number, count: number) => JobList<J>,
    holdsProgressing?: boolean,
  ): JobList<J>;
  /**
   * The sources by region: `demoRegion`'s the demo one (`demo`, holding the progressing job),
   * another's (big account only) the region's own of `big` (the 16 last read kept), none
   * elsewhere.
   */
  regional(
    demoRegion: string,
    listed: (anchorMs: number) => readonly J[],
    big: BigAccountSpec<J>,
  ): (region: string) => JobList<J> | null;
  /**
   * The job a describe of the demo source `list` names: the progressing job, a fixed demo job
   * (`fixture`), a listed one, or a synthesized copy of a fixed one (`synthesizedJob`).
   */
  findDemo(
    req: EmulatorRequest,
    list: JobList<J> | null,
    jobId: string,
    fixture: (jobId: string) => J | undefined,
  ): J | undefined;
  /** What a list request of `list` (none: empty) reads, the progressing job merged in where `withProgressing`. */
  source(list: JobList<J> | null | undefined, withProgressing: boolean): ListSource<J>;
  /** One page of a few items held in memory (not jobs of a source), sorted in the listing's order. */
  pageOf<T extends ListPosition>(
    items: readonly T[],
    after: ListPosition | null,
    size: number,
  ): ListPage<T>;
}

/**
 * One emulator's listing, its progressing job on the clock of `options` and its listed jobs
 * placed relative to that clock now; throws RangeError for a `jobsPerSource` out of range
 * (`checkJobsPerSource`).
 */
export function jobListing<J>(
  options: ListOptions & ProgressClockOptions,
  spec: JobListingSpec<J>,
): JobListing<J> {
  const cycle = progressClock(options);
  const order = options.listOrder ?? spec.defaultOrder;
  const jobsPerSource = checkJobsPerSource(options.jobsPerSource);
  const anchorMs = options.startedMs ?? (options.now ?? Date.now)();
  const progressingJob = () => spec.progressing(cycle());
  const withLast = <T>(page: { items: T[]; more: boolean }): ListPage<T> => ({
    ...page,
    last: page.items[page.items.length - 1],
  });
  const demo: JobListing<J>['demo'] = (listed, big, holdsProgressing = true) =>
    jobsPerSource === undefined
      ? listOfJobs(listed(anchorMs), spec.place)
      : big(anchorMs, jobsPerSource - (holdsProgressing ? 1 : 0));
  return {
    order,
    jobsPerSource,
    anchorMs,
    progressingJob,
    cyclePoint: cycle,
    of: (jobs) => listOfJobs(jobs, spec.place),
    demo,
    regional(demoRegion, listed, big) {
      const home = demo(listed, (at, count) => bigAccountJobs(big, at, demoRegion, count));
      const others = sourceCache(16, (region) =>
        bigAccountJobs(big, anchorMs, region, jobsPerSource ?? 0),
      );
      return (region) =>
        region === demoRegion ? home : jobsPerSource === undefined ? null : others(region);
    },
    findDemo: (req, list, jobId, fixture) =>
      spec.progressingId !== undefined && jobId === spec.progressingId
        ? progressingJob()
        : (fixture(jobId) ?? list?.find(jobId)?.job() ?? synthesizedJob(req, jobId, fixture)),
    source(list, withProgressing) {
      const extras: ListedJob<J>[] = [];
      if (withProgressing && options.listProgressing !== false) {
        const point = cycle();
        for (const job of [spec.progressing(point), ...(spec.finished?.(point) ?? [])])
          extras.push({ ...spec.place(job), job: () => job });
      }
      return {
        find: (id) => list?.find(id) ?? extras.find((j) => j.id === id),
        page: (after, size, accept) =>
          withLast(pageAfter(list?.sorted(order) ?? [], extras, after, order, size, accept)),
      };
    },
    pageOf: (items, after, size) =>
      withLast(pageAfter(sortListed(items, order), [], after, order, size)),
  };
}

/** How an AWS JSON list operation names and bounds its page size and opaque page token. */
export interface OpaquePaging {
  /** The query parameters, as the service spells them (`MaxResults`, `nextToken`, …). */
  sizeParam: string;
  tokenParam: string;
  /** The page size's range; 0 (where allowed) or none asks for `defaultSize`. */
  minSize: number;
  maxSize: number;
  defaultSize: number;
  /** The longest token the model allows, in characters. */
  maxTokenLength: number;
}

/**
 * A list request's page, or why its parameters are refused: a model constraint (`constraint`,
 * with the parameter and the value given) or a token that `tokens` did not make for `scope` or
 * that has expired (`refusal`, read at `now()`). Each service writes the refusal in its own words.
 */
export type OpaquePageRead =
  | { ok: true; size: number; position: ListPosition | null }
  | { ok: false; param: string; value: string; constraint: string }
  | { ok: false; param: string; refusal: TokenRefusal };

/** The page size and start an AWS JSON list request asks for, its parameters checked as the model bounds them. */
export function readOpaquePage(
  query: URLSearchParams,
  paging: OpaquePaging,
  tokens: OpaqueTokens,
  scope: string,
  now: () => number,
): OpaquePageRead {
  const { sizeParam, tokenParam } = paging;
  let size = paging.defaultSize;
  const sizeValue = query.get(sizeParam);
  if (sizeValue !== null) {
    const refuse = (constraint: string) =>
      ({ ok: false, param: sizeParam, value: sizeValue, constraint }) as const;
    if (!/^-?\d{1,10}$/.test(sizeValue)) return refuse('Member must be an integer');
    const n = Number(sizeValue);
    if (n < paging.minSize)
      return refuse(`Member must have value greater than or equal to ${paging.minSize}`);
    if (n > paging.maxSize)
      return refuse(`Member must have value less than or equal to ${paging.maxSize}`);
    if (n > 0) size = n;
  }
  const token = query.get(tokenParam);
  if (token === null) return { ok: true, size, position: null };
  const refuse = (constraint: string) =>
    ({ ok: false, param: tokenParam, value: token, constraint }) as const;
  if (token.length < 1) return refuse('Member must have length greater than or equal to 1');
  if (token.length > paging.maxTokenLength)
    return refuse(`Member must have length less than or equal to ${paging.maxTokenLength}`);
  const read = tokens.read(token, scope, now());
  if (!read.ok) return { ok: false, param: tokenParam, refusal: read.refusal };
  return { ok: true, size, position: read.position };
}
