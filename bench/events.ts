// `npm run bench:events`, events against polling (issue #59): figures, settings: bench/README.md.
import { writeFileSync } from 'node:fs';
import { batchCalls, change, liven, revive, watch, watchedJobs } from './eventsLoad.ts';
import { int, pairs, quickRun, text } from './lib/settings.ts';
import { REPO_ROOT, sleep } from './rig/proc.ts';
import { columns, commitOf, loadAverage, resultPath, runLine } from './rig/report.ts';
import { metricSeries, metricValue, scrape } from './rig/gateway.ts';
import { kitMemoryLimit } from './rig/memoryLimit.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const quick = quickRun();
const JOBS = int('BENCH_EVENTS_JOBS', quick ? 1000 : 10_000, 2, 1_000_000);
const MINUTES = int('BENCH_EVENTS_MINUTES', quick ? 1 : 5, 1, 24 * 60);
const WARMUP_S = int('BENCH_EVENTS_WARMUP_S', quick ? 40 : 60, 0, 3600);
const EXTRA = pairs('BENCH_EVENTS_ENV');
/** Changes a minute: 1 % of the watched jobs. */
const PER_MINUTE = JOBS / 100;
/** Which runs (`polling,events`): a 100,000-job figure may be the events run alone. */
const RUNS = (text('BENCH_EVENTS_RUNS') ?? 'polling,events').split(',');
/** Run the gateways from this checkout (a base worktree, for a before/after figure): its own build. */
const GATEWAY_REPO = text('BENCH_EVENTS_REPO');
/** `1`: the gateway runs in a memory cgroup of the kit's limit, as a pod does (V8's heap sized from it). */
const KIT = text('BENCH_EVENTS_KIT_LIMIT') === '1' ? kitMemoryLimit('jobgraph-events') : undefined;
const OUT_MD = resultPath('EVENTS.md');
const log = logger('events');

/** The measured window: PER_MINUTE changes a minute, each on its time, for MINUTES; answers their count. */
async function changeWindow(
  stack: Stack,
  w: Awaited<ReturnType<typeof watch>>,
  order: string[],
): Promise<number> {
  const started = Date.now();
  const changes = Math.round(PER_MINUTE * MINUTES);
  for (let i = 0; i < changes; i++) {
    await sleep(Math.max(0, started + (i * 60_000) / PER_MINUTE - Date.now()));
    await change(stack.emulators, w, order.shift()!);
  }
  await sleep(Math.max(0, started + MINUTES * 60_000 - Date.now()));
  return changes;
}

/** One run: a gateway (events on or off), the watchers, the warm-up, then the measured window of changes. */
async function run(
  stack: Stack,
  ids: string[],
  order: string[],
  events: boolean,
  revived: string[],
) {
  const label = events ? 'events' : 'polling';
  const gateway = await stack.gateway({
    label,
    extraEnv: { ...EXTRA, ...(events ? {} : { JOBGRAPH_EVENT_QUEUES: '' }) },
    ...(GATEWAY_REPO ? { repoRoot: GATEWAY_REPO } : {}),
    ...(KIT && 'bytes' in KIT ? { memoryLimit: KIT } : {}),
  });
  if (KIT) log('unavailable' in KIT ? `no kit limit: ${KIT.unavailable}` : `in ${KIT.procs}`);
  // The idle gateway's base: ready, nothing watched yet.
  await sleep(5000);
  const base = gateway.rss();
  // Past the big account's unfinished jobs: finished ones moved back (once, their events applied
  // here: counted in this run's memory, an upper bound).
  if (revived.length) {
    log(`${label}: moving ${revived.length} finished jobs of each account back to RUNNABLE`);
    await revive(stack.emulators, revived.splice(0));
  }
  const w = await watch(stack, gateway, ids);
  log(`${label}: ${ids.length} jobs watched; warming up ${WARMUP_S} s`);
  // One change in each account during the warm-up (both runs alike): an account's jobs are live
  // by events once an event of theirs is applied (docs/events.md, "Coverage"), as in a deployment
  // whose events flow. Its delivery is not measured.
  await liven(stack.emulators, w, order);
  // Idle: the warm-up's second half, every job watched and none changing.
  await sleep((WARMUP_S * 1000) / 2);
  const idleBefore = gateway.cpuMicros();
  await sleep((WARMUP_S * 1000) / 2);
  const idleCpu = (gateway.cpuMicros() - idleBefore) / (WARMUP_S * 5000); // % of one core
  w.latencies.length = 0;
  const setUp = await lagAndGc(gateway);
  const before = await stack.emulators.counters();
  const cpuBefore = gateway.cpuMicros();
  const changes = await changeWindow(stack, w, order);
  const { calls, described, lists, other } = await batchCalls(stack.emulators, before);
  const reasons = metricSeries(await scrape(gateway), 'jobgraph_watch_reads_total').join(', ');
  const cpu = (gateway.cpuMicros() - cpuBefore) / (MINUTES * 600_000); // % of one core
  const rss = gateway.rss();
  log(
    `${label}: event-loop lag max, scavenges (s), heap: set-up ${setUp}, window ${await lagAndGc(gateway)}`,
  );
  w.close();
  await release(gateway);
  if (KIT && 'remove' in KIT) KIT.remove();
  const lat = w.latencies;
  const { errors, examples } = w.tally;
  log(
    `${label}: ${calls} DescribeJobs (${described} jobs), ${lists} ListJobs, ${other} other; ${lat.length}/${changes} seen, ${errors} errors; RSS ${base} → ${rss}; reads by reason ${reasons}`,
  );
  if (errors) log(`first: ${examples[0]}`);
  const [p50, p99] = [percentile(lat, 50), percentile(lat, 99)];
  const perJob = (rss - base) / ids.length;
  const seen = lat.length;
  return {
    label,
    calls,
    described,
    lists,
    other,
    idleCpu,
    cpu,
    base,
    rss,
    perJob,
    changes,
    seen,
    p50,
    p99,
  };
}

runBench(log, async () => {
  const { n, ids, revive: revived } = watchedJobs(JOBS);
  const moved = revived.length;
  log(`${ids.length} jobs (${n} a Batch queue in the big account); window ${MINUTES} min`);
  const stack = await startStack({ jobsPerSource: n });
  // Each run moves jobs not moved before, spread over both accounts.
  const order = ids.filter((_, i) => i % 7 === 3).concat(ids.filter((_, i) => i % 7 !== 3));
  const runs = [];
  for (const label of ['polling', 'events'].filter((r) => RUNS.includes(r)))
    runs.push(await run(stack, ids, order, label === 'events', revived));
  const polling = runs.find((r) => r.label === 'polling');
  const events = runs.find((r) => r.label === 'events');
  const load = loadAverage();
  const ms = (v: number) =>
    Number.isNaN(v) ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`;
  const md = [
    '# Events against polling (`npm run bench:events`)',
    '',
    `${runLine(REPO_ROOT)}${GATEWAY_REPO ? ` (the gateways run from ${commitOf(GATEWAY_REPO, true)})` : ''}; load average after the run ${load}.`,
    '',
    `${ids.length} unfinished AWS Batch jobs watched over graphql-ws (half in the default account, half in \`staging\`; the emulators in a process of their own), ${PER_MINUTE} of them changing a minute, measured over ${MINUTES} min after ${WARMUP_S} s of warm-up. DescribeJobs calls are those the Batch emulator answered in the window; delivery is from the change being asked of the emulator (its event is on the queue by the answer) to the watcher's receipt of the new status. Idle CPU is the gateway's over the warm-up's second half (every job watched, none changing); memory a watched job is its RSS at the end less its RSS idle before any watch, over the jobs. ${moved ? `The big account holds fewer unfinished jobs (at most ${n} a queue): ${moved} finished jobs of each account were moved back to RUNNABLE once the first gateway's idle RSS was read, their events applied by it (within its memory a watched job). ` : ''}Gateway settings: the defaults${Object.keys(EXTRA).length ? ` with ${JSON.stringify(EXTRA)}` : ''}, polling only with \`JOBGRAPH_EVENT_QUEUES=\`.`,
    '',
    ...columns(runs, [
      ['run', (r) => r.label],
      ['DescribeJobs calls', (r) => r.calls],
      ['jobs they named', (r) => r.described],
      ['ListJobs calls', (r) => r.lists],
      ['changes seen', (r) => `${r.seen}/${r.changes}`],
      ['delivery p50', (r) => ms(r.p50)],
      ['delivery p99', (r) => ms(r.p99)],
      ['idle CPU, % of one core', (r) => r.idleCpu.toFixed(1)],
      ['CPU, % of one core', (r) => r.cpu.toFixed(1)],
      ['RSS idle', (r) => `${Math.round(r.base / 2 ** 20)} MB`],
      ['RSS at the end', (r) => `${Math.round(r.rss / 2 ** 20)} MB`],
      ['memory a watched job', (r) => `${(r.perJob / 1024).toFixed(1)} KB`],
    ]),
    '',
    ...(polling && events ? comparison(ids.length, polling, events, ms) : []),
  ];
  // EVENTS.md holds the side-by-side figure; a run of one side prints its table only.
  if (!quick && polling && events) writeFileSync(OUT_MD, md.join('\n'));
  else process.stderr.write(`${md.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({ jobs: ids.length, minutes: MINUTES, extra: EXTRA, load, runs })}\n`,
  );
});

type Run = Awaited<ReturnType<typeof run>>;

/** The event loop's longest delay since the last scrape (prom-client resets it) and young-generation GC seconds so far. */
async function lagAndGc(gateway: { url: string }) {
  const m = await scrape(gateway);
  const gc = metricValue(m, 'nodejs_gc_duration_seconds_sum', 'kind="minor"');
  const heap = metricValue(m, 'nodejs_heap_size_used_bytes') / 2 ** 20;
  return `${metricValue(m, 'nodejs_eventloop_lag_max_seconds').toFixed(2)}, ${gc.toFixed(1)}; heap used ${heap.toFixed(0)} of ${(metricValue(m, 'nodejs_heap_size_total_bytes') / 2 ** 20).toFixed(0)} MB`;
}

/** The lines comparing the two runs' calls and delivery. */
function comparison(jobs: number, polling: Run, events: Run, ms: (v: number) => string) {
  const ratio = polling.calls / Math.max(1, events.calls);
  const perJob = (r: Run) => (r.described / jobs).toFixed(1);
  const perCall = (r: Run) => (r.described / Math.max(1, r.calls)).toFixed(1);
  return [
    `DescribeJobs calls with events: **${ratio.toFixed(1)}× fewer** than polling only (the bar: 20×); delivery p99 with events ${ms(events.p99)} (the bar: 2 s).`,
    '',
    `Where the calls go: polling named each watched job ${perJob(polling)} times in the window, ${perCall(polling)} jobs a call; with events ${perJob(events)} times (its reconciliation read, \`JOBGRAPH_EVENT_RECONCILE_SECONDS\`, or the read that confirmed a finish an event told), ${perCall(events)} jobs a call: those reads fall on whole ten seconds and whole \`JOBGRAPH_WATCH_MAX_POLL_MS\` of the clock, so they share DescribeJobs calls (docs/events.md). Both gateways keep history (the default: each its own SQLite file in a fresh \`JOBGRAPH_DATA_DIR\`).`,
    '',
  ];
}
