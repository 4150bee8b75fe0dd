/**
 * `jobHistorySummary`: how many jobs the history holds for a filter, by state and by failure
 * category — one GROUP BY over the same WHERE clause a search asks (historyWhere.ts), the grant in
 * it, run as a search is (off the gateway's thread on SQLite, under the search time limit on both).
 */
import { sql } from 'kysely';
import type { HistoryDatabase } from './database.ts';
import { sortBounds } from './historyCursors.ts';
import { filterClauses, type HistoryFilter, type HistoryGrant } from './historyWhere.ts';

/** GraphQL type `JobHistorySummary`; each list the states or categories with at least one job, most first. */
export interface HistorySummary {
  jobs: number;
  byState: { state: string; jobs: number }[];
  byFailureCategory: { category: string; jobs: number }[];
}

/** The counts `filter` matches under `grant` (every page `jobHistory` would answer for it). */
export async function summarize(
  store: HistoryDatabase,
  filter: HistoryFilter,
  grant: HistoryGrant,
): Promise<HistorySummary> {
  const query = store.db
    .selectFrom('jobs')
    .select(['state', 'failure_category', sql<number | string>`count(*)`.as('n')])
    .where((eb) =>
      eb.and([
        // No index asked for the text: every matching row is counted, each compared as it is read.
        ...filterClauses(eb, filter, grant, store.dialect, filter.text ? 'compare' : 'none'),
        ...sortBounds(eb, filter, null, null),
      ]),
    )
    .groupBy(['state', 'failure_category'])
    .compile();
  const rows = await store.search(query);
  const byState = new Map<string, number>();
  const byCategory = new Map<string, number>();
  let jobs = 0;
  for (const row of rows) {
    // PostgreSQL answers count(*) (a bigint) as text.
    const n = Number(row.n);
    jobs += n;
    byState.set(row.state, (byState.get(row.state) ?? 0) + n);
    if (row.failure_category !== null)
      byCategory.set(row.failure_category, (byCategory.get(row.failure_category) ?? 0) + n);
  }
  const most = <K extends string>(counts: Map<string, number>, key: K) =>
    [...counts]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([name, n]) => ({ [key]: name, jobs: n }) as Record<K, string> & { jobs: number });
  return { jobs, byState: most(byState, 'state'), byFailureCategory: most(byCategory, 'category') };
}
