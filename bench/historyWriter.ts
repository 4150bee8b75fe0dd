// The history writer alone (issue #72): changes a second and CPU a change of the real
// `HistoryWriter` with its queue kept full, over copies of real records, beside the bare write of
// the same changes (bench/lib/writerFloor.ts). This process's CPU a change includes making the
// change, as a gateway's does. Settings: bench/README.md; figures: bench/HISTORY.md.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { HistoryStoreConfig } from '../src/config/types.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../src/history/database.ts';
import { HistoryWriter } from '../src/history/writer.ts';
import { isTerminalState, type JobRecord, type JobState } from '../src/model/job.ts';
import { probeFixtures } from './lib/context.ts';
import { int, text } from './lib/settings.ts';
import { bareWrite, type FloorRound } from './lib/writerFloor.ts';
import { freshChange, realRecords } from './lib/writerRecords.ts';
import { fill } from './historyFill.ts';
import { cpuTimeMicros } from './rig/proc.ts';
import { loadAverage } from './rig/report.ts';
import { logger, runBench, startStack } from './rig/stack.ts';
import { median } from './rig/stats.ts';
import { factsOf } from '../src/datasources/registry.ts';

const CHANGES = int('BENCH_WRITER_CHANGES', 40_000, 1000, 10_000_000);
const PREFILL = int('BENCH_WRITER_PREFILL', 5000, 0, 10_000_000);
/**
 * Jobs stored in SQL before a round (historyFill.ts), for a store of millions; a comma list runs
 * each size in every round, each ÷ the first (the bare write is then not run).
 */
const FILLS = (text('BENCH_WRITER_FILL') ?? '0').split(',').map((n) => Math.min(+n || 0, 1e7));
/**
 * 1: each filled store kept and reused, the rows a round wrote past its fill deleted (SQLite: a
 * file in the temp folder; PostgreSQL: a database `<BENCH_HISTORY_PG_URL's>_fill<n>`).
 */
const KEEP = int('BENCH_WRITER_KEEP', 0, 0, 1) === 1;
/** 1: changes offered faster than written (offerAll), and what the store kept of them counted. */
const OVERLOAD = int('BENCH_WRITER_OVERLOAD', 0, 0, 1) === 1;
const ROUNDS = int('BENCH_WRITER_ROUNDS', 3, 1, 31);
const PG_URL = text('BENCH_HISTORY_PG_URL');
/** The writer's own bound on its queue (src/history/writer.ts): the rounds keep it this full. */
const MAX_QUEUE = 10_000;
const log = logger('history-writer');

/**
 * CPU time (µs) of the local PostgreSQL server at `port` (its postmaster started with `-p <port>`,
 * and that one's children): another server on this shared machine is not counted. Every process
 * named `postgres` when no postmaster names the port.
 */
function postgresMicros(port: string): number {
  const read = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  const all = readdirSync('/proc').filter(
    (p) => /^\d+$/.test(p) && read(p, 'comm') === 'postgres\n',
  );
  const args = (pid: string) => read(pid, 'cmdline').split('\0');
  const own = new Set(all.filter((pid) => args(pid)[args(pid).indexOf('-p') + 1] === port));
  const parent = (pid: string) => /^PPid:\s+(\d+)$/m.exec(read(pid, 'status'))?.[1] ?? '';
  const counted = all.filter((pid) => own.size === 0 || own.has(pid) || own.has(parent(pid)));
  return counted.reduce(
    (sum, pid) => sum + (read(pid, 'stat') ? cpuTimeMicros(Number(pid)) : 0),
    0,
  );
}

/** `store` (or, KEEP, the kept one it names) holding `n` jobs filled in SQL, opened. */
async function filled(store: HistoryStoreConfig, n: number) {
  const kept = KEEP && n > 0;
  if (kept && store.kind === 'sqlite')
    store = { ...store, path: join(tmpdir(), `jobgraph-bench-writer-fill-${n}.sqlite`) };
  if (kept && store.kind === 'postgres') {
    const url = `${store.url}_fill${n}`;
    const admin = (await openHistoryDatabase(store))!;
    const name = new URL(url).pathname.slice(1);
    await sql
      .raw(`CREATE DATABASE ${name}`)
      .execute(admin.db)
      .catch(() => 0); // kept before
    await admin.close();
    store = { kind: 'postgres', url };
  }
  const db = (await openHistoryDatabase(store))!;
  if (kept) {
    // A kept store's jobs written after its fill (the last round's) go first.
    await sql`DELETE FROM transitions WHERE job_seq > ${n}`.execute(db.db);
    await sql`DELETE FROM jobs WHERE seq > ${n}`.execute(db.db);
  }
  const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM jobs`.execute(db.db);
  const stored = Number(rows.rows[0]!.n);
  if (stored === n) return db;
  // PostgreSQL's rounds share one database: each round fills it anew.
  if (db.dialect.name === 'postgres')
    await sql`TRUNCATE jobs, transitions RESTART IDENTITY`.execute(db.db);
  else if (stored > 0) throw new Error(`${store.kind === 'sqlite' && store.path}: not ${n} jobs`);
  const took = await fill(db, n);
  log(
    `${n} jobs filled in ${took.jobSeconds.toFixed(0)} s, transitions ${took.transitionSeconds.toFixed(0)} s`,
  );
  return db;
}

async function round(
  store: HistoryStoreConfig,
  records: readonly JobRecord[],
  serial: string,
  n: number,
) {
  const db = await filled(store, n);
  const writer = new HistoryWriter(db, { factsOf, withoutSecrets: (r) => r, maxQueue: MAX_QUEUE });
  let k = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++, k++) {
      const base = records[k % records.length]!;
      // A provider's ID is random (a UUID): where a new one lands in an index of IDs is too.
      writer.record(freshChange(base, `${base.id}-${randomUUID()}`));
    }
  };
  // The prefill: a store that already holds jobs, its pages and statements warm.
  for (let left = PREFILL; left > 0; left -= MAX_QUEUE) {
    push(Math.min(left, MAX_QUEUE));
    await writer.flush();
  }
  const port = store.kind === 'postgres' ? new URL(store.url).port || '5432' : '';
  const pg0 = postgresMicros(port);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const overload = OVERLOAD ? await offerAll(writer, records, serial) : undefined;
  for (let left = OVERLOAD ? 0 : CHANGES; left > 0;) {
    const n = Math.min(left, MAX_QUEUE - writer.queued);
    push(n);
    left -= n;
    await new Promise((r) => setTimeout(r, 5));
  }
  const offered = performance.now();
  await writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgMicros = postgresMicros(port) - pg0;
  await writer.close();
  if (overload)
    Object.assign(overload, await kept(db, serial), {
      catchUpS: (performance.now() - offered) / 1000,
    });
  await db.close();
  return {
    ...overload,
    changesPerSecond: Math.round(CHANGES / seconds),
    processMicrosPerChange: +((cpu.user + cpu.system) / CHANGES).toFixed(1),
    postgresMicrosPerChange: store.kind === 'postgres' ? +(pgMicros / CHANGES).toFixed(1) : null,
  };
}

/**
 * OVERLOAD: CHANGES / 2 jobs offered as fast as made, each running then finished (1,000 jobs
 * later), 2,000 changes a 5 ms turn whatever waits; the peak of the jobs waiting and of the lag.
 */
async function offerAll(writer: HistoryWriter, records: readonly JobRecord[], serial: string) {
  const jobs = CHANGES / 2;
  const peak = { waitingJobs: 0, lagS: 0, jobs, finished: 0 };
  const change = (j: number) =>
    freshChange(records[j % records.length]!, `${records[j % records.length]!.id}-${serial}-o${j}`);
  for (let j = 0; j < jobs + 1000; j++) {
    const c = j < jobs ? change(j) : null;
    if (c)
      writer.record({ ...c, to: 'IN_PROGRESS', record: { ...c.record, state: 'IN_PROGRESS' } });
    const finish = j >= 1000 ? change(j - 1000) : null;
    if (finish) writer.record({ ...finish, from: 'IN_PROGRESS' });
    if (finish && isTerminalState(finish.to as JobState)) peak.finished++;
    if (j % 1000 > 0) continue;
    peak.waitingJobs = Math.max(peak.waitingJobs, writer.waitingJobs);
    peak.lagS = Math.max(peak.lagS, writer.lagSeconds);
    await new Promise((r) => setTimeout(r, 5));
  }
  return peak;
}

/** What the store kept of offerAll's jobs: rows, rows in their latest state, finishing transitions. */
async function kept(db: HistoryDatabase, serial: string) {
  const count = async (q: ReturnType<typeof sql>) =>
    Number(((await q.execute(db.db)).rows[0] as { n: string }).n);
  const like = `%-${serial}-o%`;
  return {
    rows: await count(sql`SELECT count(*) AS n FROM jobs WHERE id LIKE ${like}`),
    latest: await count(
      sql`SELECT count(*) AS n FROM jobs WHERE id LIKE ${like} AND state <> 'IN_PROGRESS'`,
    ),
    finishing: await count(
      sql`SELECT count(*) AS n FROM transitions t JOIN jobs j ON j.seq = t.job_seq WHERE j.id LIKE ${like} AND j.terminal = 1 AND t.to_state = j.state`,
    ),
  };
}

async function main() {
  const stack = await startStack({ latencyMs: 0 });
  await probeFixtures(stack);
  const records = await realRecords(stack, 3000);
  const bytes = records.reduce((sum, r) => sum + JSON.stringify(r).length, 0) / records.length;
  log(`${records.length} records, ${Math.round(bytes)} bytes on average; load ${loadAverage()}`);
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-bench-writer-'));
  const stores: [string, (i: number) => HistoryStoreConfig][] = [];
  if (text('BENCH_WRITER_SQLITE') !== '0')
    stores.push([
      'SQLite',
      (i) => ({ kind: 'sqlite', path: join(dir, `h${i}.sqlite`), dataDir: dir, implicit: false }),
    ]);
  if (PG_URL) stores.push(['PostgreSQL', () => ({ kind: 'postgres', url: PG_URL })]);
  const lines = [
    '| store | stored | changes/s, median (range) | µs of this process a change | µs of local postgres processes a change | CPU a change ÷ the first size |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const floor: (FloorRound & { writer: number })[] = [];
  const total = (r: Awaited<ReturnType<typeof round>>) =>
    r.processMicrosPerChange + (r.postgresMicrosPerChange ?? 0);
  for (const [name, store] of stores) {
    const runs = FILLS.map((): Awaited<ReturnType<typeof round>>[] => []);
    for (let i = 0; i < ROUNDS; i++) {
      const serial = `${Date.now()}r${i}`;
      for (const [s, n] of FILLS.entries()) {
        runs[s]!.push(await round(store(i), records, `${serial}s${s}`, n));
        log(`${name}, ${n} stored, round ${i + 1}: ${JSON.stringify(runs[s]!.at(-1))}`);
        // A round's file goes once measured (a filled store is gigabytes).
        for (const f of readdirSync(dir)) if (f.startsWith(`h${i}.`)) rmSync(join(dir, f));
      }
      if (name !== 'SQLite' || FILLS.some((n) => n > 0)) continue;
      const bare = await bareWrite(
        { kind: 'sqlite', path: join(dir, `floor${i}.sqlite`), dataDir: dir, implicit: false },
        (k) => {
          const base = records[Math.max(k, 0) % records.length]!;
          return freshChange(base, `${base.id}-${serial}-bare-${k}`);
        },
        PREFILL,
        CHANGES,
      );
      floor.push({ ...bare, writer: runs[0]!.at(-1)!.processMicrosPerChange });
      log(`SQLite round ${i + 1}, the bare write: ${JSON.stringify(bare)}`);
    }
    for (const [s, n] of FILLS.entries()) {
      const [r, ratios] = [runs[s]!, runs[s]!.map((r, k) => total(r) / total(runs[0]![k]!))];
      lines.push(
        `| ${name} | ${n} | ${range(r, (r) => r.changesPerSecond)} | ${range(r, (r) => r.processMicrosPerChange)} | ${range(r, (r) => r.postgresMicrosPerChange)} | ${range(ratios, (v) => +v.toFixed(2))} |`,
      );
    }
  }
  const bare = (r: (typeof floor)[number]) => r.rowMicrosPerChange + r.sqliteMicrosPerChange;
  if (floor.length)
    lines.push(
      '',
      '| SQLite, CPU µs a change | the writer | the bare write | of it, the rows (JSON, columns) | of it, SQLite | the writer ÷ the bare write |',
      '| --- | --- | --- | --- | --- | --- |',
      `| median (range) of ${ROUNDS} rounds | ${range(floor, (r) => r.writer)} | ${range(floor, (r) => +bare(r).toFixed(1))} | ${range(floor, (r) => r.rowMicrosPerChange)} | ${range(floor, (r) => r.sqliteMicrosPerChange)} | ${range(floor, (r) => +(r.writer / bare(r)).toFixed(2))} |`,
    );
  console.log(
    `\n${CHANGES} changes a round after ${PREFILL}, ${ROUNDS} rounds, records of ${Math.round(bytes)} bytes; load ${loadAverage()}\n\n${lines.join('\n')}`,
  );
}

/** The median of what `pick` reads from `runs` (null left out), with its range. */
function range<T>(runs: readonly T[], pick: (r: T) => number | null): string {
  const values = runs.map(pick).filter((v): v is number => v !== null);
  return values.length
    ? `${+median(values).toFixed(2)} (${Math.min(...values)}–${Math.max(...values)})`
    : '—';
}

runBench(log, main);
