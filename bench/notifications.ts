// `npm run bench:notifications` (issue #86): what 1,000 notification rules cost each job change,
// and how long a matching change takes to reach its receiver. Figures: docs/performance.md.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken } from '../src/auth/mintToken.ts';
import { listedDemoJobs } from '@jobgraph/emulators';
import { BATCH_JOB_STATUSES } from '@jobgraph/emulators/batch/jobEvents';
import { profileIn } from './lib/profile.ts';
import { post } from './lib/queries.ts';
import { int, quickRun } from './lib/settings.ts';
import { profileTables } from './rig/cpuReport.ts';
import { newTally, openAll, slices, WatcherConnection, type Update } from './lib/watchers.ts';
import type { GatewayProcess } from './rig/gateway.ts';
import { REPO_ROOT, scratchDir, sleep } from './rig/proc.ts';
import { columns, loadAverage } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { percentile } from './rig/stats.ts';

const quick = quickRun();
const JOBS = int('BENCH_NOTIFY_JOBS', 1000, 10, 100_000);
const RULES = int('BENCH_NOTIFY_RULES', 1000, 1, 100_000);
/** Rules on the stream's Batch jobs' finishes and starts (0: none of the rules matches any change: their cost alone). */
const MATCHING = int('BENCH_NOTIFY_MATCHING', 5, 0, 1000);
const CHANGES = int('BENCH_NOTIFY_CHANGES', quick ? 100 : 200, 10, 100_000);
const PER_SECOND = int('BENCH_NOTIFY_PER_SECOND', 2, 1, 1000);
const WARMUP_S = int('BENCH_NOTIFY_WARMUP_S', quick ? 20 : 40, 0, 3600);
const SETTLE_S = int('BENCH_NOTIFY_SETTLE_S', 10, 0, 600);
/** Longest the window waits past SETTLE_S for every finish's confirming read and deliveries. */
const DONE_S = 120;
/** One change in this many is a finish (which the matching rules take). */
const STARTS = int('BENCH_NOTIFY_STARTS_EVERY', 5, 1, 100);
/** Seconds of no change measured before the changes: the gateway's own CPU, taken off. */
const IDLE_S = int('BENCH_NOTIFY_IDLE_S', 30, 1, 3600);
/** 1: profile the rules' gateway (`--cpu-prof`) and print its changes' window (diagnosis only: it costs CPU). */
const PROFILE = int('BENCH_NOTIFY_PROFILE', 0, 0, 1) === 1;
const log = logger('notifications');

/**
 * `count` unfinished default-account Batch jobs (global IDs) and the jobsPerSource holding them:
 * every STARTS-th one RUNNING (its change a finish, SUCCEEDED, which the matching rules take),
 * the others SUBMITTED or PENDING (moved to PENDING or RUNNABLE: still queued, no rule's trigger).
 */
function unfinishedJobs(count: number) {
  const late = Math.ceil(count / STARTS);
  for (let n = Math.ceil(count / 0.07 / 3); ; n = Math.ceil(n * 1.1)) {
    const jobs = listedDemoJobs(Date.now(), { jobsPerSource: n }).batch;
    const id = (j: (typeof jobs)[number]) => `batch:us-east-1:${j.globalId.split(':')[2]}`;
    const of = (statuses: string[]) =>
      jobs.filter((j) => statuses.includes(j.providerStatus)).map(id);
    const [early, later] = [of(['SUBMITTED', 'PENDING']), of(['RUNNING'])];
    if (later.length >= late && early.length >= count - late)
      return {
        n,
        ids: Array.from({ length: count }, (_, i) =>
          i % STARTS === 0 ? later[i / STARTS]! : early[i - Math.ceil(i / STARTS)]!,
        ),
      };
  }
}

/** A receiver on 127.0.0.1: each delivery's arrival, keyed `<job> <type>`. */
async function startReceiver() {
  const arrivals = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type: string;
        data: { job?: { id?: string } };
      };
      const key = `${body.data.job?.id ?? ''} ${body.type}`;
      arrivals.set(key, [...(arrivals.get(key) ?? []), at]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, arrivals, stop: () => new Promise((r) => server.close(r)) };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * `count` rules over GraphQL, `MATCHING` of them on the stream's Batch jobs' finish and start, the rest on
 * jobs these never are (another provider, another region, a text no job holds), by turns.
 */
async function makeRules(gateway: GatewayProcess, token: string, url: string, count: number) {
  const misses = [
    { providers: ['TENCENT_COS_BATCH'] },
    { regions: ['eu-west-3'] },
    { text: 'no job is called this' },
  ];
  const input = (i: number) => ({
    name: `rule ${i}`,
    // The stream's jobs (`<queue>-batch-<n>`), not the demo's progressing job: its cycle fires them too.
    filter:
      i < MATCHING ? { providers: ['AWS_BATCH'], text: '-batch-' } : misses[i % misses.length],
    on: ['STARTED', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
    target: { kind: 'WEBHOOK', url },
  });
  const query = `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { rule { id } } }`;
  const headers = { authorization: `Bearer ${token}` };
  const make = (i: number) => JSON.stringify({ query, variables: { input: input(i) } });
  for (const batch of slices([...Array(count).keys()], 8))
    await Promise.all(
      batch.map((i) => post(gateway.url, make(i), headers, 'createNotificationRule')),
    );
}

/** Every job watched (10 subscriptions of 100 a caller), so the gateway reads them and applies their events. */
async function watch(stack: Stack, gateway: GatewayProcess, ids: string[]) {
  const status = new Map<string, string>();
  const onEvent = ({ id, providerStatus }: Update) => {
    if (providerStatus) status.set(id, providerStatus);
  };
  const tally = newTally();
  const make = await Promise.all(
    slices(ids, 1000).map(async (own, c) => {
      const token = await stack.callerToken(`notify-watch-${c}`, ['default']);
      const options = { fields: 'id providerStatus', onEvent };
      return () =>
        new WatcherConnection('ws', gateway.url, token, slices(own, 100), tally, options);
    }),
  );
  const open = await openAll(make, make.length, 10 * 60_000);
  return { status, close: () => open.forEach((c) => c.close()) };
}

const TYPE_OF: Record<string, string> = { SUCCEEDED: 'job.succeeded' };

/** Move a job one status on at the Batch emulator (whose answer means its event is queued); the change's time. */
async function change(stack: Stack, from: string, id: string) {
  const status = BATCH_JOB_STATUSES[BATCH_JOB_STATUSES.indexOf(from as 'RUNNING') + 1]!;
  const at = Date.now();
  const res = await fetch(`${stack.emulators.urls.batch}/__emulator/jobs/state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobId: id.split(':')[2], status, account: 'default' }),
  });
  if (!res.ok) throw new Error(`change ${id}: ${res.status} ${await res.text()}`);
  return { id, status, at };
}

/**
 * Wait (at most DONE_S) until every job of `finished` is in a DescribeJobs since `since` (its
 * confirming read: the rules' at once, the watches' at their next poll slot) and `delivered()`;
 * the DescribeJobs calls made since, and the finishes still unread.
 */
async function confirmed(
  stack: Stack,
  since: Awaited<ReturnType<Stack['emulators']['counters']>>,
  finished: readonly string[],
  delivered: () => boolean,
) {
  const until = Date.now() + DONE_S * 1000;
  for (;;) {
    const calls = (await stack.emulators.callsSince(since)).filter(
      (c) => c.emulator === 'batch' && c.operation.startsWith('DescribeJobs'),
    );
    // `job`: `<region>/<id>,<id>,…`.
    const read = new Set(calls.flatMap((c) => (c.job ?? '').replace(/^[^/]*\//, '').split(',')));
    const unread = finished.filter((id) => !read.has(id.split(':')[2]!)).length;
    if ((unread === 0 && delivered()) || Date.now() > until)
      return { describes: calls.length, unread };
    await sleep(1000);
  }
}

/** One gateway (events on) with `rules` rules: the CPU of CHANGES changes, and, with rules, each delivery's delay. */
async function run(
  stack: Stack,
  receiver: Receiver,
  ids: string[],
  order: string[],
  rules: number,
) {
  const label = rules ? `${rules} rules` : 'no rule';
  const profileDir = PROFILE && rules ? scratchDir('jobgraph-notify-prof-') : null;
  const gateway = await stack.gateway({
    label,
    ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    extraEnv: {
      JOBGRAPH_NOTIFY_SECRET: 'b'.repeat(43),
      JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
    },
  });
  const scopes = ['jobs:read', 'notifications:write'];
  const token = await mintToken({ secret: stack.jwtSecret, scopes, subject: 'bench-notify' });
  if (rules) await makeRules(gateway, token, receiver.url, rules);
  const w = await watch(stack, gateway, ids);
  // One change before the window: the account's jobs are live by events once one is applied.
  await change(stack, w.status.get(order[0]!)!, order.shift()!);
  log(`${label}: ${ids.length} jobs watched; warming up ${WARMUP_S} s`);
  await sleep(WARMUP_S * 1000);
  const idleFrom = [gateway.cpuMicros(), Date.now()] as const;
  await sleep(IDLE_S * 1000);
  const idlePerMs = (gateway.cpuMicros() - idleFrom[0]) / (Date.now() - idleFrom[1]);
  const calls0 = await stack.emulators.counters();
  const cpuBefore = gateway.cpuMicros();
  const fromMicros = Number(process.hrtime.bigint() / 1000n);
  const started = Date.now();
  const made: Awaited<ReturnType<typeof change>>[] = [];
  for (let i = 0; i < CHANGES; i++) {
    await sleep(Math.max(0, started + (i * 1000) / PER_SECOND - Date.now()));
    const id = order.shift()!;
    made.push(await change(stack, w.status.get(id) ?? 'SUBMITTED', id));
  }
  // The last changes' reads and deliveries, inside the CPU: at least SETTLE_S, and until every
  // finish's confirming read is made and its deliveries arrived, whichever gateway reads it.
  await sleep(SETTLE_S * 1000);
  const expected = made.filter((m) => TYPE_OF[m.status] !== undefined);
  const arrivals = (m: (typeof made)[number]) =>
    receiver.arrivals.get(`${m.id} ${TYPE_OF[m.status]}`) ?? [];
  const wanted = expected.length * (rules ? MATCHING : 0);
  const { describes, unread } = await confirmed(
    stack,
    calls0,
    expected.map((m) => m.id),
    () => expected.reduce((n, m) => n + arrivals(m).length, 0) >= wanted,
  );
  const windowMs = Date.now() - started;
  const cpu = gateway.cpuMicros() - cpuBefore;
  const cpuPerChange = (cpu - idlePerMs * windowMs) / CHANGES;
  const rawPerChange = cpu / CHANGES;
  const delays = expected.flatMap((m) => arrivals(m).map((t) => t - m.at));
  const window = { fromMicros, toMicros: Number(process.hrtime.bigint() / 1000n) };
  w.close();
  await release(gateway);
  const profile = profileDir && profileIn(profileDir);
  if (profile)
    process.stdout.write(
      `Profile of the ${label} gateway's changes: ${profile} (µs ${window.fromMicros}–${window.toMicros})\n${profileTables(label, { file: profile, root: REPO_ROOT }, window, 15).join('\n')}\n`,
    );
  log(
    `${label}: ${(cpuPerChange / 1000).toFixed(2)} ms CPU a change over ${(windowMs / 1000).toFixed(0)} s; ${delays.length}/${wanted} deliveries; ${describes} DescribeJobs, ${unread} finishes unread`,
  );
  return {
    label,
    cpuPerChange,
    rawPerChange,
    idlePerMs,
    delays,
    wanted,
    windowMs,
    describes,
    unread,
  };
}

runBench(log, async () => {
  const { n, ids } = unfinishedJobs(JOBS);
  if (ids.length < 2 * CHANGES + 2)
    throw new Error(`BENCH_NOTIFY_JOBS=${JOBS} is too few for two runs of ${CHANGES} changes`);
  const stack = await startStack({ jobsPerSource: n });
  const receiver = await startReceiver();
  // Each run moves jobs the other did not, the same mix of statuses (ids is in blocks of STARTS).
  const blocks = slices(ids, STARTS);
  const order = blocks.filter((_, i) => i % 2 === 0).flat();
  const second = blocks.filter((_, i) => i % 2 === 1).flat();
  const none = await run(stack, receiver, ids, order, 0);
  const many = await run(stack, receiver, ids, second, RULES);
  await receiver.stop();
  const ratio = many.cpuPerChange / none.cpuPerChange;
  const ms = (v: number) => (Number.isNaN(v) ? '—' : `${(v / 1000).toFixed(2)} s`);
  const p = (q: number) => percentile(many.delays, q);
  const table = columns(
    [none, many],
    [
      ['gateway', (r) => r.label],
      ['changes', () => CHANGES],
      ['gateway CPU idle', (r) => `${(r.idlePerMs / 10).toFixed(1)} % of a core`],
      ['CPU a change, all', (r) => `${(r.rawPerChange / 1000).toFixed(2)} ms`],
      ['CPU a change, above idle', (r) => `${(r.cpuPerChange / 1000).toFixed(2)} ms`],
      ['deliveries', (r) => (r.wanted ? `${r.delays.length}/${r.wanted}` : '—')],
      ['window', (r) => `${(r.windowMs / 1000).toFixed(0)} s`],
      ['DescribeJobs (finishes unread)', (r) => `${r.describes} (${r.unread})`],
    ],
  );
  process.stdout.write(
    [
      `${JOBS} watched AWS Batch jobs, events on, ${CHANGES} changes at ${PER_SECOND}/s each run; load ${loadAverage()}`,
      ...table,
      `CPU a change above idle with ${RULES} rules (${MATCHING} matching): ${ratio.toFixed(2)}× without (goal ≤ ${MATCHING === 0 ? '1.05' : '1.5'}×); all of it: ${(many.rawPerChange / none.rawPerChange).toFixed(2)}×`,
      `change → receiver, ${many.delays.length} deliveries: p50 ${ms(p(50))}, p99 ${ms(p(99))}, max ${ms(many.delays.length ? Math.max(...many.delays) : NaN)} (goal p99 ≤ 5 s)`,
      '',
    ].join('\n'),
  );
});
