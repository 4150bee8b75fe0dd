// A jobHistory first page over a big history store, and what a stored job and transition cost in
// bytes (issue #72; bench/HISTORY.md). SQLite (a temporary file) unless BENCH_HISTORY_SQLITE=off;
// PostgreSQL when BENCH_HISTORY_PG_URL names an empty database (a throwaway one: its tables are written).
//
//   npm run bench:history                  BENCH_HISTORY_JOBS (1,000,000) jobs, 2 transitions each
//   BENCH_HISTORY_KEEP=<folder>            the SQLite file kept there; a store holding jobs is not refilled
//   BENCH_HISTORY_WINDOW (15)              PostgreSQL's text window spare in tenths (HistoryReader windowSpare; 0: none)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { HistoryStoreConfig } from '../src/config/types.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../src/history/database.ts';
import { HistoryReader, type HistoryFilter } from '../src/history/reader.ts';
import { fill } from './historyFill.ts';
import { int, text } from './lib/settings.ts';
import { median } from './rig/stats.ts';

const JOBS = int('BENCH_HISTORY_JOBS', 1_000_000, 1000, 10_000_000);
const RUNS = int('BENCH_HISTORY_RUNS', 50, 5, 1000);
const KEEP = text('BENCH_HISTORY_KEEP');
const WINDOW = int('BENCH_HISTORY_WINDOW', 15, 0, 100) / 10;
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
  const empty = await size(db, store);
  let afterJobs = 0;
  const kept = (await db.db.selectFrom('jobs').select('seq').limit(1).execute()).length > 0;
  const took = kept
    ? { jobSeconds: NaN, transitionSeconds: NaN }
    : await fill(db, JOBS, async () => (afterJobs = await size(db, store)));
  const afterTransitions = await size(db, store);
  if (!kept)
    console.error(
      `${name}: ${JOBS} jobs written in ${took.jobSeconds.toFixed(0)} s, ${2 * JOBS} transitions in ${took.transitionSeconds.toFixed(0)} s`,
    );
  const reader = new HistoryReader(db, undefined, { windowSpare: WINDOW });
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
    kept,
    bytesPerJob: (afterJobs - empty) / JOBS,
    bytesPerTransition: (afterTransitions - afterJobs) / (2 * JOBS),
    rows,
  };
}

const dir = KEEP ?? mkdtempSync(join(tmpdir(), 'jobgraph-bench-history-'));
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
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}
for (const r of results) {
  if (!r.kept)
    console.log(
      `${r.name}: ${r.bytesPerJob.toFixed(0)} bytes a job, ${r.bytesPerTransition.toFixed(0)} a transition (indexes included)`,
    );
  for (const row of r.rows)
    console.log(
      `  ${row.label}: first page (${row.count} jobs) p50 ${row.p50.toFixed(2)} ms over ${RUNS} runs`,
    );
}
