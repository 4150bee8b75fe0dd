/**
 * The read side of the history store. Every query that returns jobs carries the caller's grant in
 * its WHERE clause (`HistoryGrant`: every account, or a list of (provider, account alias) pairs),
 * never a filter after reading. Search is newest first by (sort_at, seq), keyset-paged with
 * opaque cursors, so a page does not move when rows are written meanwhile.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { AccountGrant } from '../auth/identity.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import { PaddedIdStatements } from './batchStatements.ts';
import type { HistoryDatabase, HistoryTables } from './database.ts';
import { TRANSITION_FIELDS, type TransitionsTable } from './tables.ts';
import { candidatesOf, countedParts, rarest, windowStart, type IndexKeys } from './textSearch.ts';
import {
  sortBounds,
  UNSIGNED,
  type HistoryCursors,
  type HistoryPosition,
} from './historyCursors.ts';

export { positionOf, type HistoryCursors, type HistoryPosition } from './historyCursors.ts';
import { mayRead } from '../auth/mayRead.ts';
import {
  filterClauses,
  grantClause,
  type HistoryFilter,
  type HistoryGrant,
} from './historyWhere.ts';

export type { HistoryFilter, HistoryGrant } from './historyWhere.ts';
import { summarize, type HistorySummary } from './summary.ts';

/**
 * A request's AccountGrant as a HistoryGrant: `*` stays `*`; otherwise each configured
 * (provider, alias) the grant permits. `accounts` lists the configured ones.
 */
export function historyGrantOf(
  grant: AccountGrant,
  accounts: readonly { provider: JobProvider; alias: string }[],
): HistoryGrant {
  if (grant.all) return '*';
  return accounts
    .filter((a) => mayRead(grant, a.provider, a.alias))
    .map((a) => ({ provider: a.provider, account: a.alias }));
}

export interface HistoryTransition {
  at: string;
  from: string | null;
  to: string;
  providerStatus: string | null;
  source: string;
  eventId: string | null;
  /** When a provider read contradicted this event's word; null otherwise. */
  contradictedAt: string | null;
}

export interface HistoryPage {
  edges: { cursor: string; node: JobRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

type Eb = ExpressionBuilder<HistoryTables, 'jobs'>;

/**
 * The jobs of the newest-first order a text search compares itself before it asks the trigram
 * index (HistoryReader `#textRows`): a text held by one job in TEXT_WALK_ROWS / 25 or more fills
 * its first page there.
 */
const TEXT_WALK_ROWS = 5000;

/**
 * The most rows the trigram index may find for a page to look each up by seq and sort them
 * (SQLite): past it, the page reads the time index down instead (HistoryReader `#textRows`).
 */
const LOOKED_UP = 1000;

/**
 * The newest jobs of a walk a text search counts its parts in (HistoryReader `#rarestKeys`), at
 * most: a part's share of them ranks it as well as all the walk's, at a fifth of the rows read.
 */
const COUNTED_ROWS = 1000;

/**
 * How many times the jobs a PostgreSQL page still needs after the walk its first index read's
 * window holds at the walk's share (HistoryReader `#windowStart`).
 */
const WINDOW_SPARE = 1.5;

/** A row of a search: the job's keyset position and its record. */
type SearchRow = { seq: number; sort_at: string; record: string };

/** A transitions row as the graph shows it (jobTransitions and HistoryReader.transitions read the same columns). */
const transitionOf = (
  r: Pick<
    TransitionsTable,
    'at' | 'from_state' | 'to_state' | 'provider_status' | 'source' | 'event_id' | 'contradicted_at'
  >,
): HistoryTransition => ({
  at: r.at,
  from: r.from_state,
  to: r.to_state,
  providerStatus: r.provider_status,
  source: r.source,
  eventId: r.event_id,
  contradictedAt: r.contradicted_at,
});

/**
 * The transitions of job `id` when `grant` reads its account, the newest `limit` (1–100), newest
 * last, read through `db` (the store, or a transaction that writes them: the notifications').
 */
export async function jobTransitions(
  db: Kysely<HistoryTables>,
  id: string,
  grant: HistoryGrant,
  limit = 100,
): Promise<HistoryTransition[]> {
  const rows = await db
    .selectFrom('transitions')
    .select([...TRANSITION_FIELDS, 'contradicted_at'])
    .where('job_seq', '=', (eb) =>
      eb
        .selectFrom('jobs')
        .select('jobs.seq')
        .where((j) => j.and([j('jobs.id', '=', id), grantClause(j as unknown as Eb, grant)])),
    )
    .orderBy('at', 'desc')
    .limit(Math.min(Math.max(limit, 1), 100))
    .execute();
  return rows.reverse().map(transitionOf);
}

/** A kept job as the store has it: its latest record and when a read or event last changed it. */
export interface RetainedJob {
  record: JobRecord;
  lastConfirmedAt: string;
}

type RememberedRow = { id: string; record: string; last_confirmed_at: string };

/** The latest record of each of `ids` whose account `grant` reads. */
function retainedQuery(db: Kysely<HistoryTables>, ids: readonly string[], grant: HistoryGrant) {
  return db
    .selectFrom('jobs')
    .select(['id', 'record', 'last_confirmed_at'])
    .where((eb) => eb.and([eb('id', 'in', ids), grantClause(eb, grant)]));
}

export class HistoryReader {
  /** `retainedQuery(…, '*')`, compiled once per power of two of IDs. */
  readonly #everyAccount: PaddedIdStatements<RememberedRow>;

  readonly #textWalkRows: number;
  readonly #lookedUp: number;
  readonly #windowSpare: number;

  /**
   * `text`: how a text search goes (tests make both small to reach each way with a few jobs):
   * `walkRows`, the jobs it compares itself before it asks the trigram index (TEXT_WALK_ROWS);
   * `lookedUp`, the most rows the index may find for each to be looked up and sorted (LOOKED_UP);
   * `windowSpare`, the window's spare (WINDOW_SPARE; 0: none).
   */
  constructor(
    private readonly store: HistoryDatabase,
    private readonly cursors: HistoryCursors = UNSIGNED,
    text: { walkRows?: number; lookedUp?: number; windowSpare?: number } = {},
  ) {
    this.#textWalkRows = Math.max(text.walkRows ?? TEXT_WALK_ROWS, 1);
    this.#lookedUp = text.lookedUp ?? LOOKED_UP;
    this.#windowSpare = text.windowSpare ?? WINDOW_SPARE;
    this.#everyAccount = new PaddedIdStatements((ids) => retainedQuery(store.db, ids, '*'));
  }

  /** A search's time limit in ms (JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS). */
  get searchTimeoutMs(): number {
    return this.store.searchTimeoutMs;
  }

  /** How many jobs `filter` matches under `grant`, by state and failure category (summary.ts). */
  summary(filter: HistoryFilter, grant: HistoryGrant): Promise<HistorySummary> {
    return summarize(this.store, filter, grant);
  }

  /** The job's latest record and when it was last seen, when the grant reads its account. */
  async retained(id: string, grant: HistoryGrant): Promise<RetainedJob | null> {
    return (await this.retainedMany([id], grant)).get(id) ?? null;
  }

  /**
   * `retained` for each of `ids` at once (one query; those the store has not, or the grant does
   * not read, are absent): the NOT_FOUND answers of one upstream batch cost one read, not one each.
   */
  async retainedMany(
    ids: readonly string[],
    grant: HistoryGrant,
  ): Promise<Map<string, RetainedJob>> {
    const found = new Map<string, RetainedJob>();
    if (ids.length === 0) return found;
    // Every account (a NOT_FOUND's recall, asked on each one): the list is padded to a power of
    // two, so ten statements, compiled and prepared once each, serve every batch up to 512; one
    // per count made the recall recompile and re-prepare as often as the count of a turn's
    // NOT_FOUNDs changed (most turns).
    const unique = [...new Set(ids)];
    const rows =
      grant === '*'
        ? (await this.store.db.executeQuery(this.#everyAccount.bind(unique))).rows
        : await retainedQuery(this.store.db, unique, grant).execute();
    for (const row of rows)
      found.set(row.id, {
        record: JSON.parse(row.record) as JobRecord,
        lastConfirmedAt: row.last_confirmed_at,
      });
    return found;
  }

  /**
   * The transitions of each of `ids` whose account the grant reads, the newest `limit` of each,
   * newest last: one query for them all (a request's DataLoader batch).
   */
  async transitionsOf(
    ids: readonly string[],
    grant: HistoryGrant,
    limit = 100,
  ): Promise<Map<string, HistoryTransition[]>> {
    const found = new Map<string, HistoryTransition[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return found;
    const n = Math.min(Math.max(limit, 1), 100);
    const rows = await this.store.db
      .selectFrom((db) =>
        db
          .selectFrom('transitions')
          .innerJoin('jobs', 'jobs.seq', 'transitions.job_seq')
          .select((eb) => [
            'jobs.id as job_id',
            'transitions.at as at',
            'transitions.from_state as from_state',
            'transitions.to_state as to_state',
            'transitions.provider_status as provider_status',
            'transitions.source as source',
            'transitions.event_id as event_id',
            'transitions.contradicted_at as contradicted_at',
            eb.fn
              .agg<number>('row_number', [])
              .over((ob) => ob.partitionBy('transitions.job_seq').orderBy('transitions.at', 'desc'))
              .as('rank'),
          ])
          .where((eb) =>
            eb.and([eb('jobs.id', 'in', [...ids]), grantClause(eb as unknown as Eb, grant)]),
          )
          .as('t'),
      )
      .selectAll()
      .where('rank', '<=', n)
      .orderBy('job_id')
      .orderBy('at')
      .execute();
    for (const r of rows) found.get(r.job_id)?.push(transitionOf(r));
    return found;
  }

  /** The job's latest record, when the grant reads its account. */
  async latest(id: string, grant: HistoryGrant): Promise<JobRecord | null> {
    const row = await this.store.db
      .selectFrom('jobs')
      .select(['record'])
      .where((eb) => eb.and([eb('id', '=', id), grantClause(eb, grant)]))
      .executeTakeFirst();
    return row ? (JSON.parse(row.record) as JobRecord) : null;
  }

  /** The job's transitions, the newest `limit` of them, newest last. */
  async transitions(id: string, grant: HistoryGrant, limit = 100): Promise<HistoryTransition[]> {
    return jobTransitions(this.store.db, id, grant, limit);
  }

  /** Jobs matching `filter` the grant reads, newest first (finished, else created), `first` of them after `after`. */
  async search(
    filter: HistoryFilter,
    first: number,
    after: string | null,
    grant: HistoryGrant,
  ): Promise<HistoryPage> {
    const position = after === null ? null : this.cursors.decode(after);
    const n = Math.min(Math.max(first, 1), 100);
    // Off the gateway's thread on SQLite, under the time limit on both (database.ts `search`).
    const rows = filter.text
      ? await this.#textRows(filter, grant, position, n + 1)
      : await this.store.search(this.#rows(filter, grant, 'none', position, null, n + 1));
    const page = rows.slice(0, n);
    const edges = page.map((r) => ({
      // PostgreSQL answers a bigint as text: seq is a number either way.
      cursor: this.cursors.encode(r.sort_at, Number(r.seq)),
      node: JSON.parse(r.record) as JobRecord,
    }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > n, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  /**
   * The first `limit` rows of a `text` search after `position`, in two steps that answer what one
   * query through an index answered. First the newest `walkRows` jobs of the newest-first order
   * (under the cursor and the finished window), each text compared as it is read, stopping once
   * the page is full: a text many jobs hold fills its page there. Only a page not filled asks an
   * index for the jobs below those, for what the fewest of the walk's jobs held (`#rarestKeys`): a
   * word start of the text (migration 12), else its rarest trigrams (an index reads each one's
   * list of jobs whole and sorts every match).
   */
  async #textRows(
    filter: HistoryFilter,
    grant: HistoryGrant,
    position: HistoryPosition | null,
    limit: number,
  ): Promise<SearchRow[]> {
    const [end] = await this.store.search(this.#walkEnd(filter, position).compile());
    const downTo: HistoryPosition | null = end ? [end.sort_at, Number(end.seq)] : null;
    const walked = await this.store.search(
      this.#rows(filter, grant, 'compare', position, downTo, limit),
    );
    // Fewer than `walkRows` jobs below the cursor: the walk read them all.
    if (walked.length >= limit || downTo === null) return walked;
    const { inWalk, ...keys } = await this.#rarestKeys(filter, filter.text!, position);
    const text = { keys, byTime: await this.#readByTime(keys, walked.length, inWalk) };
    const found = [...walked];
    const start = await this.#windowStart(filter, position, downTo, keys, walked.length, limit);
    // Down to the window's start (inclusive), then below it: the same rows, the time parted.
    const parts: [HistoryPosition, string | null][] =
      start === null
        ? [[downTo, null]]
        : [
            [downTo, start],
            [[start, 0], null],
          ];
    for (const [below, from] of parts)
      if (found.length < limit)
        found.push(
          ...(await this.store.search(
            this.#rows(filter, grant, text, below, null, limit - found.length, from),
          )),
        );
    return found;
  }

  /**
   * Where a PostgreSQL page's first index read below the walk stops (textSearch `windowStart`,
   * with `windowSpare`), when the walk held some of the text and an index is asked; else null.
   */
  async #windowStart(
    filter: HistoryFilter,
    position: HistoryPosition | null,
    downTo: HistoryPosition,
    keys: IndexKeys,
    matched: number,
    limit: number,
  ): Promise<string | null> {
    if (!this.store.dialect.windowsTextPages || this.#windowSpare <= 0 || matched < 1) return null;
    if (keys.grams.length === 0 && keys.start === null) return null;
    const top =
      position?.[0] ??
      (await this.store.search(this.#walkEnd(filter, null, 0).compile()))[0]?.sort_at;
    return top === undefined
      ? null
      : windowStart(top, downTo[0], matched, limit - matched, this.#windowSpare);
  }

  /**
   * Whether the page after the walk reads the time index down (SQLite), rather than look up each
   * row the index finds for `keys` and sort them all: when it finds more than LOOKED_UP and, by
   * the walk's share of them that held the text (`matched` of the `inWalk` rows holding the
   * rarest of `keys`), more than LOOKED_UP hold the text. A text whose trigrams many jobs hold but
   * few hold in its order (`etl-9999` beside `etl-999`) is looked up row by row.
   */
  async #readByTime(keys: IndexKeys, matched: number, inWalk: number): Promise<boolean> {
    if (!this.store.dialect.readsTextByTime) return false;
    if (keys.grams.length === 0 && keys.start === null) return false;
    const [found] = await this.store.search(
      candidatesOf(keys, 20 * this.#lookedUp + 1).compile(this.store.db),
    );
    const candidates = Number(found?.n ?? 0);
    const matching = (candidates * matched) / Math.max(inWalk, 1);
    return candidates > this.#lookedUp && matching > this.#lookedUp;
  }

  /**
   * What of `text` an index is asked for (textSearch `rarest`), and how many of the walk's rows
   * hold it (counted in its newest COUNTED_ROWS, scaled to the walk's `walkRows`): the parts of the
   * text (trigrams, word starts) the fewest of those rows hold (the Dialect's `containsCount`).
   * Any of them answers the same rows; the rarer, the fewer its index reads.
   */
  async #rarestKeys(
    filter: HistoryFilter,
    text: string,
    position: HistoryPosition | null,
  ): Promise<IndexKeys & { inWalk: number }> {
    const parts = countedParts(text);
    const asked = [...parts.grams, ...parts.starts.map((s) => s.key)];
    if (asked.length === 0) return { grams: [], start: null, inWalk: 0 };
    const counted = Math.min(COUNTED_ROWS, this.#textWalkRows);
    const dialect = this.store.dialect;
    const sample = this.store.db
      .selectFrom((db) =>
        db
          .selectFrom('jobs')
          .select(
            sql<string>`lower(coalesce(name, '') || ${'\n'} || coalesce(queue, '') || ${'\n'} || coalesce(status_message, ''))`.as(
              't',
            ),
          )
          .where((eb) =>
            eb.and([...dialect.deadlineClauses, ...sortBounds(eb, filter, position, null)]),
          )
          .orderBy('sort_at', 'desc')
          .orderBy('seq', 'desc')
          .limit(counted)
          .as('sample'),
      )
      .select(asked.map((p, k) => dialect.containsCount(p).as(`c${k}`)));
    const [row] = await this.store.search(sample.compile());
    const counts = row as Record<string, number | string> | undefined;
    const found = rarest(
      parts,
      asked.map((_, k) => Number(counts?.[`c${k}`] ?? 0)),
    );
    return { ...found, inWalk: (Math.max(found.inWalk, 1) * this.#textWalkRows) / counted };
  }

  /**
   * The position of the `walkRows`-th job of the newest-first order after `position` within
   * the finished window (an index range of `jobs_by_time` alone), or none when there are fewer.
   */
  #walkEnd(
    filter: HistoryFilter,
    position: HistoryPosition | null,
    offset = this.#textWalkRows - 1,
  ) {
    return this.store.db
      .selectFrom('jobs')
      .select(['seq', 'sort_at'])
      .where((eb) =>
        eb.and([...this.store.dialect.deadlineClauses, ...sortBounds(eb, filter, position, null)]),
      )
      .orderBy('sort_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .offset(offset);
  }

  /**
   * The rows matching `filter` under `grant`, newest first, after `position` and down to `downTo`
   * (inclusive), `limit` of them; `text` compared as each row is read (`compare`), through an
   * index asked for `keys` (textClause), or not at all (`none`: the filter has none). `from`
   * (PostgreSQL): only rows at or after that time, asked in a subquery the planner keeps whole
   * (`OFFSET 0`) with its order's bounds outside, so it takes the two indexes' rows together (a
   * BitmapAnd) by the window's estimate alone: two bounds on sort_at in one histogram bucket it
   * estimates at one row, and reads the time index alone.
   */
  #rows(
    filter: HistoryFilter,
    grant: HistoryGrant,
    text: 'none' | 'compare' | { keys: IndexKeys; byTime: boolean },
    position: HistoryPosition | null,
    downTo: HistoryPosition | null,
    limit: number,
    from: string | null = null,
  ) {
    const dialect = this.store.dialect;
    const rows = this.store.db
      .selectFrom('jobs')
      .select(['seq', 'sort_at', 'record'])
      .where((eb) => {
        const all = filterClauses(eb, filter, grant, dialect, text);
        if (from !== null) all.push(eb('sort_at', '>=', from));
        else all.push(...sortBounds(eb, filter, position, downTo));
        return eb.and(all);
      });
    if (from === null)
      return rows.orderBy('sort_at', 'desc').orderBy('seq', 'desc').limit(limit).compile();
    return this.store.db
      .selectFrom(rows.offset(0).as('jobs'))
      .select(['seq', 'sort_at', 'record'])
      .where((eb) => eb.and(sortBounds(eb as unknown as Eb, filter, position, downTo)))
      .orderBy('sort_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .compile();
  }

  /**
   * Delete jobs whose time (finished, else created, else first seen) is older than `retainDays`,
   * with their transitions, `batch` jobs a statement so no write waits long; returns how many.
   */
  async prune(retainDays: number, now = new Date(), batch = 500): Promise<number> {
    const cutoff = new Date(now.getTime() - retainDays * 86_400_000).toISOString();
    let total = 0;
    for (;;) {
      const ids = (
        await this.store.db
          .selectFrom('jobs')
          .select('id')
          .where('sort_at', '<', cutoff)
          .limit(batch)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return total;
      await this.store.db.transaction().execute(async (tx) => {
        await tx
          .deleteFrom('transitions')
          .where('job_seq', 'in', (eb) =>
            eb.selectFrom('jobs').select('seq').where('id', 'in', ids),
          )
          .execute();
        await tx.deleteFrom('jobs').where('id', 'in', ids).execute();
      });
      total += ids.length;
    }
  }
}
