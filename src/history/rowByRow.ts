/**
 * A batch the database refused, written again one part at a time (a job's row with its
 * transitions; an audit row), so that one row the database will not take never costs the others
 * theirs. Told apart from a database that fails (gone, unreachable): that one is not asked again
 * part by part, and the store is degraded; a refused part is only that part's failure.
 */
import { sql } from 'kysely';
import type { HistoryDatabase } from './database.ts';

/**
 * Why a write failed, as a log line may say it: the driver's code (PostgreSQL's SQLSTATE, SQLite's
 * extended result code), never its message — PostgreSQL's detail quotes the refused row.
 */
function failureCode(e: unknown): string {
  const err = e as { code?: unknown; errcode?: unknown };
  const code = typeof err.code === 'string' ? err.code : 'write failed';
  return typeof err.errcode === 'number' ? `${code} ${err.errcode}` : code;
}

/**
 * SQLite's primary result codes that say the database, not a row, is failing: BUSY, LOCKED (another
 * process holds it: a VACUUM), IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
 */
const SQLITE_FAILING = new Set([5, 6, 10, 11, 13, 14, 26]);
/**
 * PostgreSQL's SQLSTATE classes that say the same: 08 connection, 53 insufficient resources (disk
 * full), 57 operator intervention (shutdown, a statement timeout), 58 system error; and 40
 * (serialization failure, deadlock), which a second try of the same rows may meet again.
 */
const POSTGRES_FAILING = /^(08|53|57|58|40)/;

/** Whether `e` is the database failing (tried again part by part, every part would wait or fail). */
function databaseFailing(e: unknown): boolean {
  const err = e as { code?: unknown; errcode?: unknown };
  if (typeof err.errcode === 'number') return SQLITE_FAILING.has(err.errcode & 0xff);
  return typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)
    ? POSTGRES_FAILING.test(err.code)
    : false;
}

/** Whether the database answers a trivial query now. */
async function answers(db: HistoryDatabase): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db.db);
    return true;
  } catch {
    return false;
  }
}

export interface PartsWritten<T> {
  /** The parts the database refused (each tried once on its own), with the first one's code. */
  readonly refused: readonly T[];
  readonly code: string | null;
  /** The database failed (not a part): the code of its failure; every part not written is in `refused`. */
  readonly down: string | null;
}

/**
 * After `batchError`, each of `parts` written on its own by `write` (its own transaction), in
 * order. A part that fails while the database still answers is refused alone; once the database
 * fails (an error that says so, or no answer: before the first part, or after a failed one), the
 * rest are not tried.
 */
export async function writePartByPart<T>(
  db: HistoryDatabase,
  parts: readonly T[],
  batchError: unknown,
  write: (part: T) => Promise<void>,
): Promise<PartsWritten<T>> {
  // A busy or locked SQLite file would make each part wait out busy_timeout on the event loop.
  if (databaseFailing(batchError) || !(await answers(db)))
    return { refused: parts, code: null, down: failureCode(batchError) };
  const refused: T[] = [];
  let code: string | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    try {
      await write(part);
    } catch (e) {
      if (databaseFailing(e) || !(await answers(db)))
        return { refused: [...refused, ...parts.slice(i)], code, down: failureCode(e) };
      refused.push(part);
      code ??= failureCode(e);
    }
  }
  return { refused, code, down: null };
}
