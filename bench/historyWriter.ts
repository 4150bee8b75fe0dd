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
import { openHistoryDatabase } from '../src/history/database.ts';
import { HistoryWriter } from '../src/history/writer.ts';
import type { JobRecord } from '../src/model/job.ts';
import { probeFixtures } from './lib/context.ts';
import { int, text } from './lib/settings.ts';
import { bareWrite, type FloorRound } from './lib/writerFloor.ts';
import { freshChange, realRecords } from './lib/writerRecords.ts';
import { fill } from './historyFill.ts';
import { cpuTimeMicros } from './rig/proc.ts';
import { loadAverage } from './rig/report.ts';
import { logger, runBench, startStack } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const CHANGES = int('BENCH_WRITER_CHANGES', 40_000, 1000, 10_000_000);
const PREFILL = int('BENCH_WRITER_PREFILL', 5000, 0, 10_000_000);
/** Jobs stored in SQL before a round (historyFill.ts), for a store of millions; the bare write is then not run. */
const FILL = int('BENCH_WRITER_FILL', 0, 0, 10_000_000);
/** 1: each fresh job's ID ends in a random UUID, as a provider's does; 0: its base record's ID, a round and a count. */
const RANDOM_IDS = int('BENCH_WRITER_RANDOM_IDS', 0, 0, 1) === 1;
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
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
  } catch {
    return 0; // no /proc: not Linux
  }
  const servers = new Map<string, { parent: string; own: boolean }>();
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const parent = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      servers.set(pid, { parent: parent ?? '', own: args[args.indexOf('-p') + 1] === port });
    } catch {
      // gone meanwhile
    }
  }
  const mine = [...servers.values()].some((s) => s.own);
  let micros = 0;
  for (const [pid, s] of servers) {
    if (mine && !s.own && !servers.get(s.parent)?.own) continue;
    try {
      micros += cpuTimeMicros(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return micros;
}

async function round(store: HistoryStoreConfig, records: readonly JobRecord[], serial: string) {
  const db = (await openHistoryDatabase(store))!;
  if (FILL > 0) {
    // PostgreSQL's rounds share one database: each round fills it anew.
    if (db.dialect === 'postgres')
      await sql`TRUNCATE jobs, transitions RESTART IDENTITY`.execute(db.db);
    const took = await fill(db, FILL);
    log(
      `${FILL} jobs filled in ${took.jobSeconds.toFixed(0)} s, their transitions in ${took.transitionSeconds.toFixed(0)} s`,
    );
  }
  const writer = new HistoryWriter(db, { withoutSecrets: (r) => r, maxQueue: MAX_QUEUE });
  let k = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++, k++) {
      const base = records[k % records.length]!;
      // A provider's ID is random (a UUID): where a new one lands in an index of IDs is too.
      const id = RANDOM_IDS ? `${base.id}-${randomUUID()}` : `${base.id}-${serial}-${k}`;
      writer.record(freshChange(base, id));
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
  for (let left = CHANGES; left > 0;) {
    const n = Math.min(left, MAX_QUEUE - writer.queued);
    push(n);
    left -= n;
    await new Promise((r) => setTimeout(r, 5));
  }
  await writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgMicros = postgresMicros(port) - pg0;
  await writer.close();
  await db.close();
  return {
    changesPerSecond: Math.round(CHANGES / seconds),
    processMicrosPerChange: +((cpu.user + cpu.system) / CHANGES).toFixed(1),
    postgresMicrosPerChange: store.kind === 'postgres' ? +(pgMicros / CHANGES).toFixed(1) : null,
  };
}

async function main() {
  const stack = await startStack({ latencyMs: 0 });
  await probeFixtures(stack);
  const records = await realRecords(stack, 3000);
  const bytes = records.reduce((sum, r) => sum + JSON.stringify(r).length, 0) / records.length;
  log(`${records.length} records, ${Math.round(bytes)} bytes on average; load ${loadAverage()}`);
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-bench-writer-'));
  const stores: [string, (i: number) => HistoryStoreConfig][] = [
    [
      'SQLite',
      (i) => ({ kind: 'sqlite', path: join(dir, `h${i}.sqlite`), dataDir: dir, implicit: false }),
    ],
  ];
  if (PG_URL) stores.push(['PostgreSQL', () => ({ kind: 'postgres', url: PG_URL })]);
  const lines = [
    '| store | changes/s, median (range) | µs of this process a change | µs of local postgres processes a change |',
    '| --- | --- | --- | --- |',
  ];
  const floor: (FloorRound & { writer: number })[] = [];
  for (const [name, store] of stores) {
    const runs: Awaited<ReturnType<typeof round>>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const serial = `${Date.now()}r${i}`;
      runs.push(await round(store(i), records, serial));
      log(`${name} round ${i + 1}: ${JSON.stringify(runs.at(-1))}`);
      // A round's file goes once measured (a filled store is gigabytes).
      for (const f of readdirSync(dir)) if (f.startsWith(`h${i}.`)) rmSync(join(dir, f));
      if (name !== 'SQLite' || FILL > 0) continue;
      const bare = await bareWrite(
        { kind: 'sqlite', path: join(dir, `floor${i}.sqlite`), dataDir: dir, implicit: false },
        (k) => {
          const base = records[Math.max(k, 0) % records.length]!;
          return freshChange(base, `${base.id}-${serial}-bare-${k}`);
        },
        PREFILL,
        CHANGES,
      );
      floor.push({ ...bare, writer: runs.at(-1)!.processMicrosPerChange });
      log(`SQLite round ${i + 1}, the bare write: ${JSON.stringify(bare)}`);
    }
    lines.push(
      `| ${name} | ${range(runs, (r) => r.changesPerSecond)} | ${range(runs, (r) => r.processMicrosPerChange)} | ${range(runs, (r) => r.postgresMicrosPerChange)} |`,
    );
  }
  const bare = (r: (typeof floor)[number]) => r.rowMicrosPerChange + r.sqliteMicrosPerChange;
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
  return values.length ? `${median(values)} (${Math.min(...values)}–${Math.max(...values)})` : '—';
}

runBench(log, main);
