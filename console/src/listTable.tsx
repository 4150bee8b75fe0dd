// The list page's table: its banners, its rows (jobRow.tsx's, with a select box and a row's error), and "Show more".
import { consolePath } from './api.ts';
import { PROVIDER_NAMES } from './ids.ts';
import { PAGE_SIZE, searchFromFilters, type FilterProblem, type Filters } from './filters.ts';
import { codeWords } from './format.ts';
import { JobRowHead, JobRowView } from './jobRow.tsx';
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

/** What stands above the table: refused filters (each with a link without it), failed sources, an error, loading. */
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

/** One job's row, with the list's select box (for a token that may act), first error, progress and last update. */
function JobRow({
  job,
  errors,
  now,
  selection,
}: Row & { now: number; selection: Selection | undefined }) {
  return (
    <JobRowView
      job={job}
      now={now}
      live
      select={
        selection ? (
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
        ) : null
      }
      note={
        errors.length ? (
          <span class="row-error" role="note">
            {errors.map((e) => `${codeWords(e.extensions?.code)}: ${e.message}`)[0]}
          </span>
        ) : null
      }
    />
  );
}

/** The button under a table that adds its next `page` rows (the list's and the history view's). */
export function ShowMore({
  page,
  more,
  loadingMore,
}: {
  page: number;
  more: () => void;
  loadingMore: boolean;
}) {
  return (
    <button type="button" class="more" onClick={more} disabled={loadingMore}>
      {loadingMore ? 'Loading…' : `Show ${page} more`}
    </button>
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
          <JobRowHead
            live
            select={
              selection ? (
                <th scope="col" class="select">
                  <SelectAll rows={list.rows} selection={selection} />
                </th>
              ) : null
            }
          />
        </thead>
        <tbody>
          {list.rows.map(({ job, errors }) => (
            <JobRow key={job.id} job={job} errors={errors} now={now} selection={selection} />
          ))}
        </tbody>
      </table>
      {list.rows.length === 0 ? <p class="muted">No jobs match these filters.</p> : null}
      {list.hasNextPage ? (
        <ShowMore page={PAGE_SIZE} more={more} loadingMore={loadingMore} />
      ) : null}
    </div>
  );
}
