// A history store filled in SQL, fast (INSERT … SELECT over a generated series): bench:history's
// store, and the jobs bench:history-writer's rounds write beside (BENCH_WRITER_FILL). Each job's ID
// is random like a provider's (a UUID's 32 hex digits), its time within the year before
// 2026-01-01, so a fresh job written after lands where a real one does: its ID anywhere in the ID
// index, its time at the newest end.
import { sql } from 'kysely';
import type { HistoryDatabase } from '../src/history/database.ts';
import { indexNewJobs, newestSeq } from '../src/history/textIndexUpkeep.ts';

const STATES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'IN_PROGRESS', 'QUEUED'];
const PROVIDERS = ['AWS_BATCH', 'TENCENT_COS_BATCH', 'AWS_OMICS', 'AWS_CODEPIPELINE'];

/**
 * The statements that store `n` jobs, spread over a year, five states, four providers, two
 * accounts, each record a compact JSON (about 300 bytes: a stripped list row's size, not a whole
 * Batch record's 2–4 KB), then two transitions a job; the jobs numbered `from`…`n`.
 */
export function fillStatements(dialect: 'sqlite' | 'postgres', n: number, from = 1) {
  const series =
    dialect === 'sqlite'
      ? `WITH RECURSIVE s(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`
      : `WITH s(i) AS (SELECT generate_series(${from}, ${n}))`;
  const pick = (list: string[]) =>
    `CASE i % ${list.length} ${list.map((v, k) => `WHEN ${k} THEN '${v}'`).join(' ')} END`;
  const at = (offsetMs: string) =>
    dialect === 'sqlite'
      ? `strftime('%Y-%m-%dT%H:%M:%fZ', 1767225600 - ((i * 31) % 31536000) + ${offsetMs} / 1000.0, 'unixepoch')`
      : `to_char(to_timestamp(1767225600 - ((i * 31) % 31536000) + ${offsetMs} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const random = dialect === 'sqlite' ? 'lower(hex(randomblob(16)))' : 'md5(random()::text || i)';
  const jobs = `${series} INSERT INTO jobs (id, provider, account, region, state, provider_status, status_message, name, queue, created_at, finished_at, sort_at, terminal, last_confirmed_at, record)
    SELECT id, ${pick(PROVIDERS)}, CASE i % 2 WHEN 0 THEN 'default' ELSE 'staging' END,
    'us-east-1', ${pick(STATES)}, ${pick(STATES)}, 'exit code ' || (i % 7), 'nightly-etl-' || (i % 1000),
    'queue-' || (i % 20), ${at('0')}, ${at('600000')}, ${at('600000')}, 1, ${at('600000')},
    '{"id":"' || id || '","provider":"AWS_BATCH","state":"SUCCEEDED","jobName":"nightly-etl","jobQueue":"arn:aws:batch:us-east-1:123456789012:job-queue/queue","statusReason":"Essential container in task exited","createdAt":"2026-01-01T00:00:00.000Z","stoppedAt":"2026-01-01T00:10:00.000Z","container":{"environment":[{"name":"DB_PASSWORD","value":null}]}}'
    FROM (SELECT i, 'batch:us-east-1:' || ${random} AS id FROM s) AS ids`;
  const i = dialect === 'sqlite' ? 'seq AS i' : 'seq::bigint AS i';
  // SQLite would read (seq, id) from the ID index, in ID order: the table itself is in seq order.
  const inSeqOrder = dialect === 'sqlite' ? 'jobs NOT INDEXED' : 'jobs';
  // Each job's two transitions one after the other, in the jobs' order: the indexes on
  // (job_seq, …) are written at their end, not walked through a second time.
  const first = (a: string, b: string) => `CASE n WHEN 1 THEN ${a} ELSE ${b} END`;
  const transitions = `WITH s AS (SELECT ${i}, id FROM ${inSeqOrder}), o(n) AS (VALUES (1), (2))
    INSERT INTO transitions (job_seq, job_id, at, from_state, to_state, provider_status, source, event_id, ordinal)
    SELECT i, id, ${first(at('0'), at('600000'))}, ${first('NULL', "'QUEUED'")}, ${first("'QUEUED'", pick(STATES))},
    ${first("'SUBMITTED'", "'SUCCEEDED'")}, ${first("'READ'", "'EVENT'")}, ${first('NULL', "'evt-' || i")}, n
    FROM s CROSS JOIN o`;
  return { jobs, transitions };
}

/**
 * Fill `db` (an empty store) with `n` jobs and their transitions (`between` runs between the two);
 * seconds each took.
 */
export async function fill(db: HistoryDatabase, n: number, between?: () => Promise<unknown>) {
  const { transitions } = fillStatements(db.dialect.name, n);
  let t = performance.now();
  // A million jobs a statement (and their text indexed in one): 10,000,000 in one held 7 GB.
  for (let from = 1; from <= n; from += 1_000_000) {
    const after = await newestSeq(db.db);
    await sql
      .raw(fillStatements(db.dialect.name, Math.min(n, from + 999_999), from).jobs)
      .execute(db.db);
    if (db.dialect.name === 'sqlite') await indexNewJobs(db.db, after); // as the writer does
  }
  if (db.dialect.name === 'postgres') await sql`ANALYZE jobs`.execute(db.db);
  const jobSeconds = (performance.now() - t) / 1000;
  await between?.();
  t = performance.now();
  await sql.raw(transitions).execute(db.db);
  if (db.dialect.name === 'postgres') await sql`ANALYZE transitions`.execute(db.db);
  return { jobSeconds, transitionSeconds: (performance.now() - t) / 1000 };
}
