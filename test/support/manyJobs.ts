import { sql } from 'kysely';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { indexNewJobs } from '../../src/history/textIndexUpkeep.ts';

/** What `storeManyJobs` wrote: how many jobs, and how the rows a hostile search aims at look. */
export interface ManyJobs {
  count: number;
  /** Every `longEvery`-th job's status message is `longRun` `a`s, a space and `aab`. */
  longEvery: number;
  longRun: number;
}

/**
 * `count` AWS Batch jobs of the default account written straight into `store` (a fresh one:
 * migrated here) in one INSERT … SELECT over a generated series, in seconds, bypassing the writer
 * (and whatever it may bound): names `nightly-etl-<i>`, queues `queue-<i mod 10>`, status
 * messages `Essential container in task exited <i>`, every one SUCCEEDED, one a second from
 * 2023-11-14. Every `longEvery`-th job's status message holds a run of `longRun` `a`s followed by
 * ` aab`: it holds every trigram of `a…ab` but not the text, the rows a hostile search makes
 * the store compare at length.
 */
export async function storeManyJobs(
  store: HistoryStoreConfig,
  count = 200_000,
  longEvery = 100,
  longRun = 2000,
): Promise<ManyJobs> {
  const db = (await openHistoryDatabase(store))!;
  try {
    const columns =
      'id, provider, account, region, state, provider_status, status_message, name, queue, created_at, finished_at, sort_at, terminal, last_confirmed_at, record';
    const message = (i: string, run: string) =>
      `CASE WHEN ${i} % ${longEvery} = 0 THEN ${run} || ' aab' ELSE 'Essential container in task exited ' || ${i} END`;
    if (db.dialect.name === 'sqlite')
      await sql
        .raw(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
          INSERT INTO jobs (${columns})
          SELECT 'batch:us-east-1:many-' || i, 'AWS_BATCH', 'default', 'us-east-1', 'SUCCEEDED', 'SUCCEEDED',
            ${message('i', `replace(hex(zeroblob(${longRun})), '00', 'a')`)},
            'nightly-etl-' || i, 'queue-' || (i % 10), t, t, t, 1, t,
            json_object('id', 'batch:us-east-1:many-' || i, 'provider', 'AWS_BATCH', 'nativeId', 'many-' || i,
              'region', 'us-east-1', 'state', 'SUCCEEDED', 'providerStatus', 'SUCCEEDED', 'terminal', json('true'),
              'createdAt', t, 'completedAt', t)
          FROM (SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', 1700000000 + i, 'unixepoch') AS t FROM n)`,
        )
        .execute(db.db);
    else
      await sql
        .raw(
          `INSERT INTO jobs (${columns})
          SELECT 'batch:us-east-1:many-' || i, 'AWS_BATCH', 'default', 'us-east-1', 'SUCCEEDED', 'SUCCEEDED',
            ${message('i', `repeat('a', ${longRun})`)},
            'nightly-etl-' || i, 'queue-' || (i % 10), t, t, t, 1, t,
            json_build_object('id', 'batch:us-east-1:many-' || i, 'provider', 'AWS_BATCH', 'nativeId', 'many-' || i,
              'region', 'us-east-1', 'state', 'SUCCEEDED', 'providerStatus', 'SUCCEEDED', 'terminal', true,
              'createdAt', t, 'completedAt', t)::text
          FROM (SELECT i, to_char(to_timestamp(1700000000 + i) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t
            FROM generate_series(1, ${count}) AS i) AS s`,
        )
        .execute(db.db);
    // SQLite's text index is the writer's to feed (textIndexUpkeep.ts): fed here as it would.
    if (db.dialect.name === 'sqlite') await indexNewJobs(db.db, 0);
    if (db.dialect.name === 'postgres') await sql`ANALYZE jobs`.execute(db.db);
  } finally {
    await db.close();
  }
  return { count, longEvery, longRun };
}
