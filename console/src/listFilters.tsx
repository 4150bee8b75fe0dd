// The list page's filters: the form, and the counts per state that filter to one state.
import { consolePath } from './api.ts';
import { LISTABLE_PROVIDERS, PROVIDER_NAMES } from './ids.ts';
import { NO_FILTERS, searchFromFilters, type Filters } from './filters.ts';
import { STATES, TRIAGE_ORDER, stateLabel } from './format.ts';
import type { Row, Source } from './listQueries.ts';

/** The accounts to offer in the filters: those the sources listed, and those the URL asks for; `default` first. */
export function accountChoices(sources: readonly Source[], chosen: readonly string[]): string[] {
  const all = new Set([...sources.flatMap((s) => (s.account ? [s.account] : [])), ...chosen]);
  return [...all].sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
}

/** The UTC day a date filter starts with, for a date field ('' when it does not start with one). */
export const day = (value: string): string => /^\d{4}-\d{2}-\d{2}/.exec(value)?.[0] ?? '';

/** A submitted form's one value of `name`, trimmed ('' when it has none). */
export const formValue = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** The filters a submitted filter form sets (the list's, which the history view's extend). */
export function filtersOfForm(form: FormData): Filters {
  const all = (name: string) => form.getAll(name).map(String);
  const one = (name: string) => formValue(form, name);
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

/** How many of the filters are set ("Filters (2 set)"). */
function activeFilters(filters: Filters): number {
  return [
    filters.states.length,
    filters.providers.length,
    filters.regions.length,
    filters.accounts.length,
    filters.createdAfter ? 1 : 0,
    filters.createdBefore ? 1 : 0,
  ].filter(Boolean).length;
}

/** The form's provider boxes (the listable providers) and account boxes (the accounts offered). */
function ProviderAndAccount({
  filters,
  accounts,
}: {
  filters: Filters;
  accounts: readonly string[];
}) {
  return (
    <>
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
    </>
  );
}

export function FilterForm({
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
  const active = activeFilters(filters);
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
        <ProviderAndAccount filters={filters} accounts={accounts} />
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
export function StateCounts({
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
