/**
 * The watch load's runs on one replica (bench/sizing.ts starts them): the sizing table's steps, and
 * the moonshot's set-up, churn and window beside the bare floor's. What they read: bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.ts';
import { COS_LIST_MAX_RESULTS } from '../src/datasources/cosbatch/list.ts';
import { PANORAMA_LIST_MAX_RESULTS } from '../src/datasources/panorama/list.ts';
import { COS_BIG_STATUS_MIX } from '@jobgraph/emulators/cosbatch/listData';
import { IMPORTEXPORT_BIG_STATUS_MIX } from '@jobgraph/emulators/importexport/listData';
import { OMICS_BIG_STATUS_MIX } from '@jobgraph/emulators/omics/listData';
import { PANORAMA_BIG_STATUS_MIX } from '@jobgraph/emulators/panorama/listData';
import { delta, isListCall, type LoggedCall } from './rig/emulators.ts';
import { heapOf, metricValue, scrape, type GatewayProcess } from './rig/gateway.ts';
import { memoryAfterCollection, newSpaceBytes, sampleAllocation } from './rig/inspector.ts';
import { kitMemoryLimit } from './rig/memoryLimit.ts';
import { startChildServer } from './rig/childServer.ts';
import { cpuTimeMicros, rssBytes, sleep, statusBytes, waitForIdle } from './rig/proc.ts';
import { f, f1, loadAverage, mb } from './rig/report.ts';
import { logger, release, track, type Stack } from './rig/stack.ts';
import { median, percentile } from './rig/stats.ts';
import { post } from './lib/queries.ts';
import { readWatchSettings } from './lib/settings.ts';
import * as watchers from './lib/watchers.ts';
import type { Tally, WatcherConnection } from './lib/watchers.ts';

export const s = readWatchSettings(process.argv.includes('--moonshot'));
export const log = logger(s.moonshot ? 'moonshot' : 'sizing');
/** The most watches open at once. */
export const WATCHES = Math.max(...s.watches);
/** Copies of a Pending and of an InProgress Import/Export demo job (the emulators' `synthesize`). */
export const STILL = { prefix: 'SZ', template: 'PNDG1' };
export const MOVING = { prefix: 'MV', template: 'INPG1' };
/** Connections being set up at once: the moonshot's 50 stay below JOBGRAPH_MAX_WEBSOCKETS_PENDING's 100; on one loaded core, 50 let single connection mode reservations lapse (10 s) before their streams opened. */
export const OPEN_CONCURRENCY = s.moonshot ? 50 : 20;
const SETUP_TIMEOUT_MS = 120_000;
export const LIST_PAGES = 10;
const LIST_QUERY =
  'query($after: String) { listJobs(first: 100, after: $after) { edges { node { id state } } pageInfo { hasNextPage endCursor } } }';
/** The moonshot's sources, each with its big account's non-terminal statuses (the mix's `recent` ones) and the page size of the list its jobs are watched through (list-assisted; the others' jobs are described one by one). */
export const SOURCES = [
  { name: 'panorama', mix: PANORAMA_BIG_STATUS_MIX, page: PANORAMA_LIST_MAX_RESULTS },
  { name: 'omics', mix: OMICS_BIG_STATUS_MIX, page: null },
  { name: 'cosbatch', mix: COS_BIG_STATUS_MIX, page: COS_LIST_MAX_RESULTS },
  { name: 'importexport', mix: IMPORTEXPORT_BIG_STATUS_MIX, page: null },
] as const;

/** The moving jobs' next progress message, given to the job the emulators copy for each of them. */
export const emulatorMove = (stack: Stack) => (message: string) =>
  stack.emulators.patchImportExportJob(MOVING.template, { ProgressMessage: message });

/** Each connection's kind and subscriptions: watch w takes its jobs in turn from group ⌊w / perGroup⌋ (settings.ts). */
export function plans(jobs: readonly string[]) {
  return Array.from({ length: Math.ceil(WATCHES / s.perConnection) }, (_, c) => {
    const first = c * s.perConnection;
    const watches = Array.from({ length: Math.min(s.perConnection, WATCHES - first) }, (_, i) => {
      const [group, k] = [Math.floor((first + i) / s.perGroup), (first + i) % s.perGroup];
      const job = (j: number) => jobs[group * s.group + ((k * s.jobsPerWatch + j) % s.group)]!;
      return Array.from({ length: s.jobsPerWatch }, (_, j) => job(j));
    });
    return { kind: watchers.kindOf(c), watches };
  });
}
type Plan = ReturnType<typeof plans>[number];

/** Openers of plans' connections to `url`, connection c its own caller (`tokens[c]`). */
const openers = (url: string, list: readonly Plan[], tokens: string[], tally: Tally, from = 0) =>
  list.map(
    (p, i) => () =>
      new watchers.WatcherConnection(p.kind, url, tokens[from + i]!, p.watches, tally),
  );

/** The caps this size needs raised above their defaults, and every still job's longest wait between polls in s (JOBGRAPH_WATCH_MAX_POLL_MS). */
function raisedCaps(jwtSecret: string, kinds: Record<watchers.WatcherKind, number>) {
  const { watch, limits } = loadConfig({ mode: 'live' }, { JOBGRAPH_JWT_SECRET: jwtSecret });
  const need: [string, number, number][] = [
    ['JOBGRAPH_MAX_SUBSCRIPTIONS', watch.maxTotal, WATCHES],
    ['JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER', watch.maxPerCaller, s.perConnection],
    ['JOBGRAPH_MAX_WEBSOCKETS', watch.maxSockets, kinds.ws],
    ['JOBGRAPH_MAX_SSE_RESERVATIONS', watch.maxReservations, kinds['sse-single']],
    ['JOBGRAPH_MAX_JOBS_PER_REQUEST', limits.maxJobsPerRequest, s.jobsPerWatch],
  ];
  const raised = need.filter(([, current, wanted]) => wanted > current);
  return {
    env: Object.fromEntries(raised.map(([name, , wanted]) => [name, String(wanted)])),
    why: raised.map(([name, current, wanted]) => `\`${name}=${wanted}\` (default ${current})`),
    longestWait: watch.maxPollMs / 1000,
  };
}

/**
 * A window of `seconds`: the watches and watched jobs the gateway holds (its gauges), RSS every
 * second, the V8 heap every 10 s (moonshot only: a /metrics scrape costs the gateway ≈ 10 ms of
 * CPU; the lowest reading is the closest to what a collection leaves), the CPU of the gateway, of
 * the emulators and of this process (the watchers' clients), the upstream calls and the events.
 */
async function window(stack: Stack, gateway: GatewayProcess, tally: Tally, seconds: number) {
  const metrics = await scrape(gateway);
  const calls0 = await stack.emulators.counters();
  const cpu0 = { gateway: gateway.cpuMicros(), emulators: cpuTimeMicros(stack.emulators.pid) };
  const [bench0, events0, at] = [process.cpuUsage(), tally.events, performance.now()];
  const heaps: Awaited<ReturnType<typeof heapOf>>[] = [];
  const rss = await rssReadings(gateway, seconds, async (n) => {
    if (s.moonshot && n % 10 === 1) heaps.push(await heapOf(gateway));
  });
  const minutes = (performance.now() - at) / 60_000;
  /** CPU seconds a minute, from µs. */
  const perMinute = (micros: number) => micros / 1e6 / minutes;
  const bench = process.cpuUsage(bench0);
  const calls = await stack.emulators.callsSince(calls0);
  const figures = {
    watches: metricValue(metrics, 'jobgraph_subscriptions_open'),
    watchedJobs: metricValue(metrics, 'jobgraph_watch_pollers'),
    rssMB: median(rss) / 1e6,
    rssMaxMB: Math.max(...rss) / 1e6,
    highWaterMB: statusBytes(gateway.pid, 'VmHWM') / 1e6,
    cpuPercent: (perMinute(gateway.cpuMicros() - cpu0.gateway) / 60) * 100,
    upstreamPerMinute: calls.length / minutes,
    eventsPerMinute: (tally.events - events0) / minutes,
  };
  const most = (of: (h: (typeof heaps)[number]) => number) => Math.max(...heaps.map(of));
  const extra = {
    seconds: minutes * 60,
    emulatorCpuPerMinute: perMinute(cpuTimeMicros(stack.emulators.pid) - cpu0.emulators),
    benchCpuPerMinute: perMinute(bench.user + bench.system),
    heap: {
      usedMin: Math.min(...heaps.map((h) => h.used)),
      usedMax: most((h) => h.used),
      totalMax: most((h) => h.total),
      externalMax: most((h) => h.external),
      newSpaceMax: most((h) => h.newSpace),
    },
  };
  return { figures, extra, calls };
}

/** A step of the sizing table: its window's figures, and the listed jobs the snapshots hold (the sources read whole). */
export type SizingRow = {
  cores: number;
  step: string;
  listedJobs: number;
  problems: string;
} & Awaited<ReturnType<typeof window>>['figures'];

/** One replica pinned to `cores` cores through every step of the sizing table. */
export async function sizingReplica(stack: Stack, cores: number, all: Plan[], tokens: string[]) {
  const gateway = await stack.gateway({ label: `sizing-${cores}` });
  // -a: every thread the process has; the ones it starts later inherit the mask.
  const cpus = cores === 1 ? '0' : `0-${cores - 1}`;
  execFileSync('taskset', ['-a', '-c', '-p', cpus, `${gateway.pid}`], { stdio: 'ignore' });
  const tally = watchers.newTally();
  const open: WatcherConnection[] = [];
  const rows: SizingRow[] = [];
  const row = async (step: string, listedJobs: number, warmupSeconds: number) => {
    await sleep(warmupSeconds * 1000);
    const { figures } = await window(stack, gateway, tally, s.seconds);
    const notReady = open.filter((c) => c.readyAt === null).length;
    const problems = `${notReady} connections not ready, ${tally.errors} errors, ${tally.reconnects} reconnects, ${tally.closes} closes`;
    rows.push({ cores, step, listedJobs, ...figures, problems });
    log(
      `${cores} core(s), ${step}: ${JSON.stringify(figures)}; ${problems}; load ${loadAverage()}`,
    );
  };
  try {
    await row('idle', 0, 5);
    for (const watches of s.watches) {
      const more = all.slice(open.length, Math.ceil(watches / s.perConnection));
      const make = openers(gateway.url, more, tokens, tally, open.length);
      await watchers.openAll(make, OPEN_CONCURRENCY, SETUP_TIMEOUT_MS, open);
      await row(`${f(watches)} watches`, 0, s.warmupSeconds);
    }
    type Page = { listJobs?: { pageInfo: { hasNextPage: boolean; endCursor: string } } } | null;
    const page = (after: string | null) =>
      post(gateway.url, JSON.stringify({ query: LIST_QUERY, variables: { after } }), stack.headers);
    for (let n = 0, after: string | null = null; n < LIST_PAGES; n++) {
      const res = await page(after);
      const info = (res.json.data as Page)?.listJobs?.pageInfo;
      if (res.status !== 200 || !info)
        throw new Error(`listJobs answered ${res.status}: ${res.text.slice(0, 300)}`);
      if (!info.hasNextPage) break;
      after = info.endCursor;
    }
    const dashboard = setInterval(() => void page(null).catch(() => undefined), 5000);
    try {
      await row(`${f(open.length * s.perConnection)} watches + listing`, 4 * s.jobsPerSource!, 0);
    } finally {
      clearInterval(dashboard);
    }
  } finally {
    for (const c of open) c.close();
    await release(gateway);
  }
  return rows;
}

/** A process watchers are set up against (a gateway, the bare floor), started with its inspector on loopback. */
type Target = { pid: number; cpuMicros(): number; inspector: string | null };

/** Once the process is idle, RSS, heap in use and retained (heap + `external`) after a full collection. */
async function settled(t: Target) {
  await waitForIdle(t.pid, 20_000);
  if (!t.inspector) throw new Error(`process ${t.pid} was started without its inspector`);
  const m = await memoryAfterCollection(t.inspector);
  return { rss: m.rss, heap: m.heapUsed, retained: m.heapUsed + m.external };
}

/**
 * The moonshot's set-up: every connection, in two halves with a settled reading before, between
 * and after them (why: bench/README.md). Wall time leaves out the halfway reading; CPU does not.
 */
async function setUp(t: Target, make: (() => WatcherConnection)[], open: WatcherConnection[]) {
  const idle = await settled(t);
  const [cpu0, at, half] = [t.cpuMicros(), performance.now(), Math.ceil(make.length / 2)];
  await watchers.openAll(make.slice(0, half), OPEN_CONCURRENCY, SETUP_TIMEOUT_MS, open);
  const pausedAt = performance.now();
  const mid = await settled(t);
  const pauseMs = performance.now() - pausedAt;
  await watchers.openAll(make.slice(half), OPEN_CONCURRENCY, SETUP_TIMEOUT_MS, open);
  const seconds = (performance.now() - at - pauseMs) / 1000;
  const end = await settled(t);
  const ready = open.filter((c) => c.readyAt !== null).map((c) => c.readyAt! - c.openedAt);
  const watches = open.slice(half).reduce((n, c) => n + c.seen.length, 0);
  const readyMs = { p50: median(ready), p95: percentile(ready, 95), max: Math.max(...ready) };
  return {
    ...{ seconds, cpuSeconds: (t.cpuMicros() - cpu0) / 1e6, perConnectionMs: readyMs },
    ...{ idle, end, notReady: open.length - ready.length },
    secondHalf: {
      ...{ watches, rss: end.rss - mid.rss, heap: end.heap - mid.heap },
      retained: end.retained - mid.retained,
    },
  };
}

/**
 * The same connections against the bare floor (baseline/watchFloor.ts: graphql-ws and graphql-sse
 * on node:http, one map of listeners), set up as the gateway's were, then the same churn: the
 * moving jobs' progress sent to it on the same clock (`POST /move`), the same warm-up and window.
 */
async function floorRun(all: Plan[], tokens: string[], moving: string[]) {
  const file = fileURLToPath(new URL('./baseline/watchFloor.ts', import.meta.url));
  // In the kit's limit too when the gateway was (BENCH_MOONSHOT_KIT_LIMIT): one heap sizing for both.
  const limit = s.kitLimit ? kitMemoryLimit('jobgraph-moonshot-floor') : undefined;
  if (limit && 'unavailable' in limit) throw new Error(`floor: ${limit.unavailable}`);
  const memoryLimit = limit && { memoryLimit: limit };
  const floor = track(await startChildServer(file, [], { inspect: true, ...memoryLimit }));
  const tally = watchers.newTally();
  const open: WatcherConnection[] = [];
  try {
    const figures = await setUp(floor, openers(floor.url, all, tokens, tally), open);
    log(
      `floor: set up in ${f1(figures.seconds)} s, RSS ${mb(figures.idle.rss)} → ${mb(figures.end.rss)}`,
    );
    const to = new URL('/move', floor.url);
    const move = (statusMessage: string) =>
      fetch(to, { method: 'POST', body: JSON.stringify({ ids: moving, statusMessage }) });
    const churn = await churning(floor, tally, open, moving, move, async () => ({
      rss: median(await rssReadings(floor, s.seconds)),
    }));
    return { ...figures, churn, errors: tally.errors };
  } finally {
    for (const c of open) c.close();
    await release(floor);
    limit?.remove();
  }
}

/**
 * The churn on `t` once set up: every subscription marked, the moving jobs moved by `move` every
 * BENCH_MOONSHOT_MOVE_S, the warm-up, then `during` the steady window under V8's allocation
 * sampling (rig/inspector.ts); then the subscribers of each moving job compared, and what the
 * process retains after a full collection read once it is idle again.
 */
async function churning<T>(
  t: Target,
  tally: Tally,
  open: WatcherConnection[],
  moving: string[],
  move: (message: string) => Promise<unknown>,
  during: () => Promise<T>,
) {
  for (const c of open) c.mark();
  const mover = watchers.startMover(move, s.moveSeconds, log);
  await sleep(s.warmupSeconds * 1000);
  const [events0, at] = [tally.events, performance.now()];
  const sampling = await sampleAllocation(t.inspector!);
  // Both sides' new space read alike every 10 s: the RSS row follows its size (docs/performance.md).
  const young: number[] = [];
  const read = () => newSpaceBytes(t.inspector!).then((b) => void young.push(b), log);
  const reading = setInterval(() => void read(), 10_000);
  const steady = await during();
  clearInterval(reading);
  const allocation = await sampling.stop();
  const minutes = (performance.now() - at) / 60_000;
  const events = tally.events - events0;
  const agreement = await watchers.compareSubscribers(open, moving, mover.stop());
  // What the watches retain once the churn has run: the decided goal (docs/performance.md, Goals).
  const after = await settled(t);
  log(
    `${t.pid}: ${f(allocation.bytes / 1e6)} MB allocated, ${events} events in ${f1(minutes)} min`,
  );
  const youngMost = Math.max(...young);
  const retained = after.retained;
  return {
    steady,
    minutes,
    events,
    allocation,
    agreement,
    youngMost,
    retained,
    tally: { ...tally },
  };
}

/** RSS every second for `seconds`, `each` given the count after each reading. */
async function rssReadings(t: Target, seconds: number, each?: (n: number) => Promise<void>) {
  const [rss, at] = [[] as number[], performance.now()];
  for (; performance.now() - at < seconds * 1000; await sleep(1000)) {
    const n = rss.push(rssBytes(t.pid)); // not inside each?.(…): without `each` it is never read
    await each?.(n);
  }
  return rss;
}

/** The moonshot on one replica: set-up, warm-up, the steady window, the moving jobs' check; then the floor. */
export async function moonshotReplica(
  stack: Stack,
  all: Plan[],
  tokens: string[],
  moving: string[],
) {
  const kinds = { ws: 0, sse: 0, 'sse-single': 0 };
  for (const p of all) kinds[p.kind] += 1;
  const caps = raisedCaps(stack.jwtSecret, kinds);
  const extraEnv = { LOG_LEVEL: 'info', ...caps.env };
  const limit = s.kitLimit ? kitMemoryLimit('jobgraph-moonshot') : undefined;
  if (limit && 'unavailable' in limit)
    throw new Error(`BENCH_MOONSHOT_KIT_LIMIT: ${limit.unavailable}`);
  const gateway = await stack
    .gateway({ label: 'moonshot', extraEnv, inspect: true, ...(limit && { memoryLimit: limit }) })
    .catch((error: unknown) => {
      limit?.remove(); // the gateway never started, or has exited: its cgroup is empty
      throw error;
    });
  const tally = watchers.newTally();
  const open: WatcherConnection[] = [];
  let replica;
  try {
    const calls0 = await stack.emulators.counters();
    const setup = await setUp(gateway, openers(gateway.url, all, tokens, tally), open);
    const upstreamCalls = delta(calls0, await stack.emulators.counters(), 'calls');
    const events = tally.events;
    log(`set up in ${f1(setup.seconds)} s, ${upstreamCalls} upstream calls, load ${loadAverage()}`);
    const during = async () => ({
      ...(await window(stack, gateway, tally, s.seconds)),
      loadWindowEnd: loadAverage(),
    });
    const churn = await churning(gateway, tally, open, moving, emulatorMove(stack), during);
    const { figures, extra, calls, loadWindowEnd } = churn.steady;
    log(
      `window: ${f1(figures.cpuPercent * 0.6)} CPU s/min, ${f1(figures.upstreamPerMinute / 60)} calls/s, load ${loadWindowEnd}`,
    );
    replica = {
      ...{ loadWindowEnd, gateway: gateway.settings, raised: caps.why, connections: kinds },
      longestWait: caps.longestWait,
      setup: { ...setup, upstreamCalls, events },
      window: { ...figures, ...extra, ...callsBySource(calls, extra.seconds) },
      churn: { ...churn, steady: { rss: figures.rssMB * 1e6 } },
      events: { total: churn.tally.events, ...churn.agreement },
      tally: churn.tally,
    };
  } finally {
    for (const c of open) c.close();
    await release(gateway);
    limit?.remove();
  }
  // The floor after the gateway has stopped (and left its cgroup).
  return { ...replica, floor: s.floor ? await floorRun(all, tokens, moving) : null };
}

/** Calls a second of each source in the window (list, describe), the moving jobs' describes apart, and the failed calls. */
function callsBySource(calls: readonly LoggedCall[], seconds: number) {
  const rate = (name: string, list: boolean) =>
    calls.filter(
      (c) =>
        c.status === 200 &&
        isListCall(c) === list &&
        (c.job?.startsWith(MOVING.prefix) ? 'moving' : c.emulator) === name,
    ).length / seconds;
  return {
    bySource: SOURCES.map(({ name }) => ({
      name,
      list: rate(name, true),
      describe: rate(name, false),
    })),
    movingDescribesPerSecond: rate('moving', false),
    failedCalls: calls.filter((c) => c.status !== 200).length,
  };
}
