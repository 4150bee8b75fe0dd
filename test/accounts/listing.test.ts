import { describe, expect, it } from 'vitest';
import { newestFirst } from '../support/listOrder.ts';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  isProgressingJobId,
  SHARED_NATIVE_JOB_IDS,
  listedDemoJobs,
} from '@jobgraph/emulators';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { listSourcesAsked } from '../../src/limits/jobBudget.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { EMULATOR_NAMES, clearCalls, gql, type TestGateway } from '../support/gateway.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { unsnapshottedWatchLister } from '../support/watchLister.ts';

/**
 * `listJobs` and `jobUpdates` across the demo's accounts through the real server: the default
 * AWS account and `staging` (a role assumed with STS), the default COS account and `staging`'s
 * (its own UIN, APPID and keys). The emulators' clock stands still at EPOCH, so the lists are
 * `listedDemoJobs(EPOCH)`'s.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;

const PAGE = `query Page($after: String, $filter: JobListFilter) {
  listJobs(first: 100, after: $after, filter: $filter) {
    edges { node { id nativeId createdAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider account region referenceStoreId state code }
  }
}`;

interface Source {
  provider: string;
  account: string;
  region: string | null;
  referenceStoreId: string | null;
  state: string;
  code: string | null;
}
interface Node {
  id: string;
  nativeId: string;
  createdAt: string;
}

/** Every page of the filter: the jobs in order, and the first page's sources. */
async function walk(gw: TestGateway, filter: Record<string, unknown> = {}) {
  const nodes: Node[] = [];
  let sources: Source[] | null = null;
  let after: string | null = null;
  for (;;) {
    const res = await gql(gw, PAGE, { variables: { after, filter }, token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs as {
      edges: { node: Node }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
      sources: Source[];
    };
    sources ??= conn.sources;
    nodes.push(...conn.edges.map((e) => e.node));
    if (!conn.pageInfo.hasNextPage) return { nodes, sources };
    after = conn.pageInfo.endCursor;
  }
}

/** A listed demo job's global ID in the account aliased `alias` (AWS: `panorama@staging:…`). */
const inAccount = (globalId: string, alias: string | undefined) =>
  alias === undefined || globalId.startsWith('cos:')
    ? globalId
    : globalId.replace(/^([a-z]+):/, `$1@${alias}:`);

/** The demo's listed jobs of the accounts, merged newest first (ties by ID), as global IDs. */
function expectedIds(accounts: ('default' | 'staging')[]): string[] {
  const jobs = accounts.flatMap((account) =>
    Object.values(listedDemoJobs(EPOCH, { account })).flatMap((list) =>
      list.map((j) => ({
        createdAt: j.createdAt,
        id: inAccount(j.globalId, account === 'staging' ? STAGING : undefined),
      })),
    ),
  );
  return jobs.sort(newestFirst).map((j) => j.id);
}

const upstreamCalls = (gw: TestGateway) =>
  EMULATOR_NAMES.reduce((n, name) => n + gw.emulators[name].calls.length, 0);

describe('listJobs across the demo’s accounts', () => {
  const gw = useTestGateway(
    // Each of AWS Batch's queues is a source, its service-job queue too (issue 102): both
    // accounts' cold first page passes the old default bound of 20; 40 is the new default.
    { JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '40' },
    { emulatorClock: { now: () => EPOCH, epochMs: EPOCH } },
  );

  it('lists both accounts’ sources and merges their jobs newest first', async () => {
    const { nodes, sources } = await walk(gw);
    const accountsOf = (provider: string) => [
      ...new Set(sources.filter((s) => s.provider === provider).map((s) => s.account)),
    ];
    for (const provider of [
      'AWS_PANORAMA',
      'AWS_OMICS',
      'TENCENT_COS_BATCH',
      'AWS_IMPORT_EXPORT',
      'AWS_BATCH',
    ])
      expect(accountsOf(provider)).toEqual(['default', STAGING]);
    expect(sources.filter((s) => s.provider !== 'AWS_CODEPIPELINE')).toSatisfy((all: Source[]) =>
      all.every((s) => s.state === 'LISTED' && s.code === null),
    );
    expect(sources.filter((s) => s.provider === 'AWS_CODEPIPELINE').map((s) => s.state)).toEqual([
      'NOT_LISTABLE',
      'NOT_LISTABLE',
    ]);
    const listed = nodes.map((n) => n.id).filter((id) => !isProgressingJobId(id));
    expect(listed).toEqual(expectedIds(['default', 'staging']));
  });

  it('lists only the asked account', async () => {
    const { nodes, sources } = await walk(gw, { accounts: [STAGING] });
    expect(new Set(sources.map((s) => s.account))).toEqual(new Set([STAGING]));
    expect(nodes.map((n) => n.id)).toEqual(expectedIds(['staging']));
    for (const id of nodes.map((n) => n.id))
      expect(
        id.includes(`@${STAGING}:`) || id.includes(`:${DEMO_SECOND_TENCENT_ACCOUNT.uin}:`),
      ).toBe(true);
  });

  it('keeps the same native ID in two accounts two jobs with their own IDs', async () => {
    // The default account's job of that native ID is its example job, which its list does not
    // show (the demo's lists hold other jobs); the staging list shows its own under its alias.
    const { nodes } = await walk(gw, { providers: ['AWS_PANORAMA'] });
    const { region, jobId } = SHARED_NATIVE_JOB_IDS.panorama;
    const home = `panorama:${region}:${jobId}`;
    const listed = nodes.filter((n) => n.nativeId === jobId).map((n) => n.id);
    expect(listed).toEqual([`panorama@${STAGING}:${region}:${jobId}`]);
    const res = await gql(gw, `query ($ids: [ID!]!) { jobs(ids: $ids) { id providerStatus } }`, {
      variables: { ids: [home, listed[0]] },
      token: gw.tokens.read,
    });
    expect(res.body.errors).toBeUndefined();
    const [a, b] = res.body.data!.jobs as { id: string; providerStatus: string }[];
    expect([a!.id, b!.id]).toEqual([home, listed[0]]);
    expect(a!.providerStatus).not.toBe(b!.providerStatus);
  });

  it('refuses an unknown alias with BAD_USER_INPUT naming it, before any upstream call', async () => {
    clearCalls(gw);
    const before = upstreamCalls(gw);
    const res = await gql(gw, PAGE, {
      variables: { filter: { accounts: ['default', 'nope'] } },
      token: gw.tokens.read,
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toContain('filter.accounts[1]');
    expect(upstreamCalls(gw)).toBe(before);
  });

  it('watches a staging job and the same native ID in the default account as two jobs', async () => {
    const { region, jobId } = SHARED_NATIVE_JOB_IDS.panorama;
    const ids = [`panorama:${region}:${jobId}`, `panorama@${STAGING}:${region}:${jobId}`];
    const sub = subscribe(
      gw.server.url,
      'sse',
      `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id account nativeId providerStatus } }`,
      { token: gw.tokens.read, variables: { ids } },
    );
    try {
      const events: Event[] = [(await sub.next())!, (await sub.next())!];
      const jobs = events.map(
        (e) => e.data?.jobUpdates as { id: string; account: string; nativeId: string },
      );
      expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
      expect(new Set(jobs.map((j) => j.nativeId))).toEqual(new Set([jobId]));
      const accountOf = Object.fromEntries(jobs.map((j) => [j.id, j.account]));
      expect([accountOf[ids[0]!], accountOf[ids[1]!]]).toEqual([
        DEMO_AWS_ACCOUNT_ID,
        DEMO_SECOND_AWS_ACCOUNT.accountId,
      ]);
    } finally {
      await sub.close();
    }
  });
});

describe('list-assisted watching of a second account’s jobs', () => {
  const gw = useTestGateway({}, { emulatorClock: { now: () => EPOCH, epochMs: EPOCH } });

  it('keys the source on the account and pages its list with that account’s APPID and keys', async () => {
    const lister = unsnapshottedWatchLister(gw);
    const staging = listedDemoJobs(EPOCH, { account: 'staging' });
    const cos = staging.cosbatch[0]!.globalId;
    const panorama = inAccount(staging.panorama[0]!.globalId, STAGING);
    const { region, uin } = DEMO_SECOND_TENCENT_ACCOUNT;
    const panoramaRegion = SHARED_NATIVE_JOB_IDS.panorama.region;
    expect(lister.sourceOf(parseGlobalId(cos))).toBe(`cos:${region}:${uin}`);
    expect(lister.sourceOf(parseGlobalId(panorama))).toBe(`panorama@${STAGING}:${panoramaRegion}`);
    clearCalls(gw);
    for (const id of [cos, panorama]) {
      const pass = await lister.list(
        parseGlobalId(id),
        new Set([id]),
        40,
        new AbortController().signal,
      );
      expect(pass.seen.has(id), id).toBe(true);
    }
    // The emulators refuse another account's keys: each list call was answered, for staging.
    const cosLists = gw.emulators.cosbatch.calls.filter((c) => c.operation === 'ListJobs');
    expect(cosLists.length).toBeGreaterThan(0);
    for (const c of cosLists) expect([c.status, c.account]).toEqual([200, uin]);
    const panoramaLists = gw.emulators.panorama.calls.filter((c) =>
      c.operation.startsWith('ListPackageImportJobs'),
    );
    expect(panoramaLists.length).toBeGreaterThan(0);
    for (const c of panoramaLists)
      expect([c.status, c.account]).toEqual([200, DEMO_SECOND_AWS_ACCOUNT.accountId]);
  });
});

describe('The list-source bound', () => {
  const base = loadConfig({ mode: 'demo' }, {});
  const config: Config = {
    ...base,
    awsAccounts: [
      {
        alias: 'staging',
        roleArn: 'arn:aws:iam::210987654321:role/r',
        accountId: '210987654321',
        externalId: null,
      },
      {
        alias: 'prod',
        roleArn: 'arn:aws:iam::333344445555:role/r',
        accountId: '333344445555',
        externalId: null,
      },
    ],
    tencent: {
      ...base.tencent,
      accounts: [
        {
          alias: 'staging',
          uin: '100000000002',
          appId: '1250000002',
          credentials: { secretId: 'id', secretKey: 'key' },
        },
      ],
    },
  };
  const asked = (filter: Record<string, unknown>) =>
    listSourcesAsked([{ name: 'listJobs', args: { filter } }], config);

  it('counts accounts × regions × stores before any call', () => {
    // Per account and region: Panorama, HealthOmics (one until its stores are found, and its
    // workflow runs and run batches one each), AWS Batch (one until its queues are found),
    // Import/Export; COS Batch in the accounts it has (default, staging); CodePipeline none.
    expect(asked({})).toBe(7 + 7 + 6);
    expect(asked({ accounts: ['staging'] })).toBe(7);
    expect(asked({ accounts: ['prod'] })).toBe(6);
    expect(asked({ accounts: ['default', 'prod'], regions: ['us-east-1', 'us-west-2'] })).toBe(
      2 * (2 + 2 * 3 + 2 + 1),
    );
    // A refused filter counts none: it fails before listing.
    expect(asked({ accounts: ['nope'] })).toBe(0);
  });
});

describe('listJobs with an account whose role cannot be assumed', () => {
  const gw = useTestGateway({
    // Added to the demo's accounts; the emulated STS knows no such role: AccessDenied.
    JOBGRAPH_AWS_ACCOUNTS: 'denied=arn:aws:iam::999999999999:role/jobgraph-reader',
    // Three AWS accounts' cold first page reads more than the default 40 sources upstream (the
    // bound's own tests are coldSources.test.ts): one page here shows every account's outcome.
    JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '60',
  });

  it('reports that account’s sources FAILED with UPSTREAM_ACCESS_DENIED while the others list', async () => {
    const res = await gql(gw, PAGE, { variables: { filter: {} }, token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    const sources = res.body.data!.listJobs.sources as Source[];
    const denied = sources.filter((s) => s.account === 'denied');
    expect(denied.map((s) => s.provider)).toEqual([
      'AWS_PANORAMA',
      // Its reference stores' lookup, its workflow runs and its run batches.
      'AWS_OMICS',
      'AWS_OMICS',
      'AWS_OMICS',
      'AWS_IMPORT_EXPORT',
      'AWS_CODEPIPELINE',
      'AWS_BATCH',
    ]);
    for (const s of denied.filter((d) => d.provider !== 'AWS_CODEPIPELINE'))
      expect([s.state, s.code]).toEqual(['FAILED', 'UPSTREAM_ACCESS_DENIED']);
    for (const s of sources.filter((d) => d.account !== 'denied'))
      expect(s.state).toMatch(/^(LISTED|NOT_LISTABLE)$/);
    const nodes = res.body.data!.listJobs.edges as { node: Node }[];
    expect(nodes.length).toBe(100);
  });
});
