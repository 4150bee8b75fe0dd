import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestFirst } from '../support/listOrder.ts';
import {
  DEMO_BATCH_QUEUE_NAMES,
  DEMO_BATCH_SERVICE_QUEUE_NAMES,
  listedDemoJobs,
  isProgressingJobId,
  type EmulatorName,
} from '@jobgraph/emulators';
import type { EmulatorRequest } from '@jobgraph/emulators/framework';
import {
  clearCalls,
  gql,
  EMULATOR_NAMES,
  startTestGateway,
  type TestGateway,
} from '../support/gateway.ts';

/**
 * `listJobs` over a big account, through the real server: every listable emulated source holds
 * 3,000 jobs (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE), so Panorama is 120 upstream pages, HealthOmics
 * 30 per store, COS Batch and Import/Export 3, AWS Batch 30 per job queue. Upstream calls are counted in the emulators' call
 * logs; the snapshots' clock is the test's (`listClock`), moved to expire them.
 */

const N = 3000;
const LIST_OPERATIONS = new Set([
  'ListPackageImportJobs',
  'ListReferenceStores',
  'ListReferenceImportJobs',
  'ListJobs',
  'DescribeJobQueues',
  'ListServiceJobs',
]);
/**
 * AWS Batch's first page: its queues (DescribeJobQueues), then one ListJobs page of 100 a queue;
 * ListJobs answers newest first, so a queue is read as far as the page needs, never whole. Its
 * service-job queue (no service job listed in a big account) is one ListServiceJobs.
 */
const BATCH_FIRST_PAGE_CALLS =
  1 + DEMO_BATCH_QUEUE_NAMES.length + DEMO_BATCH_SERVICE_QUEUE_NAMES.length;
/** The list calls each emulator receives for the account's first page, read cold. */
const FIRST_PAGE_CALLS: Record<EmulatorName, number> = {
  panorama: 120,
  omics: 61,
  cosbatch: 3,
  importexport: 1,
  codepipeline: 0,
  batch: BATCH_FIRST_PAGE_CALLS,
};

interface Edge {
  cursor: string;
  node: { id: string; provider: string; createdAt: string };
}
interface Conn {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  sources: { provider: string; region: string | null; state: string; code: string | null }[];
}

const PAGE = `query Page($first: Int, $after: String, $filter: JobListFilter) {
  listJobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider createdAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider region state code }
  }
}`;

/** List calls each emulator received since the last clearCalls. */
function listCalls(gw: TestGateway): Record<EmulatorName, number> {
  const out = {} as Record<EmulatorName, number>;
  for (const name of EMULATOR_NAMES)
    out[name] = gw.emulators[name].calls.filter((c) =>
      LIST_OPERATIONS.has(c.operation.split(' ')[0]!),
    ).length;
  return out;
}
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

async function page(gw: TestGateway, variables: Record<string, unknown>): Promise<{ conn: Conn }> {
  // The default account's sources: the demo's second accounts are test/accounts/listing.test.ts's.
  const filter = { accounts: ['default'], ...(variables.filter as object | undefined) };
  const res = await gql<{ listJobs: Conn }>(gw, PAGE, {
    variables: { ...variables, filter },
    token: gw.tokens.read,
  });
  expect(res.body.errors).toBeUndefined();
  return { conn: res.body.data!.listJobs };
}

describe('listJobs over a big account (3,000 jobs a source)', () => {
  let gw: TestGateway;
  let listNow = Date.now();
  const anchorMs = Date.now();
  const expire = () => (listNow += 30_001);

  beforeAll(async () => {
    gw = await startTestGateway(
      {
        JOBGRAPH_EMULATOR_JOBS_PER_SOURCE: String(N),
        // Calls are counted here, so none may time out and be retried on a busy machine: the
        // emulators share this process with the gateway and 20 dashboards' pages of 3,000 jobs.
        JOBGRAPH_UPSTREAM_TIMEOUT_MS: '60000',
        JOBGRAPH_UPSTREAM_BUDGET_MS: '120000',
      },
      {
        emulatorClock: { now: () => anchorMs, epochMs: anchorMs },
        listClock: () => listNow,
      },
    );
  });
  afterAll(async () => gw?.close());

  it('lists every listable source, Panorama’s 120 pages read once, and pages 2–10 cost no list call (the pages page 1 read of Import/Export and each AWS Batch queue, at their largest size, serve them)', async () => {
    clearCalls(gw);
    const first = await page(gw, { first: 25 });
    expect(first.conn.sources.map((s) => `${s.provider} ${s.state}`)).toEqual([
      'AWS_PANORAMA LISTED',
      // Its two reference stores, its workflow runs and its run batches.
      'AWS_OMICS LISTED',
      'AWS_OMICS LISTED',
      'AWS_OMICS LISTED',
      'AWS_OMICS LISTED',
      'TENCENT_COS_BATCH LISTED',
      'AWS_IMPORT_EXPORT LISTED',
      'AWS_CODEPIPELINE NOT_LISTABLE',
      ...DEMO_BATCH_QUEUE_NAMES.map(() => 'AWS_BATCH LISTED'),
      ...DEMO_BATCH_SERVICE_QUEUE_NAMES.map(() => 'AWS_BATCH LISTED'),
    ]);
    // Page 1, cold: every source read whole once (HealthOmics: its stores, then 30 pages a store),
    // Import/Export one page, AWS Batch its queues and one page of each.
    expect(listCalls(gw)).toEqual(FIRST_PAGE_CALLS);
    const edges = [...first.conn.edges];
    let after = first.conn.pageInfo.endCursor;
    for (let n = 2; n <= 10; n++) {
      clearCalls(gw);
      const next = await page(gw, { first: 25, after });
      // Warm: the snapshots serve the sources read whole; the first upstream page of Import/Export
      // (1,000 jobs) and of each AWS Batch queue (100) that page 1 read serves the others: 250
      // jobs over 8 sources of 3,000 reach about 31 jobs into each.
      expect(listCalls(gw), `page ${n}`).toEqual({
        panorama: 0,
        omics: 0,
        cosbatch: 0,
        importexport: 0,
        codepipeline: 0,
        batch: 0,
      });
      edges.push(...next.conn.edges);
      after = next.conn.pageInfo.endCursor;
    }
    // 250 jobs without a gap or repeat: the newest of the demo sources, the progressing jobs aside.
    const nodes = edges.map((e) => e.node);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(250);
    expect([...nodes].sort(newestFirst)).toEqual(nodes);
    const lists = listedDemoJobs(anchorMs, { jobsPerSource: N });
    const expected = Object.values(lists)
      .flat()
      .map((j) => ({ id: j.globalId, provider: '', createdAt: j.createdAt }))
      .sort(newestFirst)
      .map((j) => j.id);
    const listed = nodes.map((n) => n.id).filter((id) => !isProgressingJobId(id));
    expect(listed).toEqual(expected.slice(0, listed.length));
  });

  it('costs 20 dashboards opening one filter at once at most 1.2 times one dashboard’s calls: every read, whole or page by page, shared while in flight', async () => {
    expire();
    clearCalls(gw);
    await page(gw, { first: 100 });
    const one = total(listCalls(gw));
    expire();
    clearCalls(gw);
    const pages = await Promise.all(Array.from({ length: 20 }, () => page(gw, { first: 100 })));
    const twenty = total(listCalls(gw));
    for (const p of pages)
      expect(p.conn.edges.map((e) => e.node.id)).toEqual(
        pages[0]!.conn.edges.map((e) => e.node.id),
      );
    // One read of each source read whole for all, and one of Import/Export's first page and of
    // AWS Batch's queues and each queue's first page.
    expect(listCalls(gw)).toEqual(FIRST_PAGE_CALLS);
    expect(twenty).toBeLessThanOrEqual(one * 1.2);
  });

  it('sends COS Batch and HealthOmics the one status they filter by when no unfiltered snapshot is at hand, and keeps that read for the same filter', async () => {
    expire();
    const failed = { providers: ['TENCENT_COS_BATCH', 'AWS_OMICS'], states: ['FAILED'] };
    clearCalls(gw);
    const jobStatuses: string[][] = [];
    const onRequest = (req: EmulatorRequest) => jobStatuses.push(req.query.getAll('jobStatuses'));
    gw.emulators.cosbatch.events.on('request', onRequest);
    const cold = await page(gw, { first: 50, filter: failed }).finally(() =>
      gw.emulators.cosbatch.events.off('request', onRequest),
    );
    const coldCalls = listCalls(gw);
    // The pages of the failed jobs instead of every job: 1 COS page instead of 3; HealthOmics'
    // stores, then a page for each 100 failed jobs of a store instead of 30.
    // (The reference import jobs': its runs' and run batches' lists are no store's.)
    const failedOmics = listedDemoJobs(anchorMs, { jobsPerSource: N }).omics.filter(
      (j) => j.providerStatus === 'FAILED' && j.globalId.startsWith('omics:'),
    );
    const stores = new Set(failedOmics.map((j) => j.globalId.split(':')[2]));
    const pagesOf = (store: string) =>
      Math.max(
        1,
        Math.ceil(failedOmics.filter((j) => j.globalId.includes(`:${store}:`)).length / 100),
      );
    expect(coldCalls.cosbatch).toBe(1);
    expect(coldCalls.omics).toBe(1 + [...stores].reduce((n, s) => n + pagesOf(s!), 0));
    expect(coldCalls.omics).toBeLessThan(61);
    expect(jobStatuses).toEqual([['Failed']]);
    expect(cold.conn.edges.length).toBe(50);
    clearCalls(gw);
    await page(gw, { first: 50, filter: failed });
    expect(total(listCalls(gw))).toBe(0);
    // The unfiltered snapshots, once read, serve every state filter over these sources.
    await page(gw, { first: 25, filter: { providers: ['TENCENT_COS_BATCH', 'AWS_OMICS'] } });
    clearCalls(gw);
    const succeeded = await page(gw, {
      first: 25,
      filter: { providers: ['TENCENT_COS_BATCH', 'AWS_OMICS'], states: ['SUCCEEDED'] },
    });
    expect(total(listCalls(gw))).toBe(0);
    expect(succeeded.conn.edges.length).toBe(25);
  });
});

describe('A big source the provider lists too slowly', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      JOBGRAPH_EMULATOR_JOBS_PER_SOURCE: String(N),
      // Room for COS Batch's 3 pages of 1,000 on a busy machine; none for Panorama's 120 slow ones.
      JOBGRAPH_UPSTREAM_BUDGET_MS: '4000',
    });
  });
  afterAll(async () => gw?.close());

  it('is FAILED with UPSTREAM_UNAVAILABLE, a log line saying how far the read got, while the others list', async () => {
    // 120 pages at 100 ms each cannot be read within 4 s.
    gw.emulators.panorama.setFaults({ latencyMs: 100 });
    const { conn } = await page(gw, {
      first: 25,
      filter: { providers: ['AWS_PANORAMA', 'TENCENT_COS_BATCH'] },
    });
    expect(conn.sources.map((s) => `${s.provider} ${s.state} ${s.code}`)).toEqual([
      'AWS_PANORAMA FAILED UPSTREAM_UNAVAILABLE',
      'TENCENT_COS_BATCH LISTED null',
    ]);
    expect(conn.edges.length).toBe(25);
    const line = gw.logs.lines
      .map(
        (l) => JSON.parse(l) as { msg: string; source?: string; pages?: number; budgetMs?: number },
      )
      .find((l) => l.msg.startsWith('listJobs: a source was not read whole'));
    expect(line).toMatchObject({ source: 'panorama:us-east-1', budgetMs: 4000 });
    expect(line!.pages).toBeGreaterThan(0);
    expect(line!.pages).toBeLessThan(120);
  });
});
