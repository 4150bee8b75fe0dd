import type { Grouping } from './chartData.ts';
import {
  filterProblems,
  filtersFromSearch,
  instant,
  isDate,
  listFilter,
  searchFromFilters,
  type FilterProblem,
  type Filters,
} from './filters.ts';

/**
 * The history view's filters, in its URL as the list's are (`/console/history?state=FAILED&
 * provider=AWS_BATCH&account=staging&finishedAfter=2026-11-20&text=etl&group=queue`): the list's
 * filters, plus a finished window, a text match (name, queue, status message) and how the
 * duration chart groups (`provider`, the default, or `queue`).
 */
export interface HistoryFilters extends Filters {
  text: string;
  finishedAfter: string;
  finishedBefore: string;
  group: Grouping;
}

export function historyFiltersFromSearch(search: string): HistoryFilters {
  const q = new URLSearchParams(search);
  return {
    ...filtersFromSearch(search),
    text: q.get('text') ?? '',
    finishedAfter: q.get('finishedAfter') ?? '',
    finishedBefore: q.get('finishedBefore') ?? '',
    group: q.get('group') === 'queue' ? 'queue' : 'provider',
  };
}

export function searchFromHistoryFilters(f: HistoryFilters): string {
  const q = new URLSearchParams(searchFromFilters(f));
  if (f.finishedAfter) q.set('finishedAfter', f.finishedAfter);
  if (f.finishedBefore) q.set('finishedBefore', f.finishedBefore);
  if (f.text) q.set('text', f.text);
  if (f.group !== 'provider') q.set('group', f.group);
  const s = q.toString().replace(/%2C/g, ',');
  return s ? `?${s}` : '';
}

/** The `JobHistoryFilter` of the list: the list's filter fields, the finished window, the text. */
export function historyFilter(f: HistoryFilters): Record<string, unknown> {
  return {
    ...listFilter(f),
    ...(f.finishedAfter ? { finishedAfter: instant(f.finishedAfter) } : {}),
    ...(f.finishedBefore ? { finishedBefore: instant(f.finishedBefore) } : {}),
    ...(f.text.trim() ? { text: f.text.trim() } : {}),
  };
}

/** A filter of the URL jobHistory would refuse, in words, and the history's filters without it. */
export type HistoryProblem = Omit<FilterProblem, 'without'> & { without: HistoryFilters };

/** The URL's filters jobHistory would refuse, in words: the list's checks and the finished dates. */
export function historyFilterProblems(f: HistoryFilters): HistoryProblem[] {
  const problems: HistoryProblem[] = filterProblems(f).map((p) => ({
    ...p,
    without: { ...f, ...p.without },
  }));
  for (const name of ['finishedAfter', 'finishedBefore'] as const) {
    const value = f[name];
    if (!value || isDate(value)) continue;
    problems.push({
      filter: name,
      value,
      sentence: `The ${name} filter \u201c${value.slice(0, 64)}\u201d is not a date; it takes a UTC day such as 2026-11-01 or an ISO time such as 2026-11-01T09:30:00Z.`,
      without: { ...f, [name]: '' },
    });
  }
  return problems;
}

const HOUR_MS = 3_600_000;
/** The charts' window when the URL names none: the last 7 days, whole hours. */
const DEFAULT_WINDOW_HOURS = 168;

/**
 * The window the charts cover: the URL's finished window; a side it leaves open is the end of the
 * current hour (`to`) or DEFAULT_WINDOW_HOURS before the end (`from`). A side that is not a date
 * (`?finishedAfter=yesterday`, which historyFilterProblems words) is left open: the window is
 * always one, never an "Invalid time value".
 */
export function chartWindow(f: HistoryFilters, nowMs: number): { from: string; to: string } {
  const before = isDate(f.finishedBefore) ? f.finishedBefore : '';
  const after = isDate(f.finishedAfter) ? f.finishedAfter : '';
  const to = before
    ? instant(before)
    : new Date(Math.ceil((nowMs + 1) / HOUR_MS) * HOUR_MS).toISOString();
  const from = after
    ? instant(after)
    : new Date(Date.parse(to) - DEFAULT_WINDOW_HOURS * HOUR_MS).toISOString();
  return {
    from: new Date(Date.parse(from)).toISOString(),
    to: new Date(Date.parse(to)).toISOString(),
  };
}
