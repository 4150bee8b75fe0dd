import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { createClient as createUrqlClient, fetchExchange, gql as urqlGql } from '@urql/core';
import { cacheExchange as graphcacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { schemaText } from '../../src/cli/schema.ts';
import { CursorCodec } from '../../src/datasources/listing/cursor.ts';
import { LIST_OPERATIONS } from '@jobgraph/emulators';
import { newestFirst } from '../support/listOrder.ts';
import {
  clearCalls,
  EMULATOR_NAMES,
  gql,
  resetFaults,
  startTestGateway,
  type TestGateway,
} from '../support/gateway.ts';

/**
 * `listJobs` through the real HTTP server on jobgraph's default (demo) configuration, against
 * the emulators' listed demo jobs (48–78 per listable provider over the last 90 days).
 */

/** The possibleTypes map as `npm run jobgraph -- schema --possible-types` prints it. */
async function possibleTypesPrinted(): Promise<Record<string, string[]>> {
  return JSON.parse(await schemaText('possible-types')) as Record<string, string[]>;
}

interface Edge {
  cursor: string;
  node: { id: string; provider: string; createdAt: string; state: string };
}
interface Page {
  listJobs: {
    edges: Edge[];
    nodes: { id: string }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
    sources: {
      provider: string;
      region: string | null;
      referenceStoreId: string | null;
      jobQueue: string | null;
      state: string;
      code: string | null;
    }[];
  };
}

const PAGE = `query Page($first: Int, $after: String, $filter: JobListFilter) {
  listJobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider createdAt state } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    sources { provider region referenceStoreId jobQueue state code }
  }
}`;

let gw: TestGateway;
/** The clock list snapshots are dated by: a test moves it to expire them. */
let listNow = Date.now();
beforeAll(async () => {
  // The emulators' clock stands still (near now, so signatures are in time): a progressing demo
  // job's creation time moves with its cycle, and a walk must see one list, not two.
  const now = Date.now();
  gw = await startTestGateway(
    // Each of AWS Batch's queues is a source, its service-job queue too (issue 102): the demo's
    // sources pass the old default bound of 20; 40 is the new default (the lead's decision).
    { JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '40' },
    { emulatorClock: { now: () => now, epochMs: now }, listClock: () => listNow },
  );
});
afterEach(() => resetFaults(gw));
afterAll(async () => gw?.close());

async function page(variables: Record<string, unknown>, token = gw.tokens.read) {
  const res = await gql<Page>(gw, PAGE, { variables, token });
  return res;
}

/** Every page of `size`, following endCursor, as the list of edges. */
async function walk(size: number, filter?: Record<string, unknown>): Promise<Edge[]> {
  const edges: Edge[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const res = await page({ first: size, after, ...(filter ? { filter } : {}) });
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs;
    edges.push(...conn.edges);
    if (!conn.pageInfo.hasNextPage) return edges;
    after = conn.pageInfo.endCursor;
  }
  throw new Error('listJobs never ended');
}

describe('listJobs', () => {
  it('lists newest first across every listable source, reporting each source (CodePipeline NOT_LISTABLE)', async () => {
    const res = await page({});
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs;
    expect(conn.edges).toHaveLength(25);
    expect(conn.nodes.map((n) => n.id)).toEqual(conn.edges.map((e) => e.node.id));
    const nodes = conn.edges.map((e) => e.node);
    expect([...nodes].sort(newestFirst)).toEqual(nodes);
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(conn.pageInfo.startCursor).toBe(conn.edges[0]!.cursor);
    expect(conn.pageInfo.endCursor).toBe(conn.edges[24]!.cursor);
    const states = Object.fromEntries(
      conn.sources.map((s) => [`${s.provider}/${s.region}/${s.referenceStoreId ?? ''}`, s.state]),
    );
    expect(states).toMatchObject({
      'AWS_PANORAMA/us-east-1/': 'LISTED',
      'TENCENT_COS_BATCH/ap-guangzhou/': 'LISTED',
      'AWS_IMPORT_EXPORT/null/': 'LISTED',
      'AWS_CODEPIPELINE/us-east-1/': 'NOT_LISTABLE',
    });
    expect(
      conn.sources.filter((s) => s.provider === 'AWS_OMICS' && s.state === 'LISTED').length,
    ).toBeGreaterThan(0);
    // AWS Batch lists each job queue of a region as a source: each row names its queue, once.
    const queues = conn.sources.filter((s) => s.provider === 'AWS_BATCH').map((s) => s.jobQueue);
    expect(queues.length).toBeGreaterThan(1);
    expect(queues.every((q) => typeof q === 'string' && q !== '')).toBe(true);
    expect(new Set(queues).size).toBe(queues.length);
    expect(conn.sources.filter((s) => s.provider !== 'AWS_BATCH').map((s) => s.jobQueue)).toEqual(
      conn.sources.filter((s) => s.provider !== 'AWS_BATCH').map(() => null),
    );
  });

  it('pages without gaps or repeats across upstream pages: pages of 7 give exactly one page of 100', async () => {
    const whole = await page({ first: 100 });
    expect(whole.body.errors).toBeUndefined();
    const hundred = whole.body.data!.listJobs.edges.map((e) => e.node.id);
    expect(hundred).toHaveLength(100);
    const walked = await walk(7);
    const ids = walked.map((e) => e.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 100)).toEqual(hundred);
    // Every listed demo job of every listable provider, newest first.
    expect(ids.length).toBeGreaterThanOrEqual(64 + 72 + 78 + 66);
    expect([...walked.map((e) => e.node)].sort(newestFirst)).toEqual(walked.map((e) => e.node));
  });

  it('answers a selection the summaries carry without any describe call, and fetches the rest through the describe loader', async () => {
    // Past the snapshots' lifetime, so the sources are read again (and kept pages too).
    listNow += 30_001;
    clearCalls(gw);
    // Not `state`: Import/Export's summaries carry none, so it would be read through the describe loader.
    const lean = await gql<Page>(
      gw,
      `query { listJobs(first: 30) { edges { cursor node { id provider region createdAt } } } }`,
      { token: gw.tokens.read },
    );
    expect(lean.body.errors).toBeUndefined();
    // Each listable provider's listing calls and nothing else: no emulator saw a describe call,
    // but for HealthOmics' runs: ListRuns' items carry no uuid, which a run's ID holds, so each
    // run the page shows is read by GetRun, once (and at most one more, for the page's end).
    const runsShown = lean.body
      .data!.listJobs.edges.map((e) => e.node.id)
      .filter((id) => id.startsWith('omicsrun:'))
      .map((id) => `GET /run/${id.split(':').at(-1)}`);
    for (const name of EMULATOR_NAMES) {
      const calls = gw.emulators[name].calls.map((c) => c.operation);
      if (LIST_OPERATIONS[name].length > 0) expect(calls.length, name).toBeGreaterThan(0);
      const others = calls.filter((op) => !LIST_OPERATIONS[name].includes(op.split(' ')[0]!));
      if (name !== 'omics') expect(others, name).toEqual([]);
      else {
        expect(
          others.every((op) => /^GET \/run\/\d+$/.test(op)),
          name,
        ).toBe(true);
        expect(new Set(others).size, name).toBe(others.length);
        expect(others, name).toEqual(expect.arrayContaining(runsShown));
        expect(others.length, name).toBeLessThanOrEqual(runsShown.length + 1);
      }
    }

    clearCalls(gw);
    const full = await gql<{
      listJobs: {
        nodes: { id: string; provider: string; nativeId: string; providerStatus: string | null }[];
      };
    }>(
      gw,
      `query { listJobs(first: 30, filter: { providers: [TENCENT_COS_BATCH] }) {
        nodes { id provider nativeId providerStatus ... on CosBatchJob { roleArn manifest { __typename } } }
      } }`,
      { token: gw.tokens.read },
    );
    expect(full.body.errors).toBeUndefined();
    const describes = gw.emulators.cosbatch.calls.filter((c) =>
      c.operation.startsWith('DescribeJob'),
    );
    expect(describes.length).toBe(full.body.data!.listJobs.nodes.length);
  });

  it('seals the cursors a caller selects: none an edge when only `pageInfo` is asked, every edge when `cursor` is', async () => {
    const seal = vi.spyOn(CursorCodec.prototype, 'encode');
    try {
      const lean = await gql<Page>(
        gw,
        `query { listJobs(first: 40) { edges { node { id } } pageInfo { endCursor } } }`,
        { token: gw.tokens.read },
      );
      expect(lean.body.errors).toBeUndefined();
      expect(lean.body.data!.listJobs.edges).toHaveLength(40);
      // pageInfo's start and end cursors, not 40.
      expect(seal.mock.calls.length).toBeLessThanOrEqual(2);
      const endCursor = lean.body.data!.listJobs.pageInfo.endCursor;
      seal.mockClear();
      const edges = await page({ first: 40 });
      expect(edges.body.data!.listJobs.edges.map((e) => e.cursor).at(-1)).toBe(endCursor);
      expect(seal.mock.calls.length).toBe(40);
    } finally {
      seal.mockRestore();
    }
  });

  it("answers Job.name from the summaries that carry it (AWS Batch's jobName, COS Batch's description), with no describe call, as the describe record has it", async () => {
    listNow += 30_001;
    clearCalls(gw);
    const named = await gql<{ listJobs: { nodes: { id: string; name: string | null }[] } }>(
      gw,
      `query { listJobs(first: 50, filter: { providers: [AWS_BATCH, TENCENT_COS_BATCH, AWS_PANORAMA, AWS_IMPORT_EXPORT] }) { nodes { id name } } }`,
      { token: gw.tokens.read },
    );
    expect(named.body.errors).toBeUndefined();
    for (const name of EMULATOR_NAMES) {
      const calls = gw.emulators[name].calls.map((c) => c.operation);
      expect(
        calls.filter((op) => !LIST_OPERATIONS[name].includes(op.split(' ')[0]!)),
        name,
      ).toEqual([]);
    }
    const nodes = named.body.data!.listJobs.nodes;
    expect(nodes.some((n) => n.name !== null)).toBe(true);
    // The same jobs read by ID: the describe record names each alike.
    const read = await gql<{ jobs: { id: string; name: string | null }[] }>(
      gw,
      'query($ids: [ID!]!) { jobs(ids: $ids) { id name } }',
      { token: gw.tokens.read, variables: { ids: nodes.map((n) => n.id) } },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.jobs).toEqual(nodes);
  });

  it('filters by provider, state, region and creation time', async () => {
    const failed = await walk(50, { states: ['FAILED'] });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.node.state === 'FAILED')).toBe(true);

    const cos = await walk(50, { providers: ['TENCENT_COS_BATCH'] });
    // The 78 listed demo jobs and the progressing one.
    expect(cos.length).toBeGreaterThanOrEqual(78);
    expect(cos.every((e) => e.node.provider === 'TENCENT_COS_BATCH')).toBe(true);

    const all = await walk(100);
    const cut = all[40]!.node.createdAt;
    const recent = await walk(100, { createdAfter: cut });
    expect(recent.every((e) => e.node.createdAt >= cut)).toBe(true);
    expect(recent.map((e) => e.node.id)).toEqual(
      all.filter((e) => e.node.createdAt >= cut).map((e) => e.node.id),
    );
    const older = await walk(100, { createdBefore: cut });
    expect(older.every((e) => e.node.createdAt < cut)).toBe(true);
    expect(recent.length + older.length).toBe(all.length);

    const tooMany = await page({
      filter: { regions: Array.from({ length: 11 }, (_, i) => `us-east-${i + 1}`) },
    });
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reports a failing source and still lists the others', async () => {
    // The snapshots the tests above made expire (JOBGRAPH_LIST_SNAPSHOT_SECONDS, 30 s): Panorama
    // is read again, and fails.
    listNow += 30_001;
    gw.emulators.panorama.setFaults({ errorRate: 1 });
    const res = await page({ first: 40 });
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs;
    const panorama = conn.sources.find((s) => s.provider === 'AWS_PANORAMA')!;
    expect(panorama).toMatchObject({ state: 'FAILED', code: 'UPSTREAM_UNAVAILABLE' });
    expect(conn.edges.length).toBe(40);
    expect(conn.edges.some((e) => e.node.provider === 'AWS_PANORAMA')).toBe(false);
  });

  it("keeps one job's failed describe on that job: its nullable fields carry the error, its non-null ones neutral values, the page stands", async () => {
    const query = `{ listJobs(first: 100, filter: { providers: [AWS_IMPORT_EXPORT, AWS_OMICS] }) {
        nodes { id nativeId state terminal statusMessage ... on OmicsReferenceImportJob { sources { status } } } } }`;
    type Nodes = { listJobs: { nodes: Record<string, any>[] } };
    const before = (await gql<Nodes>(gw, query, { token: gw.tokens.read })).body.data!.listJobs
      .nodes;
    // Not finished (so not served from the cache), one of each provider.
    const ie = before.find((n) => n.id.startsWith('importexport:') && !n.terminal)!;
    const omics = before.find((n) => n.id.startsWith('omics:') && !n.terminal)!;
    const denied = { status: 403, code: 'AccessDenied', message: 'denied', requestId: 'r-1' };
    gw.emulators.importexport.setFaults({ errorAnswer: denied, jobPrefix: ie.nativeId });
    const [, region, store] = (omics.id as string).split(':');
    gw.emulators.omics.setFaults({
      errorAnswer: denied,
      jobPrefix: `${region}/${store}/${omics.nativeId}`,
    });
    const res = await gql<Nodes>(gw, query, { token: gw.tokens.read });
    const got = res.body.data!.listJobs.nodes;
    expect(got.map((n) => n.id)).toEqual(before.map((n) => n.id));
    const at = (id: string) => got.findIndex((n) => n.id === id);
    expect(got[at(ie.id)]).toEqual({
      id: ie.id,
      nativeId: ie.nativeId,
      state: 'UNKNOWN',
      terminal: false,
      statusMessage: null,
    });
    expect(got[at(omics.id)]).toMatchObject({ id: omics.id, statusMessage: null, sources: [] });
    const errors = (res.body.errors ?? []).map((e) => [e.path, e.extensions?.code]);
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(
      expect.arrayContaining([
        [['listJobs', 'nodes', at(omics.id), 'statusMessage'], 'UPSTREAM_ACCESS_DENIED'],
        [['listJobs', 'nodes', at(ie.id), 'statusMessage'], 'UPSTREAM_ACCESS_DENIED'],
      ]),
    );
    // Every other job as it was.
    for (const n of got.filter((g) => g.id !== ie.id && g.id !== omics.id))
      expect(n).toEqual(before[at(n.id as string)]);
  });

  it('refuses a forged cursor, a cursor for other filters and `first` beyond 100, before any upstream call', async () => {
    const first = await page({ first: 5 });
    const cursor = first.body.data!.listJobs.pageInfo.endCursor!;
    clearCalls(gw);
    const forged = await page({ after: `${cursor.slice(0, -4)}AAAA` });
    expect(forged.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const other = await page({ after: cursor, filter: { providers: ['AWS_PANORAMA'] } });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await page({ first: 101 });
    expect(big.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(big.body.errors?.[0]?.message).toContain('first');
    expect(EMULATOR_NAMES.reduce((n, name) => n + gw.emulators[name].calls.length, 0)).toBe(0);
  });

  it("keeps secrets from a reader: a listed Import/Export job's signature is refused without the secrets scope", async () => {
    const query = `query { listJobs(first: 20, filter: { providers: [AWS_IMPORT_EXPORT] }) { nodes { id ... on ImportExportJob { signature } } } }`;
    const reader = await gql<{ listJobs: { nodes: { id: string; signature: string | null }[] } }>(
      gw,
      query,
      { token: gw.tokens.read },
    );
    const nodes = reader.body.data!.listJobs.nodes;
    expect(nodes.every((n) => n.signature === null)).toBe(true);
    expect(reader.body.errors?.length).toBe(nodes.length);
    expect(reader.body.errors!.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    const allowed = await gql<{ listJobs: { nodes: { signature: string | null }[] } }>(gw, query, {
      token: gw.tokens.secrets,
    });
    expect(allowed.body.errors).toBeUndefined();
    const signatures = allowed.body
      .data!.listJobs.nodes.map((n) => n.signature)
      .filter((v): v is string => typeof v === 'string' && v !== '');
    for (const value of signatures) expect(reader.text).not.toContain(value);
  });

  it("walks with Apollo Client's relayStylePagination and urql's relayPagination on their defaults", async () => {
    const total = (await walk(100)).length;
    const QUERY = `query Walk($after: String) { listJobs(first: 40, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;

    const apollo = new ApolloClient({
      link: new HttpLink({
        uri: gw.server.url,
        headers: { Authorization: `Bearer ${gw.tokens.read}` },
      }),
      cache: new InMemoryCache({
        typePolicies: { Query: { fields: { listJobs: relayStylePagination(['filter']) } } },
      }),
    });
    const doc = apolloGql(QUERY);
    type WalkPage = {
      listJobs: {
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    // Each page from the network; relayStylePagination merges them into the one cached list.
    let result = await apollo.query<WalkPage>({ query: doc, fetchPolicy: 'network-only' });
    for (let i = 0; i < 50 && result.data!.listJobs.pageInfo.hasNextPage; i++) {
      const after = result.data!.listJobs.pageInfo.endCursor;
      result = await apollo.query<WalkPage>({
        query: doc,
        variables: { after },
        fetchPolicy: 'network-only',
      });
    }
    expect(result.data!.listJobs.pageInfo.hasNextPage).toBe(false);
    const merged = apollo.readQuery<{ listJobs: { edges: { node: { id: string } }[] } }>({
      query: doc,
    })!;
    const apolloIds = merged.listJobs.edges.map((e) => e.node.id);
    expect(apolloIds).toHaveLength(total);
    expect(new Set(apolloIds).size).toBe(total);

    const urql = createUrqlClient({
      url: gw.server.url,
      exchanges: [
        graphcacheExchange({ resolvers: { Query: { listJobs: relayPagination() } } }),
        fetchExchange,
      ],
      fetchOptions: { headers: { Authorization: `Bearer ${gw.tokens.read}` } },
    });
    const udoc = urqlGql(QUERY);
    let after: string | null = null;
    let ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await urql.query(udoc, { after }).toPromise();
      expect(r.error).toBeUndefined();
      const conn = r.data.listJobs as {
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      ids = conn.edges.map((e) => e.node.id);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(ids).toHaveLength(total);
    expect(ids).toEqual(apolloIds);
  });

  it("reads fragments on Job through urql's Graphcache with the possibleTypes `jobgraph schema --possible-types` prints; without them it warns that it guesses (heuristic fragment matching)", async () => {
    const QUERY = `query Listed { listJobs(first: 10) { edges { cursor node { ...Row } } pageInfo { hasNextPage endCursor } } }
      fragment Row on Job { id state createdAt }`;
    const read = async (options: { possibleTypes?: Record<string, string[]> }) => {
      const warnings: string[] = [];
      const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
        warnings.push(args.map(String).join(' '));
      });
      try {
        const client = createUrqlClient({
          url: gw.server.url,
          exchanges: [
            graphcacheExchange({
              ...options,
              resolvers: { Query: { listJobs: relayPagination() } },
            }),
            fetchExchange,
          ],
          fetchOptions: { headers: { Authorization: `Bearer ${gw.tokens.read}` } },
        });
        const r = await client.query(urqlGql(QUERY), {}).toPromise();
        expect(r.error).toBeUndefined();
        const nodes = (r.data.listJobs as { edges: { node: Record<string, unknown> }[] }).edges.map(
          (e) => e.node,
        );
        return { nodes, warnings };
      } finally {
        warn.mockRestore();
      }
    };
    const withTypes = await read({ possibleTypes: await possibleTypesPrinted() });
    expect(withTypes.warnings).toEqual([]);
    expect(withTypes.nodes).toHaveLength(10);
    for (const node of withTypes.nodes) {
      expect(node.id).toEqual(expect.any(String));
      expect(node.state).toEqual(expect.any(String));
      expect(node.createdAt).toEqual(expect.any(String));
    }
    const without = await read({});
    expect(without.warnings.join('\n')).toMatch(/[Hh]euristic [Ff]ragment [Mm]atching/);
  });
});
