/**
 * `jobgraph history backup <file>` (docs/history.md#backups): a consistent, compacted copy of a
 * SQLite store, written while jobgraph runs, never over an existing file, 0600 whatever the umask.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HistoryDatabase } from './database.ts';
import { createPrivate } from './fileModes.ts';

/** Back `db` up to the new file `file`; the line to print. */
export function backupHistory(db: HistoryDatabase, file: string): string {
  const target = resolve(file);
  if (db.sqliteExec === null)
    throw new Error(
      'history backup: the store is PostgreSQL; back it up with pg_dump (docs/history.md#backups)',
    );
  // Never over a file: a backup that replaced the wrong file would lose it. Made empty and 0600
  // first (VACUUM INTO writes into an empty file), so the copy is the user's alone, as the store is.
  try {
    createPrivate(target);
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST')
      throw new Error(`history backup: ${target} exists; name a new file`, { cause: e });
    throw e;
  }
  try {
    // VACUUM INTO writes a consistent copy while writers go on (WAL), compacted.
    db.sqliteExec(`VACUUM INTO '${target.replaceAll("'", "''")}'`);
  } catch (e) {
    rmSync(target, { force: true });
    throw e;
  }
  return `backed up ${db.where} to ${target}\n`;
}
