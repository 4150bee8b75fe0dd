// The list page's data: listing the URL's filters page after page, looking up IDs, and the live stream of its unfinished rows.
import { NetworkError } from 'graphql-sse';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  TokenRefusedError,
  consolePath,
  errorsUnder,
  graphql,
  subscriptionClient,
  type GqlError,
} from './api.ts';
import {
  PAGE_SIZE,
  filterProblemOf,
  filterProblems,
  filtersFromSearch,
  listFilter,
  rememberSearch,
  searchFromFilters,
  shownFromSearch,
  type FilterProblem,
  type Filters,
} from './filters.ts';
import type { LookedUp } from './find.tsx';
import type { RowJob } from './format.ts';
import {
  FIND_QUERY,
  LIST_QUERY_SENT,
  UPDATES,
  type ListData,
  type ListState,
  type Row,
} from './listQueries.ts';

/** listJobs' largest page: a URL's `shown` is listed again in pages of at most this many. */
const MAX_PAGE = 100;
/** At most this many unfinished jobs are watched (JOBGRAPH_MAX_JOBS_PER_REQUEST's default). */
const MAX_WATCHED = 100;

/** listJobs refused a filter: the page says which, in words. */
class FilterRefusedError extends Error {
  constructor(readonly problems: FilterProblem[]) {
    super(problems.map((p) => p.sentence).join(' '));
  }
}

/**
 * Jobs by global ID in one `jobs(ids:)` request: each ID's job, or its error's code (NOT_FOUND,
 * UPSTREAM_THROTTLED…). Rejects when the request as a whole is refused or unanswered.
 */
export async function lookUpJobs(token: string, ids: readonly string[]): Promise<LookedUp> {
  const result = await graphql<{ jobs: (RowJob | null)[] }>(FIND_QUERY, { ids }, token);
  const jobs = result.data?.jobs;
  if (!jobs) throw new Error(result.errors?.map((e) => e.message).join('; ') || 'no answer');
  const errors = errorsUnder(result.errors, ['jobs']);
  return new Map(
    ids.map((id, i) => [id, jobs[i] ?? errors.get(i)?.[0]?.extensions?.code ?? 'failed']),
  );
}

function rowsOf(data: ListData, errors: GqlError[] | undefined): Row[] {
  const byEdge = errorsUnder(errors, ['listJobs', 'edges']);
  return data.listJobs.edges.map((edge, i) => ({ job: edge.node, errors: byEdge.get(i) ?? [] }));
}

/** The rows of `more` not already in `rows` (a job listed twice across pages is shown once). */
function appended(rows: Row[], more: Row[]): Row[] {
  const seen = new Set(rows.map((r) => r.job.id));
  return [...rows, ...more.filter((r) => !seen.has(r.job.id))];
}

/** The URL's filters and rows shown. */
export function wantedFromUrl(): { filters: Filters; shown: number } {
  return { filters: filtersFromSearch(location.search), shown: shownFromSearch(location.search) };
}

/** One page of listJobs for `filters`; a refused filter throws FilterRefusedError, no answer an Error. */
async function fetchListPage(
  token: string,
  filters: Filters,
  after: string | null,
  first: number,
  signal?: AbortSignal,
) {
  const result = await graphql<ListData>(
    LIST_QUERY_SENT,
    { filter: listFilter(filters), first, after },
    token,
    signal,
  );
  if (!result.data?.listJobs) {
    const refused = (result.errors ?? [])
      .map((e) => filterProblemOf(e, filters))
      .filter((p) => p !== null);
    if (refused.length) throw new FilterRefusedError(refused);
    throw new Error(result.errors?.map((e) => e.message).join('; ') || 'no answer');
  }
  return result;
}

/** `state` with one more page: its rows appended, where to go on from, the sources as they are now. */
function withPage(
  state: ListState,
  result: { data?: ListData | null; errors?: GqlError[] },
): ListState {
  const data = result.data as ListData;
  return {
    ...state,
    rows: appended(state.rows, rowsOf(data, result.errors)),
    endCursor: data.listJobs.pageInfo.endCursor,
    hasNextPage: data.listJobs.pageInfo.hasNextPage,
    sources: data.listJobs.sources,
  };
}

/**
 * The list the URL asks for: the rows it wants, listed again page after page (MAX_PAGE at a time)
 * from the first whenever the filters (or rows wanted) change; "Show more" adds a page.
 */
export function useJobListing(
  token: string,
  wanted: { filters: Filters; shown: number },
  onRefused: (m: string) => void,
) {
  const { filters } = wanted;
  const [list, setList] = useState<ListState | null>(null);
  const [problems, setProblems] = useState<FilterProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const fetchPage = (after: string | null, first: number, signal?: AbortSignal) =>
    fetchListPage(token, filters, after, first, signal);

  const failedWith = (err: unknown) => {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    else if (err instanceof FilterRefusedError) setProblems(err.problems);
    else if (!(err instanceof DOMException && err.name === 'AbortError'))
      setError(err instanceof Error ? err.message : String(err));
  };

  const show = (next: ListState) => {
    rememberSearch(next.search);
    setList(next);
  };

  // A new filter set (or a URL asking for more rows) is a new list.
  const wantedSearch = searchFromFilters(filters, wanted.shown);
  useEffect(() => {
    const found = filterProblems(filters);
    setList(null);
    setError(null);
    setProblems(found);
    if (found.length) return;
    const abort = new AbortController();
    const load = async () => {
      let state: ListState = {
        search: wantedSearch,
        shown: wanted.shown,
        rows: [],
        endCursor: null,
        hasNextPage: true,
        sources: [],
      };
      while (state.hasNextPage && state.rows.length < wanted.shown) {
        const first = Math.min(wanted.shown - state.rows.length, MAX_PAGE);
        state = withPage(state, await fetchPage(state.endCursor, first, abort.signal));
      }
      return state;
    };
    load().then(show, failedWith);
    return () => abort.abort();
    // The token is fixed for this component's life.
  }, [wantedSearch]);

  // "Show 25 more": the next page, and the URL says how many rows are shown now (replaced, not
  // pushed: Back leaves the list rather than folding it).
  const more = () => {
    if (!list?.endCursor) return;
    setLoadingMore(true);
    fetchPage(list.endCursor, PAGE_SIZE)
      .then((result) => {
        const shown = list.shown + PAGE_SIZE;
        const search = searchFromFilters(filters, shown);
        history.replaceState(history.state, '', `${consolePath}${search}`);
        rememberSearch(search);
        // Onto the rows as they are now: live updates may have changed some meanwhile.
        setList((current) => (current ? withPage({ ...current, search, shown }, result) : current));
      }, failedWith)
      .finally(() => setLoadingMore(false));
  };
  return { list, setList, problems, error, loadingMore, more, wantedSearch };
}

/**
 * One jobUpdates stream for the unfinished jobs on screen, closed while the page is hidden. An
 * update replaces its row; it never adds one, so the list keeps the size it was paged to. Returns
 * the IDs watched.
 */
export function useLiveRows(
  token: string,
  list: ListState | null,
  setList: (update: (current: ListState | null) => ListState | null) => void,
  visible: boolean,
  onRefused: (m: string) => void,
): string[] {
  const watched = useMemo(
    () =>
      (list?.rows ?? [])
        .filter((r) => !r.job.terminal)
        .slice(0, MAX_WATCHED)
        .map((r) => r.job.id),
    [list],
  );
  const watchKey = watched.join(' ');
  useEffect(() => {
    if (!visible || watched.length === 0) return;
    const client = subscriptionClient(token);
    const stop = client.subscribe<{ jobUpdates: RowJob }>(
      { query: UPDATES, variables: { ids: watched } },
      {
        next: (result) => {
          // The token expired while the stream was open: the server ends it with this error.
          const refused = result.errors?.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
          if (refused) return onRefused(refused.message);
          const job = result.data?.jobUpdates;
          if (!job) return;
          setList((current) =>
            current
              ? {
                  ...current,
                  // A job's account never changes; an event that lacks it keeps the listed one.
                  rows: current.rows.map((r) =>
                    r.job.id === job.id
                      ? { job: { ...job, account: job.account ?? r.job.account }, errors: [] }
                      : r,
                  ),
                }
              : current,
          );
        },
        error: (err) => {
          if (err instanceof NetworkError && (err.response as Response | undefined)?.status === 401)
            onRefused('');
        },
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      client.dispose();
    };
  }, [watchKey, visible]);
  return watched;
}
