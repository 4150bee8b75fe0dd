import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  TokenRefusedError,
  consolePath,
  errorsUnder,
  graphql,
  jobPath,
  subscriptionClient,
  type GqlError,
} from './api.ts';
import { NetworkError } from 'graphql-sse';
import {
  NO_FILTERS,
  filtersFromSearch,
  listFilter,
  rememberSearch,
  searchFromFilters,
  type Filters,
} from './filters.ts';
import {
  PROVIDER_NAMES,
  STATES,
  codeWords,
  progress,
  relative,
  stateLabel,
  utc,
  type RowJob,
} from './format.ts';

/** What a row shows. Progress (COS task counts, HealthOmics sources) and the message come from the describe path. */
export const ROW_FIELDS = `__typename id provider nativeId region state providerStatus statusMessage terminal createdAt updatedAt
  ... on CosBatchJob { progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } }
  ... on OmicsReferenceImportJob { sources { status } }`;

const LIST_QUERY = `query ConsoleJobs($filter: JobListFilter, $first: Int, $after: String) {
  listJobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    sources { provider region referenceStoreId state code }
  }
}`;

const UPDATES = `subscription ConsoleUpdates($ids: [ID!]!) { jobUpdates(ids: $ids) { ${ROW_FIELDS} } }`;

const PAGE_SIZE = 25;
/** At most this many unfinished jobs are watched (JOBGRAPH_MAX_JOBS_PER_REQUEST's default). */
const MAX_WATCHED = 100;
/** Providers listJobs can list (CodePipeline has no read-only list). */
const LISTABLE = ['AWS_PANORAMA', 'AWS_OMICS', 'TENCENT_COS_BATCH', 'AWS_IMPORT_EXPORT'];

interface Source {
  provider: string;
  region: string | null;
  referenceStoreId: string | null;
  state: string;
  code: string | null;
}

interface ListData {
  listJobs: {
    edges: { cursor: string; node: RowJob }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: Source[];
  };
}

interface Row {
  job: RowJob;
  errors: GqlError[];
}

interface ListState {
  /** The filters (as the URL query) these rows were listed for. */
  search: string;
  rows: Row[];
  endCursor: string | null;
  hasNextPage: boolean;
  failed: Source[];
}

function sourceName(s: Source): string {
  return [PROVIDER_NAMES[s.provider] ?? s.provider, s.region, s.referenceStoreId]
    .filter(Boolean)
    .join(' ');
}

function rowsOf(data: ListData, errors: GqlError[] | undefined): Row[] {
  const byEdge = errorsUnder(errors, ['listJobs', 'edges']);
  return data.listJobs.edges.map((edge, i) => ({ job: edge.node, errors: byEdge.get(i) ?? [] }));
}

/** The visible page's clock for relative times: ticks every 30 s. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}

export function Time({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={utc(iso)}>
      {relative(iso, now)}
    </time>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{stateLabel(state)}</span>;
}

function ProgressCell({ job }: { job: RowJob }) {
  const p = progress(job);
  if (!p) return <span class="muted">—</span>;
  return (
    <span class="progress">
      <progress max={p.total} value={p.done} aria-hidden="true" />
      <span>{p.text}</span>
    </span>
  );
}

function FilterForm({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const checked = (list: string[], value: string) => list.includes(value);
  const active = [
    filters.states.length,
    filters.providers.length,
    filters.regions.length,
    filters.createdAfter ? 1 : 0,
    filters.createdBefore ? 1 : 0,
  ].filter(Boolean).length;
  // Open on a wide screen or when filters are set; folded on a phone, where it would fill the screen.
  const open = active > 0 || !matchMedia('(max-width: 700px)').matches;
  return (
    <details class="filters-box" open={open}>
      <summary>Filters{active ? ` (${active} set)` : ''}</summary>
      <form
        class="filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const all = (name: string) => form.getAll(name).map(String);
          const one = (name: string) => {
            const value = form.get(name);
            return typeof value === 'string' ? value.trim() : '';
          };
          onApply({
            states: all('state'),
            providers: all('provider'),
            regions: one('region')
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean),
            createdAfter: one('createdAfter'),
            createdBefore: one('createdBefore'),
          });
        }}
      >
        <fieldset>
          <legend>State</legend>
          {STATES.map((s) => (
            <label key={s}>
              <input type="checkbox" name="state" value={s} checked={checked(filters.states, s)} />{' '}
              {stateLabel(s)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Provider</legend>
          {LISTABLE.map((p) => (
            <label key={p}>
              <input
                type="checkbox"
                name="provider"
                value={p}
                checked={checked(filters.providers, p)}
              />{' '}
              {PROVIDER_NAMES[p]}
            </label>
          ))}
        </fieldset>
        <fieldset class="inline">
          <legend>Where and when</legend>
          <label>
            Region{' '}
            <input
              name="region"
              placeholder="us-east-1, ap-guangzhou"
              value={filters.regions.join(', ')}
            />
          </label>
          <label>
            Created after (UTC){' '}
            <input type="date" name="createdAfter" value={filters.createdAfter.slice(0, 10)} />
          </label>
          <label>
            Created before (UTC){' '}
            <input type="date" name="createdBefore" value={filters.createdBefore.slice(0, 10)} />
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="link" onClick={() => onApply(NO_FILTERS)}>
            Clear
          </button>
        </div>
      </form>
    </details>
  );
}

export function JobList({ token, onRefused }: { token: string; onRefused: (m: string) => void }) {
  const [filters, setFilters] = useState(() => filtersFromSearch(location.search));
  const [list, setList] = useState<ListState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const now = useNow();
  const visible = usePageVisible();

  // Back and Forward move between filter sets: the URL is the filters' one home.
  useEffect(() => {
    const onPop = () => setFilters(filtersFromSearch(location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const fetchPage = async (after: string | null, signal?: AbortSignal) => {
    const result = await graphql<ListData>(
      LIST_QUERY,
      { filter: listFilter(filters), first: PAGE_SIZE, after },
      token,
      signal,
    );
    if (!result.data?.listJobs) {
      throw new Error(result.errors?.map((e) => e.message).join('; ') || 'no answer');
    }
    return result;
  };

  const failedWith = (err: unknown) => {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    else if (!(err instanceof DOMException && err.name === 'AbortError'))
      setError(err instanceof Error ? err.message : String(err));
  };

  useEffect(() => {
    const abort = new AbortController();
    rememberSearch(searchFromFilters(filters));
    setList(null);
    setError(null);
    fetchPage(null, abort.signal).then((result) => {
      const data = result.data as ListData;
      setList({
        search: searchFromFilters(filters),
        rows: rowsOf(data, result.errors),
        endCursor: data.listJobs.pageInfo.endCursor,
        hasNextPage: data.listJobs.pageInfo.hasNextPage,
        failed: data.listJobs.sources.filter((s) => s.state === 'FAILED'),
      });
    }, failedWith);
    return () => abort.abort();
    // A new filter set is a new list; the token is fixed for this component's life.
  }, [searchFromFilters(filters)]);

  const more = () => {
    if (!list?.endCursor) return;
    setLoadingMore(true);
    fetchPage(list.endCursor)
      .then((result) => {
        const data = result.data as ListData;
        const seen = new Set(list.rows.map((r) => r.job.id));
        setList({
          search: list.search,
          rows: [...list.rows, ...rowsOf(data, result.errors).filter((r) => !seen.has(r.job.id))],
          endCursor: data.listJobs.pageInfo.endCursor,
          hasNextPage: data.listJobs.pageInfo.hasNextPage,
          failed: data.listJobs.sources.filter((s) => s.state === 'FAILED'),
        });
      }, failedWith)
      .finally(() => setLoadingMore(false));
  };

  // One jobUpdates stream for the unfinished jobs on screen, closed while the page is hidden.
  // An update replaces its row; it never adds one, so the list keeps the size it was paged to.
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
                  rows: current.rows.map((r) => (r.job.id === job.id ? { job, errors: [] } : r)),
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

  const apply = (next: Filters) => {
    const search = searchFromFilters(next);
    if (search !== location.search) history.pushState(null, '', `${consolePath}${search}`);
    setFilters(next);
  };

  return (
    <>
      <FilterForm key={searchFromFilters(filters)} filters={filters} onApply={apply} />
      {list?.failed.map((s) => (
        <p class="banner warn" role="status" data-source-failed={s.provider} key={sourceName(s)}>
          {sourceName(s)}: {codeWords(s.code)}. The other sources are listed.
        </p>
      ))}
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : null}
      {!list && !error ? (
        <p class="muted" role="status">
          Loading jobs…
        </p>
      ) : null}
      {list ? (
        <div class="table-wrap">
          <table class="jobs" data-search={list.search}>
            <caption>
              {list.rows.length} {list.rows.length === 1 ? 'job' : 'jobs'}, newest first
              {list.search ? ' (filtered)' : ''}
              {visible && watched.length ? ` · ${watched.length} unfinished watched live` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Provider</th>
                <th scope="col">Region</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map(({ job, errors }) => (
                <tr key={job.id} data-job-id={job.id} data-state={job.state}>
                  <th scope="row" data-label="Job">
                    <a href={jobPath(job.id)} title={job.id}>
                      {job.nativeId}
                    </a>
                    {errors.length ? (
                      <span class="row-error" role="note">
                        {errors.map((e) => `${codeWords(e.extensions?.code)}: ${e.message}`)[0]}
                      </span>
                    ) : null}
                  </th>
                  <td data-label="State">
                    <StateBadge state={job.state} />
                    {job.statusMessage ? (
                      <span class="message" title={job.statusMessage}>
                        {job.statusMessage}
                      </span>
                    ) : null}
                  </td>
                  <td data-label="Provider">{PROVIDER_NAMES[job.provider] ?? job.provider}</td>
                  <td data-label="Region">{job.region ?? <span class="muted">global</span>}</td>
                  <td data-label="Progress">
                    <ProgressCell job={job} />
                  </td>
                  <td data-label="Created">
                    <Time iso={job.createdAt} now={now} />
                  </td>
                  <td data-label="Updated">
                    <Time iso={job.updatedAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.rows.length === 0 ? <p class="muted">No jobs match these filters.</p> : null}
          {list.hasNextPage ? (
            <button type="button" class="more" onClick={more} disabled={loadingMore}>
              {loadingMore ? 'Loading…' : `Show ${PAGE_SIZE} more`}
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
