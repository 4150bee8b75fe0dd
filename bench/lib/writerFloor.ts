// The bare write of fresh jobs to SQLite: the floor bench:history-writer measures the writer
// against (bench/HISTORY.md, "A fresh job's floor"). The same changes as the writer's round, on a
// file of the same schema and settings (opened and migrated by the gateway's own code, then
// written through node:sqlite with the connection settings the gateway gives it), but with none of
// the writer's own work: no queue, no secret stripping, no Kysely per batch, no read of the stored
// state, no multi-row statements. What is left is what any store of every fresh job's record on
// this thread pays: the record's JSON and the row's columns (the writer's own `jobRowOf`), and
// SQLite's upsert of the row and insert of its first transition, 2,000 a transaction
// (the writer's largest batch) in ID order, as the writer upserts them.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase, SQLITE_CONNECTION_PRAGMAS } from '../../src/history/database.ts';
import { upsertJobs } from '../../src/history/batchStatements.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { jobRowOf, MAX_BATCH, transitionOf, type HistoryChange } from '../../src/history/writer.ts';

export interface FloorRound {
  /** CPU µs a change making the change and its row: the record's JSON and the searchable columns. */
  rowMicrosPerChange: number;
  /** CPU µs a change of SQLite's statements and commits. */
  sqliteMicrosPerChange: number;
}

/**
 * Write `prefill` then `changes` fresh changes (made by `change(k)`) to the new SQLite file
 * `store` names; the CPU of the last `changes`, split into rows and SQLite.
 */
export async function bareWrite(
  store: Extract<HistoryStoreConfig, { kind: 'sqlite' }>,
  change: (k: number) => HistoryChange,
  prefill: number,
  changes: number,
): Promise<FloorRound> {
  const history = (await openHistoryDatabase(store))!;
  // The statements' SQL is the writer's definitions compiled for one row, never written twice.
  const sample = change(-1);
  const jobSql = upsertJobs(history.db, [
    jobRowOf(sample.record.id, sample, sample.record, factsOf(sample.record)),
  ]).compile().sql;
  const transitionSql = history.db
    .insertInto('transitions')
    .values({ job_seq: 0, ...transitionOf(sample.record.id, sample) })
    .compile().sql;
  await history.close();

  const raw = new DatabaseSync(store.path);
  for (const pragma of SQLITE_CONNECTION_PRAGMAS) raw.exec(`PRAGMA ${pragma}`);
  const upsert = raw.prepare(jobSql);
  const insert = raw.prepare(transitionSql);
  let k = 0;
  const rowMicros = { total: 0 };
  const sqliteMicros = { total: 0 };
  const timed = <T>(into: { total: number }, work: () => T): T => {
    const t0 = process.cpuUsage();
    const out = work();
    const used = process.cpuUsage(t0);
    into.total += used.user + used.system;
    return out;
  };
  const write = (n: number) => {
    for (let left = n; left > 0; left -= MAX_BATCH) {
      const rows = timed(rowMicros, () =>
        Array.from({ length: Math.min(left, MAX_BATCH) }, () => {
          const c = change(k++);
          return [
            jobRowOf(c.record.id, c, c.record, factsOf(c.record)),
            transitionOf(c.record.id, c),
          ] as const;
        }),
      );
      timed(sqliteMicros, () => {
        raw.exec('BEGIN');
        for (const [job, transition] of rows.sort(([a], [b]) => (a.id < b.id ? -1 : 1))) {
          const { lastInsertRowid } = upsert.run(...(Object.values(job) as SQLInputValue[]));
          insert.run(lastInsertRowid, ...(Object.values(transition) as SQLInputValue[]));
        }
        raw.exec('COMMIT');
      });
    }
  };
  write(prefill);
  rowMicros.total = 0;
  sqliteMicros.total = 0;
  write(changes);
  raw.close();
  return {
    rowMicrosPerChange: +(rowMicros.total / changes).toFixed(1),
    sqliteMicrosPerChange: +(sqliteMicros.total / changes).toFixed(1),
  };
}
