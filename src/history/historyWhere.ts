/**
 * The WHERE clause of the history's job queries, in one place: what a caller may read (its grant,
 * in the SQL, never a filter after reading), what `jobHistory`'s filter asks, and the Dialect's
 * deadline (SQLite's search worker's). Searches (reader.ts) add their keyset bounds; the summary
 * (summary.ts) counts what the same clause matches.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { JobProvider } from '../model/job.ts';
import type { HistoryTables } from './database.ts';
import type { Dialect } from './dialect.ts';
import type { IndexKeys } from './textSearch.ts';

/** What a caller may read, as SQL can say it: `*` or the permitted (provider, alias) pairs. */
export type HistoryGrant =
  '*' | readonly { readonly provider: JobProvider; readonly account: string }[];

export interface HistoryFilter {
  providers?: readonly string[];
  states?: readonly string[];
  regions?: readonly string[];
  accounts?: readonly string[];
  createdAfter?: string;
  createdBefore?: string;
  finishedAfter?: string;
  finishedBefore?: string;
  /** Only jobs whose stored failure category (`Job.failure.category`) is one of these. */
  failureCategories?: readonly string[];
  /** Matched (case-insensitively, as a substring) against name, queue and status message. */
  text?: string;
}

type Eb = ExpressionBuilder<HistoryTables, 'jobs'>;

/** Only the rows of the (provider, account) pairs `grant` holds. */
export function grantClause(eb: Eb, grant: HistoryGrant): Expression<SqlBool> {
  if (grant === '*') return sql<SqlBool>`1 = 1`;
  if (grant.length === 0) return sql<SqlBool>`1 = 0`;
  return eb.or(
    grant.map((g) => eb.and([eb('provider', '=', g.provider), eb('account', '=', g.account)])),
  );
}

/**
 * How a filter's `text` is matched: not at all (`none`: the filter has none), compared as each row
 * is read (`compare`), or through an index asked for `keys` (textClause).
 */
export type TextMatch = 'none' | 'compare' | { keys: IndexKeys; byTime: boolean };

/** The terms of `filter` under `grant` (keyset bounds apart), the SQLite deadline first. */
export function filterClauses(
  eb: Eb,
  filter: HistoryFilter,
  grant: HistoryGrant,
  dialect: Dialect,
  text: TextMatch,
): Expression<SqlBool>[] {
  const all: Expression<SqlBool>[] = [...dialect.deadlineClauses, grantClause(eb, grant)];
  if (filter.providers?.length) all.push(eb('provider', 'in', [...filter.providers]));
  if (filter.states?.length) all.push(eb('state', 'in', [...filter.states]));
  if (filter.failureCategories?.length)
    all.push(eb('failure_category', 'in', [...filter.failureCategories]));
  if (filter.regions?.length) all.push(eb('region', 'in', [...filter.regions]));
  if (filter.accounts?.length) all.push(eb('account', 'in', [...filter.accounts]));
  if (filter.createdAfter) all.push(eb('created_at', '>=', filter.createdAfter));
  if (filter.createdBefore) all.push(eb('created_at', '<', filter.createdBefore));
  if (filter.finishedAfter) all.push(eb('finished_at', '>=', filter.finishedAfter));
  if (filter.finishedBefore) all.push(eb('finished_at', '<', filter.finishedBefore));
  if (filter.text && text === 'compare') all.push(dialect.textComparison(filter.text, true));
  if (filter.text && typeof text === 'object')
    all.push(dialect.textClause(filter.text, text.keys, text.byTime));
  return all;
}
