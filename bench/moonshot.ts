/**
 * `npm run bench:moonshot`: the "watch moonshot", 10,000 open `jobUpdates` subscriptions of 2,000
 * unfinished jobs on ONE jobgraph replica, beside the bare floor (baseline/watchFloor.ts). The
 * jobs, the watchers, the phases and every setting: bench/README.md. Rewrites bench/MOONSHOT.md
 * and prints its figures as one JSON line.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../src/config/index.ts';
import { COS_LIST_MAX_RESULTS } from '../src/datasources/cosbatch/list.ts';
import { PANORAMA_LIST_MAX_RESULTS } from '../src/datasources/panorama/list.ts';
import { listedDemoJobs, type ListableEmulatorName } from '../src/emulators/index.ts';
import { COS_BIG_STATUS_MIX } from '../src/emulators/cosbatch/listData.ts';
import { IMPORTEXPORT_BIG_STATUS_MIX } from '../src/emulators/importexport/listData.ts';
import { OMICS_BIG_STATUS_MIX } from '../src/emulators/omics/listData.ts';
import { PANORAMA_BIG_STATUS_MIX } from '../src/emulators/panorama/listData.ts';
import type { StatusMix } from '../src/emulators/listing.ts';
import { delta, isListCall, type LoggedCall } from './rig/emulators.ts';
import { heapOf, metricValue, scrape } from './rig/gateway.ts';
import {
  gitState,
  loadAverage as load,
  machineInfo,
  mb,
  passMiss,
  table,
  writeReport,
} from './rig/report.ts';
import { startChildServer } from './rig/childServer.ts';
import { logger, release, runBench, startStack, track } from './rig/stack.ts';
import { cpuTimeMicros, sleep, waitForIdle } from './rig/proc.ts';
import { topFunctions, type TopFunction } from './lib/profile.ts';
import { readMoonshotSettings } from './lib/settings.ts';
import { median, percentile } from './rig/stats.ts';
import {
  callerToken,
  kindOf,
  newTally,
  openAll,
  progressMessage,
  startMover,
  WatcherConnection,
  type WatcherKind,
} from './lib/watchers.ts';

const log = logger('moonshot');
const OUT_MD = fileURLToPath(new URL('./MOONSHOT.md', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const settings = readMoonshotSettings();

/** The non-terminal statuses of each source of a big account (the mixes' `recent` ones). */
const MIXES = {
  panorama: PANORAMA_BIG_STATUS_MIX,
  omics: OMICS_BIG_STATUS_MIX,
  cosbatch: COS_BIG_STATUS_MIX,
  importexport: IMPORTEXPORT_BIG_STATUS_MIX,
} satisfies Partial<Record<ListableEmulatorName, StatusMix>>;
/** The sources the run lists and watches: those MIXES names (AWS Batch's are not measured here). */
type Source = keyof typeof MIXES;
/** Page size of the list a source's jobs are watched through (list-assisted); the others' jobs are described one by one. */
const WATCH_PAGE: Partial<Record<Source, number>> = {
  cosbatch: COS_LIST_MAX_RESULTS,
  panorama: PANORAMA_LIST_MAX_RESULTS,
};
/** The demo job the moving jobs copy (Import/Export, InProgress), and their IDs' prefix. */
const MOVING_TEMPLATE = 'INPG1';
const MOVING_PREFIX = 'MV';
/** Connections being set up at once (below JOBGRAPH_MAX_WEBSOCKETS_PENDING's 100). */
const OPEN_CONCURRENCY = 50;
const SETUP_TIMEOUT_MS = 120_000;

/** The unfinished listed jobs of each source of a big account of `n` jobs a source, newest first. */
function unfinished(n: number): Record<Source, string[]> {
  const lists = listedDemoJobs(Date.now(), { jobsPerSource: n });
  const out = {} as Record<Source, string[]>;
  for (const name of Object.keys(MIXES) as Source[]) {
    const open = new Set(MIXES[name].recent.map(([status]) => status));
    out[name] = lists[name].filter((j) => open.has(j.providerStatus)).map((j) => j.globalId);
  }
  return out;
}

const total = (by: Record<string, string[]>) =>
  Object.values(by).reduce((sum, ids) => sum + ids.length, 0);

/** The jobs a source (or BENCH_MOONSHOT_JOBS_PER_SOURCE), and that many sources' unfinished jobs: at least `needed`. */
function bigAccount(needed: number): { n: number; jobs: Record<Source, string[]> } {
  if (settings.jobsPerSource !== undefined) {
    const jobs = unfinished(settings.jobsPerSource);
    if (total(jobs) < needed)
      throw new Error(
        `BENCH_MOONSHOT_JOBS_PER_SOURCE=${settings.jobsPerSource} gives ${total(jobs)} unfinished jobs; ${needed} are needed`,
      );
    return { n: settings.jobsPerSource, jobs };
  }
  let n = Math.ceil(needed / (total(unfinished(1000)) / 1000));
  for (;;) {
    const jobs = unfinished(n);
    if (total(jobs) >= needed) return { n, jobs };
    n = Math.ceil(n * 1.02);
  }
}

/** `count` IDs taken from each source in turn (newest first), and how many of each. */
function takeInTurn(by: Record<Source, string[]>, count: number) {
  const taken: string[] = [];
  const perSource = Object.fromEntries(Object.keys(by).map((k) => [k, 0])) as Record<
    Source,
    number
  >;
  for (let i = 0; taken.length < count; i++) {
    for (const name of Object.keys(by) as Source[]) {
      const id = by[name][i];
      if (id === undefined || taken.length >= count) continue;
      taken.push(id);
      perSource[name] += 1;
    }
  }
  return { taken, perSource };
}

/** The watched jobs: the still ones with the moving ones spread evenly among them. */
function jobList(still: readonly string[], moving: readonly string[]): string[] {
  const out: string[] = [];
  const stride = moving.length ? Math.floor((still.length + moving.length) / moving.length) : 0;
  let s = 0;
  let m = 0;
  while (out.length < still.length + moving.length) {
    const movingHere = m < moving.length && (s >= still.length || out.length % stride === 0);
    out.push(movingHere ? moving[m++]! : still[s++]!);
  }
  return out;
}

/** The settings the size needs raised above their defaults, each with why. */
function raisedCaps(
  config: Config,
  need: { watches: number; perConnection: number; sockets: number; reservations: number },
): { env: Record<string, string>; why: string[] } {
  const env: Record<string, string> = {};
  const why: string[] = [];
  for (const [name, current, wanted, what] of [
    ['JOBGRAPH_MAX_SUBSCRIPTIONS', config.watch.maxTotal, need.watches, 'the open subscriptions'],
    [
      'JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER',
      config.watch.maxPerCaller,
      need.perConnection,
      'the subscriptions of one connection (one caller)',
    ],
    ['JOBGRAPH_MAX_WEBSOCKETS', config.watch.maxSockets, need.sockets, 'the WebSockets'],
    [
      'JOBGRAPH_MAX_SSE_RESERVATIONS',
      config.watch.maxReservations,
      need.reservations,
      'the single connection mode streams',
    ],
    [
      'JOBGRAPH_MAX_JOBS_PER_REQUEST',
      config.limits.maxJobsPerRequest,
      settings.jobsPerWatch,
      'the jobs of one subscription',
    ],
  ] as const) {
    if (wanted <= current) continue;
    env[name] = String(wanted);
    why.push(`\`${name}=${wanted}\` (default ${current}): ${what}`);
  }
  return { env, why };
}

/** Calls per source (list, describe, failed), the moving jobs' describes apart. */
function callsBySource(calls: readonly LoggedCall[]) {
  const by: Record<string, { list: number; describe: number; failed: number }> = {};
  for (const c of calls) {
    const name = c.job?.startsWith(MOVING_PREFIX) ? 'moving' : c.emulator;
    const row = (by[name] ??= { list: 0, describe: 0, failed: 0 });
    if (c.status !== 200) row.failed += 1;
    else if (isListCall(c)) row.list += 1;
    else row.describe += 1;
  }
  return by;
}

type Reading = { rss: number; heap: number };

/** Once the process is idle: the lowest of five heap readings a second apart (the closest to what a collection leaves, none forced), then RSS. */
async function settled(
  pid: number,
  rss: () => number,
  heap: () => Promise<number>,
): Promise<Reading> {
  await waitForIdle(pid, { maxMs: 20_000 });
  const heaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    heaps.push(await heap());
    await sleep(1000);
  }
  return { rss: rss(), heap: Math.min(...heaps) };
}

/**
 * Open the connections in two halves with a reading between them and one after. By the second
 * half every job is already watched (each appears in the first half), so its cost is that of the
 * watches alone: no new poller, first read or snapshot — the per-watch figure set beside the floor.
 */
async function openInHalves(make: (() => WatcherConnection)[], read: () => Promise<Reading>) {
  const half = Math.ceil(make.length / 2);
  const open = await openAll(make.slice(0, half), OPEN_CONCURRENCY, SETUP_TIMEOUT_MS);
  const pausedAt = performance.now();
  const mid = await read();
  const pauseMs = performance.now() - pausedAt;
  await openAll(make.slice(half), OPEN_CONCURRENCY, SETUP_TIMEOUT_MS, open);
  const endAt = performance.now();
  const end = await read();
  const watches = open.slice(half).reduce((n, c) => n + c.seen.length, 0);
  const secondHalf = { watches, rss: end.rss - mid.rss, heap: end.heap - mid.heap };
  return { open, secondHalf, pauseMs, endAt };
}

/**
 * The same connections against the bare floor (baseline/watchFloor.ts: graphql-ws and graphql-sse
 * on node:http, one map of listeners): its RSS and heap before and right after set-up, so the
 * report sets what a watch costs jobgraph beside what it costs the protocol libraries alone.
 */
async function floorRun(plans: readonly { kind: WatcherKind; watches: string[][] }[]) {
  const floor = track(
    await startChildServer(fileURLToPath(new URL('./baseline/watchFloor.ts', import.meta.url)), []),
  );
  const heap = async () =>
    Number(await (await fetch(floor.url.replace(/graphql$/, 'heap'))).text());
  const idle = { rss: floor.rss(), heap: await heap() };
  const cpu0 = floor.cpuMicros();
  const at = performance.now();
  const tally = newTally();
  const { open, secondHalf } = await openInHalves(
    plans.map((p) => () => new WatcherConnection(p.kind, floor.url, 'floor', p.watches, tally)),
    () => settled(floor.pid, () => floor.rss(), heap),
  );
  const seconds = (performance.now() - at) / 1000;
  const afterSetup = { rss: floor.rss(), heap: await heap() };
  const cpuSeconds = (floor.cpuMicros() - cpu0) / 1e6;
  const notReady = open.filter((c) => c.readyAt === null).length;
  const errors = tally.errors; // before the closes, which the clients may report as errors
  for (const c of open) c.close();
  await release(floor);
  log(`floor: set up in ${seconds.toFixed(1)} s, RSS ${mb(idle.rss)} → ${mb(afterSetup.rss)}`);
  return { seconds, cpuSeconds, idle, afterSetup, secondHalf, notReady, errors };
}

async function measure() {
  const s = settings;
  const loadBefore = load();
  const still = bigAccount(s.jobs - s.moving);
  const { taken, perSource } = takeInTurn(still.jobs, s.jobs - s.moving);
  const moving = Array.from(
    { length: s.moving },
    (_, i) => `importexport:${MOVING_PREFIX}${String(i).padStart(4, '0')}`,
  );
  const jobs = jobList(taken, moving);
  const connections = Math.ceil(s.watches / s.perConnection);
  const plans = Array.from({ length: connections }, (_, c) => {
    const first = c * s.perConnection;
    const count = Math.min(s.perConnection, s.watches - first);
    return {
      kind: kindOf(c),
      watches: Array.from({ length: count }, (_, i) =>
        Array.from(
          { length: s.jobsPerWatch },
          (_, j) => jobs[((first + i) * s.jobsPerWatch + j) % jobs.length]!,
        ),
      ),
    };
  });
  const kinds = { ws: 0, sse: 0, 'sse-single': 0 };
  for (const p of plans) kinds[p.kind] += 1;

  const stack = await startStack({ latencyMs: s.latencyMs, jobsPerSource: still.n });
  const { emulators, jwtSecret } = stack;
  const defaults = loadConfig({ mode: 'live' }, { JOBGRAPH_JWT_SECRET: jwtSecret });
  /** Every still job's wait between polls once backed off, in s (JOBGRAPH_WATCH_MAX_POLL_MS). */
  const longestWait = defaults.watch.maxPollMs / 1000;
  const caps = raisedCaps(defaults, {
    watches: s.watches,
    perConnection: s.perConnection,
    sockets: kinds.ws,
    reservations: kinds['sse-single'],
  });
  log(
    `${s.watches} watches of ${jobs.length} jobs (${s.moving} moving) over ${connections} connections; big account of ${still.n} jobs a source; load ${loadBefore}`,
  );

  await emulators.setFaults({ synthesize: { [MOVING_PREFIX]: MOVING_TEMPLATE } });
  await emulators.patchImportExportJob(MOVING_TEMPLATE, { ProgressMessage: progressMessage(0) });
  const profileDir = s.profile ? mkdtempSync(join(tmpdir(), 'jobgraph-moonshot-')) : null;
  const gateway = await stack.gateway({
    label: 'moonshot',
    extraEnv: { LOG_LEVEL: 'info', ...caps.env },
    ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
  });
  const tally = newTally();
  let open: WatcherConnection[] = [];
  const rss: { at: number; bytes: number }[] = [];
  const sampler = setInterval(
    () => rss.push({ at: performance.now(), bytes: gateway.rss() }),
    1000,
  );
  try {
    const rssIdle = gateway.rss();
    const heapIdle = await heapOf(gateway);
    const tokens = await Promise.all(plans.map((_, c) => callerToken(jwtSecret, `moonshot-${c}`)));

    // 1. Set-up.
    const setupCalls0 = await emulators.counters();
    const setupCpu0 = gateway.cpuMicros();
    const setupAt = performance.now();
    const halves = await openInHalves(
      plans.map(
        (p, c) => () => new WatcherConnection(p.kind, gateway.url, tokens[c]!, p.watches, tally),
      ),
      () =>
        settled(
          gateway.pid,
          () => gateway.rss(),
          async () => (await heapOf(gateway)).used,
        ),
    );
    open = halves.open;
    // Set-up's wall time without the halfway reading's wait, up to the last connection ready.
    const setupMs = halves.endAt - setupAt - halves.pauseMs;
    const setupCpuMicros = gateway.cpuMicros() - setupCpu0;
    const setupCalls = delta(setupCalls0, await emulators.counters(), 'calls');
    const notReady = open.filter((c) => c.readyAt === null).length;
    const perConnectionMs = open
      .filter((c) => c.readyAt !== null)
      .map((c) => c.readyAt! - c.openedAt);
    const setupEvents = tally.events;
    log(
      `set up in ${(setupMs / 1000).toFixed(1)} s (${notReady} connections not ready), ${setupCalls} upstream calls, load ${load()}`,
    );
    const heapAfterSetup = await heapOf(gateway);
    for (const c of open) c.mark();

    // 2. The moving jobs report progress from now on; warm-up.
    const mover = startMover(emulators, MOVING_TEMPLATE, s.moveSeconds, log);
    await sleep(s.warmupSeconds * 1000);

    // 3. The steady window.
    const metrics = await scrape(gateway);
    const gauges = {
      subscriptions: metricValue(metrics, 'jobgraph_subscriptions_open'),
      pollers: metricValue(metrics, 'jobgraph_watch_pollers'),
    };
    const w0 = {
      at: performance.now(),
      hr: process.hrtime.bigint(),
      cpu: gateway.cpuMicros(),
      emulatorCpu: cpuTimeMicros(emulators.pid),
      benchCpu: process.cpuUsage(),
      events: tally.events,
      calls: await emulators.counters(),
    };
    log(
      `window: ${gauges.subscriptions} subscriptions open, ${gauges.pollers} pollers, load ${load()}`,
    );
    // The heap every 10 s (a /metrics scrape, ≈ 10 ms of the gateway's CPU): its lowest reading is
    // the closest to what a collection leaves.
    const heaps = [];
    while (performance.now() - w0.at < s.seconds * 1000) {
      heaps.push(await heapOf(gateway));
      await sleep(Math.min(10_000, s.seconds * 1000 - (performance.now() - w0.at)));
    }
    const windowS = (performance.now() - w0.at) / 1000;
    const hr1 = process.hrtime.bigint();
    const cpuMicros = gateway.cpuMicros() - w0.cpu;
    const emulatorCpuMicros = cpuTimeMicros(emulators.pid) - w0.emulatorCpu;
    const bench = process.cpuUsage(w0.benchCpu);
    const windowEvents = tally.events - w0.events;
    const windowCalls = await emulators.callsSince(w0.calls);
    const windowRss = rss.filter((r) => r.at >= w0.at).map((r) => r.bytes);
    const loadWindowEnd = load();
    log(
      `window: ${((cpuMicros / 1e6 / windowS) * 60).toFixed(1)} CPU s/min, ${(windowCalls.length / windowS).toFixed(1)} calls/s, load ${loadWindowEnd}`,
    );

    // 4. The moving jobs stop; every subscriber of each must come to the last step.
    const step = mover.stop();
    const last = progressMessage(step);
    const movingSet = new Set(moving);
    const laggards = () =>
      open.reduce(
        (n, c) =>
          n +
          c.seen.reduce(
            (m, seen) =>
              m + [...seen].filter(([id, v]) => movingSet.has(id) && v.last !== last).length,
            0,
          ),
        0,
      );
    const settleUntil = performance.now() + 45_000;
    while (s.moving > 0 && laggards() > 0 && performance.now() < settleUntil) await sleep(500);

    // 5. Since the mark, every subscriber of a moving job must have had the same events, and no
    // still job any event.
    const byJob = new Map<string, number[]>();
    let unexpected = 0;
    for (const c of open)
      for (const seen of c.seen)
        for (const [id, v] of seen) {
          if (movingSet.has(id)) byJob.set(id, [...(byJob.get(id) ?? []), v.events - v.atMark]);
          else unexpected += v.events - v.atMark;
        }
    let missed = 0;
    let behind = 0;
    const stepsSeen = [...byJob.values()].map((counts) => Math.max(...counts));
    for (const counts of byJob.values()) {
      const most = Math.max(...counts);
      for (const n of counts) {
        missed += most - n;
        if (n < most) behind += 1;
      }
    }
    const unsettled = s.moving > 0 ? laggards() : 0;

    const byName = callsBySource(windowCalls);
    const sources = (Object.keys(MIXES) as Source[]).map((name) => {
      const watched = perSource[name];
      const page = WATCH_PAGE[name];
      const pages = page ? Math.ceil(still.n / page) : null;
      const row = byName[name] ?? { list: 0, describe: 0, failed: 0 };
      return {
        name,
        watched,
        pages,
        describesOnly: watched / longestWait,
        listAssisted: (pages !== null && pages + 1 <= watched ? pages : watched) / longestWait,
        list: row.list / windowS,
        describe: row.describe / windowS,
        failed: row.failed,
      };
    });
    const movingCalls = byName.moving ?? { list: 0, describe: 0, failed: 0 };
    const failedCalls = Object.values(byName).reduce((n, r) => n + r.failed, 0);

    const result = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      git: gitState(REPO_ROOT),
      load: { before: loadBefore, windowEnd: loadWindowEnd, after: load() },
      settings: s,
      jobsPerSource: still.n,
      longestWait,
      watchedPerSource: perSource,
      connections: kinds,
      gateway: gateway.settings,
      raised: caps.why,
      gauges,
      setup: {
        seconds: setupMs / 1000,
        notReady,
        perConnectionMs: {
          p50: median(perConnectionMs),
          p95: percentile(perConnectionMs, 95),
          max: Math.max(...perConnectionMs),
        },
        cpuSeconds: setupCpuMicros / 1e6,
        upstreamCalls: setupCalls,
        events: setupEvents,
      },
      window: {
        seconds: windowS,
        cpuSecondsPerMinute: (cpuMicros / 1e6 / windowS) * 60,
        emulatorCpuSecondsPerMinute: (emulatorCpuMicros / 1e6 / windowS) * 60,
        benchCpuSecondsPerMinute: ((bench.user + bench.system) / 1e6 / windowS) * 60,
        callsPerSecond: windowCalls.length / windowS,
        movingDescribesPerSecond: movingCalls.describe / windowS,
        failedCalls,
        events: windowEvents,
        eventsPerSecond: windowEvents / windowS,
        sources,
      },
      rss: {
        idle: rssIdle,
        afterSetup: rss.find((r) => r.at >= halves.endAt)?.bytes ?? NaN,
        secondHalf: halves.secondHalf.rss,
        secondHalfWatches: halves.secondHalf.watches,
        peak: Math.max(...rss.map((r) => r.bytes)),
        windowMedian: median(windowRss),
        windowMax: Math.max(...windowRss),
      },
      heap: {
        idle: heapIdle,
        afterSetup: heapAfterSetup,
        secondHalfUsed: halves.secondHalf.heap,
        windowUsedMin: Math.min(...heaps.map((h) => h.used)),
        windowUsedMax: Math.max(...heaps.map((h) => h.used)),
        windowTotalMax: Math.max(...heaps.map((h) => h.total)),
        windowExternalMax: Math.max(...heaps.map((h) => h.external)),
      },
      events: {
        total: tally.events,
        stepsMade: step,
        stepsSeenMin: stepsSeen.length ? Math.min(...stepsSeen) : 0,
        stepsSeenMax: stepsSeen.length ? Math.max(...stepsSeen) : 0,
      },
      problems: {
        errors: tally.errors,
        completes: tally.completes,
        closes: tally.closes,
        reconnects: tally.reconnects,
        notReady,
        missed,
        behind,
        unexpected,
        unsettled,
        failedCalls,
        examples: tally.examples,
      },
      profile: [] as TopFunction[],
      floor: null as Awaited<ReturnType<typeof floorRun>> | null,
    };
    for (const c of open) c.close();
    open = [];
    clearInterval(sampler);
    await gateway.stop();
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file)
        result.profile = topFunctions(
          join(profileDir, file),
          { fromMicros: Number(w0.hr / 1000n), toMicros: Number(hr1 / 1000n) },
          15,
          REPO_ROOT,
        );
      log(`raw CPU profile in ${profileDir}`);
    }
    if (s.floor) result.floor = await floorRun(plans);
    return result;
  } finally {
    clearInterval(sampler);
    for (const c of open) c.close();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;

const f1 = (x: number) => x.toFixed(1);

/** The problems of a run, each with its count; empty when there were none. */
function problems(r: Result): string[] {
  const p = r.problems;
  return [
    [
      p.notReady,
      'connections where a subscription never had a first event of each of its jobs (refused, failed, or 120 s passed)',
    ],
    [p.errors, 'errors (a `next` with errors, or the client gave up)'],
    [p.completes, 'subscriptions completed (none of these jobs finishes)'],
    [p.closes, 'WebSocket closes not asked for'],
    [p.reconnects, 'reconnections by the clients'],
    [
      p.missed,
      `events missed (${p.behind} subscriber-jobs behind another subscriber of the same job)`,
    ],
    [p.unsettled, 'subscriber-jobs that never showed the last progress step'],
    [p.unexpected, 'events of jobs that never change after set-up'],
    [p.failedCalls, 'upstream calls answered with an error in the window'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n as number} ${what as string}`);
}

/** jobgraph's memory per watch beside the bare floor's, for the same connections (issue 49: ≤ 1.3×). */
function floorSection(r: Result): string {
  const f = r.floor;
  if (!f) return '';
  const n = r.settings.watches;
  const half = r.rss.secondHalfWatches;
  const kb = (bytes: number, count: number) => `${(bytes / count / 1e3).toFixed(1)} KB`;
  const row = (what: string, ours: number, bare: number, count: number, goal?: number) => [
    what,
    kb(ours, count),
    kb(bare, count),
    `${(ours / bare).toFixed(2)}×`,
    goal ? `≤ ${goal}×` : 'fact',
    goal ? passMiss(ours / bare <= goal) : '',
  ];
  const bad = f.notReady || f.errors;
  return `## Beside the bare floor

The same ${n.toLocaleString('en')} subscriptions, connections and clients opened against the bare floor
(\`bench/baseline/watchFloor.ts\`: graphql-ws \`useServer\` and graphql-sse \`createHandler\` on
node:http, one in-process map of listeners, no auth, caps, pollers or upstream) after jobgraph's run.
Both open the connections in two halves: by the second half (${half.toLocaleString('en')} watches) every job is
already watched, so what it adds is what watches alone cost; the whole set-up, less the idle
reading, also carries each job's poller and first reads. Each reading waits for the process to go
idle: RSS, and the lowest of five heap readings a second apart (no collection forced).${bad ? ` **The floor had ${f.notReady} connections not ready and ${f.errors} errors.**` : ''}

${table(
  ['per watch', 'jobgraph', 'bare floor', 'ratio', 'goal', 'result'],
  [
    row('RSS, second half', r.rss.secondHalf, f.secondHalf.rss, half, 1.3),
    row('V8 heap used, second half', r.heap.secondHalfUsed, f.secondHalf.heap, half),
    row(
      'RSS, whole set-up − idle',
      r.rss.afterSetup - r.rss.idle,
      f.afterSetup.rss - f.idle.rss,
      n,
    ),
    [
      'set-up: wall time, server CPU',
      `${f1(r.setup.seconds)} s, ${f1(r.setup.cpuSeconds)} s`,
      `${f1(f.seconds)} s, ${f1(f.cpuSeconds)} s`,
      `${(r.setup.cpuSeconds / f.cpuSeconds).toFixed(2)}× CPU`,
      'fact',
      '',
    ],
  ],
).join('\n')}

`;
}

function render(r: Result): string {
  const s = r.settings;
  const w = r.window;
  const bad = problems(r);
  const perMinute = w.cpuSecondsPerMinute;
  const expected = w.sources.reduce(
    (a, x) => ({ describes: a.describes + x.describesOnly, list: a.list + x.listAssisted }),
    { describes: 0, list: 0 },
  );
  const stillCalls = w.sources.reduce((n, x) => n + x.list + x.describe, 0);
  const conns = r.connections;
  return `# Watch moonshot: ${s.watches.toLocaleString('en')} open watches of ${s.jobs.toLocaleString('en')} jobs on one replica

\`npm run bench:moonshot\` (about 4 minutes) rewrites this file
(\`BENCH_QUICK=1\`: 1,000 watches of 200 jobs; the sizes: \`BENCH_MOONSHOT_*\`, bench/README.md). Run
${r.date} on ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, commit ${r.git.commit}${r.git.dirtyFiles.length ? ` with changes to ${r.git.dirtyFiles.join(', ')}` : ''}.
Load average (1, 5, 15 min) ${r.load.before} at the start, ${r.load.windowEnd} at the end of the window,
${r.load.after} at the end: the machine is shared, so CPU figures are this process's own time
(\`/proc/<pid>/stat\`), not wall time, and are still worth reading to a factor, not a digit.

${bad.length ? `**THIS RUN HAD PROBLEMS: ${bad.join('; ')}.** First examples:\n\n${r.problems.examples.map((e) => `- \`${e.replace(/`/g, "'")}\``).join('\n')}\n` : 'No errors, closes, reconnections or missed events: every subscriber of a job had the same events.'}

## Set-up

One gateway (\`node bin/jobgraph.mjs\`, live mode) in front of the emulators (their own process, a big
account of ${r.jobsPerSource.toLocaleString('en')} jobs in each listable source, ${s.latencyMs} ms before each answer). Its settings:
the emulator endpoints and demo credentials, \`JOBGRAPH_JWT_SECRET\`, \`LOG_LEVEL=info\` (jobgraph's default;
the bench's helper sets warn), ${r.raised.length ? `and raised for this size: ${r.raised.join('; ')}` : `and nothing else: no cap needs raising at this size (each connection is its own caller, ${s.perConnection} subscriptions each)`}.

- **Environment** (besides the demo credentials and \`JOBGRAPH_JWT_SECRET\`): ${Object.keys(
    r.gateway,
  )
    .map((k) => `\`${k}\``)
    .join(', ')}.
- **Jobs**: ${s.jobs - s.moving} unfinished jobs of the big account (${Object.entries(
    r.watchedPerSource,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; none changes) and ${s.moving} moving Import/Export jobs whose progress
  message changes every ${s.moveSeconds} s once set-up is over.
- **Watches**: ${s.watches.toLocaleString('en')} \`jobUpdates\` subscriptions of ${s.jobsPerWatch} jobs each (every job watched ${f1((s.watches * s.jobsPerWatch) / s.jobs)} times), over
  ${conns.ws} graphql-ws WebSockets, ${conns.sse} graphql-sse clients in distinct connections mode (an event stream
  per subscription) and ${conns['sse-single']} in single connection mode, ${s.perConnection} subscriptions per connection, each
  connection its own caller (token subject); ${OPEN_CONCURRENCY} connections being set up at a time.
- **Phases**: set-up until every subscription has had an event of each of its jobs; ${s.warmupSeconds} s of warm-up (every
  poller backs off to its longest wait, ${r.longestWait} s); a ${f1(w.seconds)}-s steady window; then the moving jobs stop and
  every subscriber of each is compared with the others.

## Figures

| figure | value |
| --- | --- |
| subscriptions open, pollers (the gateway's metrics, in the window) | ${r.gauges.subscriptions}, ${r.gauges.pollers} |
| set-up: ${s.watches.toLocaleString('en')} subscriptions with every first event | ${f1(r.setup.seconds)} s; a connection's ${s.perConnection}: p50 ${r.setup.perConnectionMs.p50.toFixed(0)} ms, p95 ${r.setup.perConnectionMs.p95.toFixed(0)} ms, max ${r.setup.perConnectionMs.max.toFixed(0)} ms |
| set-up: gateway CPU, upstream calls, events (the halfway reading's wait included) | ${f1(r.setup.cpuSeconds)} s, ${r.setup.upstreamCalls}, ${r.setup.events.toLocaleString('en')} |
| **gateway CPU, steady state** | **${f1(perMinute)} s per minute** (${f1((perMinute / 60) * 100)} % of one core) |
| gateway RSS: idle, after set-up, peak | ${mb(r.rss.idle)}, ${mb(r.rss.afterSetup)}, ${mb(r.rss.peak)} |
| gateway RSS, steady (window median, max) | ${mb(r.rss.windowMedian)}, ${mb(r.rss.windowMax)} |
| gateway V8 heap used: idle, after set-up, steady (lowest, highest of the window's readings every 10 s) | ${mb(r.heap.idle.used)}, ${mb(r.heap.afterSetup.used)}, ${mb(r.heap.windowUsedMin)}–${mb(r.heap.windowUsedMax)} (heap size up to ${mb(r.heap.windowTotalMax)}; outside it, Buffers, up to ${mb(r.heap.windowExternalMax)}) |
| **upstream calls per second, steady** | **${f1(w.callsPerSecond)}**: ${f1(stillCalls)} for the still jobs, ${f1(w.movingDescribesPerSecond)} for the moving ones |
| events delivered in the window | ${w.events.toLocaleString('en')} (${f1(w.eventsPerSecond)} a second) |
| progress steps of the moving jobs after set-up: made, seen by each job's subscribers (fewest, most) | ${r.events.stepsMade}, ${r.events.stepsSeenMin}–${r.events.stepsSeenMax} |
| events delivered in all | ${r.events.total.toLocaleString('en')} |
| errors, completes, closes, reconnects, missed events | ${r.problems.errors}, ${r.problems.completes}, ${r.problems.closes}, ${r.problems.reconnects}, ${r.problems.missed} |
| the other processes' CPU in the window (emulators; the watchers' clients) | ${f1(w.emulatorCpuSecondsPerMinute)} s, ${f1(w.benchCpuSecondsPerMinute)} s per minute |

${floorSection(r)}## Upstream calls of the still jobs, steady state

Every still job waits ${r.longestWait} s between polls (\`JOBGRAPH_WATCH_MAX_POLL_MS\`). Described one by one, a source's
jobs cost jobs ÷ ${r.longestWait} calls a second; watched through the source's list (COS Batch, Panorama:
src/subscriptions/listWatchGroup.ts) one pass of all its pages per ${r.longestWait} s, and only where the pages
are fewer than the jobs they spare (a window holds a whole number of passes, so the measured list calls
can fall a pass short or over). HealthOmics and Import/Export are described per job.

| source | jobs watched | list pages (${r.jobsPerSource.toLocaleString('en')} jobs) | calls/s, describes only | calls/s, list-assisted (one pass a wait) | measured list calls/s | measured describe calls/s |
| --- | --- | --- | --- | --- | --- | --- |
${w.sources.map((x) => `| ${x.name} | ${x.watched} | ${x.pages ?? '—'} | ${x.describesOnly.toFixed(2)} | ${x.listAssisted.toFixed(2)} | ${x.list.toFixed(2)} | ${x.describe.toFixed(2)} |`).join('\n')}
| all | ${s.jobs - s.moving} | | ${expected.describes.toFixed(2)} | ${expected.list.toFixed(2)} | ${w.sources.reduce((n, x) => n + x.list, 0).toFixed(2)} | ${w.sources.reduce((n, x) => n + x.describe, 0).toFixed(2)} |

The moving jobs add their describes: each change sends its poller back to a 2-s wait (2, 3, 4.5, 6.75 s…).
${r.profile.length ? `\n## Where the gateway's CPU goes in the window (\`--cpu-prof\`, self time)\n\n| function | self ms | share |\n| --- | --- | --- |\n${r.profile.map((f) => `| \`${f.name}\` | ${f.selfMs} | ${f.percent} % |`).join('\n')}\n` : ''}
## Re-run

\`\`\`sh
npm run bench:moonshot                                    # this file's size
BENCH_QUICK=1 npm run bench:moonshot                      # quick: 1,000 watches of 200 jobs
\`\`\`

This run: ${Object.entries({
    BENCH_MOONSHOT_WATCHES: s.watches,
    BENCH_MOONSHOT_JOBS: s.jobs,
    BENCH_MOONSHOT_JOBS_PER_WATCH: s.jobsPerWatch,
    BENCH_MOONSHOT_PER_CONNECTION: s.perConnection,
    BENCH_MOONSHOT_MOVING: s.moving,
    BENCH_MOONSHOT_MOVE_S: s.moveSeconds,
    BENCH_MOONSHOT_WARMUP_S: s.warmupSeconds,
    BENCH_MOONSHOT_SECONDS: s.seconds,
    BENCH_MOONSHOT_JOBS_PER_SOURCE: r.jobsPerSource,
    BENCH_LATENCY_MS: s.latencyMs,
    BENCH_MOONSHOT_FLOOR: s.floor ? 1 : 0,
  })
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ')}.
`;
}

async function main(): Promise<void> {
  const result = await measure();
  await writeReport({ md: [OUT_MD, render(result)] });
  log(`wrote ${OUT_MD}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (problems(result).length) log(`THIS RUN HAD PROBLEMS: ${problems(result).join('; ')}`);
}

runBench(log, main);
