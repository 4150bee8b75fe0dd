/**
 * `npm run bench:cluster` (about 2 minutes): what watching jobs costs upstream when jobgraph runs
 * as several replicas sharing one Redis (JOBGRAPH_CACHE_URL): one poll lease per watched job
 * (src/subscriptions/pollers.ts, src/cache/redisPollLeases.ts). Real parts as
 * cluster.e2e.test.ts uses them (clusterSupport.ts); it rewrites bench/CLUSTER.md, whose text says
 * what each figure is: calls per job per poll interval for 1, 3 and 5 replicas with Redis and 3
 * without (`BENCH_CLUSTER_ROUNDS` rounds of `BENCH_CLUSTER_WINDOW` intervals' worth of calls,
 * medians), failover after a SIGKILL, a Redis restart, and list-assisted watching.
 */
import { fileURLToPath } from 'node:url';
import { listedDemoJobs, startEmulators, type EmulatorSet } from '../src/emulators/index.ts';
import {
  achievedInterval,
  CallLog,
  kill,
  leaseHolders,
  metricsOf,
  openWatchers,
  pidOfReplicaId,
  redisServerMissing,
  replicaEnv,
  sample,
  startRedisServer,
  startReplicas,
  synthesizeJobs,
  watchedJobs,
  type RedisServer,
  type Watcher,
  type WatchedJobs,
} from '../test/subscriptions/clusterSupport.ts';
import type { LiveProcess } from '../test/support/liveProcess.ts';
import { loadAverage, writeReport } from './rig/report.ts';
import { logger, runBench, track } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const log = logger('cluster');
const OUT_MD = fileURLToPath(new URL('./CLUSTER.md', import.meta.url));

const POLL_MS = 100;
const JOBS = 20;
const WINDOW = Number(process.env.BENCH_CLUSTER_WINDOW ?? 40);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 2);
const LONG = 120_000;
const REPLICAS = [1, 3, 5] as const;

let tag = 10;
const load = () => loadAverage(1).split(' ')[0]!;

/** `count` replicas (with `redisUrl`, or none), two watchers per replica of every job of `jobs`, first events in. */
async function setUp(
  emulators: EmulatorSet,
  redisUrl: string | null,
  count: number,
  ids: readonly string[],
): Promise<{ replicas: LiveProcess[]; watchers: Watcher[]; close(): Promise<void> }> {
  const replicas = await startReplicas(count, replicaEnv(emulators, redisUrl, POLL_MS));
  const urls = replicas.map((p) => p.url);
  const watchers = await openWatchers(urls, ids, 2 * count, LONG);
  return {
    replicas,
    watchers,
    close: async () => {
      for (const w of watchers) w.close();
      for (const p of replicas) await kill(p.child);
    },
  };
}

/** `body` over `count` replicas watching JOBS fresh jobs, their upstream calls logged, after `warmUp` calls a job. */
async function watching<T>(
  emulators: EmulatorSet,
  redisUrl: string | null,
  count: number,
  warmUp: number,
  body: (calls: CallLog, warm: number, jobs: WatchedJobs, replicas: LiveProcess[]) => Promise<T>,
): Promise<T> {
  const jobs = watchedJobs(tag++, JOBS);
  const calls = new CallLog(emulators, jobs);
  const cluster = await setUp(emulators, redisUrl, count, jobs.ids);
  try {
    const warm = calls.calls.length;
    await calls.until(warm + JOBS * warmUp, LONG, 'the warm-up');
    return await body(calls, warm, jobs, cluster.replicas);
  } finally {
    calls.close();
    await cluster.close();
  }
}

/** Calls per job per interval for `count` replicas (Redis or not), over a window of WINDOW intervals' worth of calls. */
const callsPerJob = (emulators: EmulatorSet, redisUrl: string | null, count: number) =>
  watching(emulators, redisUrl, count, 5, async (calls) => {
    const from = calls.calls.length;
    const t0 = performance.now();
    // Without Redis the cluster makes `count` calls per interval: wait for as many.
    await calls.until(from + JOBS * WINDOW * (redisUrl ? 1 : count), LONG);
    return (calls.calls.length - from) / JOBS / ((performance.now() - t0) / POLL_MS);
  });

const failover = (emulators: EmulatorSet, redis: RedisServer, count: number) =>
  watching(emulators, redis.url, count, 10, async (calls, warm, jobs, replicas) => {
    const byPid = new Map<number, string[]>();
    for (const [id, holder] of await leaseHolders(redis.url, jobs.ids)) {
      const pid = pidOfReplicaId(holder);
      byPid.set(pid, [...(byPid.get(pid) ?? []), id]);
    }
    const [pid, orphans] = [...byPid.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    const victim = replicas.find((p) => p.child.pid === pid)!;
    const from = calls.calls.length;
    const interval = achievedInterval(calls.between(warm, from), POLL_MS);
    const killedAt = performance.now();
    await kill(victim.child);
    const first = (id: string) =>
      calls
        .since(from)
        .get(id)
        ?.find((t) => t > killedAt);
    await calls.when(() => orphans.every((id) => first(id) !== undefined), LONG, 'failover');
    const ms = Math.max(...orphans.map((id) => first(id)! - killedAt));
    return { replicas: count, orphans: orphans.length, ms, interval };
  });

async function redisRestart(emulators: EmulatorSet) {
  const own = await startRedisServer();
  const servers = [own];
  try {
    return await watching(emulators, own.url, 3, 10, async (calls, warm, _jobs, replicas) => {
      const interval = achievedInterval(calls.between(warm, calls.calls.length), POLL_MS);
      await kill(own.child);
      const down = calls.calls.length;
      const t0 = performance.now();
      await calls.until(down + JOBS * 10, LONG, 'polls with Redis down');
      const alone = (calls.calls.length - down) / JOBS / ((performance.now() - t0) / POLL_MS);
      const back = await startRedisServer(own.port);
      servers.push(back);
      const backAt = performance.now();
      for (;;) {
        const texts = await Promise.all(replicas.map((p) => metricsOf(p.url)));
        if (texts.every((t) => sample(t, 'jobgraph_watch_pollers_by_role{role="alone"}') === 0))
          break;
        await calls.until(calls.calls.length + 1, LONG, 'a call');
        if (performance.now() - backAt > LONG) throw new Error('never back to one poller per job');
      }
      return { ms: performance.now() - backAt, interval, alone };
    });
  } finally {
    for (const s of servers) await kill(s.child);
  }
}

/** COS Batch's unfinished listed demo jobs, watched through their list: list and describe calls per interval. */
async function listAssisted(emulators: EmulatorSet, redisUrl: string, count: number) {
  const finished = new Set(['Complete', 'Failed', 'Cancelled']);
  const ids = listedDemoJobs(Date.now())
    .cosbatch.filter((j) => !finished.has(j.providerStatus))
    .map((j) => j.globalId);
  const cos = emulators.cosbatch;
  const cluster = await setUp(emulators, redisUrl, count, ids);
  try {
    const count0 = () => cos.received.length;
    const warm = count0();
    await cos.waitForReceived(warm + ids.length * 2);
    const from = count0();
    const t0 = performance.now();
    await cos.waitForReceived(from + 200);
    const intervals = (performance.now() - t0) / POLL_MS;
    const window = cos.received.slice(from);
    const list = window.filter((j) => j === null || j.endsWith('/')).length;
    return {
      replicas: count,
      jobs: ids.length,
      list: list / intervals,
      describe: (window.length - list) / intervals,
    };
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  const missing = redisServerMissing();
  if (missing) throw new Error(missing);
  const loadBefore = load();
  const redis = await startRedisServer();
  track({ stop: () => kill(redis.child) });
  const emulators = await startEmulators();
  track({ stop: () => emulators.close() });
  synthesizeJobs(emulators);
  const perJob = new Map<string, number[]>();
  const configurations: [string, string | null, number][] = [
    ...REPLICAS.map((n): [string, string | null, number] => [`${n}`, redis.url, n]),
    ['3 without Redis', null, 3],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url, n] of configurations) {
      const figure = await callsPerJob(emulators, url, n);
      log(
        `round ${round + 1}: ${name} replica(s): ${figure.toFixed(2)} calls per job per interval (load ${load()})`,
      );
      perJob.set(name, [...(perJob.get(name) ?? []), figure]);
    }
  }
  const failovers = [];
  for (const n of [3, 5]) {
    const f = await failover(emulators, redis, n);
    log(
      `failover, ${n} replicas: ${f.ms.toFixed(0)} ms (${(f.ms / f.interval).toFixed(2)} intervals of ${f.interval.toFixed(0)} ms), ${f.orphans} jobs`,
    );
    failovers.push(f);
  }
  const restart = await redisRestart(emulators);
  log(`Redis restart: one poller per job again after ${restart.ms.toFixed(0)} ms`);
  const lists = [];
  for (const n of [1, 3]) {
    const l = await listAssisted(emulators, redis.url, n);
    log(
      `list-assisted COS, ${n} replica(s): ${l.list.toFixed(2)} list + ${l.describe.toFixed(2)} describe calls per interval`,
    );
    lists.push(l);
  }
  const loadAfter = load();
  const row = (name: string) => median(perJob.get(name)!);
  const one = row('1');
  const md = `# Watching jobs with several replicas sharing one Redis

\`npm run bench:cluster\` (about 2 minutes) rewrites this file. Real
parts: a redis-server on a loopback port, the emulators in the bench process (their call logs
count the cluster's upstream calls), 1, 3 or 5 jobgraph replicas (live mode, the compiled CLI)
with \`JOBGRAPH_WATCH_POLL_MS\` = \`JOBGRAPH_WATCH_MAX_POLL_MS\` = ${POLL_MS} (every job due every
interval), two watchers per replica (graphql-sse and graphql-ws), each watching every job: every
replica watches every job. ${JOBS} fresh jobs per configuration, half Import/Export (records with
secrets: shared without them), half HealthOmics. Node ${process.version}; load average ${loadBefore} at the
start, ${loadAfter} at the end (${ROUNDS} rounds, medians; a window is ${WINDOW} intervals' worth of calls).

## Upstream calls per job per poll interval

| replicas | calls per job per interval | ÷ 1 replica |
| --- | --- | --- |
${[...REPLICAS.map(String), '3 without Redis']
  .map((name) => `| ${name} | ${row(name).toFixed(2)} | ${(row(name) / one).toFixed(2)}× |`)
  .join('\n')}

Each replica holds the leases of the jobs it polls; the others receive its polls over pub/sub. The
figure is wall-clock bound: the pollers wait ${POLL_MS} ms ±10 % after each call, so one poller per
job makes a little under one call per interval, less on a busy machine.

## A replica killed, Redis restarted

| event | time until each job is polled by one replica again |
| --- | --- |
${failovers
  .map(
    (f) =>
      `| SIGKILL of the replica holding ${f.orphans} of ${JOBS} leases (${f.replicas} replicas) | ${f.ms.toFixed(0)} ms: ${(f.ms / f.interval).toFixed(2)} intervals of ${f.interval.toFixed(0)} ms (the achieved interval) |`,
  )
  .join('\n')}
| Redis killed, then started again on its port (3 replicas; meanwhile ${restart.alone.toFixed(2)} calls per job per interval, each replica polling alone) | ${restart.ms.toFixed(0)} ms until no poller polls alone (${(restart.ms / restart.interval).toFixed(2)} intervals of ${restart.interval.toFixed(0)} ms) |

The replica killed is the one holding the most leases, at a random moment of its polls (the test,
cluster.e2e.test.ts, kills it with a call in flight for each of its jobs). Its jobs' leases lapse
1.5 waits after its last poll; a follower that has heard nothing for 1.25 waits asks, and takes
the lease once it lapses.

## List-assisted watching (COS Batch, the demo's unfinished listed jobs)

| replicas | jobs | ListJobs calls per interval | DescribeJob calls per interval |
| --- | --- | --- | --- |
${lists.map((l) => `| ${l.replicas} | ${l.jobs} | ${l.list.toFixed(2)} | ${l.describe.toFixed(2)} |`).join('\n')}

A list-watch group is per replica and holds the jobs that replica polls (holds the lease of): with
the leases spread over several replicas, each lists the source for its own jobs, so a pass may be
made once per replica holding some of its jobs, where one replica alone makes one; each job is
still described by one replica. (At a ${POLL_MS} ms interval without backoff the group lists less
often than at the defaults, where a source's still jobs cost one list pass a poll round:
\`test/subscriptions/listWatchGroup.test.ts\`.)
`;
  await writeReport({ md: [OUT_MD, md] });
  log(`wrote ${OUT_MD}`);
  process.stdout.write(
    `${JSON.stringify({ perJob: Object.fromEntries(perJob), failovers, restart, lists, load: [loadBefore, loadAfter] })}\n`,
  );
}

runBench(log, main);
