/**
 * `jobgraph history backup <file>` and `jobgraph history prune`: the history store's operations,
 * loading the configuration and the store only (docs/history.md).
 */
import { loadConfig } from '../config/index.ts';
import { openHistoryDatabase } from '../history/database.ts';
import { backupHistory } from '../history/backup.ts';
import { compactHistory } from '../history/budget.ts';
import { HistoryReader } from '../history/reader.ts';

export async function historyCommand(
  action: string | undefined,
  file: string | undefined,
): Promise<string> {
  const config = loadConfig({ mode: 'live' });
  if (action !== 'backup' && action !== 'prune')
    throw new Error('history: expected "backup <file>" or "prune"');
  if (action === 'backup' && !file) throw new Error('history backup: expected the file to write');
  const db = await openHistoryDatabase(config.history.store);
  if (db === null) throw new Error('history: JOBGRAPH_HISTORY_URL is off: there is no history');
  try {
    if (action === 'prune') {
      const n = await new HistoryReader(db).prune(config.history.retainDays);
      const line = `pruned ${n} job(s) older than ${config.history.retainDays} days from ${db.where}`;
      // SQLite: the file shrinks by the pages freed (an older file switched to incremental
      // auto-vacuum by one VACUUM first); PostgreSQL's autovacuum reuses them.
      const compacted = await compactHistory(db);
      return compacted
        ? `${line}; the file went from ${compacted.before} to ${compacted.after} bytes\n`
        : `${line}\n`;
    }
    return backupHistory(db, file as string);
  } finally {
    await db.close();
  }
}
