import { describe, expect, it } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import {
  clearCalls,
  gql,
  EMULATOR_NAMES,
  startTestGateway,
  upstreamCallCount,
  type TestGateway,
} from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { TEN_AWS_REGIONS } from '../support/regions.ts';

/**
 * One request's cost is bounded before any upstream call, however the request is spelled:
 * list sources (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST) across aliases, fragments and regions;
 * Import/Export lookups under a `states` filter in the job budget; and every list argument
 * capped whether it comes as a literal, a variable, a variable's default or inside an input object.
 */

const REGIONS = TEN_AWS_REGIONS;
const SOURCES_VARIABLE = /JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST/;

// The list-source bound these tests were written on (the default is 40): 20.
const gw = useTestGateway({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '20' });

async function expectRefusedBeforeAnyCall(
  g: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  message: RegExp,
): Promise<void> {
  clearCalls(g);
  const res = await gql(g, query, { token: g.tokens.read, variables });
  expect(res.status, res.text.slice(0, 300)).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(upstreamCallCount(g)).toBe(0);
}

/** Ten regions, every provider, the demo's two HealthOmics stores named: 82 sources a field. */
const WIDE = { regions: REGIONS, omicsReferenceStoreIds: ['5038720581', '7321480963'] };
/**
 * The sources one WIDE field plans: in each of the demo's two AWS accounts, Panorama, the two
 * stores and AWS Batch's queues (one discovery a region until it is read) in each region, and
 * Import/Export once.
 */
const WIDE_SOURCES = 2 * (REGIONS.length * (1 + 2 + 1) + 1);
/** The four providers the cold-read tests below count (AWS Batch's queues are found by reading). */
const FOUR = '[AWS_PANORAMA, AWS_OMICS, TENCENT_COS_BATCH, AWS_IMPORT_EXPORT]';

/** The distinct list sources (and store lookups) the emulators were asked to read since clearCalls. */
function sourcesRead(g: TestGateway): number {
  const calls = EMULATOR_NAMES.flatMap((name) => g.emulators[name].calls);
  const lists = calls.filter(
    (c) => c.operation.startsWith('List') || c.operation === 'DescribeJobQueues',
  );
  return new Set(lists.map((c) => `${c.operation} ${c.account ?? ''} ${c.job}`)).size;
}

describe('The list sources of one request (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST, 20 here: cold sources only)', () => {
  it('refuses 19 aliases planning 1,558 sources before any upstream call (at most 1,000 planned, warm or cold)', async () => {
    const aliases = Array.from(
      { length: 19 },
      (_, i) => `a${i}: listJobs(filter: $f) { edges { cursor } }`,
    ).join(' ');
    await expectRefusedBeforeAnyCall(
      gw,
      `query($f: JobListFilter) { ${aliases} }`,
      { f: WIDE },
      new RegExp(
        `lists ${19 * WIDE_SOURCES} sources .*at most 1000 are planned per request, whatever JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST is`,
      ),
    );
  });

  it('counts fields reached through fragments and inline fragments alike in that plan', async () => {
    const spread = Array.from(
      { length: 17 },
      (_, i) => `f${i}: listJobs(filter: $f) { edges { cursor } }`,
    );
    await expectRefusedBeforeAnyCall(
      gw,
      `query($f: JobListFilter) { ...A ... on Query { ${spread.slice(8).join(' ')} } } fragment A on Query { ${spread.slice(0, 8).join(' ')} }`,
      { f: WIDE },
      // 17 fields × (Panorama 10 + HealthOmics 10 × 2 stores + AWS Batch 10 + Import/Export 1) × two accounts.
      new RegExp(`lists ${17 * WIDE_SOURCES} sources`),
    );
  });

  it('refuses one cold field over ten regions once it needs more than 20 reads, having read no more than 20', async () => {
    // (Panorama 10 + HealthOmics 10 × its 2 stores named + AWS Batch 10 + Import/Export 1) × the
    // demo's two AWS accounts: 82 sources, none read yet.
    const small = await startTestGateway({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '20' });
    try {
      clearCalls(small);
      const res = await gql(
        small,
        'query($f: JobListFilter) { listJobs(filter: $f) { sources { state } } }',
        { token: small.tokens.read, variables: { f: WIDE } },
      );
      expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
        ['BAD_USER_INPUT', ['listJobs']],
      ]);
      expect(res.body.errors?.[0]?.message).toMatch(SOURCES_VARIABLE);
      expect(res.body.errors?.[0]?.message).toMatch(/more than 20 list sources read upstream/);
      // The queues a DescribeJobQueues finds count as sources as soon as they are found (like the
      // stores ListReferenceStores finds), before they are read: up to 20, never more.
      expect(sourcesRead(small)).toBeGreaterThan(0);
      expect(sourcesRead(small)).toBeLessThanOrEqual(20);
    } finally {
      await small.close();
    }
  });

  it('lets aliases of one filter share their reads: 5 of them cost one read a source (Import/Export, read page by page, one each)', async () => {
    // 5 aliases × (Panorama, HealthOmics store named, COS Batch, Import/Export) of the default
    // account in the default regions: 20 sources, 8 of them cold.
    const aliases = Array.from(
      { length: 5 },
      (_, i) =>
        `a${i}: listJobs(first: 1, filter: { accounts: ["default"], providers: ${FOUR}, omicsReferenceStoreIds: ["5038720581"] }) { sources { state } }`,
    ).join(' ');
    const small = await startTestGateway({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '8' });
    try {
      clearCalls(small);
      const res = await gql(small, `{ ${aliases} }`, { token: small.tokens.read });
      expect(res.body.errors).toBeUndefined();
      expect(upstreamCallCount(small)).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });

  it('counts ListReferenceStores and each store it finds as cold sources, and reads no more than the bound', async () => {
    const small = await startTestGateway({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '4' });
    try {
      clearCalls(small);
      // Cold, in the default account: Panorama, the region's ListReferenceStores and the two stores
      // it finds, COS Batch, Import/Export = 6.
      const query = `{ listJobs(filter: { accounts: ["default"], providers: ${FOUR} }) { edges { cursor } } }`;
      const res = await gql(small, query, { token: small.tokens.read });
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.message).toMatch(/more than 4 list sources read upstream/);
      expect(res.body.errors?.[0]?.message).toMatch(SOURCES_VARIABLE);
      expect(sourcesRead(small)).toBe(4);
      // What it read is kept: listing again reads the rest, and answers.
      const again = await gql(small, query, { token: small.tokens.read });
      expect(again.body.errors).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});

describe('Import/Export lookups under a states filter', () => {
  it('count in the request’s job budget (JOBGRAPH_MAX_JOBS_PER_REQUEST): the page fails before going past it', async () => {
    const small = await startTestGateway({
      JOBGRAPH_MAX_JOBS_PER_REQUEST: '5',
      JOBGRAPH_CACHE_MAX_ENTRIES: '0', // every lookup is an upstream call here, which is what is counted
    });
    try {
      clearCalls(small);
      const res = await gql(
        small,
        '{ listJobs(first: 50, filter: { providers: [AWS_IMPORT_EXPORT], states: [SUCCEEDED] }) { edges { cursor } } }',
        { token: small.tokens.read },
      );
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.message).toMatch(/JOBGRAPH_MAX_JOBS_PER_REQUEST/);
      const lookups = small.emulators.importexport.calls.filter((c) => c.operation === 'GetStatus');
      expect(lookups.length).toBeLessThanOrEqual(5);
    } finally {
      await small.close();
    }
  });
});

describe('Every list argument is capped before any work, however it is given', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `importexport:CAP${i}`);
  const big = ids(3900);
  const malformed = Array.from({ length: 3900 }, (_, i) => String(i));

  const cases: [string, string, Record<string, unknown>][] = [
    ['a literal', `{ jobs(ids: ${JSON.stringify(ids(101))}) { id } }`, {}],
    ['a variable', 'query($i: [ID!]!) { jobs(ids: $i) { id } }', { i: big }],
    [
      'a variable’s default value',
      `query($i: [ID!]! = ${JSON.stringify(malformed)}) { jobs(ids: $i) { id } }`,
      {},
    ],
    [
      'a variable inside an input object',
      'query($r: [String!]) { listJobs(filter: { regions: $r }) { edges { cursor } } }',
      { r: Array.from({ length: 5000 }, () => 'us-east-1') },
    ],
    [
      'an input object variable',
      'query($f: JobListFilter) { listJobs(filter: $f) { edges { cursor } } }',
      { f: { omicsReferenceStoreIds: Array.from({ length: 5000 }, () => '5038720581') } },
    ],
    [
      'an input object variable’s default value',
      `query($f: JobListFilter = { states: ${JSON.stringify(Array.from({ length: 500 }, () => 'FAILED')).replaceAll('"', '')} }) { listJobs(filter: $f) { edges { cursor } } }`,
      {},
    ],
  ];
  for (const [how, query, variables] of cases) {
    it(`refuses a list too long as ${how} (HTTP 400, no upstream call)`, async () => {
      await expectRefusedBeforeAnyCall(gw, query, variables, /takes at most \d+ (IDs|items)/);
    });
  }

  for (const transport of TRANSPORTS) {
    it(`refuses jobUpdates(ids:) of 3,900 IDs in a variable’s default over ${transport} with one error, while /healthz answers`, async () => {
      clearCalls(gw);
      const query = `subscription($i: [ID!]! = ${JSON.stringify(malformed)}) { jobUpdates(ids: $i) { id } }`;
      const subs = Array.from({ length: 5 }, () =>
        subscribe(gw.server.url, transport, query, { token: gw.tokens.read }),
      );
      const health = await fetch(new URL('/healthz', gw.server.url));
      expect(health.status).toBe(200);
      for (const sub of subs) {
        const events: unknown[] = [];
        try {
          for (let e = await sub.next(); e !== null; e = await sub.next()) events.push(e);
        } catch (err) {
          events.push(err);
        } finally {
          await sub.close();
        }
        // One refusal, not one error event per ID.
        expect(events).toHaveLength(1);
        expect(JSON.stringify(events[0])).toMatch(/JOBGRAPH_MAX_JOB_IDS/);
      }
      expect(upstreamCallCount(gw)).toBe(0);
    });
  }
});

describe('Error messages', () => {
  it('never echo an input unbounded: a 500 KB DateTime is refused with a message cut short', async () => {
    const huge = `2026-01-01T00:00:00Z${'x'.repeat(500_000)}`;
    for (const [query, variables] of [
      [
        'query($t: DateTime) { listJobs(filter: { createdAfter: $t }) { edges { cursor } } }',
        { t: huge },
      ],
      [
        'query($f: JobListFilter) { listJobs(filter: $f) { edges { cursor } } }',
        { f: { createdBefore: huge } },
      ],
    ] as const) {
      clearCalls(gw);
      const res = await gql(gw, query, { token: gw.tokens.read, variables });
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.text.length).toBeLessThan(2000);
      expect(res.body.errors?.[0]?.message).toMatch(/DateTime/);
      expect(upstreamCallCount(gw)).toBe(0);
    }
  });

  it('cut every message to 1 KB of UTF-8, the whole message, between characters (600 KB of ASCII, accents, emoji)', async () => {
    for (const filler of ['x', 'é', '😀', 'a😀']) {
      // 600 KB of UTF-8 whatever the filler (the body stays under JOBGRAPH_MAX_BODY_BYTES).
      const huge = `2026-01-01T00:00:00Z${filler.repeat(Math.floor(600_000 / Buffer.byteLength(filler)))}`;
      const res = await gql(
        gw,
        'query($t: DateTime) { listJobs(filter: { createdAfter: $t }) { edges { cursor } } }',
        { token: gw.tokens.read, variables: { t: huge } },
      );
      const message = res.body.errors?.[0]?.message ?? '';
      expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(1024);
      expect(Buffer.byteLength(message, 'utf8')).toBeGreaterThan(1000);
      // No half character: a lone surrogate or a replacement character would show one.
      expect(message).not.toMatch(/[\uD800-\uDFFF]/u);
      expect(message).not.toContain('\uFFFD');
      expect(message).toMatch(/characters cut\]…/);
      expect(message).toMatch(/DateTime must be an ISO-8601 timestamp\.$/);
    }
  });
});

describe('The demo data', () => {
  it('names the two HealthOmics stores the counts above assume', () => {
    expect(DEMO_DATA.omics.EXAMPLE_GLOBAL_ID.split(':')[2]).toBe('5038720581');
  });
});
