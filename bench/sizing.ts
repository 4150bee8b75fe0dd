/**
 * `npm run bench:sizing` (about 16 minutes; `BENCH_QUICK=1` about 3): the sizing table operators
 * plan replicas with. One default-config live gateway pinned by `taskset` to 1 core, then a fresh
 * one to 2, in front of the emulators (bench/rig/), at steps of load: idle, open watches (the
 * official clients, bench/lib/watchers.ts), then a walk of `listJobs` over a big account with a
 * dashboard re-reading it. Each step's window reads the gateway's RSS, CPU and upstream calls.
 * Writes bench/SIZING.md (the method in words) and bench/sizing.json, with the Kubernetes
 * requests and limits derived from the table.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { delta } from './rig/emulators.ts';
import { metricValue, scrape, type GatewayProcess } from './rig/gateway.ts';
import { post } from './lib/queries.ts';
import { readSizingSettings, type SizingSettings } from './lib/settings.ts';
import {
  callerToken,
  kindOf,
  newTally,
  openAll,
  startMover,
  WatcherConnection,
  type Tally,
} from './lib/watchers.ts';
import { sleep } from './rig/proc.ts';
import { loadAverage, runLine, table, writeReport } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { linearFit, median } from './rig/stats.ts';

const log = logger('sizing');
const s = readSizingSettings();
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT_MD = fileURLToPath(new URL('./SIZING.md', import.meta.url));
const OUT_JSON = fileURLToPath(new URL('./sizing.json', import.meta.url));
/** Copies of a Pending and of an InProgress Import/Export demo job (the emulators' `synthesize`): described one by one. */
const STILL = { prefix: 'SZ', template: 'PNDG1' };
const MOVING = { prefix: 'MV', template: 'INPG1' };
const PER_CONNECTION = 20;
const JOBS_PER_WATCH = 4;
/** Connections being set up at once: on one loaded core, 50 let single connection mode reservations lapse (10 s) before their streams opened. */
const OPEN_CONCURRENCY = 20;
const LIST_PAGES = 10;
type PageInfo = { hasNextPage: boolean; endCursor: string };
const LIST_QUERY =
  'query($after: String) { listJobs(first: 100, after: $after) { edges { node { id state } } pageInfo { hasNextPage endCursor } } }';

/** A step's figures; `listedJobs`: what the list snapshots hold (the sources read whole: Panorama, HealthOmics' two stores, COS Batch). */
type Row = { cores: number; step: string; listedJobs: number; problems: string } & Awaited<
  ReturnType<typeof window>
>;

/** Job `j`'s global ID: one in twenty moving. */
const jobId = (j: number) =>
  `importexport:${j % 20 === 0 ? MOVING.prefix : STILL.prefix}${String(j).padStart(6, '0')}`;

/** Connection c's subscriptions: in each group of five connections (100 watches), 20 jobs each watched 20 times. */
function watchesOf(c: number): string[][] {
  const base = Math.floor(c / 5) * 20;
  return Array.from({ length: PER_CONNECTION }, (_, i) => {
    const g = (c % 5) * PER_CONNECTION + i;
    return Array.from({ length: JOBS_PER_WATCH }, (_, j) =>
      jobId(base + ((g * JOBS_PER_WATCH + j) % 20)),
    );
  });
}

const highWater = (pid: number) =>
  Number(/^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

/** A window of `seconds`: the watches and watched jobs the gateway holds (its gauges), RSS every second (median), CPU, upstream calls and events. */
async function window(stack: Stack, gateway: GatewayProcess, tally: Tally, seconds: number) {
  const metrics = await scrape(gateway);
  const calls0 = await stack.emulators.counters();
  const cpu0 = gateway.cpuMicros();
  const events0 = tally.events;
  const at = performance.now();
  const rss: number[] = [];
  while (performance.now() - at < seconds * 1000) {
    rss.push(gateway.rss());
    await sleep(1000);
  }
  const minutes = (performance.now() - at) / 60_000;
  const calls = delta(calls0, await stack.emulators.counters(), 'calls');
  return {
    watches: metricValue(metrics, 'jobgraph_subscriptions_open'),
    watchedJobs: metricValue(metrics, 'jobgraph_watch_pollers'),
    rssMB: median(rss) / 1e6,
    rssMaxMB: Math.max(...rss) / 1e6,
    highWaterMB: highWater(gateway.pid) / 1e6,
    cpuPercent: (gateway.cpuMicros() - cpu0) / 1e4 / (minutes * 60),
    upstreamPerMinute: calls / minutes,
    eventsPerMinute: (tally.events - events0) / minutes,
  };
}

/** One replica on `cores` cores through every step. */
async function replica(stack: Stack, cores: number): Promise<Row[]> {
  const gateway = await stack.gateway({ label: `sizing-${cores}` });
  // -a: every thread the process has; the ones it starts later inherit the mask.
  const cpus = cores === 1 ? '0' : `0-${cores - 1}`;
  execFileSync('taskset', ['-a', '-c', '-p', cpus, `${gateway.pid}`], { stdio: 'ignore' });
  const tally = newTally();
  const open: WatcherConnection[] = [];
  const rows: Row[] = [];
  const row = async (step: string, listedJobs: number, warmupSeconds: number) => {
    await sleep(warmupSeconds * 1000);
    const figures = await window(stack, gateway, tally, s.seconds);
    const notReady = open.filter((c) => c.readyAt === null).length;
    const problems = `${notReady} connections not ready, ${tally.errors} errors, ${tally.reconnects} reconnects, ${tally.closes} closes`;
    rows.push({ cores, step, listedJobs, ...figures, problems });
    log(
      `${cores} core(s), ${step}: ${JSON.stringify(figures)}; ${problems}; load ${loadAverage()}`,
    );
  };
  try {
    await row('idle', 0, 5);
    const connect = (c: number) => async () => {
      const token = await callerToken(stack.jwtSecret, `sizing-${c}`);
      return new WatcherConnection(kindOf(c), gateway.url, token, watchesOf(c), tally);
    };
    for (const watches of s.watches) {
      const last = Math.ceil(watches / PER_CONNECTION);
      const more = Array.from({ length: last - open.length }, (_, i) => connect(open.length + i));
      await openAll(more, OPEN_CONCURRENCY, 120_000, open);
      await row(`${f(watches)} watches`, 0, s.warmupSeconds);
    }
    const page = (after: string | null) =>
      post(gateway.url, JSON.stringify({ query: LIST_QUERY, variables: { after } }), stack.headers);
    for (let n = 0, after: string | null = null; n < LIST_PAGES; n++) {
      const res = await page(after);
      const info = (res.json.data as { listJobs?: { pageInfo: PageInfo } } | null)?.listJobs
        ?.pageInfo;
      if (res.status !== 200 || !info)
        throw new Error(`listJobs answered ${res.status}: ${res.text.slice(0, 300)}`);
      if (!info.hasNextPage) break;
      after = info.endCursor;
    }
    const dashboard = setInterval(() => void page(null).catch(() => undefined), 5000);
    try {
      await row(`${f(open.length * PER_CONNECTION)} watches + listing`, 4 * s.jobsPerSource, 0);
    } finally {
      clearInterval(dashboard);
    }
  } finally {
    for (const c of open) c.close();
    await release(gateway);
  }
  return rows;
}

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;
const MiB = 2 ** 20;

/** The Kubernetes resources from the table, by the rule render() states. */
function kubernetes(rows: readonly Row[]) {
  const most = (figure: (r: Row) => number) => Math.max(...rows.map(figure));
  const rss = most((r) => r.rssMaxMB) * 1e6;
  const hwm = most((r) => r.highWaterMB) * 1e6;
  const cpu = most((r) => r.cpuPercent);
  const request = ceilTo((rss * 1.2) / MiB, 64);
  return {
    requests: { cpu: `${Math.max(100, ceilTo(cpu * 10 * 1.5, 50))}m`, memory: `${request}Mi` },
    limits: { memory: `${ceilTo(Math.max(2 * request, (hwm * 1.25) / MiB), 256)}Mi` },
  };
}

/** Per core count, from the watch steps: RSS and CPU a watch adds, and the watches at 60 % of a core. */
function perWatch(rows: readonly Row[], cores: number) {
  const steps = rows.filter((r) => r.cores === cores && !r.step.endsWith('listing'));
  const fit = (y: (r: Row) => number) =>
    linearFit(
      steps.map((r) => r.watches),
      steps.map(y),
    );
  const rss = fit((r) => r.rssMB * 1e6);
  const cpu = fit((r) => r.cpuPercent);
  return {
    cores,
    kbPerWatch: rss.slope / 1e3,
    cpuPercentPer1000: cpu.slope * 1000,
    watchesAt60PercentOfACore: Math.floor((60 - cpu.intercept) / cpu.slope),
  };
}

const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const COLUMNS: [string, (r: Row) => string | number][] = [
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

interface Result {
  run: string;
  load: string[];
  settings: SizingSettings;
  rows: Row[];
  perWatch: ReturnType<typeof perWatch>[];
  kubernetes: ReturnType<typeof kubernetes>;
}

function render(result: Result): string {
  const s = result.settings;
  const k = result.kubernetes;
  return [
    '# Sizing: what one replica holds, and what to request for it',
    '',
    `\`npm run bench:sizing\` (about 16 minutes; \`BENCH_QUICK=1\` about 3, smaller steps) rewrites this file and bench/sizing.json. ${result.run}. Load average (1, 5, 15 min) ${result.load.join(' at the start, ')} at the end: **the machine is shared** (six sessions on 2 cores), so CPU is the gateway's own time from \`/proc/<pid>/stat\`, read to a factor, not a digit.`,
    '',
    `One default-config live gateway pinned with \`taskset\` to the cores named, in front of the emulators (their own process, unpinned; a big account of ${f(s.jobsPerSource)} jobs in every listable source; ${s.latencyMs} ms before each answer). Watches: \`jobUpdates\` subscriptions of ${JOBS_PER_WATCH} jobs, ${PER_CONNECTION} a connection, each connection its own caller, nine in ten over graphql-ws and one in ten over graphql-sse (half distinct, half single connection mode), on the clients' defaults; every watched job is watched by 20 subscriptions, and one in 20 reports progress every 20 s. The watched jobs are Import/Export jobs, described one by one: the most upstream calls a watched job costs (COS Batch and Panorama jobs ride their list: fewer). Listing: a walk of ${LIST_PAGES} \`listJobs\` pages of 100 over the big account, then a dashboard re-reading page 1 every 5 s (snapshots are kept 30 s). Each step waits ${s.warmupSeconds} s (the pollers back off to their 30-s wait), then a ${s.seconds}-s window: RSS (one reading a second: their median and highest; V8 gives memory back after some collections, so a step's median can fall below the step before), RSS high-water (\`VmHWM\`, since start), CPU and upstream calls per minute.`,
    '',
    ...table(
      COLUMNS.map(([head]) => head),
      result.rows.map((r) => COLUMNS.map(([, cell]) => cell(r))),
    ),
    '',
    '## Per watch, per vCPU',
    '',
    'Least-squares lines through the watch steps of each run (idle included, listing not):',
    '',
    ...result.perWatch.map(
      (p) =>
        `- ${p.cores} core(s): ${f(p.kbPerWatch, 1)} KB of RSS and ${f(p.cpuPercentPer1000, 2)} % of one core per 1,000 watches; by CPU alone, ${f(p.watchesAt60PercentOfACore)} watches at 60 % of one core.`,
    ),
    '',
    "A replica is bounded by memory and by `JOBGRAPH_MAX_SUBSCRIPTIONS` (10,000 by default) long before CPU: plan replicas by watches ÷ 10,000 and size memory from the table. What a watch costs beside the bare protocol libraries (graphql-ws + graphql-sse alone) is `npm run bench:moonshot`'s figure ([MOONSHOT.md](MOONSHOT.md)).",
    '',
    '## Kubernetes requests and limits',
    '',
    `From the heaviest step of any run (the top steps hold \`JOBGRAPH_MAX_SUBSCRIPTIONS\`, 10,000 watches, the most a default replica takes; RSS swings with V8's collections, so the highest reading of a window is taken): memory request = that RSS + 20 %, in 64 Mi steps; memory limit = twice the request and at least the high-water + 25 %, in 256 Mi steps (Node sizes its heap from the limit, about half of it, and the peak of concurrent queries comes on top: README, Memory); CPU request = steady CPU + 50 %, in 50 m steps, at least 100 m; no CPU limit (a throttled event loop answers late). deploy/kubernetes/deployment.yaml and deploy/compose.yaml follow this (test/deploy/manifests.test.ts checks it):`,
    '',
    `\`requests: {cpu: ${k.requests.cpu}, memory: ${k.requests.memory}}\`, \`limits: {memory: ${k.limits.memory}}\`.`,
    '',
    'Re-run: `npm run bench:sizing`; `BENCH_QUICK=1` for a quick look (its figures are not steady: the pollers have not backed off); `BENCH_SIZING_CORES`, `BENCH_SIZING_WATCHES`, `BENCH_JOBS_PER_SOURCE`, `BENCH_SIZING_WARMUP_S`, `BENCH_SIZING_SECONDS` (bench/README.md).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  const loadBefore = loadAverage();
  const stack = await startStack({ latencyMs: s.latencyMs, jobsPerSource: s.jobsPerSource });
  const { emulators } = stack;
  await emulators.setFaults({
    synthesize: { [STILL.prefix]: STILL.template, [MOVING.prefix]: MOVING.template },
  });
  const mover = startMover(emulators, MOVING.template, 20, log);
  const rows: Row[] = [];
  try {
    for (const cores of s.cores) rows.push(...(await replica(stack, cores)));
  } finally {
    mover.stop();
  }
  await write({ run: runLine(REPO_ROOT), load: [loadBefore, loadAverage()], settings: s, rows });
}

/** SIZING.md and sizing.json from a run's rows, with what the rows give. */
async function write(run: Omit<Result, 'perWatch' | 'kubernetes'>): Promise<void> {
  const cores = [...new Set(run.rows.map((r) => r.cores))];
  const result = {
    ...run,
    perWatch: cores.map((c) => perWatch(run.rows, c)),
    kubernetes: kubernetes(run.rows),
  };
  log(
    `wrote ${(await writeReport({ md: [OUT_MD, render(result)], json: [OUT_JSON, result] })).join(', ')}`,
  );
  log(`kubernetes: ${JSON.stringify(result.kubernetes)}`);
}

/** `--render`: SIZING.md and the derived figures again from sizing.json's rows, measuring nothing. */
if (process.argv[2] === '--render')
  await write(JSON.parse(readFileSync(OUT_JSON, 'utf8')) as Result);
else runBench(log, main);
