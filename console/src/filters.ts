import { JOB_PROVIDERS } from '../../src/model/job.ts';
import { STATES, stateLabel } from './format.ts';
import { PROVIDER_NAMES, REGION_FORMS } from './ids.ts';

/**
 * The list's filters, kept in the page's URL query so a reload, Back and a shared link show the
 * same list: `?state=FAILED,IN_PROGRESS&provider=TENCENT_COS_BATCH&region=ap-guangzhou&
 * account=staging&createdAfter=2026-11-01&createdBefore=2026-11-24` (several values
 * comma-separated; accounts are aliases, `default` the default account; dates are UTC days or
 * full ISO times). How many rows are shown is kept beside them (`shown=75`).
 */
export interface Filters {
  states: string[];
  providers: string[];
  regions: string[];
  accounts: string[];
  createdAfter: string;
  createdBefore: string;
}

export const NO_FILTERS: Filters = {
  states: [],
  providers: [],
  regions: [],
  accounts: [],
  createdAfter: '',
  createdBefore: '',
};

const list = (value: string | null): string[] =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function filtersFromSearch(search: string): Filters {
  const q = new URLSearchParams(search);
  return {
    states: list(q.get('state')),
    providers: list(q.get('provider')),
    regions: list(q.get('region')),
    accounts: list(q.get('account')),
    createdAfter: q.get('createdAfter') ?? '',
    createdBefore: q.get('createdBefore') ?? '',
  };
}

/** Rows a page of the list adds ("Show 25 more"), and the rows shown unless the URL says more. */
export const PAGE_SIZE = 25;
/** At most this many rows are listed again from a URL's `shown` (each 100 rows is one more request). */
export const MAX_SHOWN = 500;

/** The rows the URL asks to show (`shown=75`): PAGE_SIZE unless it names a larger whole number, at most MAX_SHOWN. */
export function shownFromSearch(search: string): number {
  const value = new URLSearchParams(search).get('shown') ?? '';
  const n = /^\d{1,6}$/.test(value) ? Number(value) : PAGE_SIZE;
  return Math.min(Math.max(n, PAGE_SIZE), MAX_SHOWN);
}

/** The URL query of a list: its filters, and `shown` when more than one page is shown. */
export function searchFromFilters(f: Filters, shown = PAGE_SIZE): string {
  const q = new URLSearchParams();
  if (f.states.length) q.set('state', f.states.join(','));
  if (f.providers.length) q.set('provider', f.providers.join(','));
  if (f.regions.length) q.set('region', f.regions.join(','));
  if (f.accounts.length) q.set('account', f.accounts.join(','));
  if (f.createdAfter) q.set('createdAfter', f.createdAfter);
  if (f.createdBefore) q.set('createdBefore', f.createdBefore);
  if (shown > PAGE_SIZE) q.set('shown', String(shown));
  const s = q.toString().replace(/%2C/g, ',');
  return s ? `?${s}` : '';
}

/** A UTC day (`2026-11-01`) as the start of that day; anything else is passed as written. */
export function instant(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
}

/** The `JobListFilter` variables for listJobs. */
export function listFilter(f: Filters): Record<string, unknown> {
  return {
    ...(f.states.length ? { states: f.states } : {}),
    ...(f.providers.length ? { providers: f.providers } : {}),
    ...(f.regions.length ? { regions: f.regions } : {}),
    ...(f.accounts.length ? { accounts: f.accounts } : {}),
    ...(f.createdAfter ? { createdAfter: instant(f.createdAfter) } : {}),
    ...(f.createdBefore ? { createdBefore: instant(f.createdBefore) } : {}),
  };
}

/** One filter of the URL that listJobs would refuse, in words, and the URL query without it. */
export interface FilterProblem {
  /** The URL parameter: `state`, `provider`, `region`, `account`, `createdAfter`, `createdBefore`. */
  filter: string;
  value: string;
  sentence: string;
  /** The same filters with this value taken out. */
  without: Filters;
}

const or = (items: readonly string[]): string =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

const quoted = (value: string): string =>
  `\u201c${value.length > 64 ? `${value.slice(0, 64)}…` : value}\u201d`;

/** A UTC day (2026-11-01, a real date) or an ISO-8601 time with a zone (2026-11-01T09:30:00Z). */
export function isDate(value: string): boolean {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value);
  }
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

/**
 * The URL's filters that listJobs would refuse (an unknown state or provider, a string that is not
 * a region, a date that is not one), each as a sentence naming the filter: checked before the list
 * is asked for. (A well-formed region no provider serves is found by the server: {@link
 * filterProblemOf}.)
 */
export function filterProblems(f: Filters): FilterProblem[] {
  const problems: FilterProblem[] = [];
  for (const value of f.states) {
    if ((STATES as readonly string[]).includes(value)) continue;
    problems.push({
      filter: 'state',
      value,
      sentence: `The state filter ${quoted(value)} is not a state; it takes ${or(STATES.map((s) => `${s} (${stateLabel(s)})`))}.`,
      without: { ...f, states: f.states.filter((s) => s !== value) },
    });
  }
  for (const value of f.providers) {
    if ((JOB_PROVIDERS as readonly string[]).includes(value)) continue;
    problems.push({
      filter: 'provider',
      value,
      sentence: `The provider filter ${quoted(value)} is not a provider; it takes ${or(JOB_PROVIDERS.map((p) => `${p} (${PROVIDER_NAMES[p] ?? p})`))}.`,
      without: { ...f, providers: f.providers.filter((p) => p !== value) },
    });
  }
  for (const value of f.regions) {
    if (REGION_FORMS.some((r) => r.re.test(value))) continue;
    problems.push({
      filter: 'region',
      value,
      sentence: `The region filter ${quoted(value)} is not a region; it takes ${or(REGION_FORMS.map((r) => r.form))}, several comma-separated.`,
      without: { ...f, regions: f.regions.filter((r) => r !== value) },
    });
  }
  for (const name of ['createdAfter', 'createdBefore'] as const) {
    const value = f[name];
    if (!value || isDate(value)) continue;
    problems.push({
      filter: name,
      value,
      sentence: `The ${name} filter ${quoted(value)} is not a date; it takes a UTC day such as 2026-11-01 or an ISO time such as 2026-11-01T09:30:00Z.`,
      without: { ...f, [name]: '' },
    });
  }
  return problems;
}

/** listJobs' argument names → the URL's filter names. */
const FILTER_OF_ARGUMENT: Readonly<Record<string, keyof Filters>> = {
  states: 'states',
  providers: 'providers',
  regions: 'regions',
  accounts: 'accounts',
  createdAfter: 'createdAfter',
  createdBefore: 'createdBefore',
};
const URL_NAME: Readonly<Record<keyof Filters, string>> = {
  states: 'state',
  providers: 'provider',
  regions: 'region',
  accounts: 'account',
  createdAfter: 'createdAfter',
  createdBefore: 'createdBefore',
};

/**
 * The sentence for listJobs' refusal of a filter (BAD_USER_INPUT naming `filter.<argument>`), e.g.
 * a region no asked provider serves or more regions than one list takes; null for any other error.
 */
export function filterProblemOf(
  error: { message: string; extensions?: { code?: string; argument?: unknown } },
  f: Filters,
): FilterProblem | null {
  if (error.extensions?.code !== 'BAD_USER_INPUT') return null;
  const argument =
    typeof error.extensions.argument === 'string'
      ? error.extensions.argument
      : (/(?:at|Argument) "(filter\.[\w[\]]+)"/.exec(error.message)?.[1] ?? '');
  const key = FILTER_OF_ARGUMENT[argument.replace(/^filter\./, '').replace(/\[\d+\]$/, '')];
  if (!key) return null;
  const name = URL_NAME[key];
  const current = f[key];
  const value =
    /(?:invalid value|has) "([^"]*)"/.exec(error.message)?.[1] ??
    (Array.isArray(current) ? current.join(',') : current);
  const without: Filters = {
    ...f,
    [key]: Array.isArray(current) ? current.filter((v) => v !== value) : '',
  };
  const served = /which no asked provider serves: (.*)$/.exec(error.message)?.[1];
  const most = /takes at most (\d+) items; got (\d+)/.exec(error.message);
  const sentence = served
    ? `The ${name} filter ${quoted(value)} is not a region any provider asked serves: ${served}`
    : most
      ? `The ${name} filter names ${most[2]} values; one list takes at most ${most[1]}.`
      : `The ${name} filter ${quoted(value)} is refused: ${error.message}`;
  return { filter: name, value, sentence, without: most ? { ...f, [key]: [] } : without };
}

const LAST_SEARCH = 'jobgraph.console.search';

/** The list's filters as last shown in this tab, so a job page's way back returns to the same list. */
export function rememberSearch(search: string): void {
  sessionStorage.setItem(LAST_SEARCH, search);
}

export function lastSearch(): string {
  return sessionStorage.getItem(LAST_SEARCH) ?? '';
}
