/** `npm run bench:listing-big`: what `listJobs` costs over a big account (bench/README.md). */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/index.ts';
import { closeSources, createSources } from '../src/datasources/index.ts';
import { createJobLister, ListSnapshots } from '../src/datasources/listing/index.ts';
import { AwsAccounts } from '../src/datasources/shared/accounts.ts';
import { LOGS_ENDPOINT_VARIABLE, withDemoUpstreams, type EmulatorSet } from '@jobgraph/emulators';
import { isListCall, type LoggedCall } from './rig/emulators.ts';
import { outputUntil } from './rig/childServer.ts';
import { heapOf, type GatewayProcess } from './rig/gateway.ts';
import { post } from './lib/queries.ts';
import { int, text } from './lib/settings.ts';
import { KIT_LIMIT, kitMemoryLimit, type MemoryLimit } from './rig/memoryLimit.ts';
import { mb, passMiss, resultPath, writeReport } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const log = logger('listing-big');
const OUT_JSON = resultPath('listing-big-results.json');
const OUT_MD = resultPath('LISTING-BIG.md');
const N = int('BENCH_JOBS_PER_SOURCE', 3000, 1, 100_000);
const DASHBOARDS = 20;
/** Listed jobs the operator's walk reads (issue 88 measured 15,000). */
const WALK_JOBS = 15_000;
const BUDGET_MS = text('BENCH_UPSTREAM_BUDGET_MS');
const SNAPSHOT_SECONDS = text('BENCH_LIST_SNAPSHOT_SECONDS');

const LIST_JOBS = `query($first: Int, $after: String, $filter: JobListFilter) {
  listJobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider region createdAt state } }
    pageInfo { hasNextPage endCursor }
    sources { provider state code }
  }
}`;

const body = (first: number, after: string | null, filter?: Record<string, unknown>) =>
  JSON.stringify({ query: LIST_JOBS, variables: { first, after, filter: filter ?? null } });

interface Conn {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  sources: { provider: string; state: string; code: string | null }[];
}

/** List calls by emulator, and their total, from (emulator, calls) pairs: a call log's list calls, or several pages' counts. */
function tally(pairs: [string, number][]) {
  const by: Record<string, number> = {};
  for (const [k, v] of pairs) by[k] = (by[k] ?? 0) + v;
  return { total: Object.values(by).reduce((a, b) => a + b, 0), by };
}

type Calls = ReturnType<typeof tally>;
const listCalls = (calls: LoggedCall[]) =>
  tally(calls.filter(isListCall).map((c) => [c.emulator, 1]));
/** A page's wall time and list calls alone. */
const strip = ({ calls, ms }: { calls: Calls; ms: number }) => ({ calls, ms });
/** Throws unless every source was listed (or is not listable). */
function allListed(sources: readonly { state: string }[], where: string): void {
  const bad = sources.filter((s) => s.state !== 'LISTED' && s.state !== 'NOT_LISTABLE');
  if (bad.length) throw new Error(`${where} sources not listed: ${JSON.stringify(bad)}`);
}
/** The gateway's upstream budget, if BENCH_UPSTREAM_BUDGET_MS sets one. */
const budget = BUDGET_MS ? { JOBGRAPH_UPSTREAM_BUDGET_MS: BUDGET_MS } : {};
const snapshotTtl = SNAPSHOT_SECONDS ? { JOBGRAPH_LIST_SNAPSHOT_SECONDS: SNAPSHOT_SECONDS } : {};

let stack: Stack;
let gateway: GatewayProcess | undefined;

async function fresh(limit?: MemoryLimit): Promise<GatewayProcess> {
  if (gateway) await release(gateway);
  return (gateway = await stack.gateway({
    label: 'listing-big',
    ...(limit ? { memoryLimit: limit } : {}),
    // A loaded machine may need longer than the default 15 s to read a 120-page source whole,
    // and than the snapshots' 30 s to walk ten pages and open the warm dashboards.
    extraEnv: { ...budget, ...snapshotTtl },
  }));
}

/** `count` callers asking one page at once: the first answer, the list calls, ms to the last. */
async function pages(count: number, after: string | null, filter?: Record<string, unknown>) {
  const { emulators, headers } = stack;
  const before = await emulators.counters();
  const started = performance.now();
  const ask = () => post(gateway!.url, body(25, after, filter), headers, 'listJobs');
  const answers = await Promise.all(Array.from({ length: count }, ask));
  const ms = performance.now() - started;
  const conn = (answers[0]!.json.data as { listJobs: Conn }).listJobs;
  allListed(conn.sources, 'gateway');
  return { conn, ms, calls: listCalls(await emulators.callsSince(before)) };
}

const page = (after: string | null, filter?: Record<string, unknown>) => pages(1, after, filter);
const dashboards = async (count: number) => strip(await pages(count, null));

/** Heap bytes a job costs in the snapshots, measured in this process over the same sources. */
async function bytesPerJob() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  // The demo configuration pointed at the emulator process (its URLs), as startDemo does.
  const set = Object.fromEntries([
    ...Object.entries(stack.emulators.urls).map(([name, url]) => [name, { url }]),
    ['sts', { url: stack.emulators.env.AWS_ENDPOINT_URL_STS }],
    ['logs', { url: stack.emulators.env[LOGS_ENDPOINT_VARIABLE] }],
  ]) as unknown as EmulatorSet;
  const config = withDemoUpstreams(
    loadConfig({ mode: 'demo' }, { JOBGRAPH_CACHE_MAX_ENTRIES: '0', ...budget }),
    set,
  );
  const accounts = new AwsAccounts(config);
  const sources = createSources(config, undefined, undefined, undefined, undefined, accounts);
  // What the replicas' store would be given (Snapshot.toWire) and would hold (gzip, base64: redisListSnapshots.ts).
  const shared = { text: 0, stored: 0 };
  const snapshots = new ListSnapshots({
    ttlMs: 600_000,
    shared: {
      get: (keys) => Promise.resolve(keys.map(() => undefined)),
      set(_key, text) {
        shared.text += Buffer.byteLength(text);
        shared.stored += gzipSync(Buffer.from(text), { level: 1 }).toString('base64').length;
      },
      close: () => Promise.resolve(),
    },
  });
  const lister = createJobLister(sources, config, snapshots);
  const list = () => lister.list({ filter: {}, first: 25, after: null, caller: 'bench' });
  try {
    await list();
    snapshots.clear();
    shared.text = shared.stored = 0;
    gc();
    gc();
    const without = process.memoryUsage().heapUsed;
    const page = await list();
    gc();
    gc();
    const withSnapshots = process.memoryUsage().heapUsed;
    // Panorama, HealthOmics' two stores and COS Batch read whole; the pages of Import/Export and of AWS Batch's queues kept.
    const jobs = snapshots.jobs;
    allListed(page.sources, 'in-process');
    return {
      jobs,
      heapBytes: (withSnapshots - without) / jobs,
      estimated: snapshots.bytes / jobs,
      sharedText: shared.text / jobs,
      sharedStored: shared.stored / jobs,
    };
  } finally {
    closeSources(sources);
  }
}

/**
 * RSS, heap in use, new and old space committed (its /metrics): RSS growth is mostly one space,
 * new (what survives scavenges while allocating fast) or old (what stays).
 */
async function memoryOf(gw: GatewayProcess) {
  const rss = gw.rss();
  const { used, newSpace, oldSpace } = await heapOf(gw);
  return { rss, heapUsed: used, spaces: { newSpace, oldSpace } };
}

type Spaces = Awaited<ReturnType<typeof memoryOf>>['spaces'];

/** Fresh `gw`: page 1 of 25, pages 2–10, warm dashboards; memory before, after page 1, at end. */
async function walkAndDashboards(gw: GatewayProcess) {
  const before = await memoryOf(gw);
  log(`gateway pid ${gw.pid}, RSS ${(before.rss / 1e6).toFixed(1)} MB`);
  const first = await page(null);
  const spacesAfterPage1 = (await memoryOf(gw)).spaces;
  const later: Awaited<ReturnType<typeof page>>[] = [];
  for (let n = 2; n <= 10; n++)
    later.push(await page((later.at(-1) ?? first).conn.pageInfo.endCursor));
  const ids = [first, ...later].flatMap((p) => p.conn.edges.map((e) => e.node.id));
  const repeats = ids.length - new Set(ids).size;
  log(`page 1: ${first.calls.total} calls, ${first.ms.toFixed(0)} ms`);
  const warmDashboards = await dashboards(DASHBOARDS);
  const afterAll = await memoryOf(gw);
  return {
    first,
    later,
    repeats,
    warmDashboards,
    rss: { before: before.rss, afterWalkAndDashboards: afterAll.rss },
    heapUsed: { before: before.heapUsed, afterWalkAndDashboards: afterAll.heapUsed },
    spaces: {
      before: before.spaces,
      afterPage1: spacesAfterPage1,
      afterWalkAndDashboards: afterAll.spaces,
    },
  };
}

/** The walk and dashboards under the kit's memory limit (a cgroup): V8 sizes new space from it. */
async function walkUnderKitLimit() {
  const limit = kitMemoryLimit('jobgraph-bench');
  if ('unavailable' in limit) {
    log(`not measured under the kit's memory limit: ${limit.unavailable}`);
    return { limit: KIT_LIMIT, unavailable: limit.unavailable };
  }
  try {
    const { first, repeats, rss, spaces } = await walkAndDashboards(await fresh(limit));
    // Issue 88's walk of 15,000 listed jobs too, on a fresh gateway under the same limit.
    const walker = await fresh(limit);
    const walk = {
      before: (await heapOf(walker)).rss,
      ...(await walkAll(walker.url, stack.headers)),
    };
    await release(walker);
    gateway = undefined;
    return { limit: KIT_LIMIT, page1Calls: first.calls.total, repeats, rss, spaces, walk };
  } finally {
    limit.remove();
  }
}

/** The operator's selection (issue 88's walk): `id provider state createdAt` and `sources`. */
const OPERATOR_PAGE = `query($after: String, $first: Int) { listJobs(first: $first, after: $after) {
  edges { node { id provider state createdAt } } pageInfo { endCursor hasNextPage } sources { provider state code } } }`;

type Walk = { after?: string | null; walked?: number; first?: number; pages?: number };

/**
 * Listed jobs from `after` on, `first` a page, to the 15,000th walked (issue 88's walk), the last,
 * or `pages` pages; `each` after each page: the jobs walked, the cursor and RSS at the end.
 */
async function walkAll(
  url: string,
  headers: Record<string, string>,
  { after = null, walked = 0, first = 100, pages = Infinity }: Walk = {},
  each?: (page: number) => Promise<void>,
) {
  let [jobs, more] = [walked, true];
  for (let n = 1; more && jobs < WALK_JOBS && n <= pages; n++) {
    const body = JSON.stringify({ query: OPERATOR_PAGE, variables: { after, first } });
    const answer = await post(url, body, headers, 'listJobs');
    const { edges, pageInfo } = (answer.json.data as { listJobs: Conn }).listJobs;
    [jobs, more, after] = [jobs + edges.length, pageInfo.hasNextPage, pageInfo.endCursor];
    await each?.(n);
  }
  return { jobs, after, rss: (await heapOf({ url })).rss };
}

/**
 * The big account as an operator runs and reads it: `jobgraph demo` (what `npm start` runs: the
 * emulators in the gateway's process) with N jobs a source and JOBGRAPH_LIST_SNAPSHOT_SECONDS=10,
 * ten pages of 25, RSS and V8's spaces from its /metrics (`process_resident_memory_bytes`).
 */
async function demoProcessMemory() {
  const bin = fileURLToPath(new URL('../bin/jobgraph.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'demo'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', JOBGRAPH_EMULATOR_JOBS_PER_SOURCE: String(N) },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const out = await outputUntil(child, /AWS_ENDPOINT_URL_IMPORTEXPORT=\S+\n/, 'jobgraph demo');
    const url = out
      .match(/GraphQL \+ Apollo Sandbox:\s+(\S+)/)![1]!
      .replace('localhost', '127.0.0.1');
    const headers = { authorization: `Bearer ${out.match(/Authorization: Bearer (\S+)/)![1]}` };
    const read = async () => {
      const { rss, used, newSpace, oldSpace } = await heapOf({ url });
      return { rss, heapUsed: used, newSpace, oldSpace };
    };
    const before = await read();
    let afterPage1 = before;
    const { after } = await walkAll(url, headers, { first: 25, pages: 10 }, async (n) => {
      if (n === 1) afterPage1 = await read();
    });
    const afterPage10 = await read();
    return {
      before,
      afterPage1,
      afterPage10,
      walk: await walkAll(url, headers, { after, walked: 250 }),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function measure() {
  // What else ran: the figures of a loaded machine are not a quiet one's.
  const load = { average1m: loadavg()[0]!, cores: availableParallelism() };
  stack = await startStack({ jobsPerSource: N });
  let gw = await fresh();

  // 1. A walk of 25: page 1 on a fresh gateway, then pages 2–10.
  // 2. 20 dashboards on one filter: one dashboard (page 1), 20 with the snapshots warm, then 20 at once on a fresh gateway.
  const { first, later, repeats, warmDashboards, rss, heapUsed, spaces } =
    await walkAndDashboards(gw);
  await fresh();
  const coldDashboards = await dashboards(DASHBOARDS);

  // 3. A status filter HealthOmics and COS Batch apply: fresh, then with the unfiltered snapshots at hand.
  const failed = { providers: ['AWS_OMICS', 'TENCENT_COS_BATCH'], states: ['FAILED'] };
  const unfilteredOf = { providers: ['AWS_OMICS', 'TENCENT_COS_BATCH'] };
  gw = await fresh();
  const filters = {
    filteredCold: strip(await page(null, failed)),
    filteredAgain: strip(await page(null, failed)),
    unfilteredCold: strip(await page(null, unfilteredOf)),
    otherStates: strip(await page(null, { ...unfilteredOf, states: ['SUCCEEDED'] })),
  };
  const rssAfter = gw.rss();

  // 3b. Every listed job, 100 a page, on a fresh gateway: RSS from its /metrics.
  gw = await fresh();
  const walkBefore = (await heapOf(gw)).rss;
  const walk = { before: walkBefore, ...(await walkAll(gw.url, stack.headers)) };

  // 4. Bytes a job costs in a snapshot.
  const perJob = await bytesPerJob();

  // 5. The walk and the warm dashboards again, on a gateway under the kit's memory limit.
  const underKitLimit = await walkUnderKitLimit();

  // 6. The walk as an operator reads it: `jobgraph demo`, the emulators in its process, its /metrics.
  const demoProcess = await demoProcessMemory();

  const laterCalls = later.map((p) => p.calls.total);
  const laterMs = later.map((p) => p.ms);
  return {
    date: new Date().toISOString(),
    node: process.version,
    load,
    jobsPerSource: N,
    gateway: gw.settings,
    page1: strip(first),
    pages2to10: {
      calls: laterCalls,
      ms: laterMs,
      by: tally(later.flatMap((p) => Object.entries(p.calls.by))),
      callsMean: laterCalls.reduce((a, b) => a + b, 0) / laterCalls.length,
      callsMax: Math.max(...laterCalls),
      msMedian: median(laterMs),
      msMax: Math.max(...laterMs),
      repeats,
    },
    dashboards: {
      count: DASHBOARDS,
      cold: coldDashboards,
      warm: warmDashboards,
      ratioToOne: coldDashboards.calls.total / first.calls.total,
    },
    filters,
    rss: { ...rss, afterFilters: rssAfter },
    walk,
    heapUsed,
    spaces,
    snapshotBytesPerJob: perJob,
    underKitLimit,
    demoProcess,
  };
}

async function main(): Promise<void> {
  const results = await measure();
  const written = await writeReport({ md: [OUT_MD, render(results)], json: [OUT_JSON, results] });
  log(`wrote ${written.join(' and ')}`);
}

function render(r: Awaited<ReturnType<typeof measure>>): string {
  const by = (c: Calls) =>
    Object.entries(c.by)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '—';
  const mb1 = (b: number) => mb(b, 1);
  const f = r.filters;
  const k = r.underKitLimit;
  const d = r.demoProcess;
  const dRow = (key: keyof typeof d.before) =>
    `${mb1(d.before[key])}, ${mb1(d.afterPage1[key])}, ${mb1(d.afterPage10[key])}`;
  const kSpaces = (space: keyof Spaces) =>
    'spaces' in k
      ? `${mb1(k.spaces.before[space])}, ${mb1(k.spaces.afterPage1[space])}, ${mb1(k.spaces.afterWalkAndDashboards[space])}`
      : '—';
  return [
    `# listJobs over a big account (${r.jobsPerSource} jobs a source)`,
    '',
    '`npm run bench:listing-big` (about a minute;',
    '`BENCH_JOBS_PER_SOURCE` sets N). The emulators run in their own process with N jobs in every',
    `listable source; the gateway is a default-config live process (JOBGRAPH_LIST_SNAPSHOT_SECONDS=${SNAPSHOT_SECONDS ?? 30}${BUDGET_MS ? `, JOBGRAPH_UPSTREAM_BUDGET_MS=${BUDGET_MS}` : ''});`,
    'requests go over HTTP with a read token, selection `id provider region createdAt state`, and',
    "upstream list calls are counted in the emulators' call logs. It rewrites this file and",
    `\`listing-big-results.json\`. Run ${r.date}, Node ${r.node}, load average ${r.load.average1m.toFixed(1)} on ${r.load.cores} cores at the start (other work on the machine slows every figure but the call counts).`,
    '',
    '| what | list calls | by emulator | wall time |',
    '| --- | --- | --- | --- |',
    `| page 1 of 25, default filter, fresh gateway | ${r.page1.calls.total} | ${by(r.page1.calls)} | ${r.page1.ms.toFixed(0)} ms |`,
    `| pages 2–10 | ${r.pages2to10.calls.join(', ')} (${r.pages2to10.callsMean.toFixed(1)} a page on average, at most ${r.pages2to10.callsMax}) | ${by(r.pages2to10.by)} | median ${r.pages2to10.msMedian.toFixed(1)} ms, at most ${r.pages2to10.msMax.toFixed(1)} ms |`,
    `| ${r.dashboards.count} dashboards at once, default filter, fresh gateway | ${r.dashboards.cold.calls.total} (${r.dashboards.ratioToOne.toFixed(2)}× one dashboard's ${r.page1.calls.total}) | ${by(r.dashboards.cold.calls)} | ${r.dashboards.cold.ms.toFixed(0)} ms for all |`,
    `| the same, the snapshots warm | ${r.dashboards.warm.calls.total} | ${by(r.dashboards.warm.calls)} | ${r.dashboards.warm.ms.toFixed(0)} ms for all |`,
    `| \`states: [FAILED]\` over HealthOmics and COS Batch, fresh gateway (their status filter sent) | ${f.filteredCold.calls.total} | ${by(f.filteredCold.calls)} | ${f.filteredCold.ms.toFixed(0)} ms |`,
    `| the same again (its own snapshot) | ${f.filteredAgain.calls.total} | ${by(f.filteredAgain.calls)} | ${f.filteredAgain.ms.toFixed(0)} ms |`,
    `| the same sources unfiltered | ${f.unfilteredCold.calls.total} | ${by(f.unfilteredCold.calls)} | ${f.unfilteredCold.ms.toFixed(0)} ms |`,
    `| \`states: [SUCCEEDED]\` then (the unfiltered snapshots serve it) | ${f.otherStates.calls.total} | ${by(f.otherStates.calls)} | ${f.otherStates.ms.toFixed(0)} ms |`,
    '',
    'The heap figure is measured in the bench process (the same sources read through the same code, the',
    "snapshots dropped, the difference after a collection); the estimate is what the snapshots' byte",
    'bound (64 MiB a process) counts.',
    '',
    '| memory | |',
    '| --- | --- |',
    `| gateway RSS before page 1 | ${mb1(r.rss.before)} |`,
    `| after the walk and the warm dashboards | ${mb1(r.rss.afterWalkAndDashboards)} |`,
    `| gateway V8 heap in use (its /metrics, no collection forced) before page 1, then after the walk and the warm dashboards | ${mb1(r.heapUsed.before)}, ${mb1(r.heapUsed.afterWalkAndDashboards)} |`,
    `| gateway V8 new space (young generation) committed: before page 1, after page 1, after the walk and the warm dashboards | ${mb1(r.spaces.before.newSpace)}, ${mb1(r.spaces.afterPage1.newSpace)}, ${mb1(r.spaces.afterWalkAndDashboards.newSpace)} |`,
    `| gateway V8 old space committed: the same three | ${mb1(r.spaces.before.oldSpace)}, ${mb1(r.spaces.afterPage1.oldSpace)}, ${mb1(r.spaces.afterWalkAndDashboards.oldSpace)} |`,
    `| a fresh gateway after 20 cold dashboards and the filters | ${mb1(r.rss.afterFilters)} |`,
    `| heap a held summary costs (measured over the ${r.snapshotBytesPerJob.jobs} summaries page 1 keeps: snapshots and kept pages) | ${r.snapshotBytesPerJob.heapBytes.toFixed(0)} bytes (estimate the byte bound counts: ${r.snapshotBytesPerJob.estimated.toFixed(0)}) |`,
    `| a job in the snapshots shared through Redis: its text, and what Redis holds (gzip, base64) | ${r.snapshotBytesPerJob.sharedText.toFixed(0)} bytes, ${r.snapshotBytesPerJob.sharedStored.toFixed(0)} bytes |`,
    '',
    `The walk and the warm dashboards again on a fresh gateway in a memory cgroup of the kit's limit (${k.limit}, \`resources.limits.memory\` in deploy/kubernetes/deployment.yaml, from deploy/sizing.json), as a pod runs it: Node sizes V8's heap from that limit instead of this machine's memory, and V8 its young generation from the heap. ${'unavailable' in k ? `Not measured: ${k.unavailable}.` : `Page 1 made ${k.page1Calls} list calls, no job twice: ${k.repeats === 0 ? 'yes' : `no (${k.repeats})`}.`}`,
    '',
    "| memory under the kit's limit | |",
    '| --- | --- |',
    `| gateway RSS before page 1, after the walk and the warm dashboards | ${'rss' in k ? `${mb1(k.rss.before)}, ${mb1(k.rss.afterWalkAndDashboards)}` : '—'} |`,
    `| gateway V8 new space committed: before page 1, after page 1, after the walk and the warm dashboards | ${kSpaces('newSpace')} |`,
    `| gateway V8 old space committed: the same three | ${kSpaces('oldSpace')} |`,
    '',
    `The same ten pages as an operator reads them: \`jobgraph demo\` (what \`npm start\` runs, the emulators in the gateway's process, ${r.jobsPerSource} jobs a source) on its default configuration, selecting \`id provider state createdAt\` and \`sources\`, each figure from its /metrics; then on, 100 a page, to the ${WALK_JOBS}th listed job (issue 88's walk), as on a fresh gateway alone.`,
    '',
    '| `jobgraph demo`: before page 1, after page 1, after page 10 | |',
    '| --- | --- |',
    `| RSS (\`process_resident_memory_bytes\`) | ${dRow('rss')} |`,
    `| V8 heap in use | ${dRow('heapUsed')} |`,
    `| V8 new space committed | ${dRow('newSpace')} |`,
    `| V8 old space committed | ${dRow('oldSpace')} |`,
    `| RSS after the walk (${d.walk.jobs} jobs): \`jobgraph demo\`; a fresh gateway alone (${r.walk.jobs} jobs), before and after | ${mb1(d.walk.rss)}; ${mb1(r.walk.before)}, ${mb1(r.walk.rss)} |`,
    '',
    ...goalsTable(r),
  ].join('\n');
}

/** The goals' table: each goal, what this run measured, PASS or MISS. */
function goalsTable(r: Awaited<ReturnType<typeof measure>>): string[] {
  const mb1 = (b: number) => mb(b, 1);
  const k = r.underKitLimit;
  const quarter = r.pages2to10.msMax <= r.page1.ms / 4;
  const growth = r.rss.afterWalkAndDashboards - r.rss.before;
  const kGrowth = 'rss' in k ? k.rss.afterWalkAndDashboards - k.rss.before : null;
  const dGrowth = r.demoProcess.afterPage10.rss - r.demoProcess.before.rss;
  return [
    '| goal | measured | result |',
    '| --- | --- | --- |',
    `| pages 2–10: at most 2 list calls a page on average | ${r.pages2to10.callsMean.toFixed(1)} | ${passMiss(r.pages2to10.callsMean <= 2)} |`,
    `| ${r.dashboards.count} dashboards: at most 1.2× one dashboard's list calls | ${r.dashboards.ratioToOne.toFixed(2)}× | ${passMiss(r.dashboards.ratioToOne <= 1.2)} |`,
    `| later pages in a quarter of page 1's time or less | slowest ${r.pages2to10.msMax.toFixed(1)} ms against ${r.page1.ms.toFixed(0)} ms | ${passMiss(quarter)} |`,
    `| no job twice in pages 1–10 | ${r.pages2to10.repeats} | ${passMiss(r.pages2to10.repeats === 0)} |`,
    `| heap a held summary costs: at most 1 KB | ${r.snapshotBytesPerJob.heapBytes.toFixed(0)} bytes | ${passMiss(r.snapshotBytesPerJob.heapBytes <= 1024)} |`,
    `| gateway RSS growth over the walk and the dashboards: at most 100 MB | ${mb1(growth)} | ${passMiss(growth <= 100e6)} |`,
    `| the same under the kit's memory limit (${k.limit}) | ${kGrowth === null ? 'not measured' : mb1(kGrowth)} | ${kGrowth === null ? '—' : passMiss(kGrowth <= 100e6)} |`,
    `| \`jobgraph demo\`'s RSS growth over ten pages, from its /metrics: at most 100 MB | ${mb1(dGrowth)} | ${passMiss(dGrowth <= 100e6)} |`,
    ...[
      ['`jobgraph demo`', r.demoProcess.walk.rss - r.demoProcess.before.rss],
      ['the gateway alone', r.walk.rss - r.walk.before],
      ...('walk' in k
        ? [[`the gateway alone (in the kit's memory limit)`, k.walk.rss - k.walk.before]]
        : []),
    ].map(
      ([who, g]) =>
        `| RSS growth over ${WALK_JOBS} listed jobs, from its /metrics, ${who}: at most 100 MB | ${mb1(g as number)} | ${passMiss((g as number) <= 100e6)} |`,
    ),
    '',
  ];
}

runBench(log, main);
