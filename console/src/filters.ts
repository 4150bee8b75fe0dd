/**
 * The list's filters, kept in the page's URL query so a reload, Back and a shared link show the
 * same list: `?state=FAILED,IN_PROGRESS&provider=TENCENT_COS_BATCH&region=ap-guangzhou&
 * createdAfter=2026-11-01&createdBefore=2026-11-24` (several values comma-separated; dates are
 * UTC days or full ISO times).
 */
export interface Filters {
  states: string[];
  providers: string[];
  regions: string[];
  createdAfter: string;
  createdBefore: string;
}

export const NO_FILTERS: Filters = {
  states: [],
  providers: [],
  regions: [],
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
    createdAfter: q.get('createdAfter') ?? '',
    createdBefore: q.get('createdBefore') ?? '',
  };
}

export function searchFromFilters(f: Filters): string {
  const q = new URLSearchParams();
  if (f.states.length) q.set('state', f.states.join(','));
  if (f.providers.length) q.set('provider', f.providers.join(','));
  if (f.regions.length) q.set('region', f.regions.join(','));
  if (f.createdAfter) q.set('createdAfter', f.createdAfter);
  if (f.createdBefore) q.set('createdBefore', f.createdBefore);
  const s = q.toString().replace(/%2C/g, ',');
  return s ? `?${s}` : '';
}

/** A UTC day (`2026-11-01`) as the start of that day; anything else is passed as written. */
function instant(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
}

/** The `JobListFilter` variables for listJobs. */
export function listFilter(f: Filters): Record<string, unknown> {
  return {
    ...(f.states.length ? { states: f.states } : {}),
    ...(f.providers.length ? { providers: f.providers } : {}),
    ...(f.regions.length ? { regions: f.regions } : {}),
    ...(f.createdAfter ? { createdAfter: instant(f.createdAfter) } : {}),
    ...(f.createdBefore ? { createdBefore: instant(f.createdBefore) } : {}),
  };
}

const LAST_SEARCH = 'jobgraph.console.search';

/** The list's filters as last shown in this tab, so a job page's way back returns to the same list. */
export function rememberSearch(search: string): void {
  sessionStorage.setItem(LAST_SEARCH, search);
}

export function lastSearch(): string {
  return sessionStorage.getItem(LAST_SEARCH) ?? '';
}
