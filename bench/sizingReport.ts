/**
 * The watch load's reports (bench/sizing.ts measures): SIZING.md from the sizing table's rows, with
 * what the rows give (the cost per watch, the Kubernetes requests and limits), and MOONSHOT.md from a
 * moonshot run, from the run's result and the bench's layout (sizingRun.ts).
 */
import { childEnv, type WatchSettings } from './lib/settings.ts';
import { INSPECT_LOOPBACK } from './rig/inspector.ts';
import { KIT_LIMIT } from './rig/memoryLimit.ts';
import { columns, f, f1, mb, passMiss, type Column } from './rig/report.ts';
import { linearFit } from './rig/stats.ts';
import {
  OPEN_CONCURRENCY,
  SOURCES,
  WATCHES,
  type moonshotReplica,
  type SizingRow,
} from './sizingRun.ts';

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;
const MiB = 2 ** 20;

/** The Kubernetes resources from the table, by the rule renderSizing() states. */
function kubernetes(rows: readonly SizingRow[]) {
  const most = (figure: (r: SizingRow) => number) => Math.max(...rows.map(figure));
  const request = ceilTo((most((r) => r.rssMaxMB) * 1e6 * 1.2) / MiB, 64);
  const limit = ceilTo(Math.max(2 * request, (most((r) => r.highWaterMB) * 1e6 * 1.25) / MiB), 256);
  const cpu = Math.max(100, ceilTo(most((r) => r.cpuPercent) * 10 * 1.5, 50));
  return { requests: { cpu: `${cpu}m`, memory: `${request}Mi` }, limits: { memory: `${limit}Mi` } };
}

/** Per core count, from the watch steps: RSS and CPU a watch adds, and the watches at 60 % of a core. */
function perWatch(rows: readonly SizingRow[], cores: number) {
  const steps = rows.filter((r) => r.cores === cores && !r.step.endsWith('listing'));
  const watches = steps.map((r) => r.watches);
  const fit = (y: (r: SizingRow) => number) => linearFit(watches, steps.map(y));
  const [rss, cpu] = [fit((r) => r.rssMB * 1e6), fit((r) => r.cpuPercent)];
  return {
    cores,
    kbPerWatch: rss.slope / 1e3,
    cpuPercentPer1000: cpu.slope * 1000,
    watchesAt60PercentOfACore: Math.floor((60 - cpu.intercept) / cpu.slope),
  };
}

const COLUMNS: Column<SizingRow>[] = [
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
export type RunFacts = { run: string; load: string[]; settings: WatchSettings };

/** What sizing.json holds: a run's rows, with what they give. */
export interface Sizing extends RunFacts {
  rows: SizingRow[];
  perWatch: ReturnType<typeof perWatch>[];
  kubernetes: ReturnType<typeof kubernetes>;
}

/** A sizing run's rows with what they give (per watch, per core count; the Kubernetes resources). */
export function sizingFigures(run: Omit<Sizing, 'perWatch' | 'kubernetes'>): Sizing {
  const cores = [...new Set(run.rows.map((r) => r.cores))];
  const perWatches = cores.map((c) => perWatch(run.rows, c));
  return { ...run, perWatch: perWatches, kubernetes: kubernetes(run.rows) };
}

/** SIZING.md's text; `listPages`: the \`listJobs\` pages of 100 the listing step walks. */
export function renderSizing(result: Sizing, listPages: number): string {
  const [s, k] = [result.settings, result.kubernetes];
  const lines = (list: string[]) => list.join('\n');
  return `# Sizing: what one replica holds, and what to request for it

\`npm run bench:sizing\` (about 16 minutes; \`BENCH_QUICK=1\` about 3, smaller steps) writes this report and sizing.json into bench/results/ (not committed; deploy/sizing.json, the kit's sizing of record, is copied from that sizing.json when the kit is re-sized). ${result.run}. Load average (1, 5, 15 min) ${result.load.join(' at the start, ')} at the end: **the machine is shared** (six sessions on 2 cores), so CPU is the gateway's own time from \`/proc/<pid>/stat\`, read to a factor, not a digit.

One default-config live gateway pinned with \`taskset\` to the cores named, in front of the emulators (their own process, unpinned; a big account of ${f(s.jobsPerSource!)} jobs in every listable source; ${s.latencyMs} ms before each answer). Watches: \`jobUpdates\` subscriptions of ${s.jobsPerWatch} jobs, ${s.perConnection} a connection, each connection its own caller, nine in ten over graphql-ws and one in ten over graphql-sse (half distinct, half single connection mode), on the clients' defaults; every watched job is watched by 20 subscriptions, and one in ${f(s.jobs / s.moving)} reports progress every ${s.moveSeconds} s. The watched jobs are Import/Export jobs, described one by one: the most upstream calls a watched job costs (COS Batch and Panorama jobs ride their list: fewer). Listing: a walk of ${listPages} \`listJobs\` pages of 100 over the big account, then a dashboard re-reading page 1 every 5 s (snapshots are kept 30 s). Each step waits ${s.warmupSeconds} s (the read schedules back off to their 30-s wait), then a ${s.seconds}-s window: RSS (one reading a second: their median and highest; V8 gives memory back after some collections, so a step's median can fall below the step before), RSS high-water (\`VmHWM\`, since start), CPU and upstream calls per minute.

${lines(columns(result.rows, COLUMNS))}

## Per watch, per vCPU

Least-squares lines through the watch steps of each run (idle included, listing not):

${lines(result.perWatch.map((p) => `- ${p.cores} core(s): ${f(p.kbPerWatch, 1)} KB of RSS and ${f(p.cpuPercentPer1000, 2)} % of one core per 1,000 watches; by CPU alone, ${f(p.watchesAt60PercentOfACore)} watches at 60 % of one core.`))}

A replica is bounded by memory and by \`JOBGRAPH_MAX_SUBSCRIPTIONS\` (10,000 by default) long before CPU: plan replicas by watches ÷ 10,000 and size memory from the table. What a watch costs beside the bare protocol libraries (graphql-ws + graphql-sse alone) is \`npm run bench:moonshot\`'s figure ([MOONSHOT.md](MOONSHOT.md)).

## Kubernetes requests and limits

From the heaviest step of any run (the top steps hold \`JOBGRAPH_MAX_SUBSCRIPTIONS\`, 10,000 watches, the most a default replica takes; RSS swings with V8's collections, so the highest reading of a window is taken): memory request = that RSS + 20 %, in 64 Mi steps; memory limit = twice the request and at least the high-water + 25 %, in 256 Mi steps (Node sizes its heap from the limit, about half of it, and the peak of concurrent queries comes on top: README, Memory); CPU request = steady CPU + 50 %, in 50 m steps, at least 100 m; no CPU limit (a throttled event loop answers late). deploy/kubernetes/deployment.yaml and deploy/compose.yaml follow this (test/deploy/manifests.test.ts checks it):

\`requests: {cpu: ${k.requests.cpu}, memory: ${k.requests.memory}}\`, \`limits: {memory: ${k.limits.memory}}\`.

Re-run: \`npm run bench:sizing\`; \`BENCH_QUICK=1\` for a quick look (its figures are not steady: the read schedules have not backed off); \`BENCH_SIZING_*\`, \`BENCH_JOBS_PER_SOURCE\` (bench/README.md).
`;
}

/** What a moonshot run measured (sizingRun.ts, moonshotReplica()), with its run's facts: what MOONSHOT.md reads. */
export type Moonshot = RunFacts &
  Awaited<ReturnType<typeof moonshotReplica>> & {
    jobsPerSource: number;
    watchedPerSource: Record<string, number>;
  };

/** How the bench ran besides a run's result: the most watches open at once, the connections set up at once, the sources in the order of the window's `bySource`. */
const layout = { watches: WATCHES, openConcurrency: OPEN_CONCURRENCY, sources: SOURCES };
type MoonshotLayout = typeof layout;

/** The problems of a moonshot run, each with its count; empty when there were none. */
export function moonshotProblems(r: Moonshot): string[] {
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
function floorSection(r: Moonshot, { watches }: MoonshotLayout): string {
  const [g, fl] = [r.setup, r.floor];
  if (!fl) return '';
  const half = g.secondHalf.watches;
  const row = (what: string, ours: number, bare: number, count: number, goal?: number) =>
    besideRow(what, ours / count, bare / count, kb, goal);
  const bad = fl.notReady || fl.errors;
  return `## Beside the bare floor

The same ${f(watches)} subscriptions, connections, callers and clients opened against the bare floor (\`bench/baseline/watchFloor.ts\`: graphql-ws \`useServer\` and graphql-sse \`createHandler\` on node:http, one in-process map of listeners, no auth, caps, read schedules or upstream) after jobgraph's run. Both open the connections in two halves: by the second half (${f(half)} watches) every job is already watched, so what it adds is what watches alone cost; the whole set-up, less the idle reading, also carries each job's read schedule and first reads. Each reading (idle, halfway, after set-up) waits for the process to go idle, has its inspector (\`${INSPECT_LOOPBACK}\`, both processes alike) make a full collection, then reads \`process.memoryUsage()\`: what the process retains is the V8 heap in use plus the memory outside it (\`external\`: Buffers, the sockets' among them). The goal is on retained memory, not RSS, because RSS follows when V8 decides to grow its heap, not what the watches hold: the RSS rows are facts.${bad ? ` **The floor had ${fl.notReady} connections not ready and ${fl.errors} errors.**` : ''}

| per watch | jobgraph | bare floor | ratio | goal | result |
| --- | --- | --- | --- | --- | --- |
${row('retained after a collection (V8 heap used + external), second half', g.secondHalf.retained, fl.secondHalf.retained, half, 1.3)}
${row('V8 heap used after a collection, second half', g.secondHalf.heap, fl.secondHalf.heap, half)}
${row('RSS after a collection, second half', g.secondHalf.rss, fl.secondHalf.rss, half)}
${row('retained after a collection, whole set-up − idle', g.end.retained - g.idle.retained, fl.end.retained - fl.idle.retained, watches)}
${row('RSS after a collection, whole set-up − idle', g.end.rss - g.idle.rss, fl.end.rss - fl.idle.rss, watches)}
| set-up: wall time, server CPU | ${f1(g.seconds)} s, ${f1(g.cpuSeconds)} s | ${f1(fl.seconds)} s, ${f1(fl.cpuSeconds)} s | ${(g.cpuSeconds / fl.cpuSeconds).toFixed(2)}× CPU | fact | |

`;
}

/** Memory and allocation under churn beside the floor carrying the same churn (issue 105: retained ≤ 1.3×). */
function churnSection(r: Moonshot, layout: MoonshotLayout): string {
  const fl = r.floor;
  if (!fl) return '';
  const { watches } = layout;
  const side = (c: typeof r.churn, idle: number, retainedIdle: number) => ({
    ...c,
    rssPerWatch: (c.steady.rss - idle) / watches,
    retainedPerWatch: (c.retained - retainedIdle) / watches,
    perJobMinute: c.allocation.bytes / r.settings.jobs / c.minutes,
  });
  const [g, b] = [
    side(r.churn, r.setup.idle.rss, r.setup.idle.retained),
    side(fl.churn, fl.idle.rss, fl.idle.retained),
  ];
  const options = childEnv().NODE_OPTIONS; // BENCH_NODE_OPTIONS, both sides'
  const row = (what: string, of: (x: typeof g) => number, show = kb, goal?: number) =>
    besideRow(what, of(g), of(b), show, goal);
  const steps = (x: typeof g) =>
    `${x.agreement.stepsMade} made, ${x.agreement.stepsSeenMin}–${x.agreement.stepsSeenMax} seen, ${x.agreement.missed} missed`;
  const top = (x: typeof g) =>
    x.allocation.top
      .map((t) => `\`${t.where}\` ${((t.bytes / x.allocation.bytes) * 100).toFixed(1)} %`)
      .join(', ');
  return `## Under churn, beside the floor carrying the same churn

Once set up, the floor (above) is given the same churn: the bench sends it the moving jobs' next progress message on the same clock as the emulators' (\`POST /move\`, every ${r.settings.moveSeconds} s), and it pushes each to every subscriber of those jobs; the same ${r.settings.warmupSeconds}-s warm-up, then the same ${r.settings.seconds}-s window. Both processes run on the same Node (\`${process.execPath.split('/').slice(-3).join('/')}\`, ${process.version}) with the same flags (\`${INSPECT_LOOPBACK}\`; the floor adds \`--import tsx\` to load its TypeScript)${r.settings.kitLimit ? `, the same memory cgroup of the kit's limit (${KIT_LIMIT}), one after the other,` : ''} and the same environment less jobgraph's settings (\`NODE_ENV=production\`, ${options ? `\`NODE_OPTIONS=${options}\`` : 'no `NODE_OPTIONS`'}: \`BENCH_NODE_OPTIONS\`). RSS per watch is the window's median RSS (a reading a second) less the idle reading (after a collection), over ${f(watches)} watches. Allocation is V8's sampling heap profiler (\`HeapProfiler.startSampling\` through the inspector, one sample per 64 KiB on average, objects freed by young and old collections included), which V8 scales to an estimate of every byte allocated in the window — the same counter on both sides; its samples are held outside the heap, in RSS, on both sides alike (a few MB at most).

| under churn | jobgraph | bare floor | ratio | goal | result |
| --- | --- | --- | --- | --- | --- |
${row('retained per watch after a collection, once the churn ended − idle', (x) => x.retainedPerWatch, kb, 1.3)}
${row('RSS per watch: window median − idle', (x) => x.rssPerWatch)}
${row('bytes allocated per watched job per minute (sampled)', (x) => x.perJobMinute)}
${row('RSS, window median', (x) => x.steady.rss, mb)}
${row("V8's new space, most in the window (read every 10 s)", (x) => x.youngMost, mb)}
${row('bytes allocated in the window', (x) => x.allocation.bytes, mb)}
${row('events delivered in the window', (x) => x.events, f)}
| progress steps of the moving jobs: made, seen by each job's subscribers (fewest–most), missed | ${steps(g)} | ${steps(b)} | | fact | |

Where jobgraph's allocation went in the window (the sampled profile, each sample's bytes given to the nearest frame of the process's own code, so a library's allocation counts where it was called from): ${top(g)}. The floor's: ${top(b)}.

`;
}

/** The still jobs' upstream calls by source: described one by one, list-assisted, measured. */
function stillSection(r: Moonshot, layout: MoonshotLayout): string {
  const { settings: s, window: w } = r;
  const sources = layout.sources.map(({ name, page }, i) => {
    const watched = r.watchedPerSource[name] ?? 0;
    const pages = page ? Math.ceil(r.jobsPerSource / page) : null;
    const listed = pages !== null && pages + 1 <= watched ? pages : watched;
    const [describesOnly, listAssisted] = [watched / r.longestWait, listed / r.longestWait];
    return { ...w.bySource[i]!, watched, pages, describesOnly, listAssisted };
  });
  const sum = (figure: (x: (typeof sources)[number]) => number) =>
    sources.reduce((n, x) => n + figure(x), 0).toFixed(2);
  return `## Upstream calls of the still jobs, steady state

Every still job waits ${r.longestWait} s between polls (\`JOBGRAPH_WATCH_MAX_POLL_MS\`). Described one by one, a source's jobs cost jobs ÷ ${r.longestWait} calls a second; watched through the source's list (COS Batch, Panorama: src/subscriptions/listWatchGroup.ts) one pass of all its pages per ${r.longestWait} s, and only where the pages are fewer than the jobs they spare (a window holds a whole number of passes, so the measured list calls can fall a pass short or over). HealthOmics and Import/Export are described per job.

| source | jobs watched | list pages (${f(r.jobsPerSource)} jobs) | calls/s, describes only | calls/s, list-assisted (one pass a wait) | measured list calls/s | measured describe calls/s |
| --- | --- | --- | --- | --- | --- | --- |
${sources.map((x) => `| ${x.name} | ${x.watched} | ${x.pages ?? '—'} | ${x.describesOnly.toFixed(2)} | ${x.listAssisted.toFixed(2)} | ${x.list.toFixed(2)} | ${x.describe.toFixed(2)} |`).join('\n')}
| all | ${s.jobs - s.moving} | | ${sum((x) => x.describesOnly)} | ${sum((x) => x.listAssisted)} | ${sum((x) => x.list)} | ${sum((x) => x.describe)} |

The moving jobs add their describes: each change sends its read schedule back to a 2-s wait (2, 3, 4.5, 6.75 s…).

`;
}

/** MOONSHOT.md's text, before its prose is wrapped. */
export function renderMoonshot(r: Moonshot): string {
  const { settings: s, window: w, setup } = r;
  const bad = moonshotProblems(r);
  const { watches, openConcurrency } = layout;
  const c = r.connections;
  const environment = Object.keys(r.gateway).filter((k) => k !== 'node flags');
  const watched = Object.entries(r.watchedPerSource).map(([k, v]) => `${k} ${v}`);
  const env = {
    ...{ WATCHES: watches, JOBS: s.jobs, JOBS_PER_WATCH: s.jobsPerWatch },
    ...{ PER_CONNECTION: s.perConnection, MOVING: s.moving, MOVE_S: s.moveSeconds },
    ...{ WARMUP_S: s.warmupSeconds, SECONDS: s.seconds, JOBS_PER_SOURCE: r.jobsPerSource },
    FLOOR: s.floor ? 1 : 0,
  };
  return `# Watch moonshot: ${f(watches)} open watches of ${f(s.jobs)} jobs on one replica

\`npm run bench:moonshot\` (about 4 minutes) rewrites this file (\`BENCH_QUICK=1\`: 1,000 watches of 200 jobs; the sizes: \`BENCH_MOONSHOT_*\`, bench/README.md). ${r.run}. Load average (1, 5, 15 min) ${r.load[0]} at the start, ${r.load[1]} at the end of the window, ${r.load[2]} at the end: the machine is shared, so CPU figures are this process's own time (\`/proc/<pid>/stat\`), not wall time, and are still worth reading to a factor, not a digit.

${bad.length ? `**THIS RUN HAD PROBLEMS: ${bad.join('; ')}.** First examples:\n\n${r.tally.examples.map((e) => `- \`${e.replace(/`/g, "'")}\``).join('\n')}\n` : 'No errors, closes, reconnections or missed events: every subscriber of a job had the same events.'}

## Set-up

One gateway (\`node ${r.gateway['node flags'] ? `${r.gateway['node flags']} ` : ''}bin/jobgraph.mjs\`, live mode${s.kitLimit ? `, in a memory cgroup of the kit's limit, ${KIT_LIMIT}, as a pod runs it` : ''}) in front of the emulators (their own process, a big account of ${f(r.jobsPerSource)} jobs in each listable source, the progressing demo jobs left out of its lists, ${s.latencyMs} ms before each answer). Its settings: the emulator endpoints and demo credentials, \`JOBGRAPH_JWT_SECRET\`, \`LOG_LEVEL=info\` (jobgraph's default; the bench's helper sets warn), \`JOBGRAPH_CALLER_RATE=off\` (the bench's helper: its load would spend a caller's rate in a second), ${r.raised.length ? `and raised for this size: ${r.raised.join('; ')}` : `and nothing else: no cap needs raising at this size (each connection is its own caller, ${s.perConnection} subscriptions each)`}.

- **Environment** (besides the demo credentials and \`JOBGRAPH_JWT_SECRET\`): ${environment.map((k) => `\`${k}\``).join(', ')}.
- **Jobs**: ${s.jobs - s.moving} unfinished jobs of the big account (${watched.join(', ')}; none changes) and ${s.moving} moving Import/Export jobs whose progress message changes every ${s.moveSeconds} s once set-up is over.
- **Watches**: ${f(watches)} \`jobUpdates\` subscriptions of ${s.jobsPerWatch} jobs each (every job watched ${f1((watches * s.jobsPerWatch) / s.jobs)} times), over ${c.ws} graphql-ws WebSockets, ${c.sse} graphql-sse clients in distinct connections mode (an event stream per subscription) and ${c['sse-single']} in single connection mode, ${s.perConnection} subscriptions per connection, each connection its own caller (token subject); ${openConcurrency} connections being set up at a time.
- **Phases**: set-up until every subscription has had an event of each of its jobs; ${s.warmupSeconds} s of warm-up (every read schedule backs off to its longest wait, ${r.longestWait} s); a ${f1(w.seconds)}-s steady window; then the moving jobs stop and every subscriber of each is compared with the others.

## Figures

| figure | value |
| --- | --- |
| subscriptions open, read schedules (the gateway's metrics, in the window) | ${w.watches}, ${w.watchedJobs} |
| set-up: ${f(watches)} subscriptions with every first event | ${f1(setup.seconds)} s; a connection's ${s.perConnection}: p50 ${setup.perConnectionMs.p50.toFixed(0)} ms, p95 ${setup.perConnectionMs.p95.toFixed(0)} ms, max ${setup.perConnectionMs.max.toFixed(0)} ms |
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

${floorSection(r, layout)}${churnSection(r, layout)}${stillSection(r, layout)}## Re-run

\`\`\`sh
npm run bench:moonshot                                    # this file's size
BENCH_QUICK=1 npm run bench:moonshot                      # quick: 1,000 watches of 200 jobs
\`\`\`

This run: ${Object.entries(env)
    .map(([k, v]) => `\`BENCH_MOONSHOT_${k}=${v}\``)
    .join(' ')} \`BENCH_LATENCY_MS=${s.latencyMs}\`.
`;
}
