/**
 * The watch load benchmark, in two modes: `npm run bench:sizing` (the sizing table: bench/SIZING.md
 * and bench/sizing.json; `--render` again from the JSON) and `npm run bench:moonshot`
 * (`--moonshot`: bench/MOONSHOT.md, and its figures as one JSON line). The jobs, the watchers, the
 * phases and every setting: bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.ts';
import { COS_LIST_MAX_RESULTS } from '../src/datasources/cosbatch/list.ts';
import { PANORAMA_LIST_MAX_RESULTS } from '../src/datasources/panorama/list.ts';
import { listedDemoJobs } from '../src/emulators/index.ts';
import { COS_BIG_STATUS_MIX } from '../src/emulators/cosbatch/listData.ts';
import { IMPORTEXPORT_BIG_STATUS_MIX } from '../src/emulators/importexport/listData.ts';
import { OMICS_BIG_STATUS_MIX } from '../src/emulators/omics/listData.ts';
import { PANORAMA_BIG_STATUS_MIX } from '../src/emulators/panorama/listData.ts';
import { delta, isListCall, type LoggedCall } from './rig/emulators.ts';
import { heapOf, metricValue, scrape, type GatewayProcess } from './rig/gateway.ts';
import {
  INSPECT_LOOPBACK,
  memoryAfterCollection,
  newSpaceBytes,
  sampleAllocation,
} from './rig/inspector.ts';
import { KIT_LIMIT, kitMemoryLimit } from './rig/memoryLimit.ts';
import { startChildServer } from './rig/childServer.ts';
import { cpuTimeMicros, REPO_ROOT, rssBytes, sleep, statusBytes, waitForIdle } from './rig/proc.ts';
import {
  columns,
  loadAverage,
  mb,
  passMiss,
  proseWrapped,
  runLine,
  writeReport,
  type Column,
} from './rig/report.ts';
import { logger, release, runBench, startStack, track, type Stack } from './rig/stack.ts';
import { linearFit, median, percentile } from './rig/stats.ts';
import { post } from './lib/queries.ts';
import { childEnv, readWatchSettings, type WatchSettings } from './lib/settings.ts';
import * as watchers from './lib/watchers.ts';
import type { Tally, WatcherConnection } from './lib/watchers.ts';

const s = readWatchSettings(process.argv.includes('--moonshot'));
const log = logger(s.moonshot ? 'moonshot' : 'sizing');
const OUT_MD = fileURLToPath(new URL(s.moonshot ? 'MOONSHOT.md' : 'SIZING.md', import.meta.url));
const OUT_JSON = fileURLToPath(new URL('./sizing.json', import.meta.url));
/** The most watches open at once. */
const WATCHES = Math.max(...s.watches);
/** Copies of a Pending and of an InProgress Import/Export demo job (the emulators' `synthesize`). */
const STILL = { prefix: 'SZ', template: 'PNDG1' };
const MOVING = { prefix: 'MV', template: 'INPG1' };
/** Connections being set up at once: the moonshot's 50 stay below JOBGRAPH_MAX_WEBSOCKETS_PENDING's 100; on one loaded core, 50 let single connection mode reservations lapse (10 s) before their streams opened. */
const OPEN_CONCURRENCY = s.moonshot ? 50 : 20;
const SETUP_TIMEOUT_MS = 120_000;
const LIST_PAGES = 10;
const LIST_QUERY =
  'query($after: String) { listJobs(first: 100, after: $after) { edges { node { id state } } pageInfo { hasNextPage endCursor } } }';
/** The moonshot's sources, each with its big account's non-terminal statuses (the mix's `recent` ones) and the page size of the list its jobs are watched through (list-assisted; the others' jobs are described one by one). */
const SOURCES = [
  { name: 'panorama', mix: PANORAMA_BIG_STATUS_MIX, page: PANORAMA_LIST_MAX_RESULTS },
  { name: 'omics', mix: OMICS_BIG_STATUS_MIX, page: null },
  { name: 'cosbatch', mix: COS_BIG_STATUS_MIX, page: COS_LIST_MAX_RESULTS },
  { name: 'importexport', mix: IMPORTEXPORT_BIG_STATUS_MIX, page: null },
] as const;

/**
 * `count` unfinished jobs of a big account, taken from each source in turn (newest first), how
 * many of each, and its jobs a source: BENCH_MOONSHOT_JOBS_PER_SOURCE, or the fewest that hold them.
 */
function bigAccount(count: number) {
  const unfinished = (n: number) => {
    const lists = listedDemoJobs(Date.now(), { jobsPerSource: n });
    return SOURCES.map(({ name, mix }) => {
      const open = new Set(mix.recent.map(([status]) => status));
      return lists[name].filter((j) => open.has(j.providerStatus)).map((j) => j.globalId);
    });
  };
  let n = s.jobsPerSource ?? Math.ceil(count / (unfinished(1000).flat().length / 1000));
  let by = unfinished(n);
  while (by.flat().length < count) {
    if (s.jobsPerSource !== undefined)
      throw new Error(`BENCH_MOONSHOT_JOBS_PER_SOURCE=${n} gives too few unfinished jobs`);
    by = unfinished((n = Math.ceil(n * 1.02)));
  }
  const taken: string[] = [];
  const perSource: Record<string, number> = {};
  for (let i = 0; taken.length < count; i++)
    by.forEach((ids, k) => {
      const id = ids[i];
      if (id === undefined || taken.length >= count) return;
      taken.push(id);
      perSource[SOURCES[k]!.name] = (perSource[SOURCES[k]!.name] ?? 0) + 1;
    });
  return { n, taken, perSource };
}

/** `count` Import/Export IDs of `prefix` (the emulators' `synthesize` makes their jobs). */
const synthesized = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `importexport:${prefix}${String(i).padStart(6, '0')}`);

/** The watched jobs: the still ones with the moving ones spread evenly among them. */
function jobList(still: readonly string[], moving: readonly string[]): string[] {
  const out: string[] = [];
  const stride = moving.length ? Math.floor((still.length + moving.length) / moving.length) : 0;
  let [i, m] = [0, 0];
  while (out.length < still.length + moving.length) {
    const movingHere = m < moving.length && (i >= still.length || out.length % stride === 0);
    out.push(movingHere ? moving[m++]! : still[i++]!);
  }
  return out;
}

/** The moving jobs' next progress message, given to the job the emulators copy for each of them. */
const emulatorMove = (stack: Stack) => (message: string) =>
  stack.emulators.patchImportExportJob(MOVING.template, { ProgressMessage: message });

/** Each connection's kind and subscriptions: watch w takes its jobs in turn from group ⌊w / perGroup⌋ (settings.ts). */
function plans(jobs: readonly string[]) {
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

/** A step of the sizing table: its figures, and the listed jobs the snapshots hold (the sources read whole). */
type Row = { cores: number; step: string; listedJobs: number; problems: string } & Awaited<
  ReturnType<typeof window>
>['figures'];

/** One replica pinned to `cores` cores through every step of the sizing table. */
async function sizingReplica(stack: Stack, cores: number, all: Plan[], tokens: string[]) {
  const gateway = await stack.gateway({ label: `sizing-${cores}` });
  // -a: every thread the process has; the ones it starts later inherit the mask.
  const cpus = cores === 1 ? '0' : `0-${cores - 1}`;
  execFileSync('taskset', ['-a', '-c', '-p', cpus, `${gateway.pid}`], { stdio: 'ignore' });
  const tally = watchers.newTally();
  const open: WatcherConnection[] = [];
  const rows: Row[] = [];
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
  const floor = track(await startChildServer(file, [], { inspect: true }));
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
  }
}

/**
 * The churn on `t` once set up: every subscription marked, the moving jobs moved by `move` every
 * BENCH_MOONSHOT_MOVE_S, the warm-up, then `during` the steady window under V8's allocation
 * sampling (rig/inspector.ts); then the subscribers of each moving job compared.
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
  log(
    `${t.pid}: ${f(allocation.bytes / 1e6)} MB allocated, ${events} events in ${f1(minutes)} min`,
  );
  const youngMost = Math.max(...young);
  return { steady, minutes, events, allocation, agreement, youngMost, tally: { ...tally } };
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
async function moonshotReplica(stack: Stack, all: Plan[], tokens: string[], moving: string[]) {
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

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;
const MiB = 2 ** 20;

/** The Kubernetes resources from the table, by the rule renderSizing() states. */
function kubernetes(rows: readonly Row[]) {
  const most = (figure: (r: Row) => number) => Math.max(...rows.map(figure));
  const request = ceilTo((most((r) => r.rssMaxMB) * 1e6 * 1.2) / MiB, 64);
  const limit = ceilTo(Math.max(2 * request, (most((r) => r.highWaterMB) * 1e6 * 1.25) / MiB), 256);
  const cpu = Math.max(100, ceilTo(most((r) => r.cpuPercent) * 10 * 1.5, 50));
  return { requests: { cpu: `${cpu}m`, memory: `${request}Mi` }, limits: { memory: `${limit}Mi` } };
}

/** Per core count, from the watch steps: RSS and CPU a watch adds, and the watches at 60 % of a core. */
function perWatch(rows: readonly Row[], cores: number) {
  const steps = rows.filter((r) => r.cores === cores && !r.step.endsWith('listing'));
  const watches = steps.map((r) => r.watches);
  const fit = (y: (r: Row) => number) => linearFit(watches, steps.map(y));
  const [rss, cpu] = [fit((r) => r.rssMB * 1e6), fit((r) => r.cpuPercent)];
  return {
    cores,
    kbPerWatch: rss.slope / 1e3,
    cpuPercentPer1000: cpu.slope * 1000,
    watchesAt60PercentOfACore: Math.floor((60 - cpu.intercept) / cpu.slope),
  };
}

const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const f1 = (n: number) => n.toFixed(1);

const COLUMNS: Column<Row>[] = [
  ['cores', (r) => r.cores],
  ['step', (r) => r.step],
  ['watches', (r) => f(r.watches)],
  ['watched jobs', (r) => f(r.watchedJobs)],
  ['listed jobs held', (r) => f(r.listedJobs)],
  ['RSS, median', (r) => `${f(r.rssMB)} MB`],
  ['RSS, window max', (r) => `${f(r.rssMaxMB)} MB`],
  ['RSS high-water', (r) => `${f(r.highWaterMB)} MB`],
  ['CPU, % of one core', (r) => f(r.cpuPercent, 1)],
  ['CPU, % of the replica', (r) => f(r.cpuPercent / r.cores, 1)],
  ['upstream calls/min', (r) => f(r.upstreamPerMinute)],
  ['events/min', (r) => f(r.eventsPerMinute)],
  ['clients (since start)', (r) => r.problems],
];

/** What a run's report opens with: its run line, the load averages, the settings. */
type RunFacts = { run: string; load: string[]; settings: WatchSettings };

interface Sizing extends RunFacts {
  rows: Row[];
  perWatch: ReturnType<typeof perWatch>[];
  kubernetes: ReturnType<typeof kubernetes>;
}

function renderSizing(result: Sizing): string {
  const [s, k] = [result.settings, result.kubernetes];
  const lines = (list: string[]) => list.join('\n');
  return `# Sizing: what one replica holds, and what to request for it

\`npm run bench:sizing\` (about 16 minutes; \`BENCH_QUICK=1\` about 3, smaller steps) rewrites this file and bench/sizing.json. ${result.run}. Load average (1, 5, 15 min) ${result.load.join(' at the start, ')} at the end: **the machine is shared** (six sessions on 2 cores), so CPU is the gateway's own time from \`/proc/<pid>/stat\`, read to a factor, not a digit.

One default-config live gateway pinned with \`taskset\` to the cores named, in front of the emulators (their own process, unpinned; a big account of ${f(s.jobsPerSource!)} jobs in every listable source; ${s.latencyMs} ms before each answer). Watches: \`jobUpdates\` subscriptions of ${s.jobsPerWatch} jobs, ${s.perConnection} a connection, each connection its own caller, nine in ten over graphql-ws and one in ten over graphql-sse (half distinct, half single connection mode), on the clients' defaults; every watched job is watched by 20 subscriptions, and one in ${f(s.jobs / s.moving)} reports progress every ${s.moveSeconds} s. The watched jobs are Import/Export jobs, described one by one: the most upstream calls a watched job costs (COS Batch and Panorama jobs ride their list: fewer). Listing: a walk of ${LIST_PAGES} \`listJobs\` pages of 100 over the big account, then a dashboard re-reading page 1 every 5 s (snapshots are kept 30 s). Each step waits ${s.warmupSeconds} s (the pollers back off to their 30-s wait), then a ${s.seconds}-s window: RSS (one reading a second: their median and highest; V8 gives memory back after some collections, so a step's median can fall below the step before), RSS high-water (\`VmHWM\`, since start), CPU and upstream calls per minute.

${lines(columns(result.rows, COLUMNS))}

## Per watch, per vCPU

Least-squares lines through the watch steps of each run (idle included, listing not):

${lines(result.perWatch.map((p) => `- ${p.cores} core(s): ${f(p.kbPerWatch, 1)} KB of RSS and ${f(p.cpuPercentPer1000, 2)} % of one core per 1,000 watches; by CPU alone, ${f(p.watchesAt60PercentOfACore)} watches at 60 % of one core.`))}

A replica is bounded by memory and by \`JOBGRAPH_MAX_SUBSCRIPTIONS\` (10,000 by default) long before CPU: plan replicas by watches ÷ 10,000 and size memory from the table. What a watch costs beside the bare protocol libraries (graphql-ws + graphql-sse alone) is \`npm run bench:moonshot\`'s figure ([MOONSHOT.md](MOONSHOT.md)).

## Kubernetes requests and limits

From the heaviest step of any run (the top steps hold \`JOBGRAPH_MAX_SUBSCRIPTIONS\`, 10,000 watches, the most a default replica takes; RSS swings with V8's collections, so the highest reading of a window is taken): memory request = that RSS + 20 %, in 64 Mi steps; memory limit = twice the request and at least the high-water + 25 %, in 256 Mi steps (Node sizes its heap from the limit, about half of it, and the peak of concurrent queries comes on top: README, Memory); CPU request = steady CPU + 50 %, in 50 m steps, at least 100 m; no CPU limit (a throttled event loop answers late). deploy/kubernetes/deployment.yaml and deploy/compose.yaml follow this (test/deploy/manifests.test.ts checks it):

\`requests: {cpu: ${k.requests.cpu}, memory: ${k.requests.memory}}\`, \`limits: {memory: ${k.limits.memory}}\`.

Re-run: \`npm run bench:sizing\`; \`BENCH_QUICK=1\` for a quick look (its figures are not steady: the pollers have not backed off); \`BENCH_SIZING_*\`, \`BENCH_JOBS_PER_SOURCE\` (bench/README.md).
`;
}

/** SIZING.md and sizing.json from a run's rows, with what the rows give. */
async function writeSizing(run: Omit<Sizing, 'perWatch' | 'kubernetes'>): Promise<void> {
  const cores = [...new Set(run.rows.map((r) => r.cores))];
  const perWatches = cores.map((c) => perWatch(run.rows, c));
  const result = { ...run, perWatch: perWatches, kubernetes: kubernetes(run.rows) };
  const written = await writeReport({
    md: [OUT_MD, renderSizing(result)],
    json: [OUT_JSON, result],
  });
  log(`wrote ${written.join(', ')}; kubernetes: ${JSON.stringify(result.kubernetes)}`);
}

type Moonshot = Awaited<ReturnType<typeof moonshotReplica>> &
  RunFacts & { jobsPerSource: number; watchedPerSource: Record<string, number> };

/** The problems of a moonshot run, each with its count; empty when there were none. */
function problems(r: Moonshot): string[] {
  const { tally: t, events: e } = r;
  const counts: [number, string][] = [
    [
      r.setup.notReady,
      'connections where a subscription never had a first event of each of its jobs (refused, failed, or 120 s passed)',
    ],
    [t.errors, 'errors (a `next` with errors, or the client gave up)'],
    [t.completes, 'subscriptions completed (none of these jobs finishes)'],
    [t.closes, 'WebSocket closes not asked for'],
    [t.reconnects, 'reconnections by the clients'],
    [
      e.missed,
      `events missed (${e.behind} subscriber-jobs behind another subscriber of the same job)`,
    ],
    [e.unsettled, 'subscriber-jobs that never showed the last progress step'],
    [e.unexpected, 'events of jobs that never change after set-up'],
    [r.window.failedCalls, 'upstream calls answered with an error in the window'],
  ];
  return counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

/** A figure as a report cell. */
type Show = (n: number) => string;
const kb: Show = (bytes) => `${(bytes / 1e3).toFixed(1)} KB`;

/** A row of jobgraph's figure beside the floor's, as `show` writes them, their ratio and, with a goal, its verdict. */
const besideRow = (what: string, ours: number, bare: number, show: Show, goal?: number) =>
  `| ${what} | ${show(ours)} | ${show(bare)} | ${(ours / bare).toFixed(2)}× | ${goal ? `≤ ${goal}× | ${passMiss(ours / bare <= goal)}` : 'fact | '} |`;

/** jobgraph's memory per watch beside the bare floor's, for the same connections (issue 49: ≤ 1.3×). */
function floorSection(r: Moonshot): string {
  const [g, fl] = [r.setup, r.floor];
  if (!fl) return '';
  const half = g.secondHalf.watches;
  const row = (what: string, ours: number, bare: number, count: number, goal?: number) =>
    besideRow(what, ours / count, bare / count, kb, goal);
  const bad = fl.notReady || fl.errors;
  return `## Beside the bare floor

The same ${f(WATCHES)} subscriptions, connections, callers and clients opened against the bare floor (\`bench/baseline/watchFloor.ts\`: graphql-ws \`useServer\` and graphql-sse \`createHandler\` on node:http, one in-process map of listeners, no auth, caps, pollers or upstream) after jobgraph's run. Both open the connections in two halves: by the second half (${f(half)} watches) every job is already watched, so what it adds is what watches alone cost; the whole set-up, less the idle reading, also carries each job's poller and first reads. Each reading (idle, halfway, after set-up) waits for the process to go idle, has its inspector (\`${INSPECT_LOOPBACK}\`, both processes alike) make a full collection, then reads \`process.memoryUsage()\`: what the process retains is the V8 heap in use plus the memory outside it (\`external\`: Buffers, the sockets' among them). The goal is on retained memory, not RSS, because RSS follows when V8 decides to grow its heap, not what the watches hold: the RSS rows are facts.${bad ? ` **The floor had ${fl.notReady} connections not ready and ${fl.errors} errors.**` : ''}

| per watch | jobgraph | bare floor | ratio | goal | result |
| --- | --- | --- | --- | --- | --- |
${row('retained after a collection (V8 heap used + external), second half', g.secondHalf.retained, fl.secondHalf.retained, half, 1.3)}
${row('V8 heap used after a collection, second half', g.secondHalf.heap, fl.secondHalf.heap, half)}
${row('RSS after a collection, second half', g.secondHalf.rss, fl.secondHalf.rss, half)}
${row('retained after a collection, whole set-up − idle', g.end.retained - g.idle.retained, fl.end.retained - fl.idle.retained, WATCHES)}
${row('RSS after a collection, whole set-up − idle', g.end.rss - g.idle.rss, fl.end.rss - fl.idle.rss, WATCHES)}
| set-up: wall time, server CPU | ${f1(g.seconds)} s, ${f1(g.cpuSeconds)} s | ${f1(fl.seconds)} s, ${f1(fl.cpuSeconds)} s | ${(g.cpuSeconds / fl.cpuSeconds).toFixed(2)}× CPU | fact | |

`;
}

/** Memory and allocation under churn beside the floor carrying the same churn (issue 60: ≤ 1.3×, ≤ 1.5×). */
function churnSection(r: Moonshot): string {
  const fl = r.floor;
  if (!fl) return '';
  const side = (c: typeof r.churn, idle: number) => ({
    ...c,
    rssPerWatch: (c.steady.rss - idle) / WATCHES,
    perJobMinute: c.allocation.bytes / r.settings.jobs / c.minutes,
  });
  const [g, b] = [side(r.churn, r.setup.idle.rss), side(fl.churn, fl.idle.rss)];
  const row = (what: string, of: (x: typeof g) => number, show = kb, goal?: number) =>
    besideRow(what, of(g), of(b), show, goal);
  const steps = (x: typeof g) =>
    `${x.agreement.stepsMade} made, ${x.agreement.stepsSeenMin}–${x.agreement.stepsSeenMax} seen, ${x.agreement.missed} missed`;
  const top = (x: typeof g) =>
    x.allocation.top
      .map((t) => `\`${t.where}\` ${((t.bytes / x.allocation.bytes) * 100).toFixed(1)} %`)
      .join(', ');
  return `## Under churn, beside the floor carrying the same churn

Once set up, the floor (above) is given the same churn: the bench sends it the moving jobs' next progress message on the same clock as the emulators' (\`POST /move\`, every ${r.settings.moveSeconds} s), and it pushes each to every subscriber of those jobs; the same ${r.settings.warmupSeconds}-s warm-up, then the same ${r.settings.seconds}-s window. Both processes run on the same Node (\`${process.execPath.split('/').slice(-3).join('/')}\`, ${process.version}) with the same flags (\`${INSPECT_LOOPBACK}\`; the floor adds \`--import tsx\` to load its TypeScript) and the same environment less jobgraph's settings (\`NODE_ENV=production\`, ${childEnv().NODE_OPTIONS ? `\`NODE_OPTIONS=${childEnv().NODE_OPTIONS}\`` : 'no `NODE_OPTIONS`'}: \`BENCH_NODE_OPTIONS\`). RSS per watch is the window's median RSS (a reading a second) less the idle reading (after a collection), over ${f(WATCHES)} watches. Allocation is V8's sampling heap profiler (\`HeapProfiler.startSampling\` through the inspector, one sample per 64 KiB on average, objects freed by young and old collections included), which V8 scales to an estimate of every byte allocated in the window — the same counter on both sides; its samples are held outside the heap, in RSS, on both sides alike (a few MB at most).

| under churn | jobgraph | bare floor | ratio | goal | result |
| --- | --- | --- | --- | --- | --- |
${row('RSS per watch: window median − idle', (x) => x.rssPerWatch, kb, 1.3)}
${row('bytes allocated per watched job per minute (sampled)', (x) => x.perJobMinute, kb, 1.5)}
${row('RSS, window median', (x) => x.steady.rss, mb)}
${row("V8's new space, most in the window (read every 10 s)", (x) => x.youngMost, mb)}
${row('bytes allocated in the window', (x) => x.allocation.bytes, mb)}
${row('events delivered in the window', (x) => x.events, f)}
| progress steps of the moving jobs: made, seen by each job's subscribers (fewest–most), missed | ${steps(g)} | ${steps(b)} | | fact | |

Where jobgraph's allocation went in the window (the sampled profile, each sample's bytes given to the nearest frame of the process's own code, so a library's allocation counts where it was called from): ${top(g)}. The floor's: ${top(b)}.

`;
}

function renderMoonshot(r: Moonshot): string {
  const { settings: s, window: w, setup } = r;
  const bad = problems(r);
  const sources = SOURCES.map(({ name, page }, i) => {
    const watched = r.watchedPerSource[name] ?? 0;
    const pages = page ? Math.ceil(r.jobsPerSource / page) : null;
    const listed = pages !== null && pages + 1 <= watched ? pages : watched;
    const [describesOnly, listAssisted] = [watched / r.longestWait, listed / r.longestWait];
    return { ...w.bySource[i]!, watched, pages, describesOnly, listAssisted };
  });
  const sum = (figure: (x: (typeof sources)[number]) => number) =>
    sources.reduce((n, x) => n + figure(x), 0).toFixed(2);
  const c = r.connections;
  const environment = Object.keys(r.gateway).filter((k) => k !== 'node flags');
  const watched = Object.entries(r.watchedPerSource).map(([k, v]) => `${k} ${v}`);
  const env = {
    ...{ WATCHES, JOBS: s.jobs, JOBS_PER_WATCH: s.jobsPerWatch, PER_CONNECTION: s.perConnection },
    ...{ MOVING: s.moving, MOVE_S: s.moveSeconds, WARMUP_S: s.warmupSeconds, SECONDS: s.seconds },
    ...{ JOBS_PER_SOURCE: r.jobsPerSource, FLOOR: s.floor ? 1 : 0 },
  };
  return `# Watch moonshot: ${f(WATCHES)} open watches of ${f(s.jobs)} jobs on one replica

\`npm run bench:moonshot\` (about 4 minutes) rewrites this file (\`BENCH_QUICK=1\`: 1,000 watches of 200 jobs; the sizes: \`BENCH_MOONSHOT_*\`, bench/README.md). ${r.run}. Load average (1, 5, 15 min) ${r.load[0]} at the start, ${r.load[1]} at the end of the window, ${r.load[2]} at the end: the machine is shared, so CPU figures are this process's own time (\`/proc/<pid>/stat\`), not wall time, and are still worth reading to a factor, not a digit.

${bad.length ? `**THIS RUN HAD PROBLEMS: ${bad.join('; ')}.** First examples:\n\n${r.tally.examples.map((e) => `- \`${e.replace(/`/g, "'")}\``).join('\n')}\n` : 'No errors, closes, reconnections or missed events: every subscriber of a job had the same events.'}

## Set-up

One gateway (\`node ${r.gateway['node flags'] ? `${r.gateway['node flags']} ` : ''}bin/jobgraph.mjs\`, live mode${s.kitLimit ? `, in a memory cgroup of the kit's limit, ${KIT_LIMIT}, as a pod runs it` : ''}) in front of the emulators (their own process, a big account of ${f(r.jobsPerSource)} jobs in each listable source, the progressing demo jobs left out of its lists, ${s.latencyMs} ms before each answer). Its settings: the emulator endpoints and demo credentials, \`JOBGRAPH_JWT_SECRET\`, \`LOG_LEVEL=info\` (jobgraph's default; the bench's helper sets warn), \`JOBGRAPH_CALLER_RATE=off\` (the bench's helper: its load would spend a caller's rate in a second), ${r.raised.length ? `and raised for this size: ${r.raised.join('; ')}` : `and nothing else: no cap needs raising at this size (each connection is its own caller, ${s.perConnection} subscriptions each)`}.

- **Environment** (besides the demo credentials and \`JOBGRAPH_JWT_SECRET\`): ${environment.map((k) => `\`${k}\``).join(', ')}.
- **Jobs**: ${s.jobs - s.moving} unfinished jobs of the big account (${watched.join(', ')}; none changes) and ${s.moving} moving Import/Export jobs whose progress message changes every ${s.moveSeconds} s once set-up is over.
- **Watches**: ${f(WATCHES)} \`jobUpdates\` subscriptions of ${s.jobsPerWatch} jobs each (every job watched ${f1((WATCHES * s.jobsPerWatch) / s.jobs)} times), over ${c.ws} graphql-ws WebSockets, ${c.sse} graphql-sse clients in distinct connections mode (an event stream per subscription) and ${c['sse-single']} in single connection mode, ${s.perConnection} subscriptions per connection, each connection its own caller (token subject); ${OPEN_CONCURRENCY} connections being set up at a time.
- **Phases**: set-up until every subscription has had an event of each of its jobs; ${s.warmupSeconds} s of warm-up (every poller backs off to its longest wait, ${r.longestWait} s); a ${f1(w.seconds)}-s steady window; then the moving jobs stop and every subscriber of each is compared with the others.

## Figures

| figure | value |
| --- | --- |
| subscriptions open, pollers (the gateway's metrics, in the window) | ${w.watches}, ${w.watchedJobs} |
| set-up: ${f(WATCHES)} subscriptions with every first event | ${f1(setup.seconds)} s; a connection's ${s.perConnection}: p50 ${setup.perConnectionMs.p50.toFixed(0)} ms, p95 ${setup.perConnectionMs.p95.toFixed(0)} ms, max ${setup.perConnectionMs.max.toFixed(0)} ms |
| set-up: gateway CPU, upstream calls, events (the halfway reading's wait included) | ${f1(setup.cpuSeconds)} s, ${setup.upstreamCalls}, ${f(setup.events)} |
| **gateway CPU, steady state** | **${f1(w.cpuPercent * 0.6)} s per minute** (${f1(w.cpuPercent)} % of one core) |
| gateway RSS: idle, after set-up (once idle, after a collection), high-water (\`VmHWM\`) | ${mb(setup.idle.rss)}, ${mb(setup.end.rss)}, ${mb(w.highWaterMB * 1e6)} |
| gateway RSS, steady (window median, max) | ${mb(w.rssMB * 1e6)}, ${mb(w.rssMaxMB * 1e6)} |
| gateway retained, V8 heap used + external: idle, after set-up (after a collection) | ${mb(setup.idle.retained)}, ${mb(setup.end.retained)} (heap used ${mb(setup.idle.heap)}, ${mb(setup.end.heap)}) |
| gateway V8 heap used, steady (lowest, highest of the window's readings every 10 s, no collection forced) | ${mb(w.heap.usedMin)}–${mb(w.heap.usedMax)} (heap size up to ${mb(w.heap.totalMax)}, its young generation up to ${mb(w.heap.newSpaceMax)}; outside it, Buffers, up to ${mb(w.heap.externalMax)}) |
| **upstream calls per second, steady** | **${f1(w.upstreamPerMinute / 60)}**: ${f1(w.upstreamPerMinute / 60 - w.movingDescribesPerSecond)} for the still jobs, ${f1(w.movingDescribesPerSecond)} for the moving ones |
| events delivered in the window | ${f((w.eventsPerMinute * w.seconds) / 60)} (${f1(w.eventsPerMinute / 60)} a second) |
| progress steps of the moving jobs after set-up: made, seen by each job's subscribers (fewest, most) | ${r.events.stepsMade}, ${r.events.stepsSeenMin}–${r.events.stepsSeenMax} |
| events delivered in all | ${f(r.events.total)} |
| errors, completes, closes, reconnects, missed events | ${r.tally.errors}, ${r.tally.completes}, ${r.tally.closes}, ${r.tally.reconnects}, ${r.events.missed} |
| the other processes' CPU in the window (emulators; the watchers' clients) | ${f1(w.emulatorCpuPerMinute)} s, ${f1(w.benchCpuPerMinute)} s per minute |

${floorSection(r)}${churnSection(r)}## Upstream calls of the still jobs, steady state

Every still job waits ${r.longestWait} s between polls (\`JOBGRAPH_WATCH_MAX_POLL_MS\`). Described one by one, a source's jobs cost jobs ÷ ${r.longestWait} calls a second; watched through the source's list (COS Batch, Panorama: src/subscriptions/listWatchGroup.ts) one pass of all its pages per ${r.longestWait} s, and only where the pages are fewer than the jobs they spare (a window holds a whole number of passes, so the measured list calls can fall a pass short or over). HealthOmics and Import/Export are described per job.

| source | jobs watched | list pages (${f(r.jobsPerSource)} jobs) | calls/s, describes only | calls/s, list-assisted (one pass a wait) | measured list calls/s | measured describe calls/s |
| --- | --- | --- | --- | --- | --- | --- |
${sources.map((x) => `| ${x.name} | ${x.watched} | ${x.pages ?? '—'} | ${x.describesOnly.toFixed(2)} | ${x.listAssisted.toFixed(2)} | ${x.list.toFixed(2)} | ${x.describe.toFixed(2)} |`).join('\n')}
| all | ${s.jobs - s.moving} | | ${sum((x) => x.describesOnly)} | ${sum((x) => x.listAssisted)} | ${sum((x) => x.list)} | ${sum((x) => x.describe)} |

The moving jobs add their describes: each change sends its poller back to a 2-s wait (2, 3, 4.5, 6.75 s…).

## Re-run

\`\`\`sh
npm run bench:moonshot                                    # this file's size
BENCH_QUICK=1 npm run bench:moonshot                      # quick: 1,000 watches of 200 jobs
\`\`\`

This run: ${Object.entries(env)
    .map(([k, v]) => `\`BENCH_MOONSHOT_${k}=${v}\``)
    .join(' ')} \`BENCH_LATENCY_MS=${s.latencyMs}\`.
`;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  if (!s.moonshot) execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  const account = s.moonshot ? bigAccount(s.jobs - s.moving) : null;
  const moving = synthesized(MOVING.prefix, s.moving);
  const all = plans(
    jobList(account?.taken ?? synthesized(STILL.prefix, s.jobs - s.moving), moving),
  );
  const jobsPerSource = account?.n ?? s.jobsPerSource!;
  // The moonshot's lists leave the progressing jobs out: no change its floor lacks (docs/performance.md).
  const listProgressing = !s.moonshot;
  const stack = await startStack({ latencyMs: s.latencyMs, jobsPerSource, listProgressing });
  const synthesize = { [STILL.prefix]: STILL.template, [MOVING.prefix]: MOVING.template };
  await stack.emulators.setFaults({ synthesize });
  const tokens = await Promise.all(all.map((_, c) => stack.callerToken(`watcher-${c}`)));
  const run = { run: runLine(REPO_ROOT), settings: s };
  if (account) {
    log(
      `${WATCHES} watches of ${s.jobs} jobs (${s.moving} moving), ${jobsPerSource} jobs a source; load ${loadBefore}`,
    );
    const measured = await moonshotReplica(stack, all, tokens, moving);
    const load = [loadBefore, measured.loadWindowEnd, loadAverage()];
    const watchedPerSource = account.perSource;
    const result = { ...run, ...measured, load, jobsPerSource, watchedPerSource };
    await writeReport({ md: [OUT_MD, await proseWrapped(OUT_MD, renderMoonshot(result))] });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    log(
      `wrote ${OUT_MD}${problems(result).length ? `; THIS RUN HAD PROBLEMS: ${problems(result).join('; ')}` : ''}`,
    );
    return;
  }
  const mover = watchers.startMover(emulatorMove(stack), s.moveSeconds, log);
  const rows: Row[] = [];
  try {
    for (const cores of s.cores) rows.push(...(await sizingReplica(stack, cores, all, tokens)));
  } finally {
    mover.stop();
  }
  await writeSizing({ ...run, load: [loadBefore, loadAverage()], rows });
}

/** `--render`: SIZING.md and the derived figures again from sizing.json's rows, measuring nothing. */
if (process.argv.includes('--render')) {
  const run = JSON.parse(readFileSync(OUT_JSON, 'utf8')) as Sizing;
  await writeSizing({ ...run, settings: { ...s, ...run.settings } });
} else runBench(log, main);
