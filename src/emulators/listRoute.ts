import {
  checkJobsPerSource,
  listOfJobs,
  pageAfter,
  sortListed,
  sourceCache,
  type JobList,
  type ListedJob,
  type ListOptions,
  type ListOrder,
  type ListPlace,
  type ListPosition,
} from './listing.ts';

/**
 * What the list routes of the emulators share beyond paging itself: the order from the options,
 * the demo or big-account sources, where a job stands in a list, and the progressing job (whose
 * status moves with the clock) merged into the source it lists in. Each emulator keeps its own
 * wire: how a request names its page size and start, how a page is written, which errors it
 * answers.
 */

/** What one emulator's listing is made of. */
export interface JobListingSpec<J> {
  /** The emulator's options (`listOrder`, `jobsPerSource`); `jobsPerSource` is checked here. */
  options: ListOptions;
  /** The provider's order when the options name none. */
  defaultOrder: ListOrder;
  /** Where a job stands in a list: its creation time in ms, ID and status. */
  place: (job: J) => ListPlace;
  /** The progressing job as the clock stands now. */
  progressing: () => J;
}

/** One page of a list, and its last job (the next page's start) when it has one. */
export interface ListPage<T> {
  items: T[];
  more: boolean;
  last: T | undefined;
}

/** The jobs one list request reads: a source's, and the progressing job where it lists. */
export interface ListSource<J> {
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
  /** A source of these jobs, held in memory. */
  of(jobs: readonly J[]): JobList<J>;
  /**
   * A demo source: the demo's `listed` jobs, or (big account) `big(count)` with `count` the
   * jobs per source less the progressing job where `holdsProgressing`.
   */
  demo(
    listed: () => readonly J[],
    big: (count: number) => JobList<J>,
    holdsProgressing?: boolean,
  ): JobList<J>;
  /**
   * The sources by region: `demoRegion`'s is `demo`, another's (big account only) `big(region,
   * count)` (the 16 last read kept), none elsewhere.
   */
  regional(
    demoRegion: string,
    demo: JobList<J>,
    big: (region: string, count: number) => JobList<J>,
  ): (region: string) => JobList<J> | null;
  /** What a list request of `list` (none: empty) reads, the progressing job merged in where `withProgressing`. */
  source(list: JobList<J> | null | undefined, withProgressing: boolean): ListSource<J>;
  /** One page of a few items held in memory (not jobs of a source), sorted in the listing's order. */
  pageOf<T extends ListPosition>(
    items: readonly T[],
    after: ListPosition | null,
    size: number,
  ): ListPage<T>;
}

/** One emulator's listing; throws RangeError for a `jobsPerSource` out of range (`checkJobsPerSource`). */
export function jobListing<J>(spec: JobListingSpec<J>): JobListing<J> {
  const order = spec.options.listOrder ?? spec.defaultOrder;
  const jobsPerSource = checkJobsPerSource(spec.options.jobsPerSource);
  const withLast = <T>(page: { items: T[]; more: boolean }): ListPage<T> => ({
    ...page,
    last: page.items[page.items.length - 1],
  });
  return {
    order,
    jobsPerSource,
    of: (jobs) => listOfJobs(jobs, spec.place),
    demo: (listed, big, holdsProgressing = true) =>
      jobsPerSource === undefined
        ? listOfJobs(listed(), spec.place)
        : big(jobsPerSource - (holdsProgressing ? 1 : 0)),
    regional(demoRegion, demo, big) {
      const others = sourceCache(16, (region) => big(region, jobsPerSource ?? 0));
      return (region) =>
        region === demoRegion ? demo : jobsPerSource === undefined ? null : others(region);
    },
    source(list, withProgressing) {
      const extras: ListedJob<J>[] = [];
      if (withProgressing) {
        const job = spec.progressing();
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
