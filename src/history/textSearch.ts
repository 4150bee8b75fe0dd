/**
 * jobHistory's `text`: found (case-insensitively, as a substring) in a job's name, queue or status
 * message. Compared on each row read (`textComparison`), or through the trigram index of those
 * three texts (`textClause`: SQLite's FTS5 table `jobs_text`, PostgreSQL's pg_trgm GIN index, both
 * migration 5), which answers the same rows. HistoryReader decides which a search runs where.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

const likeOf = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The distinct trigrams of `text` (none below three characters), in their order in the text. */
export function trigramsOf(text: string): string[] {
  const chars = [...text];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) grams.add(chars.slice(i, i + 3).join(''));
  return [...grams];
}

/**
 * The FTS5 query of the rows holding every one of `grams`, each a quoted phrase (its `"` doubled;
 * every other character is literal inside): one merge of the trigrams' row lists. A phrase of the
 * whole text would also match the trigrams' positions, at a cost of the text's length times each
 * row's (the figure: docs/performance.md, Decisions).
 */
const matchOf = (grams: readonly string[]) =>
  grams.map((g) => `"${g.replace(/"/g, '""')}"`).join(' AND ');

const TEXT_COLUMNS = ['name', 'queue', 'status_message'] as const;

const anyOf = (one: (c: (typeof TEXT_COLUMNS)[number]) => RawBuilder<unknown>) =>
  sql<SqlBool>`(${sql.join(TEXT_COLUMNS.map(one), sql` OR `)})`;

/**
 * `text` found (case-insensitively, as a substring) in name, queue or status message, compared on
 * each row read: `lower(col)` holds `text` lowered. On PostgreSQL the `lower(col) LIKE` that
 * pg_trgm's index serves, or (`unindexed`: the rows are read down the time index) `strpos`, the
 * same answer, which the planner cannot take to the trigram index (it did, for the newest 5,000
 * jobs: 0.6 s reading the row lists of trigrams every job holds). On SQLite `instr` (the same
 * answer as a LIKE without wildcards: SQLite's lower() folds ASCII only; instr compares bytes,
 * where LIKE's matcher took seconds on long runs of one letter), and the LIKE for a text of fewer
 * than three characters.
 */
export function textComparison(
  text: string,
  dialect: 'sqlite' | 'postgres',
  unindexed = false,
): Expression<SqlBool> {
  const lowered = text.toLowerCase();
  if (dialect === 'postgres' && unindexed)
    return anyOf((c) => sql`strpos(lower(${sql.ref(c)}), ${lowered}) > 0`);
  if (dialect === 'postgres' || [...text].length < 3) {
    const like = likeOf(text);
    return anyOf((c) => sql`lower(${sql.ref(c)}) LIKE ${like} ESCAPE '\\'`);
  }
  return anyOf((c) => sql`instr(lower(${sql.ref(c)}), ${lowered}) > 0`);
}

/**
 * `textComparison` through the trigram index. On SQLite the FTS5 table narrows the rows to those
 * holding each of `grams` (the text's trigrams, all or some: any row holding the text holds every
 * one of them; FTS5 folds case beyond ASCII: more rows, never fewer) and the comparison confirms
 * each; `byTime`: the rows are read down the time index, each looked up among those the FTS5 table
 * found (`+seq`: not by seq), so the page stops at its last row rather than reads and sorts every
 * one found. On PostgreSQL the comparison is what pg_trgm's GIN index serves. A text of fewer than
 * three characters has no trigram: the comparison alone, on every row (jobHistory refuses such a
 * text before it gets here).
 */
export function textClause(
  text: string,
  dialect: 'sqlite' | 'postgres',
  grams: readonly string[] = trigramsOf(text),
  byTime = false,
): Expression<SqlBool> {
  if (dialect === 'postgres' || grams.length === 0) return textComparison(text, dialect);
  const seq = byTime ? sql`+seq` : sql`seq`;
  return sql<SqlBool>`${seq} IN (SELECT rowid FROM jobs_text WHERE jobs_text MATCH ${matchOf(grams)} AND jobgraph_deadline()) AND ${textComparison(text, dialect)}`;
}

/** How many rows the FTS5 table finds for `grams` (SQLite), counting no further than `cap`. */
export const candidatesOf = (grams: readonly string[], cap: number) =>
  sql<{
    n: number;
  }>`SELECT count(*) AS n FROM (SELECT rowid FROM jobs_text WHERE jobs_text MATCH ${matchOf(grams)} AND jobgraph_deadline() LIMIT ${cap})`;

/** The trigrams of a text a search counts among the newest rows, at most. */
const COUNTED_TRIGRAMS = 24;

/** The trigrams the index is asked for: the rarest of those counted. */
export const ASKED_TRIGRAMS = 2;

/**
 * The trigrams of `text` whose share of the rows a search counts them in (`countedTrigrams`'
 * `countOf`) is asked: at most COUNTED_TRIGRAMS, spread over the text.
 */
export function countedTrigrams(text: string): string[] {
  const all = trigramsOf(text);
  if (all.length <= COUNTED_TRIGRAMS) return all;
  const step = all.length / COUNTED_TRIGRAMS;
  return Array.from({ length: COUNTED_TRIGRAMS }, (_, k) => all[Math.floor(k * step)]!);
}

/**
 * How many of a sample's rows hold `gram` (SQLite; `t` is the row's three texts lowered): the
 * rarest trigrams of a text are the ones the FTS5 table is asked for, since the index reads each
 * trigram's row list whole, and a trigram most jobs hold (`etl` of `nightly-etl-…`) is a list as
 * long as the table.
 */
export const countOf = (gram: string) => sql<number>`sum(instr(t, ${gram.toLowerCase()}) > 0)`;

/**
 * The `ASKED_TRIGRAMS` of `grams` with the fewest of `counts` (in the order of `grams`), and the
 * fewest count (how many rows counted hold the rarest).
 */
export function rarest(
  grams: readonly string[],
  counts: readonly number[],
): { grams: string[]; inWalk: number } {
  const ranked = grams
    .map((g, k) => ({ g, n: counts[k] ?? 0, k }))
    .sort((a, b) => a.n - b.n || a.k - b.k)
    .slice(0, ASKED_TRIGRAMS);
  return { grams: ranked.map((x) => x.g), inWalk: ranked[0]?.n ?? 0 };
}
