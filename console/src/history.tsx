import { useEffect, useMemo, useState } from 'preact/hooks';
import { consolePath } from './api.ts';
import { durationPercentiles, finishedPerBucket } from './chartData.ts';
import { DurationChart, FinishedChart } from './charts.tsx';
import { STATES, stateLabel, utc } from './format.ts';
import {
  CHART_MAX_JOBS,
  HISTORY_PAGE,
  useChartJobs,
  useHistoryList,
  useHistorySummary,
  type HistoryList,
  type HistorySummary,
} from './historyData.ts';
import {
  chartWindow,
  historyFilterProblems,
  historyFiltersFromSearch,
  searchFromHistoryFilters,
  type HistoryFilters,
} from './historyFilters.ts';
import { useNow } from './hooks.ts';
import { JobRowHead, JobRowView } from './jobRow.tsx';
import { day, filtersOfForm, formValue } from './listFilters.tsx';
import { FilterProblems, ShowMore } from './listTable.tsx';
import { GRAMMARS, PROVIDER_NAMES } from './ids.ts';

/**
 * The history view, `/console/history`: the jobs jobgraph remembers (`jobHistory`), filtered as
 * the list is and by a finished window and a text, the filters in the URL; above the table, what
 * finished in the window per hour by state and how long it took per provider or queue.
 */

export const HISTORY_PATH = `${consolePath}/history`;

/** The filters a submitted history form sets: the list's, and the finished window, text and grouping. */
function historyFiltersOfForm(form: FormData): HistoryFilters {
  const one = (name: string) => formValue(form, name);
  return {
    ...filtersOfForm(form),
    finishedAfter: one('finishedAfter'),
    finishedBefore: one('finishedBefore'),
    text: one('text'),
    group: one('group') === 'queue' ? 'queue' : 'provider',
  };
}

function Choices({
  legend,
  name,
  values,
  chosen,
  label,
}: {
  legend: string;
  name: string;
  values: readonly string[];
  chosen: readonly string[];
  label: (value: string) => string;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={v}>
          <input type="checkbox" name={name} value={v} checked={chosen.includes(v)} /> {label(v)}
        </label>
      ))}
    </fieldset>
  );
}

function DateField({ label, name, value }: { label: string; name: string; value: string }) {
  return (
    <label>
      {label} (UTC) <input type="date" name={name} value={day(value)} />
    </label>
  );
}

function HistoryForm({
  filters,
  accounts,
  onApply,
}: {
  filters: HistoryFilters;
  accounts: readonly string[];
  onApply: (f: HistoryFilters) => void;
}) {
  return (
    <form
      class="filters history-filters"
      aria-label="History filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(historyFiltersOfForm(new FormData(e.currentTarget)));
      }}
    >
      <Choices
        legend="State"
        name="state"
        values={STATES}
        chosen={filters.states}
        label={stateLabel}
      />
      <Choices
        legend="Provider"
        name="provider"
        values={GRAMMARS.map((g) => g.provider)}
        chosen={filters.providers}
        label={(p) => PROVIDER_NAMES[p] ?? p}
      />
      <Choices
        legend="Account"
        name="account"
        values={accounts}
        chosen={filters.accounts}
        label={(a) => a}
      />
      <fieldset class="inline">
        <legend>Where, when and what</legend>
        <label>
          Region <input name="region" placeholder="us-east-1" value={filters.regions.join(', ')} />
        </label>
        <DateField label="Created after" name="createdAfter" value={filters.createdAfter} />
        <DateField label="Created before" name="createdBefore" value={filters.createdBefore} />
        <DateField label="Finished after" name="finishedAfter" value={filters.finishedAfter} />
        <DateField label="Finished before" name="finishedBefore" value={filters.finishedBefore} />
        <label>
          Text (name, queue, message) <input name="text" type="search" value={filters.text} />
        </label>
        <label>
          Durations per{' '}
          <select name="group" value={filters.group}>
            <option value="provider">provider</option>
            <option value="queue">queue</option>
          </select>
        </label>
      </fieldset>
      <div class="actions">
        <button type="submit">Apply filters</button>
      </div>
    </form>
  );
}

function Charts({
  token,
  filters,
  blocked,
  onRefused,
  onAccounts,
}: {
  token: string;
  filters: HistoryFilters;
  blocked: boolean;
  onRefused: (m: string) => void;
  onAccounts: (aliases: string[]) => void;
}) {
  // The window is fixed when the filters are applied, not moved by the page's clock.
  const span = useMemo(() => chartWindow(filters, Date.now()), [searchFromHistoryFilters(filters)]);
  const { charted, error } = useChartJobs(token, filters, span, blocked, onRefused);
  useEffect(() => {
    if (charted) onAccounts(charted.jobs.map((j) => j.accountAlias));
  }, [charted]);
  if (blocked) return null;
  return (
    <section
      aria-labelledby="charts-title"
      class="charts"
      data-charts={charted ? `${span.from}/${span.to}` : 'loading'}
    >
      <h2 id="charts-title">
        Finished from {utc(span.from)} to {utc(span.to)}
      </h2>
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : !charted ? (
        <p class="muted" role="status">
          Reading the window's jobs…
        </p>
      ) : (
        <>
          <p class="muted" data-charted={charted.jobs.length}>
            {charted.truncated
              ? `Drawn from the newest ${charted.jobs.length} jobs that finished in this window; more did (the charts read at most ${CHART_MAX_JOBS}): narrow the window or the filters.`
              : `Drawn from the ${charted.jobs.length} jobs that finished in this window and match the filters.`}
          </p>
          <FinishedChart
            histogram={finishedPerBucket(charted.jobs, span.from, span.to)}
            window={span}
          />
          <DurationChart
            rows={durationPercentiles(charted.jobs, filters.group)}
            grouping={filters.group}
          />
        </>
      )}
    </section>
  );
}

/** `14 out of memory`: a count and what it counts, in words. */
const counted = (n: number, code: string) =>
  `${n.toLocaleString('en')} ${stateLabel(code).toLowerCase()}`;

/**
 * What the filters match in the whole history, counted by the server: how many jobs, by state,
 * and why the failed ones failed (`Job.failure.category`), most first.
 */
function Summary({ summary, error }: { summary: HistorySummary | null; error: string | null }) {
  if (error)
    return (
      <p class="banner error" role="alert">
        {error}
      </p>
    );
  if (!summary) return null;
  return (
    <section aria-labelledby="summary-title" class="summary" data-summary-jobs={summary.jobs}>
      <h2 id="summary-title">
        {summary.jobs.toLocaleString('en')} {summary.jobs === 1 ? 'job' : 'jobs'} match
      </h2>
      <p data-summary-states>
        {summary.byState.map((s) => counted(s.jobs, s.state)).join(' · ') || 'none'}
      </p>
      {summary.byFailureCategory.length > 0 ? (
        <p data-summary-causes>
          <strong>Why they failed:</strong>{' '}
          {summary.byFailureCategory.map((c, i) => (
            <span key={c.category} data-failure-category={c.category}>
              {i > 0 ? ' · ' : ''}
              {counted(c.jobs, c.category)}
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}

/** The jobs in the history that match the URL's filters, newest first, a page at a time ("Show 25 more"). */
function HistoryTable({
  list,
  now,
  more,
  loadingMore,
}: {
  list: HistoryList;
  now: number;
  more: () => void;
  loadingMore: boolean;
}) {
  return (
    <div class="table-wrap">
      <table class="jobs history" data-history-search={list.search}>
        <caption>
          {list.rows.length} {list.rows.length === 1 ? 'job' : 'jobs'} in the history, newest first
          {list.search ? ' (filtered)' : ''}
        </caption>
        <thead>
          <JobRowHead />
        </thead>
        <tbody>
          {list.rows.map((job) => (
            <JobRowView key={job.id} job={job} now={now} />
          ))}
        </tbody>
      </table>
      {list.rows.length === 0 ? (
        <p class="muted">No job in the history matches these filters.</p>
      ) : null}
      {list.hasNextPage ? (
        <ShowMore page={HISTORY_PAGE} more={more} loadingMore={loadingMore} />
      ) : null}
    </div>
  );
}

export function HistoryPage({
  token,
  onRefused,
}: {
  token: string;
  onRefused: (m: string) => void;
}) {
  const [filters, setFilters] = useState(() => historyFiltersFromSearch(location.search));
  const search = searchFromHistoryFilters(filters);
  const problems = historyFilterProblems(filters);
  const blocked = problems.length > 0;
  const { list, error, more, loadingMore } = useHistoryList(
    token,
    filters,
    search,
    blocked,
    onRefused,
  );
  // Asked once the table's first page is in: the page's searches at once stay within the
  // caller's bound (2 searches at once, SEARCHES_PER_CALLER: the table's, then the charts' pages).
  const counts = useHistorySummary(token, filters, search, blocked || list === null, onRefused);
  const [seenAccounts, setSeenAccounts] = useState<string[]>([]);
  const now = useNow();
  useEffect(() => {
    const onPop = () => setFilters(historyFiltersFromSearch(location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const apply = (next: HistoryFilters) => {
    const to = searchFromHistoryFilters(next);
    if (to !== location.search) history.pushState(null, '', `${HISTORY_PATH}${to}`);
    setFilters(next);
  };
  const accounts = [
    ...new Set([
      'default',
      ...filters.accounts,
      ...seenAccounts,
      ...(list?.rows.map((r) => r.accountAlias) ?? []),
    ]),
  ];
  return (
    <>
      <h1>Job history</h1>
      <p class="muted">
        Every job jobgraph has seen, from its history store, past what the providers keep: newest
        first (by when it finished, else when it was created). <a href={consolePath}>Live jobs</a>
      </p>
      <HistoryForm key={search} filters={filters} accounts={accounts} onApply={apply} />
      <FilterProblems
        problems={problems}
        href={(f) => `${HISTORY_PATH}${searchFromHistoryFilters(f)}`}
        apply={apply}
        linkText="Without it"
      />
      <Summary summary={counts.summary} error={counts.error} />
      <Charts
        token={token}
        filters={filters}
        blocked={blocked}
        onRefused={onRefused}
        onAccounts={(found) => setSeenAccounts((s) => [...new Set([...s, ...found])])}
      />
      {error ? (
        <p class="banner error" role="alert">
          {error}
        </p>
      ) : null}
      {list ? (
        <HistoryTable list={list} now={now} more={more} loadingMore={loadingMore} />
      ) : !error && !blocked ? (
        <p class="muted" role="status">
          Loading the history…
        </p>
      ) : null}
    </>
  );
}
