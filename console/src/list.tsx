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
import { Duration, Finished, LiveBy, StateBadge, Time } from './cells.tsx';
import { LISTABLE_PROVIDERS, PROVIDER_NAMES } from './ids.ts';
import {
  NO_FILTERS,
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
import { FindJob, type LookedUp } from './find.tsx';
import {
  FAILED_STATES,
  STATES,
  accountText,
  TRIAGE_ORDER,
  codeWords,
  progress,
  stateLabel,
  type RowJob,
} from './format.ts';
import { useNow, usePageVisible } from './hooks.ts';

/**
 * What a row shows. Progress (COS task counts, HealthOmics sources) and the message come from the
 * describe path. A failed row's reason is its status message (every provider puts it there); the
 * other reasons a provider lists are on the job's page: a page of rows stays within
 * JOBGRAPH_MAX_COST's default.
 */
export const ROW_FIELDS = `__typename id provider account accountAlias nativeId region state providerStatus statusMessage terminal createdAt updatedAt completedAt liveBy
  ... on CosBatchJob { progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } }
  ... on OmicsReferenceImportJob { sources { status } }`;

/** Jobs by global ID, as rows: what the search asks to find a native ID where this list looks. */
const FIND_QUERY = `query ConsoleFind($ids: [ID!]!) { jobs(ids: $ids) { ${ROW_FIELDS} } }`;

const LIST_QUERY = `query ConsoleJobs($filter: JobListFilter, $first: Int, $after: String) {
  listJobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${ROW_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    sources { provider region referenceStoreId state code }
  }
}`;

/**
 * Whether the schema says each source's account (JobListSource.account): then the list asks it,
 * and the filters offer the accounts listed. A console is built with its server's schema.
 */
const SOURCES_HAVE_ACCOUNT = JOBGRAPH_LIST_SOURCE_FIELDS.includes('account');
/** The list query as sent: with each source's account where the schema has it. */
const LIST_QUERY_SENT = SOURCES_HAVE_ACCOUNT
  ? LIST_QUERY.replace('sources { provider', 'sources { account provider')
  : LIST_QUERY;

const UPDATES = `subscription ConsoleUpdates($ids: [ID!]!) { jobUpdates(ids: $ids) { ${ROW_FIELDS} } }`;

/** listJobs' largest page: a URL's `shown` is listed again in pages of at most this many. */
const MAX_PAGE = 100;
/** At most this many unfinished jobs are watched (JOBGRAPH_MAX_JOBS_PER_REQUEST's default). */
const MAX_WATCHED = 100;

interface Source {
  /** The account's alias, `default` for the default account (absent before JobListSource.account). */
  account?: string;
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
  /** The URL query (filters and `shown`) these rows were listed for. */
  search: string;
  /** The rows asked for: PAGE_SIZE, and PAGE_SIZE more at each "Show more". */
  shown: number;
  rows: Row[];
  endCursor: string | null;
  hasNextPage: boolean;
  sources: Source[];
}

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
async function lookUpJobs(token: string, ids: readonly string[]): Promise<LookedUp> {
  const result = await graphql<{ jobs: (RowJob | null)[] }>(FIND_QUERY, { ids }, token);
  const jobs = result.data?.jobs;
  if (!jobs) throw new Error(result.errors?.map((e) => e.message).join('; ') || 'no answer');
  const errors = errorsUnder(result.errors, ['jobs']);
  return new Map(
    ids.map((id, i) => [id, jobs[i] ?? errors.get(i)?.[0]?.extensions?.code ?? 'failed']),
  );
}

function sourceName(s: Source): string {
  return [
    PROVIDER_NAMES[s.provider] ?? s.provider,
    s.region,
    s.referenceStoreId,
    s.account && s.account !== 'default' ? `(${s.account})` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The accounts to offer in the filters: those the sources listed, and those the URL asks for; `default` first. */
function accountChoices(sources: readonly Source[], chosen: readonly string[]): string[] {
  const all = new Set([...sources.flatMap((s) => (s.account ? [s.account] : [])), ...chosen]);
  return [...all].sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : a > b ? 1 : 0,
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

/** The job's account ("staging · 210987654321", or the default account's ID alone); a dash when unknown. */
function AccountCell({ job }: { job: RowJob }) {
  const text = accountText(job);
  if (!text) return <span class="muted">—</span>;
  return <span class="account">{text}</span>;
}

/** The UTC day a date filter starts with, for a date field ('' when it does not start with one). */
const day = (value: string): string => /^\d{4}-\d{2}-\d{2}/.exec(value)?.[0] ?? '';

/** The filters a submitted filter form sets. */
function filtersOfForm(form: FormData): Filters {
  const all = (name: string) => form.getAll(name).map(String);
  const one = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  return {
    states: all('state'),
    providers: all('provider'),
    accounts: all('account'),
    regions: one('region')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    createdAfter: one('createdAfter'),
    createdBefore: one('createdBefore'),
  };
}

/** One checkbox a value of `name`, checked when `chosen` holds it. */
function CheckBox({
  name,
  value,
  chosen,
  label,
}: {
  name: string;
  value: string;
  chosen: string[];
  label: string | undefined;
}) {
  return (
    <label>
      <input type="checkbox" name={name} value={value} checked={chosen.includes(value)} /> {label}
    </label>
  );
}

/** Region and creation-date fields. */
function WhereAndWhen({ filters }: { filters: Filters }) {
  return (
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
        <input type="date" name="createdAfter" value={day(filters.createdAfter)} />
      </label>
      <label>
        Created before (UTC){' '}
        <input type="date" name="createdBefore" value={day(filters.createdBefore)} />
      </label>
    </fieldset>
  );
}

function FilterForm({
  filters,
  accounts,
  offerUnknown,
  onApply,
}: {
  filters: Filters;
  /** The accounts to offer (aliases, `default` the default account); none: no account filter. */
  accounts: readonly string[];
  /** Whether a listed job is UNKNOWN: its box is offered then. */
  offerUnknown: boolean;
  onApply: (f: Filters) => void;
}) {
  const active = [
    filters.states.length,
    filters.providers.length,
    filters.regions.length,
    filters.accounts.length,
    filters.createdAfter ? 1 : 0,
    filters.createdBefore ? 1 : 0,
  ].filter(Boolean).length;
  // Open on a wide screen or when filters are set; folded on a phone, where it would fill the screen.
  const open = active > 0 || !matchMedia('(max-width: 700px)').matches;
  // Hardly anything listJobs lists is UNKNOWN (CodePipeline's jobs are, but it has no list; else a
  // status jobgraph does not know): its box is offered only when the URL already asks for it or a
  // job shown is UNKNOWN.
  const states = STATES.filter(
    (s) => s !== 'UNKNOWN' || offerUnknown || filters.states.includes(s),
  );
  return (
    <details class="filters-box" open={open}>
      <summary>Filters{active ? ` (${active} set)` : ''}</summary>
      <form
        class="filters"
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          onApply(filtersOfForm(new FormData(e.currentTarget)));
        }}
      >
        <fieldset>
          <legend>State</legend>
          {states.map((s) => (
            <CheckBox
              key={s}
              name="state"
              value={s}
              chosen={filters.states}
              label={stateLabel(s)}
            />
          ))}
        </fieldset>
        <fieldset>
          <legend>Provider</legend>
          {LISTABLE_PROVIDERS.map((p) => (
            <CheckBox
              key={p}
              name="provider"
              value={p}
              chosen={filters.providers}
              label={PROVIDER_NAMES[p]}
            />
          ))}
        </fieldset>
        {accounts.length ? (
          <fieldset>
            <legend>Account</legend>
            {accounts.map((a) => (
              <CheckBox key={a} name="account" value={a} chosen={filters.accounts} label={a} />
            ))}
          </fieldset>
        ) : null}
        <WhereAndWhen filters={filters} />
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

/** "In the 25 jobs shown: 3 Failed · 12 In progress · 10 Succeeded", each count a link to that state alone. */
function StateCounts({
  rows,
  filters,
  onApply,
}: {
  rows: Row[];
  filters: Filters;
  onApply: (f: Filters) => void;
}) {
  const counts = new Map<string, number>();
  for (const { job } of rows) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const states = [
    ...TRIAGE_ORDER.filter((s) => counts.has(s)),
    ...[...counts.keys()].filter((s) => !TRIAGE_ORDER.includes(s)),
  ];
  if (states.length === 0) return null;
  return (
    <p class="state-counts" data-state-counts>
      <span class="muted">
        In the {rows.length} {rows.length === 1 ? 'job' : 'jobs'} shown:{' '}
      </span>
      {states.map((s, i) => {
        const text = `${counts.get(s)} ${stateLabel(s)}`;
        const only = { ...filters, states: [s] };
        const current = filters.states.length === 1 && filters.states[0] === s;
        return (
          <span key={s} class="state-count">
            {i ? <span class="muted">· </span> : null}
            {current ? (
              <span class={`badge state-${s}`} data-state-count={s}>
                {text}
              </span>
            ) : (
              <a
                class={`badge state-${s}`}
                data-state-count={s}
                href={`${consolePath}${searchFromFilters(only)}`}
                title={`List only ${stateLabel(s).toLowerCase()} jobs`}
                onClick={(e) => {
                  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
                  e.preventDefault();
                  onApply(only);
                }}
              >
                {text}
              </a>
            )}
          </span>
        );
      })}
    </p>
  );
}

/** The URL's filters and rows shown. */
function wantedFromUrl(): { filters: Filters; shown: number } {
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
function useJobListing(
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
function useLiveRows(
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

/** What stands above the table: refused filters (each with a link without it), failed sources, an error, loading. */
function ListBanners({
  problems,
  sources,
  error,
  loading,
  apply,
}: {
  problems: FilterProblem[];
  sources: Source[];
  error: string | null;
  loading: boolean;
  apply: (f: Filters) => void;
}) {
  const failed = sources.filter((s) => s.state === 'FAILED');
  return (
    <>
      {problems.length ? (
        <div class="banner error" role="alert" data-filter-problems>
          {problems.map((p) => (
            <p key={`${p.filter}=${p.value}`} data-filter-problem={p.filter}>
              {p.sentence}{' '}
              <a
                href={`${consolePath}${searchFromFilters(p.without)}`}
                onClick={(e) => {
                  e.preventDefault();
                  apply(p.without);
                }}
              >
                List without it
              </a>
            </p>
          ))}
        </div>
      ) : null}
      {failed.map((s) => (
        <p class="banner warn" role="status" data-source-failed={s.provider} key={sourceName(s)}>
          {sourceName(s)}: {codeWords(s.code)}. The other sources are listed.
        </p>
      ))}
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : null}
      {loading ? (
        <p class="muted" role="status">
          Loading jobs…
        </p>
      ) : null}
    </>
  );
}

/**
 * Under the state, the status message: in full, in red, for a job that went wrong (its reason);
 * cut to the cell otherwise.
 */
function RowMessage({ job }: { job: RowJob }) {
  if (!job.statusMessage) return null;
  if (FAILED_STATES.includes(job.state)) {
    return (
      <span class="reason" data-failure-reason>
        {job.statusMessage}
      </span>
    );
  }
  return (
    <span class="message" title={job.statusMessage}>
      {job.statusMessage}
    </span>
  );
}

/** One job's row: its link (and the first error of its row), state, provider, account, region, progress and times. */
function JobRow({ job, errors, now }: Row & { now: number }) {
  return (
    <tr data-job-id={job.id} data-state={job.state}>
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
        <LiveBy job={job} />
        <RowMessage job={job} />
      </td>
      <td data-label="Provider">{PROVIDER_NAMES[job.provider] ?? job.provider}</td>
      <td data-label="Account">
        <AccountCell job={job} />
      </td>
      <td data-label="Region">{job.region ?? <span class="muted">global</span>}</td>
      <td data-label="Progress">
        <ProgressCell job={job} />
      </td>
      <td data-label="Created">
        <Time iso={job.createdAt} now={now} />
      </td>
      <td data-label="Finished">
        <Finished job={job} now={now} />
      </td>
      <td data-label="Duration">
        <Duration job={job} now={now} />
      </td>
      <td data-label="Updated">
        <Time iso={job.updatedAt} now={now} />
      </td>
    </tr>
  );
}

/** The rows listed, with their counts per state, the live count, and "Show more" while there is more. */
function JobTable({
  list,
  filters,
  watching,
  now,
  apply,
  more,
  loadingMore,
}: {
  list: ListState;
  filters: Filters;
  /** How many unfinished rows are watched live now (0 while the page is hidden). */
  watching: number;
  now: number;
  apply: (f: Filters) => void;
  more: () => void;
  loadingMore: boolean;
}) {
  return (
    <div class="table-wrap">
      <StateCounts rows={list.rows} filters={filters} onApply={apply} />
      <table class="jobs" data-search={list.search}>
        <caption>
          {list.rows.length} {list.rows.length === 1 ? 'job' : 'jobs'}, newest first
          {searchFromFilters(filters) ? ' (filtered)' : ''}
          {watching ? ` · ${watching} unfinished watched live` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Provider</th>
            <th scope="col">Account</th>
            <th scope="col">Region</th>
            <th scope="col">Progress</th>
            <th scope="col">Created</th>
            <th scope="col">Finished</th>
            <th scope="col">Duration</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {list.rows.map(({ job, errors }) => (
            <JobRow key={job.id} job={job} errors={errors} now={now} />
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
  );
}

export function JobList({ token, onRefused }: { token: string; onRefused: (m: string) => void }) {
  const [wanted, setWanted] = useState(wantedFromUrl);
  const { filters } = wanted;
  const { list, setList, problems, error, loadingMore, more, wantedSearch } = useJobListing(
    token,
    wanted,
    onRefused,
  );
  const now = useNow();
  const visible = usePageVisible();
  const watched = useLiveRows(token, list, setList, visible, onRefused);

  // Back and Forward move between filter sets: the URL is the filters' one home.
  useEffect(() => {
    const onPop = () => setWanted(wantedFromUrl());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const apply = (next: Filters) => {
    const search = searchFromFilters(next);
    if (search !== location.search) history.pushState(null, '', `${consolePath}${search}`);
    setWanted({ filters: next, shown: PAGE_SIZE });
  };

  return (
    <>
      <FindJob
        jobs={list?.rows.map((r) => r.job) ?? []}
        sources={list?.sources ?? []}
        lookUp={(ids) =>
          lookUpJobs(token, ids).catch((err: unknown) => {
            if (err instanceof TokenRefusedError) onRefused(err.message);
            throw err;
          })
        }
      />
      <FilterForm
        key={wantedSearch}
        filters={filters}
        accounts={accountChoices(list?.sources ?? [], filters.accounts)}
        offerUnknown={list?.rows.some((r) => r.job.state === 'UNKNOWN') ?? false}
        onApply={apply}
      />
      <ListBanners
        problems={problems}
        sources={list?.sources ?? []}
        error={error}
        loading={!list && !error && !problems.length}
        apply={apply}
      />
      {list ? (
        <JobTable
          list={list}
          filters={filters}
          watching={visible ? watched.length : 0}
          now={now}
          apply={apply}
          more={more}
          loadingMore={loadingMore}
        />
      ) : null}
    </>
  );
}
