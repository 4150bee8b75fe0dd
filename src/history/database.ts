/**
 * The history store's database: one Kysely query layer over SQLite (Node's built-in `node:sqlite`,
 * through a thin adapter) or PostgreSQL (`pg`'s Pool), so each query is written once for both
 * dialects. Migrations (./migrations.ts) are applied at open; a database this jobgraph cannot use
 * is one line naming JOBGRAPH_HISTORY_URL, never a file overwritten.
 */
import { accessSync, constants } from 'node:fs';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Pool } from 'pg';
import { ConfigError } from '../config/env.ts';
import type { HistoryStoreConfig } from '../config/types.ts';
import { makeDataDir, privateDatabaseFile } from './fileModes.ts';
import { migrate } from './migrations.ts';
import type { HistoryTables } from './tables.ts';

export type { HistoryTables, JobRow, TransitionRow } from './tables.ts';

export interface HistoryDatabase {
  readonly db: Kysely<HistoryTables>;
  readonly dialect: 'sqlite' | 'postgres';
  /** Where history is kept, as the start-up summary says it (a PostgreSQL URL without its password). */
  readonly where: string;
  /** The raw SQLite handle, for `VACUUM INTO` backups; null on PostgreSQL. */
  readonly sqliteExec: ((sql: string) => void) | null;
  close(): Promise<void>;
}

const VARIABLE = 'JOBGRAPH_HISTORY_URL';

/** A PostgreSQL URL as it may be shown: user, host, port and database, never the password. */
export function shownPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://…';
  }
}

/** Open (and migrate) the store `config` names; null when history is off. */
export async function openHistoryDatabase(
  config: HistoryStoreConfig,
): Promise<HistoryDatabase | null> {
  if (config.kind === 'off') return null;
  const opened = config.kind === 'sqlite' ? await openSqlite(config) : openPostgres(config.url);
  try {
    await migrate(opened.db, opened.dialect);
  } catch (e) {
    await opened.close().catch(() => undefined);
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(VARIABLE, `${opened.where} ${unusable(e)}`);
  }
  return opened;
}

/** The data folder cannot be made or written (a read-only file system, another owner). */
export class DataDirUnwritable extends ConfigError {
  constructor(dir: string, e: unknown) {
    super(
      'JOBGRAPH_DATA_DIR',
      `${dir} ${unusable(e).replace('cannot be used', 'cannot be written')}`,
    );
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
  // jobs' ID index a batch writes to are read from the cache instead of the file. With the
  // writer's batches of up to 2,000 changes, a fresh job at 200,000 stored went from ≈ 35 µs to
  // ≈ 20 (bench/HISTORY.md).
  'cache_size = -16384',
  // A batch's multi-row statements run inside its transaction, so SQLite keeps a statement
  // journal (a copy of each page a statement first changes, to undo that statement alone): in
  // memory, not a temporary file. In a file it was a 32 KiB write(2) a page, 26,000 of the
  // writer's 58,000 writes for 70,000 fresh jobs (bench/HISTORY.md); the peak RSS did not move.
  'temp_store = MEMORY',
] as const;

/** SQLite statements kept prepared, by their SQL (the oldest out first). */
const MAX_PREPARED = 64;

async function openSqlite(
  config: Extract<HistoryStoreConfig, { kind: 'sqlite' }>,
): Promise<HistoryDatabase> {
  if (config.dataDir !== null) {
    try {
      makeDataDir(config.dataDir, config.implicit);
      accessSync(config.dataDir, constants.W_OK);
    } catch (e) {
      throw new DataDirUnwritable(config.dataDir, e);
    }
  }
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
    // A new file's pages are 32 KiB (an existing file keeps its own): a fresh job dirties a leaf
    // of two indexes on random keys, and SQLite's cost of writing it (WAL frame, checkpoint) went
    // by the page more than by the byte — 4 KiB pages cost ≈ 45 µs a job, 32 KiB ≈ 29
    // (bench/HISTORY.md, with a jobHistory page at a million jobs measured on both).
    raw.exec('PRAGMA page_size = 32768');
    // A new file gives pages freed by pruning back to the file system (history/budget.ts); an
    // existing file keeps auto-vacuum off until `jobgraph history prune` switches it.
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
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
  const prepared = new Map<string, ReturnType<typeof raw.prepare>>();
  const adapter = {
    close: () => raw.close(),
    prepare(sql: string) {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = raw.prepare(sql);
        if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value!);
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
  return {
    db,
    dialect: 'sqlite',
    where: `sqlite:${config.path}`,
    sqliteExec: (sql) => raw.exec(sql),
    close: () => db.destroy(),
  };
}

function openPostgres(url: string): HistoryDatabase {
  const pool = new PgPool(url);
  const db = new Kysely<HistoryTables>({ dialect: new PostgresDialect({ pool: pool.pool }) });
  return {
    db,
    dialect: 'postgres',
    where: shownPostgresUrl(url),
    sqliteExec: null,
    close: () => db.destroy(),
  };
}

/** pg is loaded lazily by a synchronous require-free path: its Pool is created on first use. */
class PgPool {
  readonly pool: () => Promise<Pool>;
  constructor(url: string) {
    let made: Promise<Pool> | undefined;
    this.pool = () =>
      (made ??= import('pg').then(({ default: pg }) => {
        const pool = new pg.Pool({
          connectionString: url,
          max: 4,
          connectionTimeoutMillis: 5000,
          idleTimeoutMillis: 30000,
        });
        // An idle client's error (the server went away) must not crash the process: the next
        // query fails and is counted by the writer.
        pool.on('error', () => undefined);
        return pool;
      }));
  }
}
