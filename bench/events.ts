// `npm run bench:events`, events against polling (issue #59): figures, settings: bench/README.md.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listedDemoJobs } from '../src/emulators/index.ts';
import { BATCH_JOB_STATUSES } from '../src/emulators/batch/jobEvents.ts';
import { int, pairs, quickRun } from './lib/settings.ts';
import { newTally, openAll, slices, WatcherConnection, type Update } from './lib/watchers.ts';
import type { CounterSnapshot, EmulatorProcess } from './rig/emulators.ts';
import type { GatewayProcess } from './rig/gateway.ts';
import { REPO_ROOT, sleep } from './rig/proc.ts';
import { columns, loadAverage, runLine } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const quick = quickRun();
const JOBS = int('BENCH_EVENTS_JOBS', quick ? 1000 : 10_000, 2, 1_000_000);
const MINUTES = int('BENCH_EVENTS_MINUTES', quick ? 1 : 5, 1, 24 * 60);
const WARMUP_S = int('BENCH_EVENTS_WARMUP_S', quick ? 40 : 60, 0, 3600);
const EXTRA = pairs('BENCH_EVENTS_ENV');
/** Changes a minute: 1 % of the watched jobs. */
const PER_MINUTE = JOBS / 100;
const IDS_PER_SUBSCRIPTION = 100; // JOBGRAPH_MAX_JOB_IDS' default
const SUBSCRIPTIONS_PER_CALLER = 10; // within JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER's 20
const OPEN = new Set<string>(BATCH_JOB_STATUSES.slice(0, 5));
const OUT_MD = fileURLToPath(new URL('EVENTS.md', import.meta.url));
const log = logger('events');

/** Unfinished big-account Batch jobs, `perAccount` of them (their IDs), and the jobsPerSource holding them. */
function unfinishedJobs(perAccount: number) {
  let n = Math.ceil(perAccount / 0.07 / 3);
  for (;;) {
    const open = listedDemoJobs(Date.now(), { jobsPerSource: n }).batch.filter((j) =>
      OPEN.has(j.providerStatus),
    );
    if (open.length >= perAccount)
      return { n, native: open.slice(0, perAccount).map((j) => j.globalId.split(':')[2]!) };
    n = Math.ceil(n * 1.1);
  }
}

/** The watchers: each job's last status seen, the changes not yet seen ([status, ms asked]), delivery times. */
type Watched = Awaited<ReturnType<typeof watch>>;

/** Ten subscriptions of 100 IDs per caller (its own token and WebSocket); resolves once every job was seen. */
async function watch(stack: Stack, gateway: GatewayProcess, ids: string[]) {
  const w = {
    status: new Map<string, string>(),
    awaited: new Map<string, [string, number]>(),
    latencies: [] as number[],
    tally: newTally(),
  };
  const onEvent = ({ id, providerStatus }: Update) => {
    if (!providerStatus) return;
    w.status.set(id, providerStatus);
    const want = w.awaited.get(id);
    if (want?.[0] === providerStatus) {
      w.latencies.push(Date.now() - want[1]);
      w.awaited.delete(id);
    }
  };
  const callers = slices(ids, IDS_PER_SUBSCRIPTION * SUBSCRIPTIONS_PER_CALLER);
  const make = await Promise.all(
    callers.map(async (own, c) => {
      const token = await stack.callerToken(`events-${c}`, ['default', 'staging']);
      const watches = slices(own, IDS_PER_SUBSCRIPTION);
      const options = { fields: 'id providerStatus', onEvent };
      return () => new WatcherConnection('ws', gateway.url, token, watches, w.tally, options);
    }),
  );
  const open = await openAll(make, make.length, 30 * 60_000);
  return { ...w, close: () => open.forEach((c) => c.close()) };
}

/** Move `globalId`'s job one status on (never to a finished one but from RUNNING), on its account. */
async function change(emulators: EmulatorProcess, w: Watched, globalId: string): Promise<void> {
  const from = w.status.get(globalId)!;
  const status = BATCH_JOB_STATUSES[BATCH_JOB_STATUSES.indexOf(from as 'RUNNING') + 1]!;
  const account = globalId.startsWith('batch@staging:') ? 'staging' : 'default';
  const asked = Date.now();
  w.awaited.set(globalId, [status, asked]);
  const res = await fetch(`${emulators.urls.batch}/__emulator/jobs/state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobId: globalId.split(':')[2], status, account }),
  });
  if (!res.ok) throw new Error(`changeState ${globalId}: ${res.status} ${await res.text()}`);
}

/** The Batch calls since `before`, by kind: DescribeJobs (and the jobs they named), ListJobs, the rest. */
async function batchCalls(emulators: EmulatorProcess, before: CounterSnapshot) {
  const calls = (await emulators.callsSince(before)).filter((c) => c.emulator === 'batch');
  const describes = calls.filter((c) => c.operation.startsWith('DescribeJobs '));
  const described = describes.reduce((n, c) => n + Number(c.operation.split(' ')[1]), 0);
  const lists = calls.filter((c) => c.operation.startsWith('ListJobs')).length;
  return {
    calls: describes.length,
    described,
    lists,
    other: calls.length - describes.length - lists,
  };
}

/** One run: a gateway (events on or off), the watchers, the warm-up, then the measured window of changes. */
async function run(stack: Stack, ids: string[], order: string[], events: boolean) {
  const label = events ? 'events' : 'polling';
  const gateway = await stack.gateway({
    label,
    extraEnv: { ...EXTRA, ...(events ? {} : { JOBGRAPH_EVENT_QUEUES: '' }) },
  });
  const w = await watch(stack, gateway, ids);
  log(`${label}: ${ids.length} jobs watched; warming up ${WARMUP_S} s`);
  // One change in each account during the warm-up (both runs alike): an account's jobs are live
  // by events once an event of theirs is applied (docs/events.md, "Coverage"), as in a deployment
  // whose events flow. Its delivery is not measured.
  for (const account of ['batch:', 'batch@staging:']) {
    const at = order.findIndex((id) => id.startsWith(account));
    await change(stack.emulators, w, order.splice(at, 1)[0]!);
  }
  await sleep(WARMUP_S * 1000);
  w.latencies.length = 0;
  const before = await stack.emulators.counters();
  const cpuBefore = gateway.cpuMicros();
  const started = Date.now();
  const changes = Math.round(PER_MINUTE * MINUTES);
  for (let i = 0; i < changes; i++) {
    await sleep(Math.max(0, started + (i * 60_000) / PER_MINUTE - Date.now()));
    await change(stack.emulators, w, order.shift()!);
  }
  await sleep(Math.max(0, started + MINUTES * 60_000 - Date.now()));
  const { calls, described, lists, other } = await batchCalls(stack.emulators, before);
  const cpu = (gateway.cpuMicros() - cpuBefore) / (MINUTES * 600_000); // % of one core
  const rss = gateway.rss();
  w.close();
  await release(gateway);
  const lat = w.latencies;
  const { errors, examples } = w.tally;
  log(
    `${label}: ${calls} DescribeJobs (${described} jobs), ${lists} ListJobs, ${other} other; ${lat.length}/${changes} seen, ${errors} errors`,
  );
  if (errors) log(`first: ${examples[0]}`);
  const [p50, p99] = [percentile(lat, 50), percentile(lat, 99)];
  return { label, calls, described, lists, other, cpu, rss, changes, seen: lat.length, p50, p99 };
}

runBench(log, async () => {
  const perAccount = Math.ceil(JOBS / 2);
  const { n, native } = unfinishedJobs(perAccount);
  const ids = [
    ...native.map((id) => `batch:us-east-1:${id}`),
    ...native.slice(0, JOBS - perAccount).map((id) => `batch@staging:us-east-1:${id}`),
  ];
  log(`${ids.length} jobs (${n} a Batch queue in the big account); window ${MINUTES} min`);
  const stack = await startStack({ jobsPerSource: n });
  // Each run moves jobs not moved before, spread over both accounts.
  const order = ids.filter((_, i) => i % 7 === 3).concat(ids.filter((_, i) => i % 7 !== 3));
  const polling = await run(stack, ids, order, false);
  const events = await run(stack, ids, order, true);
  const load = loadAverage();
  const ratio = polling.calls / Math.max(1, events.calls);
  const perJob = (r: typeof polling) => (r.described / ids.length).toFixed(1);
  const perCall = (r: typeof polling) => (r.described / Math.max(1, r.calls)).toFixed(1);
  const ms = (v: number) =>
    Number.isNaN(v) ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(2)} s`;
  const md = [
    '# Events against polling (`npm run bench:events`)',
    '',
    `${runLine(REPO_ROOT)}; load average after the run ${load}.`,
    '',
    `${ids.length} unfinished AWS Batch jobs watched over graphql-ws (half in the default account, half in \`staging\`), ${PER_MINUTE} of them changing a minute, measured over ${MINUTES} min after ${WARMUP_S} s of warm-up. DescribeJobs calls are those the Batch emulator answered in the window; delivery is from the change being asked of the emulator (its event is on the queue by the answer) to the watcher's receipt of the new status. Gateway settings: the defaults${Object.keys(EXTRA).length ? ` with ${JSON.stringify(EXTRA)}` : ''}, polling only with \`JOBGRAPH_EVENT_QUEUES=\`.`,
    '',
    ...columns(
      [polling, events],
      [
        ['run', (r) => r.label],
        ['DescribeJobs calls', (r) => r.calls],
        ['jobs they named', (r) => r.described],
        ['ListJobs calls', (r) => r.lists],
        ['changes seen', (r) => `${r.seen}/${r.changes}`],
        ['delivery p50', (r) => ms(r.p50)],
        ['delivery p99', (r) => ms(r.p99)],
        ['CPU, % of one core', (r) => r.cpu.toFixed(1)],
        ['RSS at the end', (r) => `${Math.round(r.rss / 2 ** 20)} MB`],
      ],
    ),
    '',
    `DescribeJobs calls with events: **${ratio.toFixed(1)}× fewer** than polling only (the bar: 20×); delivery p99 with events ${ms(events.p99)} (the bar: 2 s).`,
    '',
    `Where the calls go: polling named each watched job ${perJob(polling)} times in the window, ${perCall(polling)} jobs a call; with events ${perJob(events)} times (its reconciliation read, \`JOBGRAPH_EVENT_RECONCILE_SECONDS\`, or the read that confirmed a finish an event told), ${perCall(events)} jobs a call: those reads fall on whole ten seconds and whole \`JOBGRAPH_WATCH_MAX_POLL_MS\` of the clock, so they share DescribeJobs calls (docs/events.md). Both gateways keep history (the default: each its own SQLite file in a fresh \`JOBGRAPH_DATA_DIR\`).`,
    '',
  ];
  if (!quick) writeFileSync(OUT_MD, md.join('\n'));
  process.stdout.write(
    `${JSON.stringify({ jobs: ids.length, minutes: MINUTES, extra: EXTRA, load, ratio, polling, events })}\n`,
  );
});
