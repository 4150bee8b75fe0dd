// `npm run bench:cluster-share`: bench:events' watched Batch jobs over replicas sharing one
// redis-server and one PostgreSQL; what each part holds and does per watched job (issue 88 item 6).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from '@keyv/redis';
import { startPostgresServer } from '../test/support/postgresServer.ts';
import { kill, startRedisServer } from '../test/subscriptions/clusterSupport.ts';
import { batchCalls, change, revive, watch, watchedJobs, type Watched } from './eventsLoad.ts';
import { int } from './lib/settings.ts';
import { metricSeries, metricValue, scrape, type GatewayProcess } from './rig/gateway.ts';
import { REPO_ROOT, sleep } from './rig/proc.ts';
import { loadAverage, runLine } from './rig/report.ts';
import { logger, runBench, startStack, track, type Stack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const JOBS = int('BENCH_CLUSTER_JOBS', 10_000, 2, 1_000_000);
const REPLICAS = int('BENCH_CLUSTER_REPLICAS', 2, 1, 10);
const MINUTES = int('BENCH_CLUSTER_MINUTES', 6, 1, 60);
/** Changes a minute: 1 % of the watched jobs, as bench:events. */
const PER_MINUTE = JOBS / 100;
const log = logger('cluster-share');
/** The commands this benchmark sends to read Redis, left out of its calls a second (the replicas send none of them). */
const OURS = new Set(['info', 'scan', 'memory|usage', 'pubsub|channels', 'dbsize']);

/** A job's ID in a Redis key, or a replica's ID: one pattern for all the keys that differ by it. */
const patternOf = (key: string) =>
  key.replace(/:batch[@:].*$/, ':<job>').replace(/:[^:]+:\d+:[0-9a-f]{8}$/, ':<replica>');

/** Redis's memory, key count, calls by command, and keys by pattern (their count, bytes from a sample). */
async function redisState(redis: RedisClientType) {
  const info = async (part: string) => redis.sendCommand<string>(['INFO', part]);
  const used = Number(/used_memory:(\d+)/.exec(await info('memory'))![1]);
  const calls = Object.fromEntries(
    [...(await info('commandstats')).matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
  const keys = new Map<string, string[]>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.sendCommand<[string, string[]]>([
      'SCAN',
      cursor,
      'COUNT',
      '1000',
    ]);
    for (const key of batch) keys.set(patternOf(key), [...(keys.get(patternOf(key)) ?? []), key]);
    cursor = next;
  } while (cursor !== '0');
  const patterns: Record<string, { keys: number; bytes: number }> = {};
  for (const [pattern, all] of keys) {
    const sample = all.filter((_, i) => i % Math.ceil(all.length / 100) === 0);
    const sizes = await Promise.all(sample.map((k) => redis.sendCommand(['MEMORY', 'USAGE', k])));
    const mean = sizes.reduce<number>((n, s) => n + Number(s ?? 0), 0) / sample.length;
    patterns[pattern] = { keys: all.length, bytes: Math.round(mean * all.length) };
  }
  const channels = (await redis.sendCommand<string[]>(['PUBSUB', 'CHANNELS'])).length;
  return { used, calls, patterns, channels, dbsize: Number(await redis.sendCommand(['DBSIZE'])) };
}

/** PostgreSQL's commits and rows written (inserted, updated, deleted) per table, from its statistics views. */
function pgState(url: string) {
  const psql = (sql: string) =>
    execFileSync('/usr/lib/postgresql/15/bin/psql', [url, '-At', '-F', ' ', '-c', sql], {
      encoding: 'utf8',
    }).trim();
  psql('select pg_stat_force_next_flush()');
  const commits = Number(
    psql('select xact_commit from pg_stat_database where datname = current_database()'),
  );
  const tables = psql(
    'select relname, n_tup_ins + n_tup_upd + n_tup_del from pg_stat_user_tables order by 1',
  );
  const rows = Object.fromEntries(
    tables.split('\n').map((line) => [line.split(' ')[0]!, Number(line.split(' ')[1])]),
  );
  return { commits, rows };
}

/** A replica's RSS, leases held, polls by role and reads by reason (`/metrics`), events applied. */
async function replicaState(gateway: GatewayProcess) {
  const text = await scrape(gateway);
  const [polls, reads] = ['polls', 'reads'].map((what) =>
    Object.fromEntries(
      metricSeries(text, `jobgraph_watch_${what}_total`).map(([l, v]) => [l.split('"')[1]!, v]),
    ),
  ) as [Record<string, number>, Record<string, number>];
  const applied = metricSeries(text, 'jobgraph_events_total')
    .filter(([l]) => l.includes('outcome="applied"'))
    .reduce((n, [, v]) => n + v, 0);
  const holders = metricValue(text, 'jobgraph_watch_pollers_by_role', 'role="holder"');
  const cpu = metricValue(text, 'process_cpu_seconds_total');
  return { rss: gateway.rss(), cpu, holders, polls, reads, applied };
}

/** The changes of `ids` (a second's worth each `60 / PER_MINUTE` s), each on its watcher's account. */
async function changeAll(stack: Stack, owner: Map<string, Watched>, ids: string[], gap: number) {
  const started = Date.now();
  for (const [i, id] of ids.entries()) {
    await sleep(Math.max(0, started + i * gap - Date.now()));
    await change(stack.emulators, owner.get(id)!, id);
  }
}

/** Each `after` count less its `before`, a second over `seconds`, the counts that moved. */
const rates = (after: Record<string, number>, before: Record<string, number>, seconds: number) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, +((v - (before[k] ?? 0)) / seconds).toFixed(2)] as const)
      .filter(([k, rate]) => rate > 0 && !OURS.has(k)),
  );

/** redis-server, PostgreSQL, the emulators and REPLICAS gateways sharing the two. */
async function startCluster(n: number) {
  const redisServer = await startRedisServer();
  track({ stop: () => kill(redisServer.child) });
  const pg = await startPostgresServer(null);
  track({ stop: async () => pg.stop() });
  const stack = await startStack({ jobsPerSource: n });
  const extraEnv = {
    JOBGRAPH_CACHE_URL: redisServer.url,
    JOBGRAPH_CLUSTER_SECRET: randomBytes(32).toString('base64url'),
    JOBGRAPH_CURSOR_SECRET: randomBytes(32).toString('base64url'),
    JOBGRAPH_HISTORY_URL: pg.url,
  };
  const replicas: GatewayProcess[] = [];
  for (let r = 0; r < REPLICAS; r++)
    replicas.push(await stack.gateway({ label: `r${r}`, extraEnv }));
  const redis = createClient({ url: redisServer.url }) as RedisClientType;
  await redis.connect();
  track({ stop: async () => redis.destroy() });
  return { stack, replicas, redis, pgUrl: pg.url };
}

runBench(log, async () => {
  const { n, ids, revive: revived } = watchedJobs(JOBS);
  log(`${ids.length} jobs over ${REPLICAS} replicas; a window of ${MINUTES} min`);
  const { stack, replicas, redis, pgUrl } = await startCluster(n);
  if (revived.length) await revive(stack.emulators, revived.splice(0));
  await sleep(10_000);
  const [idle, rssIdle] = [await redisState(redis), replicas.map((g) => g.rss())];
  // Each replica watches its own share, as a load balancer spreads the watchers, all at once.
  const owner = new Map<string, Watched>();
  const shares = replicas.map((_, r) => ids.filter((_, i) => i % REPLICAS === r));
  const ws = await Promise.all(replicas.map((gateway, r) => watch(stack, gateway, shares[r]!)));
  shares.forEach((share, r) => share.forEach((id) => owner.set(id, ws[r]!)));
  log(`${ids.length} jobs watched`);
  const mixed = ids.map((_, i) => ids[(i % 2) * Math.ceil(ids.length / 2) + (i >> 1)]!);
  const order = mixed.filter((_, i) => i % 7 === 3).concat(mixed.filter((_, i) => i % 7 !== 3));
  // The changes (1 % a minute, both accounts' in turn) start a minute before the window, as in a
  // running cluster: each replica applies events, its places are live and its first polls over.
  const changes = order.slice(0, Math.round(PER_MINUTE * (MINUTES + 1)));
  const changing = changeAll(stack, owner, changes, 60_000 / PER_MINUTE);
  await sleep(60_000);
  const watched = [...new Set(owner.values())];
  watched.forEach((w) => (w.latencies.length = 0));
  const replicaStates = () => Promise.all(replicas.map(replicaState));
  const [redis0, pg0, r0] = [await redisState(redis), pgState(pgUrl), await replicaStates()];
  const calls0 = await stack.emulators.counters();
  const started = Date.now();
  await changing;
  await sleep(Math.max(0, started + MINUTES * 60_000 - Date.now()));
  const s = (Date.now() - started) / 1000;
  const [redis1, pg1, r1] = [await redisState(redis), pgState(pgUrl), await replicaStates()];
  const batch = await batchCalls(stack.emulators, calls0);
  watched.forEach((w) => w.close());
  const lat = watched.flatMap((w) => w.latencies);
  const redisCalls = rates(redis1.calls, redis0.calls, s);
  const { used, dbsize, channels, patterns } = redis1;
  const result = {
    ...{ run: runLine(REPO_ROOT), load: loadAverage(), jobs: ids.length, replicas: REPLICAS },
    ...{ seconds: Math.round(s), changesSeen: `${lat.length}/${Math.round(PER_MINUTE * MINUTES)}` },
    deliveryP99Ms: percentile(lat, 99),
    redis: {
      ...{ usedIdle: idle.used, used, bytesPerJob: Math.round((used - idle.used) / ids.length) },
      ...{ keys: dbsize, channels, patterns },
      opsPerSecond: Object.values(redisCalls).reduce((a, b) => a + b, 0),
      callsPerSecond: redisCalls,
    },
    pg: {
      commitsPerSecond: +((pg1.commits - pg0.commits) / s).toFixed(2),
      rowsPerSecond: rates(pg1.rows, pg0.rows, s),
    },
    batch,
    byReplica: r1.map((now, r) => ({
      ...{ rssIdle: rssIdle[r], rss: now.rss, holders: now.holders },
      cpuPercent: +((100 * (now.cpu - r0[r]!.cpu)) / s).toFixed(1),
      pollsPerSecond: rates(now.polls, r0[r]!.polls, s),
      readsPerSecond: rates(now.reads, r0[r]!.reads, s),
      eventsAppliedPerSecond: +((now.applied - r0[r]!.applied) / s).toFixed(2),
    })),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
});
