// A jobHistory first page over a big history store, and what a stored job and transition cost in
// bytes (issue #72; bench/HISTORY.md). SQLite (a temporary file) unless BENCH_HISTORY_SQLITE=off;
// PostgreSQL when BENCH_HISTORY_PG_URL names an empty database (a throwaway one: its tables are written).
//
//   npm run bench:history                  BENCH_HISTORY_JOBS (1,000,000) jobs, 2 transitions each
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { HistoryStoreConfig } from '../src/config/types.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../src/history/database.ts';
import { HistoryReader, type HistoryFilter } from '../src/history/reader.ts';
import { int } from './lib/settings.ts';
import { median } from './rig/stats.ts';

const JOBS = int('BENCH_HISTORY_JOBS', 1_000_000, 1000, 10_000_000);
const RUNS = int('BENCH_HISTORY_RUNS', 50, 5, 1000);
const STATES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'IN_PROGRESS', 'QUEUED'];
const PROVIDERS = ['AWS_BATCH', 'TENCENT_COS_BATCH', 'AWS_OMICS', 'AWS_CODEPIPELINE'];

/**
 * The rows as SQL makes them, `n` jobs spread over a year, five states, four providers, two
 * accounts; each record a compact JSON (about 300 bytes: a stripped list row's size, not a whole
 * Batch record's 2–4 KB) so a million fit this machine.
 */
function fill(dialect: 'sqlite' | 'postgres', n: number, from = 1) {
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
  const id = `'batch:us-east-1:job-' || i`;
  const jobs = `${series} INSERT INTO jobs (id, provider, account, region, state, provider_status, status_message, name, queue, created_at, finished_at, sort_at, terminal, last_confirmed_at, record)
    SELECT ${id}, ${pick(PROVIDERS)}, CASE i % 2 WHEN 0 THEN 'default' ELSE 'staging' END,
    'us-east-1', ${pick(STATES)}, ${pick(STATES)}, 'exit code ' || (i % 7), 'nightly-etl-' || (i % 1000),
    'queue-' || (i % 20), ${at('0')}, ${at('600000')}, ${at('600000')}, 1, ${at('600000')},
    '{"id":"batch:us-east-1:job-' || i || '","provider":"AWS_BATCH","state":"SUCCEEDED","jobName":"nightly-etl","jobQueue":"arn:aws:batch:us-east-1:123456789012:job-queue/queue","statusReason":"Essential container in task exited","createdAt":"2026-01-01T00:00:00.000Z","stoppedAt":"2026-01-01T00:10:00.000Z","container":{"environment":[{"name":"DB_PASSWORD","value":null}]}}'
    FROM s`;
  // A fresh store numbers its jobs 1…n in the order they are written: job i's seq is i.
  const transitions = `${series} INSERT INTO transitions (job_seq, job_id, at, from_state, to_state, provider_status, source, event_id)
    SELECT i, ${id}, ${at('0')}, NULL, 'QUEUED', 'SUBMITTED', 'READ', NULL FROM s
    UNION ALL SELECT i, ${id}, ${at('600000')}, 'QUEUED', ${pick(STATES)}, 'SUCCEEDED', 'EVENT', 'evt-' || i FROM s`;
  return { jobs, transitions };
}

async function size(db: HistoryDatabase, store: HistoryStoreConfig): Promise<number> {
  if (store.kind === 'sqlite') {
    db.sqliteExec!('PRAGMA wal_checkpoint(TRUNCATE)');
    return statSync(store.path).size;
  }
  const r = await sql<{
    b: string;
  }>`SELECT pg_database_size(current_database())::text AS b`.execute(db.db);
  return Number(r.rows[0]!.b);
}

async function measure(name: string, store: HistoryStoreConfig) {
  const db = (await openHistoryDatabase(store))!;
  const { transitions } = fill(db.dialect, JOBS);
  const empty = await size(db, store);
  let t = performance.now();
  // A million jobs a statement: SQLite holds an INSERT … SELECT's rows in memory before it writes
  // them into a table with triggers (the text index's), 7 GB at 10,000,000 in one.
  for (let from = 1; from <= JOBS; from += 1_000_000)
    await sql.raw(fill(db.dialect, Math.min(JOBS, from + 999_999), from).jobs).execute(db.db);
  if (db.dialect === 'postgres') await sql`ANALYZE jobs`.execute(db.db);
  const afterJobs = await size(db, store);
  console.error(
    `${name}: ${JOBS} jobs written in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  t = performance.now();
  await sql.raw(transitions).execute(db.db);
  if (db.dialect === 'postgres') await sql`ANALYZE transitions`.execute(db.db);
  const afterTransitions = await size(db, store);
  console.error(
    `${name}: ${2 * JOBS} transitions in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  const reader = new HistoryReader(db);
  const grant = [{ provider: 'AWS_BATCH' as const, account: 'default' }];
  const pages: [string, HistoryFilter, typeof grant | '*'][] = [
    [
      'FAILED Batch jobs of one account, every-account grant',
      { providers: ['AWS_BATCH'], states: ['FAILED'], accounts: ['default'] },
      '*',
    ],
    [
      'finished in one week, one-account grant',
      { finishedAfter: '2025-06-01T00:00:00.000Z', finishedBefore: '2025-06-08T00:00:00.000Z' },
      grant,
    ],
    ['text "etl-42" (1.1 % of jobs), every-account grant', { text: 'etl-42' }, '*'],
    ['text "etl-999" (0.1 %)', { text: 'etl-999' }, '*'],
    ['text "etl-9999" (none)', { text: 'etl-9999' }, '*'],
  ];
  const rows = [];
  for (const [label, filter, g] of pages) {
    const ms: number[] = [];
    let count = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      count = (await reader.search(filter, 25, null, g)).edges.length;
      ms.push(performance.now() - start);
    }
    rows.push({ label, p50: median(ms), count });
  }
  await db.close();
  return {
    name,
    bytesPerJob: (afterJobs - empty) / JOBS,
    bytesPerTransition: (afterTransitions - afterJobs) / (2 * JOBS),
    rows,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'jobgraph-bench-history-'));
const results = [];
try {
  const pg = process.env.BENCH_HISTORY_PG_URL;
  // BENCH_HISTORY_SQLITE=off: PostgreSQL alone (a run of each side by side takes half the time).
  if (process.env.BENCH_HISTORY_SQLITE !== 'off')
    results.push(
      await measure('SQLite', {
        kind: 'sqlite',
        path: join(dir, 'h.sqlite'),
        dataDir: dir,
        implicit: false,
      }),
    );
  if (pg) results.push(await measure('PostgreSQL', { kind: 'postgres', url: pg }));
  else console.error('PostgreSQL: not measured (set BENCH_HISTORY_PG_URL to an empty database)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const r of results) {
  console.log(
    `${r.name}: ${r.bytesPerJob.toFixed(0)} bytes a job, ${r.bytesPerTransition.toFixed(0)} a transition (indexes included)`,
  );
  for (const row of r.rows)
    console.log(
      `  ${row.label}: first page (${row.count} jobs) p50 ${row.p50.toFixed(2)} ms over ${RUNS} runs`,
    );
}
