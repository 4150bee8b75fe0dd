// The list page's table: its banners, its rows and their cells, and "Show more".
import { consolePath, jobPath } from './api.ts';
import { Duration, Finished, LiveBy, StateBadge, Time } from './cells.tsx';
import { PROVIDER_NAMES } from './ids.ts';
import { PAGE_SIZE, searchFromFilters, type FilterProblem, type Filters } from './filters.ts';
import { FAILED_STATES, accountText, codeWords, progress, type RowJob } from './format.ts';
import { StateCounts } from './listFilters.tsx';
import type { ListState, Row, Source } from './listQueries.ts';

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

/** What stands above the table: refused filters (each with a link without it), failed sources, an error, loading. */
/**
 * The URL's filters a view would refuse, in words, each with a link to the same view without it
 * (the list's and the history view's alike).
 */
export function FilterProblems<F>({
  problems,
  href,
  apply,
  linkText,
}: {
  problems: readonly (Omit<FilterProblem, 'without'> & { without: F })[];
  href: (filters: F) => string;
  apply: (filters: F) => void;
  linkText: string;
}) {
  if (!problems.length) return null;
  return (
    <div class="banner error" role="alert" data-filter-problems>
      {problems.map((p) => (
        <p key={`${p.filter}=${p.value}`} data-filter-problem={p.filter}>
          {p.sentence}{' '}
          <a
            href={href(p.without)}
            onClick={(e) => {
              e.preventDefault();
              apply(p.without);
            }}
          >
            {linkText}
          </a>
        </p>
      ))}
    </div>
  );
}

export function ListBanners({
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
      <FilterProblems
        problems={problems}
        href={(f) => `${consolePath}${searchFromFilters(f)}`}
        apply={apply}
        linkText="List without it"
      />
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
function JobRow({
  job,
  errors,
  now,
  selection,
}: Row & { now: number; selection: Selection | undefined }) {
  return (
    <tr data-job-id={job.id} data-state={job.state}>
      {selection ? (
        <td class="select" data-label="Select">
          {job.terminal ? null : (
            <input
              type="checkbox"
              aria-label={`Select ${job.nativeId}`}
              data-select={job.id}
              checked={selection.selected.has(job.id)}
              onChange={(e) => selection.toggle([job.id], e.currentTarget.checked)}
            />
          )}
        </td>
      ) : null}
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

/** The rows chosen for a bulk action, for a token that may act (none: no checkboxes at all). */
export interface Selection {
  selected: ReadonlySet<string>;
  /** Select (`on`) or unselect the jobs `ids`. */
  toggle: (ids: readonly string[], on: boolean) => void;
}

/** The header's box: selects every unfinished row shown, or none. */
function SelectAll({ rows, selection }: { rows: Row[]; selection: Selection }) {
  const ids = rows.filter((r) => !r.job.terminal).map((r) => r.job.id);
  const all = ids.length > 0 && ids.every((id) => selection.selected.has(id));
  return (
    <input
      type="checkbox"
      aria-label="Select every unfinished job shown"
      data-select-all
      disabled={ids.length === 0}
      checked={all}
      onChange={(e) => selection.toggle(ids, e.currentTarget.checked)}
    />
  );
}

/** The rows listed, with their counts per state, the live count, and "Show more" while there is more. */
export function JobTable({
  list,
  filters,
  watching,
  now,
  apply,
  more,
  loadingMore,
  selection,
}: {
  list: ListState;
  filters: Filters;
  /** How many unfinished rows are watched live now (0 while the page is hidden). */
  watching: number;
  now: number;
  apply: (f: Filters) => void;
  more: () => void;
  loadingMore: boolean;
  /** Multi-select for a bulk action; undefined for a token that may not act. */
  selection?: Selection | undefined;
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
            {selection ? (
              <th scope="col" class="select">
                <SelectAll rows={list.rows} selection={selection} />
              </th>
            ) : null}
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
            <JobRow key={job.id} job={job} errors={errors} now={now} selection={selection} />
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
