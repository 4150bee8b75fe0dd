/**
 * `npm run build && node --import tsx bench/listing.ts`: what a `listJobs` page costs, about a
 * minute. Starts the emulators and a default-config gateway (live mode, read token) as the other
 * bench scripts do, then measures through real HTTP: upstream list and describe calls per page
 * (from the emulators' call logs) for pages, walks and filters; describe calls per page for three
 * selections; gateway CPU and p50 latency per page. Writes bench/listing-results.json and
 * bench/LISTING.md.
 *
 * The call log the emulator host hands back carries emulator, job key and status (no operation
 * name): a list call's job key is empty — null (Import/Export ListJobs) or ending in `/` (Panorama
 * ListPackageImportJobs, HealthOmics ListReferenceStores / ListReferenceImportJobs, COS Batch
 * ListJobs) — and a describe call's names the job (src/emulators/<provider>/emulator.ts).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../src/auth/mintToken.ts';
import {
  DEMO_OMICS_REFERENCE_STORE_IDS,
  listedDemoJobs,
  PROGRESSING_JOB_IDS,
  type ListableEmulatorName,
} from '../src/emulators/index.ts';
import type { LoggedCall } from './lib/emulatorProtocol.ts';
import { startEmulatorProcess, type EmulatorProcess } from './lib/emulators.ts';
import { startGateway, type GatewayProcess } from './lib/gateway.ts';
import { runLoad } from './lib/load.ts';
import { post } from './lib/queries.ts';
import { median } from './lib/stats.ts';

const log = (m: string) => process.stderr.write(`[listing] ${m}\n`);
const OUT_JSON = fileURLToPath(new URL('./listing-results.json', import.meta.url));
const OUT_MD = fileURLToPath(new URL('./LISTING.md', import.meta.url));

const CPU_PAGES = 50;
const CPU_RUNS = 3;
const SLOW_LATENCY_MS = 20;

const PAGE_INFO = 'pageInfo { hasNextPage endCursor } sources { provider state code }';
const SELECTIONS = {
  summary: 'edges { cursor node { id provider region createdAt } }',
  summaryAndState: 'edges { cursor node { id provider region createdAt state } }',
  fullRecords:
    'edges { cursor node { id provider region createdAt' +
    ' ... on CosBatchJob { roleArn }' +
    ' ... on PanoramaPackageImportJob { output { packageVersion } }' +
    ' ... on OmicsReferenceImportJob { sources { sourceFile } }' +
    ' ... on ImportExportJob { locationCode } } }',
} as const;
type SelectionName = keyof typeof SELECTIONS;

type Filter = Record<string, unknown> | undefined;

function listBody(
  selection: SelectionName,
  first: number,
  filter: Filter,
  after: string | null,
): string {
  return JSON.stringify({
    operationName: 'BenchList',
    query: `query BenchList($first: Int, $after: String, $filter: JobListFilter) { listJobs(first: $first, after: $after, filter: $filter) { ${SELECTIONS[selection]} ${PAGE_INFO} } }`,
    variables: { first, after, filter: filter ?? null },
  });
}

interface Edge {
  cursor: string;
  node: { id: string; createdAt: string | null };
}
interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  sources: { provider: string; state: string; code: string | null }[];
}
interface PageCalls {
  list: number;
  describe: number;
  other: number;
  listByEmulator: Record<string, number>;
}

const isList = (c: LoggedCall) => c.job === null || c.job.endsWith('/');

function countCalls(calls: LoggedCall[]): PageCalls {
  const out: PageCalls = { list: 0, describe: 0, other: 0, listByEmulator: {} };
  for (const c of calls) {
    if (c.status !== 200) out.other += 1;
    else if (isList(c)) {
      out.list += 1;
      out.listByEmulator[c.emulator] = (out.listByEmulator[c.emulator] ?? 0) + 1;
    } else out.describe += 1;
  }
  return out;
}

let gateway: GatewayProcess;
let emulators: EmulatorProcess;
let headers: Record<string, string>;

async function page(
  selection: SelectionName,
  first: number,
  filter: Filter,
  after: string | null,
): Promise<{ conn: Connection; calls: PageCalls }> {
  const before = await emulators.counters();
  const res = await post(gateway.url, listBody(selection, first, filter, after), headers);
  if (res.status !== 200 || res.json.errors?.length)
    throw new Error(`listJobs answered ${res.status}: ${res.text.slice(0, 500)}`);
  const conn = (res.json.data as { listJobs: Connection }).listJobs;
  const bad = conn.sources.filter((s) => s.state !== 'LISTED' && s.state !== 'NOT_LISTABLE');
  if (bad.length) throw new Error(`sources not listed: ${JSON.stringify(bad)}`);
  return { conn, calls: countCalls(await emulators.callsSince(before)) };
}

interface Walk {
  pages: number;
  jobs: number;
  listPerPage: { min: number; median: number; max: number; total: number };
  describePerPage: { min: number; median: number; max: number; total: number };
  firstPage: PageCalls;
  /** Failed checks: a repeated job, a job out of order, a job missing or extra. */
  problems: string[];
  ids: string[];
}

const spread = (xs: number[]) => ({
  min: Math.min(...xs),
  median: median(xs),
  max: Math.max(...xs),
  total: xs.reduce((a, b) => a + b, 0),
});

async function walk(selection: SelectionName, first: number, filter: Filter): Promise<Walk> {
  const ids: string[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  const perPage: PageCalls[] = [];
  let prev: Edge['node'] | null = null;
  let after: string | null = null;
  for (let n = 0; ; n++) {
    if (n > 200) throw new Error('walk did not end in 200 pages');
    const { conn, calls } = await page(selection, first, filter, after);
    perPage.push(calls);
    for (const { node } of conn.edges) {
      if (seen.has(node.id)) problems.push(`repeated ${node.id} on page ${n + 1}`);
      seen.add(node.id);
      ids.push(node.id);
      if (prev && node.createdAt !== null && prev.createdAt !== null) {
        const ordered =
          node.createdAt < prev.createdAt ||
          (node.createdAt === prev.createdAt && node.id > prev.id);
        if (!ordered) problems.push(`${node.id} after ${prev.id}: out of order`);
      }
      prev = node;
    }
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  return {
    pages: perPage.length,
    jobs: ids.length,
    listPerPage: spread(perPage.map((c) => c.list)),
    describePerPage: spread(perPage.map((c) => c.describe)),
    firstPage: perPage[0] as PageCalls,
    problems,
    ids,
  };
}

/** The IDs the demo lists show for these providers (the progressing jobs included). */
function expectedIds(providers: readonly ListableEmulatorName[]): Set<string> {
  const lists = listedDemoJobs(Date.now());
  return new Set(
    providers.flatMap((p) => [...lists[p].map((j) => j.globalId), PROGRESSING_JOB_IDS[p]]),
  );
}

function checkSet(w: Walk, expected: Set<string>, label: string): void {
  const got = new Set(w.ids);
  const missing = [...expected].filter((id) => !got.has(id));
  const extra = [...got].filter((id) => !expected.has(id));
  if (missing.length) w.problems.push(`${label}: skipped ${missing.join(', ')}`);
  if (extra.length) w.problems.push(`${label}: not in the demo lists ${extra.join(', ')}`);
}

/** A fresh gateway of the same (default) configuration: an empty describe cache. */
async function freshGateway(): Promise<void> {
  await gateway.stop();
  gateway = await startGateway({ label: 'listing', upstreamEnv: emulators.env, jwtSecret });
}

async function cpuAndLatency(latencyMs: number) {
  await emulators.setFaults({ latencyMs });
  const body = listBody('summary', 25, undefined, null);
  for (let i = 0; i < 10; i++) await post(gateway.url, body, headers);
  const runs: { cpuMicrosPerPage: number; p50Ms: number; callsPerPage: number }[] = [];
  for (let r = 0; r < CPU_RUNS; r++) {
    const calls0 = await emulators.counters();
    const cpu0 = gateway.cpuMicros();
    const load = await runLoad({
      url: gateway.url,
      connections: 1,
      amount: CPU_PAGES,
      headers,
      body,
    });
    const cpu1 = gateway.cpuMicros();
    const calls = await emulators.callsSince(calls0);
    if (load.ok !== CPU_PAGES) throw new Error(`${load.ok}/${CPU_PAGES} pages answered 2xx`);
    runs.push({
      cpuMicrosPerPage: (cpu1 - cpu0) / CPU_PAGES,
      p50Ms: load.latencyMs.p50,
      callsPerPage: calls.length / CPU_PAGES,
    });
  }
  await emulators.setFaults({ latencyMs: 0 });
  return {
    upstreamLatencyMs: latencyMs,
    cpuMicrosPerPage: median(runs.map((r) => r.cpuMicrosPerPage)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    runs,
  };
}

const jwtSecret = randomBytes(32).toString('base64url');

async function main(): Promise<void> {
  emulators = await startEmulatorProcess(0);
  const token = await mintToken({ secret: jwtSecret, scopes: ['jobs:read'], subject: 'bench' });
  headers = { authorization: `Bearer ${token}` };
  gateway = await startGateway({ label: 'listing', upstreamEnv: emulators.env, jwtSecret });
  log(`gateway pid ${gateway.pid}`);
  try {
    const ALL: ListableEmulatorName[] = ['panorama', 'omics', 'cosbatch', 'importexport'];
    const stores = { omicsReferenceStoreIds: [...DEMO_OMICS_REFERENCE_STORE_IDS] };

    // 1. Upstream calls per page, summary-only selection (describe-measuring walks on a fresh gateway).
    const first25 = (await page('summary', 25, undefined, null)).calls;
    const first100 = (await page('summary', 100, undefined, null)).calls;
    const walk25 = await walk('summary', 25, undefined);
    checkSet(walk25, expectedIds(ALL), 'default walk, first: 25');
    const walk100 = await walk('summary', 100, undefined);
    checkSet(walk100, expectedIds(ALL), 'default walk, first: 100');
    const cosWalk = await walk('summary', 25, { providers: ['TENCENT_COS_BATCH'] });
    checkSet(cosWalk, expectedIds(['cosbatch']), 'COS Batch walk');
    const storesWalk = await walk('summary', 25, stores);
    checkSet(storesWalk, expectedIds(ALL), 'walk with the stores');
    await freshGateway();
    const failedWalk = await walk('summary', 25, { states: ['FAILED'] });

    // 2. Describe calls per page by selection: each a full walk of 25 on a fresh gateway.
    const bySelection: Record<SelectionName, Walk> = {
      summary: walk25,
      summaryAndState: await freshGateway().then(() => walk('summaryAndState', 25, undefined)),
      fullRecords: await freshGateway().then(() => walk('fullRecords', 25, undefined)),
    };
    for (const name of ['summaryAndState', 'fullRecords'] as const)
      checkSet(bySelection[name], expectedIds(ALL), `${name} walk`);

    // 3. Gateway CPU and p50 per page of 25, summary-only.
    const cpu = [await cpuAndLatency(0), await cpuAndLatency(SLOW_LATENCY_MS)];

    const walks = {
      default25: walk25,
      default100: walk100,
      failed: failedWalk,
      cosBatch: cosWalk,
      omicsStoresInFilter: storesWalk,
    };
    const problems = [...Object.values(walks), ...Object.values(bySelection)].flatMap(
      (w) => w.problems,
    );
    const strip = (w: Walk) => ({ ...w, ids: undefined });
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      gateway: gateway.settings,
      firstPage: { first25, first100 },
      walks: Object.fromEntries(Object.entries(walks).map(([k, w]) => [k, strip(w)])),
      describesBySelection: Object.fromEntries(
        Object.entries(bySelection).map(([k, w]) => [
          k,
          { selection: SELECTIONS[k as SelectionName], ...strip(w) },
        ]),
      ),
      cpu,
      goals: {
        summaryDescribes: walk25.describePerPage.total,
        walkProblems: problems,
      },
    };
    writeFileSync(OUT_JSON, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(OUT_MD, render(results.firstPage, walks, bySelection, cpu, problems));
    log(`wrote ${OUT_JSON} and ${OUT_MD}`);
    if (problems.length) log(`walk problems:\n${problems.join('\n')}`);
  } finally {
    await gateway.stop();
    await emulators.close();
  }
}

function render(
  firstPage: { first25: PageCalls; first100: PageCalls },
  walks: Record<string, Walk>,
  bySelection: Record<SelectionName, Walk>,
  cpu: Awaited<ReturnType<typeof cpuAndLatency>>[],
  problems: string[],
): string {
  const byEm = (c: PageCalls) =>
    Object.entries(c.listByEmulator)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const mmm = (s: Walk['listPerPage']) => `${s.min} / ${s.median} / ${s.max}`;
  const walkRow = (label: string, w: Walk) =>
    `| ${label} | ${w.pages} | ${w.jobs} | ${mmm(w.listPerPage)} | ${mmm(w.describePerPage)} | ${byEm(w.firstPage)} |`;
  const summaryDescribes = bySelection.summary.describePerPage.total;
  return [
    '# listJobs: upstream calls, describes and CPU per page',
    '',
    '`npm run build && node --import tsx bench/listing.ts` (under a minute) starts the emulators and',
    'one default-config gateway, sends `listJobs` over HTTP with a read token and counts upstream calls',
    "in the emulators' call logs; walks that describe start a fresh gateway (empty describe cache).",
    'It rewrites this file and `listing-results.json` (every number, every run, the selections).',
    '',
    '## Upstream calls per page (selection `edges { cursor node { id provider region createdAt } }`)',
    '',
    '| page | list calls | describe calls | list calls by emulator |',
    '| --- | --- | --- | --- |',
    `| first page, \`first: 25\`, default filter | ${firstPage.first25.list} | ${firstPage.first25.describe} | ${byEm(firstPage.first25)} |`,
    `| first page, \`first: 100\`, default filter | ${firstPage.first100.list} | ${firstPage.first100.describe} | ${byEm(firstPage.first100)} |`,
    '',
    "| walk (to the last page) | pages | jobs | list calls per page, min / median / max | describe calls per page, min / median / max | first page's list calls |",
    '| --- | --- | --- | --- | --- | --- |',
    walkRow('`first: 25`, default filter', walks.default25 as Walk),
    walkRow('`first: 100`, default filter', walks.default100 as Walk),
    walkRow('`first: 25`, `states: [FAILED]`', walks.failed as Walk),
    walkRow('`first: 25`, `providers: [TENCENT_COS_BATCH]`', walks.cosBatch as Walk),
    walkRow(
      '`first: 25`, `omicsReferenceStoreIds` (the demo stores)',
      walks.omicsStoresInFilter as Walk,
    ),
    '',
    '## Describe calls per page by selection (walk of `first: 25`, default filter)',
    '',
    '| selection | describe calls per page, min / median / max | total | list calls per page, median |',
    '| --- | --- | --- | --- |',
    ...(
      [
        ['summary only (`id provider region createdAt`)', 'summary'],
        ['summary + `state`', 'summaryAndState'],
        [
          'full records on every node (`roleArn`, `output { packageVersion }`, `sources`, `locationCode`)',
          'fullRecords',
        ],
      ] as const
    ).map(
      ([label, k]) =>
        `| ${label} | ${mmm(bySelection[k].describePerPage)} | ${bySelection[k].describePerPage.total} | ${bySelection[k].listPerPage.median} |`,
    ),
    '',
    `## Gateway CPU and latency per page of 25 (summary only, default filter, ${CPU_PAGES} pages on 1 connection, median of ${CPU_RUNS} runs)`,
    '',
    '| upstream latency | gateway CPU per page | p50 per page | upstream calls per page |',
    '| --- | --- | --- | --- |',
    ...cpu.map(
      (c) =>
        `| ${c.upstreamLatencyMs} ms | ${(c.cpuMicrosPerPage / 1000).toFixed(2)} ms | ${c.p50Ms.toFixed(1)} ms | ${median(c.runs.map((r) => r.callsPerPage))} |`,
    ),
    '',
    '## Goals',
    '',
    '| goal | measured | result |',
    '| --- | --- | --- |',
    `| describe calls for a summary-only selection = 0 | ${summaryDescribes} | ${summaryDescribes === 0 ? 'PASS' : 'MISS'} |`,
    `| no page repeats or skips a job during a walk (every walk above) | ${problems.length ? problems.length + ' problems (listing-results.json)' : 'none'} | ${problems.length ? 'MISS' : 'PASS'} |`,
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
