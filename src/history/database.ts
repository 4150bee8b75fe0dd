/**
 * The history store's database: one Kysely query layer over SQLite (Node's built-in `node:sqlite`,
 * through a thin adapter) or PostgreSQL (`pg`'s Pool), so each query is written once for both
 * dialects. Migrations (./migrations.ts) are applied at open; a database this jobgraph cannot use
 * is one line naming JOBGRAPH_HISTORY_URL, never a file overwritten.
 */
import { accessSync, constants } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import type { Pool } from 'pg';
import { ConfigError } from '../config/env.ts';
import type { HistoryStoreConfig } from '../config/types.ts';
import { makeDataDir, privateDatabaseFile } from './fileModes.ts';
import { dialectOf, shownPostgresUrl, type Dialect } from './dialect.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { HistorySearchTimedOut, withDeadline } from './searchDeadline.ts';
import { SqliteSearches } from './sqliteSearches.ts';
import type { HistoryTables } from './tables.ts';

export type { HistoryTables, JobRow, TransitionRow } from './tables.ts';

export interface HistoryDatabase {
  readonly db: Kysely<HistoryTables>;
  /** What differs between SQLite and PostgreSQL, asked by the code that meets the store. */
  readonly dialect: Dialect;
  /** Where history is kept, as the start-up summary says it (a PostgreSQL URL without its password). */
  readonly where: string;
  /** The raw SQLite handle, for `VACUUM INTO` backups; null on PostgreSQL. */
  readonly sqliteExec: ((sql: string) => void) | null;
  /**
   * The rows of a search (`jobHistory`: a query whose cost grows with the rows stored and the
   * caller's filter), or HistorySearchTimedOut past `searchTimeoutMs`: on SQLite it runs on a
   * worker thread (sqliteSearches.ts), never on the gateway's; on PostgreSQL on a pool of its own
   * whose connections have that `statement_timeout`. Every other query (point lookups by ID, the
   * writer) goes through `db`.
   */
  search<R>(query: CompiledQuery<R>): Promise<R[]>;
  /** A search's time limit in ms (JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS). */
  readonly searchTimeoutMs: number;
  close(): Promise<void>;
}

/** What a store is opened with beyond where it is. */
export interface HistoryDatabaseOptions {
  /** A search's time limit in ms, default DEFAULT_SEARCH_TIMEOUT_MS. */
  searchTimeoutMs?: number;
}

/** A search's time limit unless JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS says otherwise, in ms. */
export const DEFAULT_SEARCH_TIMEOUT_MS = 5000;

const VARIABLE = 'JOBGRAPH_HISTORY_URL';

/** Open (and migrate) the store `config` names; null when history is off. */
export async function openHistoryDatabase(
  config: HistoryStoreConfig,
  options: HistoryDatabaseOptions = {},
): Promise<HistoryDatabase | null> {
  if (config.kind === 'off') return null;
  const timeoutMs = options.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
  // The configuration's kind picks the opener, which gives the store its Dialect object: past
  // here, code asks `dialect`, never the name.
  const opened =
    config.kind === 'sqlite'
      ? await openSqlite(config, timeoutMs)
      : openPostgres(config.url, timeoutMs);
  try {
    await migrate(opened.db, opened.dialect);
  } catch (e) {
    await opened.close().catch(() => undefined);
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(VARIABLE, `${opened.where} ${unusable(e)}`);
  }
  return opened;
}

/**
 * Apply the migrations (migrations.ts) `db` has not recorded, in one write transaction under the
 * Dialect's schema lock.
 */
async function migrate(db: Kysely<HistoryTables>, dialect: Dialect): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS jobgraph_schema (version integer PRIMARY KEY, applied_at text NOT NULL)`.execute(
    db,
  );
  // Already current (every start but the first): no write, so processes sharing a file or a
  // server open it side by side without taking a write lock.
  const current = await db
    .selectFrom('jobgraph_schema')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  if (Number(current?.v ?? 0) === SCHEMA_VERSION) return;
  // Replicas sharing a store start together: one migrates, the others wait for it (PostgreSQL
  // locks the schema table; SQLite's BEGIN IMMEDIATE takes the write lock first), so the version
  // read below is the one this transaction builds on.
  await dialect.writeTransaction(db, async (tx) => {
    await dialect.lockSchema(tx);
    await applyFrom(tx, dialect);
  });
}

/** Apply every migration after the version `db` records. */
async function applyFrom(tx: Kysely<HistoryTables>, dialect: Dialect): Promise<void> {
  const row = await tx
    .selectFrom('jobgraph_schema')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  const applied = Number(row?.v ?? 0);
  if (applied > SCHEMA_VERSION)
    throw new ConfigError(
      'JOBGRAPH_HISTORY_URL',
      `holds history schema version ${applied}, newer than this jobgraph's (${SCHEMA_VERSION}): run the newer jobgraph, or point it at another store`,
    );
  for (let v = applied + 1; v <= SCHEMA_VERSION; v++) {
    for (const statement of MIGRATIONS[v - 1] ?? []) {
      const text = typeof statement === 'string' ? statement : statement[dialect.name];
      if (text !== null) await sql.raw(text).execute(tx);
    }
    await tx
      .insertInto('jobgraph_schema')
      .values({ version: v, applied_at: new Date().toISOString() })
      .execute();
  }
}

/** The data folder cannot be made or written (a read-only file system, another owner). */
export class DataDirUnwritable extends ConfigError {
  /** Nobody chose the folder: neither JOBGRAPH_DATA_DIR nor JOBGRAPH_HISTORY_URL named it. */
  readonly nobodyChose: boolean;
  constructor(dir: string, e: unknown, nobodyChose: boolean) {
    super(
      'JOBGRAPH_DATA_DIR',
      `${dir} ${unusable(e).replace('cannot be used', 'cannot be written')}`,
    );
    this.nobodyChose = nobodyChose;
  }
}

/** One line saying why a database cannot be used: its error's code and message, no URL. */
function unusable(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const code = typeof err.code === 'string' ? `${err.code}: ` : '';
  const message = (err.message ?? String(e)).split('\n')[0] ?? '';
  // pg's messages may quote the connection's user; never its password, which is not in them.
  return `cannot be used (${code}${message.replace(/postgres(ql)?:\/\/\S+/g, 'postgres://…')})`;
}

/**
 * What a connection to a history file is set to once the file is in WAL mode: the gateway's, and
 * the bare write that bench:history-writer measures the writer against.
 */
export const SQLITE_CONNECTION_PRAGMAS = [
  'synchronous = NORMAL',
  // 16 MiB of pages kept (SQLite's default is 2 MiB: 62 pages of 32 KiB): the leaves of the
  // jobs' ID index a batch writes to are read from the cache instead of the file, which a fresh
  // job's write paid for at a few hundred thousand stored (figures: bench/HISTORY.md, Decisions).
  'cache_size = -16384',
  // A batch's multi-row statements run inside its transaction, so SQLite keeps a statement
  // journal (a copy of each page a statement first changes, to undo that statement alone): in
  // memory, not a temporary file, where each page was a write(2) of its own and a large share of
  // the writer's writes (figures: bench/HISTORY.md, Decisions); the peak RSS did not move.
  'temp_store = MEMORY',
] as const;

/** SQLite statements kept prepared, by their SQL (the least recently used out first). */
const MAX_PREPARED = 64;

/** Makes the history file's data directory (when one is configured) and checks it is writable. */
function writableDataDir(config: Extract<HistoryStoreConfig, { kind: 'sqlite' }>): void {
  if (config.dataDir === null) return;
  try {
    makeDataDir(config.dataDir, config.implicit);
    accessSync(config.dataDir, constants.W_OK);
  } catch (e) {
    throw new DataDirUnwritable(config.dataDir, e, config.implicit);
  }
}

async function openSqlite(
  config: Extract<HistoryStoreConfig, { kind: 'sqlite' }>,
  searchTimeoutMs: number,
): Promise<HistoryDatabase> {
  writableDataDir(config);
  // Loaded here, not at the top: only a process keeping history in SQLite pays for it, and a
  // Node version that still calls node:sqlite experimental warns only where it is used.
  const { DatabaseSync } = await import('node:sqlite');
  let raw: InstanceType<typeof DatabaseSync>;
  try {
    privateDatabaseFile(config.path);
    raw = new DatabaseSync(config.path, { timeout: 5000 });
    // The first statements read the file: a corrupt or locked one fails here, before anything
    // is written to it.
    raw.exec('PRAGMA busy_timeout = 5000');
    // Only a new (empty) file is shaped: on an existing one these are no-ops at best, and setting
    // auto_vacuum takes the write lock, so a process opening a file another one is writing (a
    // second replica, `jobgraph history`) waited on it and failed as "database is locked".
    if ((raw.prepare('PRAGMA page_count').get() as { page_count: number }).page_count === 0) {
      // A new file's pages are 32 KiB: a fresh job dirties a leaf of two indexes on random keys,
      // and SQLite's cost of writing it (WAL frame, checkpoint) went by the page more than by the
      // byte, so larger pages cost a fresh job less (figures, with a jobHistory page at a million
      // jobs measured on both: bench/HISTORY.md, Decisions).
      raw.exec('PRAGMA page_size = 32768');
      // A new file gives pages freed by pruning back to the file system (history/budget.ts); an
      // existing file keeps auto-vacuum off until `jobgraph history prune` switches it.
      raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    }
    const mode = raw.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string };
    if (mode.journal_mode !== 'wal') throw new Error('the file cannot be put in WAL mode');
    for (const pragma of SQLITE_CONNECTION_PRAGMAS) raw.exec(`PRAGMA ${pragma}`);
    // The -wal and -shm SQLite made (with the file's mode) or an older jobgraph left: 0600.
    privateDatabaseFile(config.path);
  } catch (e) {
    throw new ConfigError(VARIABLE, `sqlite:${config.path} ${unusable(e)}`);
  }
  // The statements run again (the writer's few shapes, the reader's queries) are prepared once:
  // Kysely's driver asks for a statement each time it runs one.
  const prepared = new LRUCache<string, ReturnType<typeof raw.prepare>>({ max: MAX_PREPARED });
  const adapter = {
    close: () => raw.close(),
    prepare(sql: string) {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = raw.prepare(sql);
        prepared.set(sql, statement);
      }
      type Param = null | number | bigint | string | NodeJS.ArrayBufferView;
      return {
        // Kysely asks whether a statement returns rows; node:sqlite answers by its columns.
        reader: statement.columns().length > 0,
        all: (params: readonly unknown[]) => statement.all(...(params as Param[])),
        run: (params: readonly unknown[]) => {
          const r = statement.run(...(params as Param[]));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params: readonly unknown[]) => statement.iterate(...(params as Param[])),
      };
    },
  };
  const db = new Kysely<HistoryTables>({
    dialect: new SqliteDialect({ database: adapter }),
  });
  const searches = new SqliteSearches(config.path, searchTimeoutMs);
  return {
    db,
    dialect: dialectOf('sqlite'),
    where: `sqlite:${config.path}`,
    sqliteExec: (sql) => raw.exec(sql),
    search: <R>(query: CompiledQuery<R>) => searches.run<R>(query.sql, query.parameters),
    searchTimeoutMs,
    close: async () => {
      await searches.close();
      await db.destroy();
    },
  };
}

function openPostgres(url: string, searchTimeoutMs: number): HistoryDatabase {
  const pool = new PgPool(url, { max: 4 });
  const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool: pool.pool }) });
  // Searches have connections of their own, each with the time limit as its statement_timeout:
  // the server cancels a search past it (SQLSTATE 57014), and one that waits for a connection is
  // answered at the limit by the main thread all the same.
  const searchPool = new PgPool(url, { max: 4, statement_timeout: searchTimeoutMs });
  return {
    db,
    dialect: dialectOf('postgres'),
    where: shownPostgresUrl(url),
    sqliteExec: null,
    search: async <R>(query: CompiledQuery<R>) => {
      const pool = await searchPool.pool();
      const run = pool.query(query.sql, query.parameters as unknown[]).then(
        (r) => r.rows as R[],
        (e: unknown) => {
          if ((e as { code?: string }).code === '57014')
            throw new HistorySearchTimedOut(searchTimeoutMs);
          throw e;
        },
      );
      return withDeadline(run, searchTimeoutMs);
    },
    searchTimeoutMs,
    close: async () => {
      await db.destroy();
      await searchPool.end();
    },
  };
}

/** pg is loaded lazily by a synchronous require-free path: its Pool is created on first use. */
class PgPool {
  readonly pool: () => Promise<Pool>;
  #made: Promise<Pool> | undefined;
  constructor(url: string, settings: { max: number; statement_timeout?: number }) {
    this.pool = () =>
      (this.#made ??= import('pg').then(({ default: pg }) => {
        const pool = new pg.Pool({
          connectionString: url,
          ...settings,
          connectionTimeoutMillis: 5000,
          idleTimeoutMillis: 30000,
        });
        // A client's error (the server went away, restarted or failed over) must not crash the
        // process: its query fails and is counted by the writer. The pool listens to an idle
        // client's errors; a checked-out client (a query or a transaction in flight) has no
        // listener but this one, and pg emits 'error' on it when its socket ends.
        pool.on('error', () => undefined);
        pool.on('connect', (client) => client.on('error', () => undefined));
        return pool;
      }));
  }

  /** Close the pool's connections, when it was made. */
  async end(): Promise<void> {
    if (this.#made) await (await this.#made).end();
  }
}
