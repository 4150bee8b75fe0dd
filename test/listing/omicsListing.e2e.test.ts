// listJobs of HealthOmics (issue 102): its workflow runs (ListRuns, each row read by GetRun for its
// uuid), its run batches (ListBatch) and its reference import jobs, through real gateway processes
// on jobgraph's default configuration, held to @aws-sdk/client-omics at the same emulator.
import { readFileSync } from 'node:fs';
import {
  GetBatchCommand,
  GetRunCommand,
  ListBatchCommand,
  ListRunsCommand,
  OmicsClient,
  type GetRunResponse,
} from '@aws-sdk/client-omics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { isoOrNull as iso } from '../support/sdkOracle.ts';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';

const REGION = 'us-east-1';
const JWT_SECRET = 'a-secret-for-the-omics-listing-test-at-least-32-chars';

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string }[] };

async function ask(url: string, token: string, query: string, variables = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer;
}

const sdkAt = (endpoint: string) =>
  new OmicsClient({
    endpoint,
    region: REGION,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    disableHostPrefix: true,
    maxAttempts: 1,
  });

/** What the graph must say of a run, from GetRun's answer. */
function expectedRun(out: GetRunResponse) {
  return {
    id: `omicsrun:${REGION}:${out.uuid}:${out.id}`,
    __typename: 'OmicsRun',
    nativeId: out.id,
    uuid: out.uuid,
    name: out.name ?? null,
    status: out.status,
    providerStatus: out.status,
    statusMessage: out.statusMessage ?? null,
    failureReason: out.failureReason ?? null,
    workflowId: out.workflowId ?? null,
    runGroupId: out.runGroupId ?? null,
    runBatchId: out.batchId ?? null,
    storageCapacity: out.storageCapacity ?? null,
    creationTime: iso(out.creationTime),
    createdAt: iso(out.creationTime),
    startTime: iso(out.startTime),
    stopTime: iso(out.stopTime),
  };
}

const OMICS_PAGE = `query($filter: JobListFilter) {
  listJobs(filter: $filter, first: 100) {
    nodes {
      __typename id nativeId name state
      ... on OmicsRun { uuid status providerStatus statusMessage failureReason workflowId runGroupId runBatchId: batchId storageCapacity creationTime createdAt startTime stopTime }
      ... on OmicsRunBatch { batchId batchStatus: status totalRuns creationTime }
    }
    pageInfo { hasNextPage }
    sources { provider region referenceStoreId state code }
  }
}`;

/** The console's list query as console/src/listQueries.ts holds it (its rows' fields inlined). */
const consoleList = readFileSync(
  new URL('../../console/src/listQueries.ts', import.meta.url),
  'utf8',
);
const CONSOLE_LIST_QUERY = (
  /const LIST_QUERY = `([^`]*)`/.exec(consoleList)?.[1] as string
).replace('${ROW_FIELDS}', /export const ROW_FIELDS = `([^`]*)`/.exec(consoleList)?.[1] as string);

describe('listJobs on `jobgraph demo` (its default configuration)', () => {
  let demo: DemoProcess;
  let sdk: OmicsClient;
  beforeAll(async () => {
    demo = await startDemoProcess();
    sdk = sdkAt(/AWS_ENDPOINT_URL_OMICS=(\S+)/.exec(demo.output.stdout)?.[1] as string);
  });
  afterAll(async () => {
    sdk?.destroy();
    if (demo) await kill(demo.child);
  });

  it.each([
    [
      'Sandbox’s unfiltered listJobs',
      '{ listJobs(first: 100) { nodes { id } sources { provider state code } } }',
      {},
    ],
    [
      "the console's list query, unfiltered, at its largest page",
      CONSOLE_LIST_QUERY,
      { first: 100 },
    ],
  ])('answers %s with no limit error: every source listed', async (_what, query, variables) => {
    const res = await ask(demo.url, demo.token, query, variables);
    expect(res.errors).toBeUndefined();
    const page = res.data!.listJobs as {
      nodes?: unknown[];
      edges?: unknown[];
      sources: { provider: string; state: string }[];
    };
    expect((page.nodes ?? page.edges)!.length).toBeGreaterThan(25);
    for (const s of page.sources) expect(s.state, s.provider).toMatch(/^(LISTED|NOT_LISTABLE)$/);
    // HealthOmics' runs and run batches are sources of their own beside its reference stores'.
    expect(page.sources.filter((s) => s.provider === 'AWS_OMICS').length).toBeGreaterThanOrEqual(4);
  });

  it('lists HealthOmics runs by the uuid GetRun answers, field for field as the SDK reads them, with its run batches and reference import jobs', async () => {
    const res = await ask(demo.url, demo.token, OMICS_PAGE, {
      filter: { providers: ['AWS_OMICS'], accounts: ['default'] },
    });
    expect(res.errors).toBeUndefined();
    const nodes = (res.data!.listJobs as { nodes: Record<string, unknown>[] }).nodes;
    const byId = new Map(nodes.map((n) => [n.id as string, n]));

    const listed = (await sdk.send(new ListRunsCommand({}))).items ?? [];
    expect(listed.length).toBeGreaterThan(2);
    for (const item of listed) {
      const out = await sdk.send(new GetRunCommand({ id: item.id }));
      const { id, ...fields } = expectedRun(out);
      expect(byId.get(id), id).toMatchObject(fields);
      expect(byId.get(id)!.state).toBeTypeOf('string');
    }
    expect(nodes.filter((n) => n.__typename === 'OmicsRun')).toHaveLength(listed.length);

    const batches = (await sdk.send(new ListBatchCommand({}))).items ?? [];
    expect(batches.length).toBeGreaterThan(0);
    for (const item of batches) {
      const out = await sdk.send(new GetBatchCommand({ batchId: item.id }));
      expect(byId.get(`omicsbatch:${REGION}:${out.id}`)).toMatchObject({
        __typename: 'OmicsRunBatch',
        batchId: out.id,
        batchStatus: out.status,
        totalRuns: out.totalRuns,
        creationTime: iso(out.creationTime),
      });
    }
    expect(nodes.some((n) => n.__typename === 'OmicsReferenceImportJob')).toBe(true);
  });
});

/** The GetRun calls (`GET /run/{id}`) the HealthOmics emulator received. */
const getRunsOf = (set: EmulatorSet) =>
  set.omics.calls.filter((c) => c.operation.startsWith('GET /run/')).length;

/**
 * A time of the runs' table (runs.ts, runBatchData.ts) as the emulator at `sdk` serves it: it
 * moves the table to its start, by as much as GetRun of a demo run says.
 */
async function servedTime(sdk: OmicsClient): Promise<(tableIso: string) => string> {
  const run = OMICS_DEMO_RUNS[0]!;
  const out = await sdk.send(new GetRunCommand({ id: run.id }));
  const shift = out.creationTime!.getTime() - Date.parse(run.creationTime);
  return (tableIso) => new Date(Date.parse(tableIso) + shift).toISOString();
}

describe('GetRun calls of a listed page (a live gateway on the default configuration)', () => {
  let emulators: EmulatorSet;
  let gateway: LiveProcess;
  let token = '';
  let served: (tableIso: string) => string;
  beforeAll(async () => {
    emulators = await startEmulators();
    const sdk = sdkAt(emulators.omics.url);
    served = await servedTime(sdk);
    sdk.destroy();
    token = await mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    gateway = await startLiveProcess({
      ...emulatorEnvironment(emulators),
      HOST: '127.0.0.1',
      PORT: '0',
      JOBGRAPH_JWT_SECRET: JWT_SECRET,
      JOBGRAPH_HISTORY_URL: 'off',
    });
  });
  afterAll(async () => {
    if (gateway) await kill(gateway.child);
    await emulators?.close();
  });

  it('reads by GetRun only the runs a page of 2 may show (and one more for hasNextPage), never the whole ListRuns page', async () => {
    const getRuns = () => getRunsOf(emulators);
    const before = getRuns();
    // The day of the demo's run batches (its cohort's five runs and two batches, no reference
    // import job): the newest two HealthOmics jobs of that day.
    const res = await ask(gateway.url, token, OMICS_PAGE.replace('first: 100', 'first: 2'), {
      filter: {
        providers: ['AWS_OMICS'],
        accounts: ['default'],
        createdAfter: served('2026-11-23T01:00:00Z'),
        createdBefore: served('2026-11-23T23:00:00Z'),
      },
    });
    expect(res.errors).toBeUndefined();
    const page = res.data!.listJobs as {
      nodes: { __typename: string }[];
      pageInfo: { hasNextPage: boolean };
    };
    expect(page.nodes).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const runsShown = page.nodes.filter((n) => n.__typename === 'OmicsRun').length;
    expect(runsShown).toBeGreaterThan(0);
    const listed = emulators.omics.calls.filter((c) => c.operation === 'ListRuns').length;
    expect(listed).toBe(1);
    const read = getRuns() - before;
    expect(read).toBeGreaterThanOrEqual(runsShown);
    expect(read).toBeLessThanOrEqual(2 + 1);
  });

  it("reads a listed failed run once: its `failure` is the request's loader's record of that read, not a second GetRun", async () => {
    const before = getRunsOf(emulators);
    // The day of the demo's failed run (FILE_SYSTEM_OUT_OF_SPACE), and only it.
    const res = await ask(
      gateway.url,
      token,
      `query($filter: JobListFilter) { listJobs(filter: $filter, first: 10) { nodes { id state failure { category summary } } } }`,
      {
        filter: {
          providers: ['AWS_OMICS'],
          accounts: ['default'],
          createdAfter: served('2026-11-21T00:00:00Z'),
          createdBefore: served('2026-11-22T00:00:00Z'),
        },
      },
    );
    expect(res.errors).toBeUndefined();
    const runs = (
      res.data!.listJobs as { nodes: { id: string; state: string; failure: unknown }[] }
    ).nodes.filter((n) => n.id.startsWith('omicsrun:'));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.state).toBe('FAILED');
    expect(runs[0]!.failure).not.toBeNull();
    expect(getRunsOf(emulators) - before).toBe(1);
  });
});
