import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, graphql, type GqlError } from './api.ts';
import type { ChartJob } from './chartData.ts';
import { codeWords, type RowJob } from './format.ts';
import { historyFilter, type HistoryFilters } from './historyFilters.ts';

/**
 * What the history view asks: pages of `jobHistory` for its table (cursor after cursor), and the
 * finished jobs of the charts' window, at most CHART_MAX_JOBS of them.
 */

/** A stored job as the table shows it (the row's fields; Batch's queue). */
export type HistoryRow = Omit<RowJob, 'updatedAt' | 'liveBy'> & { jobQueue?: string | null };

const ROW_FIELDS = `__typename id provider account accountAlias nativeId name region state providerStatus statusMessage terminal createdAt completedAt
  ... on BatchJob { jobQueue }`;

const PAGE_QUERY = `query ConsoleHistory($filter: JobHistoryFilter, $first: Int, $after: String) {
  jobHistory(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CHART_QUERY = `query ConsoleHistoryCharts($filter: JobHistoryFilter, $after: String) {
  jobHistory(filter: $filter, first: 100, after: $after) {
    edges { node { provider accountAlias state createdAt completedAt ... on BatchJob { jobQueue } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Rows a page of the table adds. */
export const HISTORY_PAGE = 25;
/** The charts read at most this many finished jobs of their window (10 pages of 100), newest first. */
export const CHART_MAX_JOBS = 1000;

interface Page<T> {
  jobHistory: {
    edges: { cursor?: string; node: T }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** The request's errors in words ("not allowed for this token: …"). */
function failure(errors: readonly GqlError[] | undefined): Error {
  return new Error(
    errors?.map((e) => `${codeWords(e.extensions?.code)}: ${e.message}`).join('; ') || 'no answer',
  );
}

async function page<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
  signal: AbortSignal,
): Promise<Page<T>['jobHistory']> {
  const result = await graphql<Page<T>>(query, variables, token, signal);
  if (!result.data?.jobHistory) throw failure(result.errors);
  return result.data.jobHistory;
}

/** What went wrong, for the page: a refused token goes to `onRefused`, an abort is nothing. */
function reported(onRefused: (m: string) => void, setError: (m: string) => void) {
  return (err: unknown) => {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    else if (!(err instanceof DOMException && err.name === 'AbortError'))
      setError(err instanceof Error ? err.message : String(err));
  };
}

export interface HistoryList {
  /** The URL query these rows are of. */
  search: string;
  rows: HistoryRow[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** The table's rows for `filters` (skipped while `problems`), and "Show more" by cursor. */
export function useHistoryList(
  token: string,
  filters: HistoryFilters,
  search: string,
  blocked: boolean,
  onRefused: (m: string) => void,
) {
  const [list, setList] = useState<HistoryList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [abort] = useState(() => ({ current: new AbortController() }));
  const fail = reported(onRefused, setError);
  useEffect(() => {
    setList(null);
    setError(null);
    if (blocked) return;
    const controller = new AbortController();
    abort.current = controller;
    page<HistoryRow>(
      PAGE_QUERY,
      { filter: historyFilter(filters), first: HISTORY_PAGE },
      token,
      controller.signal,
    ).then(
      (p) =>
        setList({
          search,
          rows: p.edges.map((e) => e.node),
          endCursor: p.pageInfo.endCursor,
          hasNextPage: p.pageInfo.hasNextPage,
        }),
      fail,
    );
    return () => controller.abort();
  }, [search, blocked]);
  const more = () => {
    if (!list?.endCursor) return;
    setLoadingMore(true);
    page<HistoryRow>(
      PAGE_QUERY,
      { filter: historyFilter(filters), first: HISTORY_PAGE, after: list.endCursor },
      token,
      abort.current.signal,
    )
      .then((p) => {
        const seen = new Set(list.rows.map((r) => r.id));
        setList({
          search,
          rows: [...list.rows, ...p.edges.map((e) => e.node).filter((r) => !seen.has(r.id))],
          endCursor: p.pageInfo.endCursor,
          hasNextPage: p.pageInfo.hasNextPage,
        });
      }, fail)
      .finally(() => setLoadingMore(false));
  };
  return { list, error, more, loadingMore };
}

export interface ChartJobs {
  /** The window's finished jobs read, newest first. */
  jobs: (ChartJob & { accountAlias: string })[];
  /** Whether more finished in the window than CHART_MAX_JOBS (the charts show the newest). */
  truncated: boolean;
}

/** The finished jobs of the charts' window: the table's filters with the window as finished bounds. */
export function useChartJobs(
  token: string,
  filters: HistoryFilters,
  window: { from: string; to: string },
  blocked: boolean,
  onRefused: (m: string) => void,
) {
  const [charted, setCharted] = useState<ChartJobs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify([historyFilter(filters), window]);
  useEffect(() => {
    setCharted(null);
    setError(null);
    if (blocked) return;
    const controller = new AbortController();
    const filter = {
      ...historyFilter(filters),
      finishedAfter: window.from,
      finishedBefore: window.to,
    };
    const load = async (): Promise<ChartJobs> => {
      const jobs: ChartJobs['jobs'] = [];
      let after: string | null = null;
      for (;;) {
        const p: Page<ChartJobs['jobs'][number]>['jobHistory'] = await page(
          CHART_QUERY,
          { filter, after },
          token,
          controller.signal,
        );
        jobs.push(...p.edges.map((e) => e.node));
        if (!p.pageInfo.hasNextPage) return { jobs, truncated: false };
        if (jobs.length >= CHART_MAX_JOBS) return { jobs, truncated: true };
        after = p.pageInfo.endCursor;
      }
    };
    load().then(setCharted, reported(onRefused, setError));
    return () => controller.abort();
  }, [key, blocked]);
  return { charted, error };
}

const SUMMARY_QUERY = `query ConsoleHistorySummary($filter: JobHistoryFilter) {
  jobHistorySummary(filter: $filter) {
    jobs
    byState { state jobs }
    byFailureCategory { category jobs }
  }
}`;

/** What the history holds for the filters, counted by the server over every page (`jobHistorySummary`). */
export interface HistorySummary {
  jobs: number;
  byState: { state: string; jobs: number }[];
  byFailureCategory: { category: string; jobs: number }[];
}

/** The counts of the table's filters (skipped while `blocked`): one request, however many pages match. */
export function useHistorySummary(
  token: string,
  filters: HistoryFilters,
  search: string,
  blocked: boolean,
  onRefused: (m: string) => void,
) {
  const [summary, setSummary] = useState<HistorySummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setSummary(null);
    setError(null);
    if (blocked) return;
    const controller = new AbortController();
    const ask = async (): Promise<HistorySummary> => {
      for (let attempt = 1; ; attempt++) {
        const result = await graphql<{ jobHistorySummary: HistorySummary }>(
          SUMMARY_QUERY,
          { filter: historyFilter(filters) },
          token,
          controller.signal,
        );
        if (result.data?.jobHistorySummary) return result.data.jobHistorySummary;
        // A search more than a caller may run at once (the charts' pages hold one): asked again.
        const busy = result.errors?.some((e) => e.extensions?.code === 'UPSTREAM_THROTTLED');
        if (!busy || attempt >= SUMMARY_TRIES) throw failure(result.errors);
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        controller.signal.throwIfAborted();
      }
    };
    ask().then(setSummary, reported(onRefused, setError));
    return () => controller.abort();
  }, [search, blocked]);
  return { summary, error };
}

/** How often the summary is asked while the caller's searches are all running, at most. */
const SUMMARY_TRIES = 8;
