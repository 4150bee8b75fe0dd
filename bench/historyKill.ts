// What SIGKILL loses of the history store (issue #72): a real gateway driven with fresh AWS Batch
// jobs, or with BENCH_KILL_DRIVER=writer a process that only writes history, SIGKILLed mid-stream;
// then every acknowledged change looked up. Settings: bench/README.md; figures: bench/HISTORY.md.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import type { HistoryStoreConfig } from '../src/config/types.ts';
import { openHistoryDatabase } from '../src/history/database.ts';
import type { JobRecord } from '../src/model/job.ts';
import { probeFixtures } from './lib/context.ts';
import { UnknownIdGenerator } from './lib/ids.ts';
import { jobsBody, post } from './lib/queries.ts';
import { int, text } from './lib/settings.ts';
import { killId, realRecords } from './lib/writerRecords.ts';
import { outputUntil } from './rig/childServer.ts';
import { metricSeries, metricValue, scrape, type GatewayProcess } from './rig/gateway.ts';
import { REPO_ROOT, scratchDir, sleep } from './rig/proc.ts';
import { loadAverage } from './rig/report.ts';
import { logger, runBench, startStack, type Stack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const SECONDS = int('BENCH_KILL_SECONDS', 10, 2, 600);
const CONCURRENCY = int('BENCH_KILL_CONCURRENCY', 16, 1, 200);
const PG_URL = text('BENCH_HISTORY_PG_URL');
/** Changes a second asked (100 a query), paced; 0: every worker asks again as soon as answered. */
const RATE = int('BENCH_KILL_RATE', 0, 0, 1_000_000);
const SQLITE = int('BENCH_KILL_SQLITE', 1, 0, 1) === 1;
/** 1: the load stops at the kill's moment, and the kill waits until the writer's lag is back to 0. */
const CATCH_UP = int('BENCH_KILL_CATCHUP', 0, 0, 1) === 1;
const DRIVER = text('BENCH_KILL_DRIVER') ?? 'gateway';
if (DRIVER !== 'gateway' && DRIVER !== 'writer')
  throw new Error(`BENCH_KILL_DRIVER=${DRIVER}: gateway or writer`);
/** The writer's group-commit interval (src/history/writer.ts `flushMs`, at most 1 s). */
const GROUP_COMMIT_MS = 1000;
const log = logger('history-kill');

type Acked = Map<string, number>;

/**
 * Fresh finished Batch jobs, 100 a query (one DescribeJobs each), `CONCURRENCY` queries in flight
 * until `stopAt`; each job answered is noted with the time its answer arrived.
 */
async function drive(url: string, headers: Record<string, string>, until: { stopAt: number }) {
  const ids = new UnknownIdGenerator();
  const acked: Acked = new Map();
  let failed = 0;
  // Paced: query k starts at k × 100/RATE seconds (a worker that is late starts at once).
  const everyMs = RATE > 0 ? (100 / RATE) * 1000 : 0;
  let nextAt = Date.now();
  const worker = async () => {
    while (Date.now() < until.stopAt) {
      if (everyMs > 0) {
        const startAt = nextAt;
        nextAt += everyMs;
        if (startAt > Date.now()) await sleep(startAt - Date.now());
        if (Date.now() >= until.stopAt) break;
      }
      const body = jobsBody(ids.take(100, 'finished', ['batch']));
      const answer = await post(url, body, headers).catch(() => null);
      const at = Date.now();
      const jobs = (answer?.json.data?.jobs ?? []) as ({ id: string } | null)[];
      if ((!answer || answer.status !== 200) && at < until.stopAt) failed++;
      for (const job of jobs) if (job) acked.set(job.id, at);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { acked, failed };
}

/** The store after the kill: opened as jobgraph opens it, checked, and every job ID in it. */
async function readBack(store: HistoryStoreConfig) {
  const db = (await openHistoryDatabase(store))!;
  try {
    let integrity = 'not applicable (PostgreSQL: a server crash is its own WAL replay)';
    if (db.dialect.name === 'sqlite') {
      const r = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db.db);
      integrity = r.rows.map((row) => row.integrity_check).join('; ');
    }
    const ids = await db.db.selectFrom('jobs').select('id').execute();
    const counted = await sql<{ n: string }>`SELECT count(*) AS n FROM transitions`.execute(db.db);
    const transitions = Number(counted.rows[0]!.n);
    return { integrity, stored: new Set(ids.map((r) => r.id)), transitions };
  } finally {
    await db.close();
  }
}

/** `jobgraph_history_writes_total` by outcome, and `lagSeconds` (`jobgraph_history_lag_seconds`). */
async function writeCounts(gateway: GatewayProcess): Promise<Record<string, number>> {
  const text = await scrape(gateway);
  const counts: Record<string, number> = {};
  for (const [labels, n] of metricSeries(text, 'jobgraph_history_writes_total'))
    counts[labels.replace(/^outcome="(\w+)"$/, '$1')] = n;
  const lag = metricValue(text, 'jobgraph_history_lag_seconds');
  if (!Number.isNaN(lag)) counts.lagSeconds = lag;
  return counts;
}

async function once(stack: Stack, name: string, store: HistoryStoreConfig, url: string) {
  const gateway = await stack.gateway({
    label: name,
    extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0', JOBGRAPH_HISTORY_URL: url },
  });
  // A few seconds untimed (connections, JIT), then the kill a random moment into the window's
  // second half, so it falls anywhere in a group commit's cycle.
  await drive(gateway.url, stack.headers, { stopAt: Date.now() + 2000 });
  const started = Date.now();
  const killAt = started + SECONDS * 1000 * (0.5 + Math.random() / 2);
  const until = { stopAt: Number.POSITIVE_INFINITY };
  const driving = drive(gateway.url, stack.headers, until);
  await sleep(Math.max(0, killAt - Date.now()));
  const writes = await writeCounts(gateway);
  if (CATCH_UP) until.stopAt = Date.now();
  const caughtUp = CATCH_UP ? await driving.then(() => catchUp(gateway)) : undefined;
  process.kill(gateway.pid, 'SIGKILL');
  const killedAt = Date.now();
  // The queries in flight fail (the process is gone); no new ones.
  until.stopAt = Math.min(until.stopAt, killedAt);
  await gateway.stop(); // its exit, already under way
  const { acked, failed } = await driving;
  const beforeKill = [...acked].filter(([, at]) => at <= killedAt);
  const rate = beforeKill.length / ((until.stopAt - started) / 1000);
  return lossOf(name, store, beforeKill, rate, killedAt, {
    askedPerSecond: RATE || 'as fast as answered',
    failedQueries: failed,
    writesJustBeforeKill: writes,
    caughtUp,
  });
}

/** The load stopped: the writer's lag read every 100 ms until 0, and the changes over its bound. */
async function catchUp(gateway: GatewayProcess) {
  const stoppedAt = Date.now();
  let [counts, maxLagSeconds] = [await writeCounts(gateway), 0];
  for (; (counts.lagSeconds ?? 0) > 0; counts = await writeCounts(gateway)) {
    maxLagSeconds = Math.max(maxLagSeconds, counts.lagSeconds!);
    await sleep(100);
  }
  const [seconds, over] = [+((Date.now() - stoppedAt) / 1000).toFixed(2), counts.over_bound ?? 0];
  console.log(
    `load stopped; lag back to 0 in ${seconds} s (at most ${maxLagSeconds} s; the ${GROUP_COMMIT_MS} ms ` +
      `group commit held: ${maxLagSeconds <= GROUP_COMMIT_MS / 1000 ? 'yes' : 'NO'}); ${over} changes past its queue bound (/readyz history.overBound)`,
  );
  return { seconds, maxLagSeconds, overBoundWrites: over, writes: counts };
}

/** What the kill at `killedAt` lost of the `acknowledged` changes (job ID, when acknowledged). */
async function lossOf(
  name: string,
  store: HistoryStoreConfig,
  acknowledged: readonly (readonly [string, number])[],
  rate: number,
  killedAt: number,
  how: Record<string, unknown>,
) {
  const back = await readBack(store);
  const missing = acknowledged.filter(([id]) => !back.stored.has(id));
  // How long before the kill each missing change was acknowledged: within one group commit?
  const ages = missing.map(([, at]) => killedAt - at);
  const result = {
    store: name,
    driver: DRIVER,
    loadAverage: loadAverage(),
    ...how,
    changesPerSecond: Math.round(rate),
    acknowledgedBeforeKill: acknowledged.length,
    integrity: back.integrity,
    storedJobs: back.stored.size,
    storedTransitions: back.transitions,
    missing: missing.length,
    missingSeconds: +(missing.length / rate).toFixed(2),
    oldestMissingMsBeforeKill: ages.length ? Math.max(...ages) : 0,
    p50MissingMsBeforeKill: ages.length ? Math.round(percentile(ages, 50)) : 0,
    withinGroupCommit: ages.every((ms) => ms <= GROUP_COMMIT_MS),
  };
  log(JSON.stringify(result));
  return result;
}

/**
 * The writer mode: a process that only writes history (bench/lib/writerHost.ts) at RATE changes a
 * second, SIGKILLed as the gateway is; a change is acknowledged by the `ack` line that counts it.
 */
async function onceWriter(
  name: string,
  store: HistoryStoreConfig,
  records: readonly JobRecord[],
  recordsFile: string,
) {
  const [asked, run] = [RATE || 10_000, `r${Date.now()}`];
  const env = {
    ...process.env,
    ...{ BENCH_WRITER_HOST_STORE: JSON.stringify(store), BENCH_WRITER_HOST_RECORDS: recordsFile },
    ...{ BENCH_WRITER_HOST_RATE: String(asked), BENCH_WRITER_HOST_RUN: run },
  };
  const host = join(REPO_ROOT, 'bench/lib/writerHost.ts');
  const stdio: ['ignore', 'pipe', 'inherit'] = ['ignore', 'pipe', 'inherit'];
  const child = spawn(process.execPath, ['--import', 'tsx', host], { cwd: REPO_ROOT, env, stdio });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  /** [changes recorded, epoch ms, dropped so far, the writer's lag in s], in the order printed. */
  const acks: [number, number, number, number][] = [];
  const lines = createInterface({ input: child.stdout });
  const closed = new Promise<void>((resolve) => lines.once('close', resolve));
  lines.on('line', (line) => {
    const m = /^ack (\d+) (\d+) (\d+) (\S+)$/.exec(line);
    if (m) acks.push([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
  });
  await outputUntil(child, /^ready$/m, 'writerHost');
  // As the gateway mode: 2 s untimed, then the kill a random moment in the window's second half.
  await sleep(2000);
  const started = Date.now();
  const atStart = acks.at(-1)?.[0] ?? 0;
  await sleep(SECONDS * 1000 * (0.5 + Math.random() / 2));
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await Promise.all([exited, closed]); // every line printed before the kill, read
  const [count, lastAt, dropped, lag] = acks.at(-1) ?? [0, killedAt, 0, 0];
  const acknowledged: [string, number][] = [];
  let next = 0;
  for (const [upTo, at] of acks)
    for (; next < upTo; next++)
      acknowledged.push([killId(records[next % records.length]!, run, next), at]);
  const rate = (count - atStart) / ((lastAt - started) / 1000);
  const how = { askedPerSecond: asked, droppedBeforeKill: dropped, lagSecondsBeforeKill: lag };
  return lossOf(name, store, acknowledged, rate, killedAt, how);
}

async function main() {
  const stack = await startStack({ latencyMs: 0 });
  await probeFixtures(stack);
  const dir = scratchDir('jobgraph-bench-history-kill-');
  const path = join(dir, 'history.sqlite');
  const stores: [string, HistoryStoreConfig, string][] = [];
  const sqlite: HistoryStoreConfig = { kind: 'sqlite', path, dataDir: dir, implicit: false };
  if (SQLITE) stores.push(['sqlite', sqlite, `sqlite:${path}`]);
  if (PG_URL) stores.push(['postgres', { kind: 'postgres', url: PG_URL }, PG_URL]);
  const results = [];
  if (DRIVER === 'writer') {
    const records = await realRecords(stack, 3000);
    const recordsFile = join(dir, 'records.json');
    writeFileSync(recordsFile, JSON.stringify(records));
    for (const [name, store] of stores)
      results.push(await onceWriter(name, store, records, recordsFile));
  } else for (const [name, store, url] of stores) results.push(await once(stack, name, store, url));
  for (const r of results)
    console.log(
      `${r.store} (${r.driver}): ${r.changesPerSecond} changes/s acknowledged, SIGKILL after ${r.acknowledgedBeforeKill}; ` +
        `integrity ${r.integrity}; missing ${r.missing} (${r.missingSeconds} s of changes, the oldest ` +
        `acknowledged ${r.oldestMissingMsBeforeKill} ms before the kill; within the ${GROUP_COMMIT_MS} ms ` +
        `group commit: ${r.withinGroupCommit ? 'yes' : 'NO'}); load ${r.loadAverage}`,
    );
}

runBench(log, main);
