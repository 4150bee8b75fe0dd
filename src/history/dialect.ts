/**
 * What differs between the history's two backends, one object each (issue 105 item 3): the
 * writer's path (its transaction, its row locks, its lanes and turns), the outbox's claim, the
 * size budget, and a search's deadline and text (textSearch.ts). Code that meets the store asks
 * its Dialect object (`HistoryDatabase['dialect']`), never its name.
 */
import { existsSync } from 'node:fs';
import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { HistoryStoreConfig } from '../config/types.ts';
import type { HistoryTables } from './tables.ts';
import { POSTGRES_TEXT, SQLITE_TEXT, type TextSearchDialect } from './textSearch.ts';

/** Each backend's store as the configuration names it (config/types.ts). */
interface Stores {
  sqlite: Extract<HistoryStoreConfig, { kind: 'sqlite' }>;
  postgres: Extract<HistoryStoreConfig, { kind: 'postgres' }>;
}

/** A history backend's name: the configuration's `kind` of a store kept. */
type Backend = keyof Stores;

/** A store of the backend `B` as the configuration names it. */
type StoreOf<B extends Backend> = Stores[B];

/** The history's backend, as the writer, the reader and the notifications' outbox meet it. */
export interface Dialect<B extends Backend = Backend> extends TextSearchDialect {
  /** The migrations' statements given per backend are picked by it (migrations.ts). */
  readonly name: B;
  /** The start-up summary's words for the store: a SQLite file is named by its path, a PostgreSQL server by its URL without the password. */
  describePlace(store: StoreOf<B>): string;
  /** PostgreSQL is one store the replicas share; each replica's SQLite file is its own. */
  readonly sharedByReplicas: boolean;
  /** The demo banner's words for a place the user named, kept across runs; null for SQLite's default place nobody chose (the demo makes its own): a file is looked at, a server is not before it is opened. */
  describeKept(store: StoreOf<B>): string | null;
  /** Run `fn` in one write transaction that holds the store's write lock from its start. */
  writeTransaction(
    db: Kysely<HistoryTables>,
    fn: (tx: Kysely<HistoryTables>) => Promise<void>,
  ): Promise<void>;
  /** Inside a migration's write transaction: PostgreSQL locks the schema table (replicas start together). */
  lockSchema(tx: Kysely<HistoryTables>): Promise<void>;
  /** Lock the stored jobs `ids` (in ID order) for this transaction; SQLite's write lock holds them already. */
  lockJobs(tx: Kysely<HistoryTables>, ids: readonly string[]): Promise<void>;
  /** A claim's read of due rows: PostgreSQL skips rows another replica has locked. */
  claimRows<O>(
    q: SelectQueryBuilder<HistoryTables, 'notification_deliveries', O>,
  ): SelectQueryBuilder<HistoryTables, 'notification_deliveries', O>;
  /** The store's size in bytes: SQLite's used pages, PostgreSQL's tables with their indexes and TOAST. */
  storeBytes(db: Kysely<HistoryTables>): Promise<number>;
  /** Pruned for size at JOBGRAPH_HISTORY_MAX_BYTES, its space reclaimed and compacted (SQLite); PostgreSQL is not (autovacuum). */
  readonly prunesForSize: boolean;
  /** What the 90 % warning of the size budget says happens at the budget. */
  readonly atBudget: string;
  /** The writer's lanes (concurrent batches): SQLite has one writer. */
  readonly writerLanes: number;
  /** Rows written in chunks of statements (SQLite), or a batch whole (PostgreSQL). */
  readonly chunkedWrites: boolean;
  /** node:sqlite runs a statement on the main thread: the writer gives a turn between statements. */
  readonly writesOnMainThread: boolean;
  /** SQLite indexes a batch's new jobs' text in one statement after the batch (FTS5 segments). */
  readonly indexesTextAfterBatch: boolean;
  /** A search's first WHERE terms: SQLite's worker deadline, asked at each row; PostgreSQL's statement_timeout stops a search itself. */
  readonly deadlineClauses: readonly Expression<SqlBool>[];
  /** A text page below the walk asked in a time window first: PostgreSQL's planner then joins the text and time indexes (a BitmapAnd); SQLite's FTS5 tables are not joined so. */
  readonly windowsTextPages: boolean;
  /** A text page below the walk may read down the time index, each row looked up among FTS5's (SQLite); PostgreSQL's planner picks its own plan. */
  readonly readsTextByTime: boolean;
}

/**
 * The first term of a SQLite search's WHERE clause: the worker's deadline (sqliteSearchWorker.ts),
 * asked at every row the search reads.
 */
const SQLITE_DEADLINE = sql<SqlBool>`jobgraph_deadline()`;

/** PostgreSQL's writer lanes: batches written at once on the pool's connections. */
/**
 * How many batches PostgreSQL writes at once, each in its own transaction on its own pooled
 * connection: a job's changes always go to the same lane (by its ID), so they stay in order, and
 * one lane's batch is built and sent while the other's executes (bench/HISTORY.md). SQLite has one
 * writer, so it has one lane.
 */
const PG_LANES = 2;

const SQLITE: Dialect<'sqlite'> = {
  ...SQLITE_TEXT,
  name: 'sqlite',
  // `BEGIN IMMEDIATE`: the file's write lock taken first (waiting out another process's batch).
  writeTransaction: (db, fn) =>
    db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        await fn(conn);
        await sql`COMMIT`.execute(conn);
      } catch (e) {
        // A failed COMMIT (a full disk, an I/O error) may have rolled back already: the error that
        // says why is `e`, not the ROLLBACK's "no transaction is active".
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw e;
      }
    }),
  lockSchema: async () => undefined,
  lockJobs: async () => undefined,
  claimRows: (q) => q,
  storeBytes: async (db) => {
    const pragma = async (name: string) =>
      Number(Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] ?? {})[0] ?? 0);
    const pages = (await pragma('page_count')) - (await pragma('freelist_count'));
    return pages * (await pragma('page_size'));
  },
  prunesForSize: true,
  atBudget: 'at the budget its oldest finished jobs are pruned',
  writerLanes: 1,
  chunkedWrites: true,
  writesOnMainThread: true,
  indexesTextAfterBatch: true,
  deadlineClauses: [SQLITE_DEADLINE],
  windowsTextPages: false,
  readsTextByTime: true,
  describePlace: (store) => `SQLite file ${store.path}`,
  sharedByReplicas: false,
  describeKept: (store) => {
    if (store.implicit) return null;
    return existsSync(store.path)
      ? `${store.path}, kept across runs: it held a history when this demo started, so jobs of earlier runs show as they were then`
      : `${store.path}, new, kept across runs`;
  },
};

const POSTGRES: Dialect<'postgres'> = {
  ...POSTGRES_TEXT,
  name: 'postgres',
  writeTransaction: (db, fn) => db.transaction().execute(fn),
  lockSchema: async (tx) => {
    await sql`LOCK TABLE jobgraph_schema IN EXCLUSIVE MODE`.execute(tx);
  },
  lockJobs: async (tx, ids) => {
    await tx
      .selectFrom('jobs')
      .select('id')
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
  },
  claimRows: (q) => q.forUpdate().skipLocked(),
  storeBytes: async (db) => {
    const { rows } = await sql<{
      bytes: string;
    }>`SELECT pg_total_relation_size('jobs') + pg_total_relation_size('transitions') + pg_total_relation_size('job_actions') AS bytes`.execute(
      db,
    );
    return Number(rows[0]?.bytes ?? 0);
  },
  prunesForSize: false,
  atBudget:
    'PostgreSQL is not pruned for size: lower JOBGRAPH_HISTORY_RETAIN_DAYS or raise the budget',
  writerLanes: PG_LANES,
  chunkedWrites: false,
  writesOnMainThread: false,
  indexesTextAfterBatch: false,
  deadlineClauses: [],
  windowsTextPages: true,
  readsTextByTime: false,
  describePlace: (store) => `PostgreSQL ${shownPostgresUrl(store.url)}`,
  sharedByReplicas: true,
  describeKept: (store) =>
    `PostgreSQL ${shownPostgresUrl(store.url)} (JOBGRAPH_HISTORY_URL), kept across runs: jobs of earlier runs show as they were then`,
};

/**
 * The Dialect object of a store's backend, by the configuration's `kind`: the one place the name
 * picks (the openers in database.ts, a configured store's words).
 */
export const dialectOf = (name: Backend): Dialect => ({ sqlite: SQLITE, postgres: POSTGRES })[name];

/** A PostgreSQL URL as it may be shown: user, host, port and database, never the password. */
export function shownPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://…';
  }
}
