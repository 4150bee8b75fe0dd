/**
 * jobHistory's `text`: found (case-insensitively, as a substring) in a job's name, queue or status
 * message. Compared on each row read (`textComparison`), or through an index of those three texts
 * (`textClause`): their trigrams (SQLite's FTS5 table `jobs_text`, PostgreSQL's pg_trgm GIN index,
 * migration 5) or their words (`jobs_words`, `jobs_words_gin`, migration 12), either answering the
 * same rows. HistoryReader decides which a search runs where.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { WORDS_V12 } from './migrations.ts';

const likeOf = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The distinct trigrams of `text` (none below three characters), in their order in the text. */
function trigramsOf(text: string): string[] {
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
 * What of text search differs between the two stores, a member of each one's Dialect object
 * (dialect.ts): SQLite finds text through its FTS5 tables, PostgreSQL through its GIN indexes.
 */
export interface TextSearchDialect {
  /**
   * `text` found (case-insensitively, as a substring) in name, queue or status message, compared
   * on each row read: `lower(col)` holds `text` lowered. On PostgreSQL the `lower(col) LIKE` that
   * pg_trgm's index serves, or (`unindexed`: the rows are read down the time index) `strpos`, the
   * same answer, which the planner cannot take to the trigram index (it did, for the newest 5,000
   * jobs: 0.6 s reading the row lists of trigrams every job holds). On SQLite `instr` (the same
   * answer as a LIKE without wildcards: SQLite's lower() folds ASCII only; instr compares bytes,
   * where LIKE's matcher took seconds on long runs of one letter), and the LIKE for a text of
   * fewer than three characters.
   */
  textComparison(text: string, unindexed?: boolean): Expression<SqlBool>;
  /**
   * `textComparison` through an index: SQLite's FTS5 tables are asked for rowids the comparison
   * confirms; PostgreSQL's GIN indexes are the planner's to take, from the comparison or a tsquery.
   */
  textClause(text: string, keys?: IndexKeys, byTime?: boolean): Expression<SqlBool>;
  /** The word index's query of the words starting with `start` ([a-z0-9]): FTS5's prefix phrase, a tsquery's prefix. */
  prefixQuery(start: string): string;
  /** How many of a walk's rows hold `part` (`countBy`): SQLite has `instr`, PostgreSQL `strpos`. */
  containsCount(part: string): RawBuilder<number>;
}

/** `text` in any of the three columns, by LIKE (its wildcards escaped). */
const likeComparison = (text: string) => {
  const like = likeOf(text);
  return anyOf((c) => sql`lower(${sql.ref(c)}) LIKE ${like} ESCAPE '\\'`);
};

/** The keys the index is asked for: trigrams of the text (`jobs_text`), or one word start (`jobs_words`). */
export type IndexKeys = { grams: readonly string[]; start: string | null };

/** The longest word start asked (migration 12 cuts PostgreSQL's words into pieces this long). */
const WORD_PIECE = 100;

/**
 * The word starts of `text` (migration 12's words): each run of ASCII letters and digits of the
 * lowered text that follows an ASCII character other than a letter or digit, cut to WORD_PIECE
 * characters (`start`), with that character before it (`key`, a part of the text a walk counts as
 * it counts trigrams). A job holding `text` holds, where it does, that character and then the
 * run: a word starting with the run, in both stores' words. A run after any other character (or
 * at the text's start) may be the end of a longer word: not a start.
 */
function wordStartsOf(text: string): { key: string; start: string }[] {
  const found = new Map<string, string>();
  for (const m of text.toLowerCase().matchAll(/([^a-z0-9])([a-z0-9]+)/g))
    if (m[1]!.charCodeAt(0) < 128 && !found.has(m[0])) found.set(m[0], m[2]!.slice(0, WORD_PIECE));
  return [...found].map(([key, start]) => ({ key, start }));
}

/** The SQLite rows (`rowid`s) the index finds for `keys`, each job holding the text among them. */
const indexRows = (keys: IndexKeys) =>
  keys.start !== null
    ? sql`SELECT rowid FROM jobs_words WHERE jobs_words MATCH ${SQLITE_TEXT.prefixQuery(keys.start)} AND jobgraph_deadline()`
    : sql`SELECT rowid FROM jobs_text WHERE jobs_text MATCH ${matchOf(keys.grams)} AND jobgraph_deadline()`;

/** How many rows the FTS5 tables find for `keys` (SQLite), counting no further than `cap`. */
export const candidatesOf = (keys: IndexKeys, cap: number) =>
  sql<{ n: number }>`SELECT count(*) AS n FROM (${indexRows(keys)} LIMIT ${cap})`;

/** The trigrams of a text a search counts among the newest rows, at most. */
const COUNTED_TRIGRAMS = 24;

/** The word starts of a text a search counts among the newest rows, at most. */
const COUNTED_STARTS = 6;

/** The trigrams the index is asked for: the rarest of those counted. */
const ASKED_TRIGRAMS = 2;

/**
 * The parts of `text` a walk counts the rows holding (`containsCount`): at most COUNTED_TRIGRAMS
 * of its trigrams, spread over the text, then at most COUNTED_STARTS of its word starts (their
 * keys).
 */
export function countedParts(text: string): {
  grams: string[];
  starts: { key: string; start: string }[];
} {
  const all = trigramsOf(text);
  const step = Math.max(all.length / COUNTED_TRIGRAMS, 1);
  const grams =
    all.length <= COUNTED_TRIGRAMS
      ? all
      : Array.from({ length: COUNTED_TRIGRAMS }, (_, k) => all[Math.floor(k * step)]!);
  return { grams, starts: wordStartsOf(text).slice(0, COUNTED_STARTS) };
}

/**
 * What the index is asked for, from how many of a walk's rows hold each of `parts` (`counts`, in
 * the order of the trigrams then the starts): the word start the fewest hold when no trigram is
 * rarer, else the ASKED_TRIGRAMS rarest trigrams; and the fewest count (`inWalk`).
 */
export function rarest(
  parts: { grams: readonly string[]; starts: readonly { start: string }[] },
  counts: readonly number[],
): IndexKeys & { inWalk: number } {
  const ranked = parts.grams
    .map((g, k) => ({ g, n: counts[k] ?? 0, k }))
    .sort((a, b) => a.n - b.n || a.k - b.k);
  const starts = parts.starts
    .map((s, k) => ({ s: s.start, n: counts[parts.grams.length + k] ?? 0 }))
    .sort((a, b) => a.n - b.n);
  const word = starts[0];
  if (word && (ranked.length === 0 || word.n <= ranked[0]!.n))
    return { grams: [], start: word.s, inWalk: word.n };
  return {
    grams: ranked.slice(0, ASKED_TRIGRAMS).map((x) => x.g),
    start: null,
    inWalk: ranked[0]?.n ?? 0,
  };
}

/**
 * The times below a walk that hold, at the walk's share of matching jobs, about `spare` times the
 * `wanted` jobs a page still needs (PostgreSQL): the walk held `matched` between `top` (its newest
 * time) and `end` (its last job's). A page asks the index for the jobs at or after the returned
 * time first, so both the word (or trigram) index and the time index narrow its rows (a BitmapAnd:
 * only the jobs of both are read from the table), then below it if those were too few. Null when
 * the walk held none or its times are not ISO times.
 */
export function windowStart(
  top: string,
  end: string,
  matched: number,
  wanted: number,
  spare: number,
): string | null {
  const span = Date.parse(top) - Date.parse(end);
  if (matched < 1 || !(span >= 0)) return null;
  const start = Date.parse(end) - Math.max((span * wanted * spare) / matched, 1);
  return start > 0 ? new Date(start).toISOString() : null;
}

/**
 * How many of a walk's rows hold `part` (`t`: the row's three texts lowered), `position` the
 * store's function finding it. The rarest parts of a text are the ones an index is asked for,
 * since it reads each one's row list whole, and a trigram most jobs hold (`etl` of `nightly-etl-…`)
 * is a list as long as the table.
 */
const countBy = (position: RawBuilder<unknown>, part: string) =>
  sql<number>`sum(CASE WHEN ${position}(t, ${part.toLowerCase()}) > 0 THEN 1 ELSE 0 END)`;

/**
 * SQLite's text search. `textClause`: an FTS5 table narrows the rows: `jobs_text` to those holding
 * each of `keys.grams` (the text's trigrams, all or some: any row holding the text holds every one
 * of them; FTS5 folds case beyond ASCII: more rows, never fewer), or `jobs_words` to those with a
 * word starting with `keys.start`; the comparison confirms each. `byTime`: the rows are read down
 * the time index, each looked up among those the FTS5 table found (`+seq`: not by seq), so the
 * page stops at its last row rather than reads and sorts every one found. A text of fewer than
 * three characters has no trigram: the comparison alone, on every row (jobHistory refuses such a
 * text before it gets here).
 */
export const SQLITE_TEXT: TextSearchDialect = {
  textComparison: (text) =>
    [...text].length < 3
      ? likeComparison(text)
      : anyOf((c) => sql`instr(lower(${sql.ref(c)}), ${text.toLowerCase()}) > 0`),
  textClause(text, keys = { grams: trigramsOf(text), start: null }, byTime = false) {
    const compared = SQLITE_TEXT.textComparison(text);
    if (keys.grams.length === 0 && keys.start === null) return compared;
    const seq = byTime ? sql`+seq` : sql`seq`;
    return sql<SqlBool>`${seq} IN (${indexRows(keys)}) AND ${compared}`;
  },
  prefixQuery: (start) => `"${start}" *`,
  containsCount: (part) => countBy(sql`instr`, part),
};

/**
 * PostgreSQL's text search. `textClause`: the comparison that pg_trgm's GIN index serves, or the
 * words' GIN index asked for `keys.start` and the comparison (`strpos`: not taken to the trigram
 * index) on its rows.
 */
export const POSTGRES_TEXT: TextSearchDialect = {
  textComparison: (text, unindexed = false) =>
    unindexed
      ? anyOf((c) => sql`strpos(lower(${sql.ref(c)}), ${text.toLowerCase()}) > 0`)
      : likeComparison(text),
  textClause(text, keys = { grams: trigramsOf(text), start: null }) {
    return keys.start === null
      ? POSTGRES_TEXT.textComparison(text)
      : sql<SqlBool>`${sql.raw(WORDS_V12)} @@ ${POSTGRES_TEXT.prefixQuery(keys.start)}::tsquery AND ${POSTGRES_TEXT.textComparison(text, true)}`;
  },
  prefixQuery: (start) => `'${start}':*`,
  containsCount: (part) => countBy(sql`strpos`, part),
};
