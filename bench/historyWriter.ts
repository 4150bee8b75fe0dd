// The history writer alone (issue #72): changes a second and CPU a change of the real
// `HistoryWriter` with its queue kept full, over copies of real records, beside the bare write of
// the same changes (bench/lib/writerFloor.ts). This process's CPU a change includes making the
// change, as a gateway's does. Settings: bench/README.md; figures: bench/HISTORY.md.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HistoryStoreConfig } from '../src/config/types.ts';
import { openHistoryDatabase } from '../src/history/database.ts';
import { HistoryWriter } from '../src/history/writer.ts';
import type { JobRecord } from '../src/model/job.ts';
import { probeFixtures } from './lib/context.ts';
import { int, text } from './lib/settings.ts';
import { bareWrite, type FloorRound } from './lib/writerFloor.ts';
import { freshChange, realRecords } from './lib/writerRecords.ts';
import { cpuTimeMicros } from './rig/proc.ts';
import { loadAverage } from './rig/report.ts';
import { logger, runBench, startStack } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const CHANGES = int('BENCH_WRITER_CHANGES', 40_000, 1000, 10_000_000);
const PREFILL = int('BENCH_WRITER_PREFILL', 5000, 0, 10_000_000);
const ROUNDS = int('BENCH_WRITER_ROUNDS', 3, 1, 31);
const PG_URL = text('BENCH_HISTORY_PG_URL');
/** The writer's own bound on its queue (src/history/writer.ts): the rounds keep it this full. */
const MAX_QUEUE = 10_000;
const log = logger('history-writer');

/** CPU time (µs) the processes named `postgres` on this machine have used: a local server's. */
function postgresMicros(): number {
  let micros = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0; // no /proc: not Linux
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres')
        micros += cpuTimeMicros(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return micros;
}

async function round(store: HistoryStoreConfig, records: readonly JobRecord[], serial: string) {
  const db = (await openHistoryDatabase(store))!;
  const writer = new HistoryWriter(db, { withoutSecrets: (r) => r, maxQueue: MAX_QUEUE });
  let k = 0;
  const push = (n: number) => {
    for (let i = 0; i < n; i++, k++) {
      const base = records[k % records.length]!;
      writer.record(freshChange(base, `${base.id}-${serial}-${k}`));
    }
  };
  // The prefill: a store that already holds jobs, its pages and statements warm.
  for (let left = PREFILL; left > 0; left -= MAX_QUEUE) {
    push(Math.min(left, MAX_QUEUE));
    await writer.flush();
  }
  const pg0 = postgresMicros();
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
  const pgMicros = postgresMicros() - pg0;
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
      if (name !== 'SQLite') continue;
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
