import { describe, expect, it } from 'vitest';
import { DEMO_DATA } from '../../src/emulators/index.ts';
import {
  clearCalls,
  EMULATOR_NAMES,
  gql,
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

const gw = useTestGateway();

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

describe('The list sources of one request (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST, default 20)', () => {
  it('refuses 19 aliases × 10 regions before any upstream call, naming the variable', async () => {
    const aliases = Array.from(
      { length: 19 },
      (_, i) => `a${i}: listJobs(filter: { regions: $regions }) { edges { cursor } }`,
    ).join(' ');
    await expectRefusedBeforeAnyCall(
      gw,
      `query($regions: [String!]) { ${aliases} }`,
      { regions: REGIONS },
      SOURCES_VARIABLE,
    );
  });

  it('counts one field over ten regions with every provider: more than 20 sources is refused', async () => {
    // (Panorama 10 + HealthOmics 10 × its 2 stores named + Import/Export 1) × the demo's two AWS
    // accounts; COS Batch none (no AWS region is a COS one).
    await expectRefusedBeforeAnyCall(
      gw,
      'query($f: JobListFilter) { listJobs(filter: $f) { sources { state } } }',
      { f: { regions: REGIONS, omicsReferenceStoreIds: ['5038720581', '7321480963'] } },
      /lists 62 sources/,
    );
  });

  it('counts fields reached through fragments and inline fragments alike', async () => {
    const spread = Array.from({ length: 6 }, (_, i) => `f${i}: listJobs { edges { cursor } }`);
    await expectRefusedBeforeAnyCall(
      gw,
      `query { ...A ... on Query { ${spread.slice(3).join(' ')} } } fragment A on Query { ${spread.slice(0, 3).join(' ')} }`,
      {},
      // 6 fields × (Panorama, HealthOmics, COS Batch, Import/Export) × the demo's two accounts.
      /lists 48 sources/,
    );
  });

  it('lets a request at the limit list: 20 sources in one request', async () => {
    // 5 aliases × (Panorama, HealthOmics store named, COS Batch, Import/Export) of the default
    // account in the default regions = 20.
    const aliases = Array.from(
      { length: 5 },
      (_, i) =>
        `a${i}: listJobs(first: 1, filter: { accounts: ["default"], omicsReferenceStoreIds: ["5038720581"] }) { sources { state } }`,
    ).join(' ');
    clearCalls(gw);
    const res = await gql(gw, `{ ${aliases} }`, { token: gw.tokens.read });
    expect(res.body.errors).toBeUndefined();
    expect(upstreamCallCount(gw)).toBeGreaterThan(0);
  });

  it('counts the reference stores ListReferenceStores finds, and refuses past the limit with no list call', async () => {
    const small = await startTestGateway({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '4' });
    try {
      clearCalls(small);
      // Known before any call, in the default account: Panorama, one HealthOmics region, COS
      // Batch, Import/Export = 4; the region's ListReferenceStores finds two stores, which makes 5.
      const res = await gql(
        small,
        '{ listJobs(filter: { accounts: ["default"] }) { edges { cursor } } }',
        {
          token: small.tokens.read,
        },
      );
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.message).toMatch(/lists 5 sources/);
      expect(res.body.errors?.[0]?.message).toMatch(SOURCES_VARIABLE);
      const calls = EMULATOR_NAMES.flatMap((name) => small.emulators[name].calls);
      expect(calls.map((c) => c.operation)).toEqual(['ListReferenceStores']);
      // Naming the stores makes the count known before any call.
      clearCalls(small);
      const named = await gql(
        small,
        '{ listJobs(filter: { accounts: ["default"], omicsReferenceStoreIds: ["5038720581"] }) { edges { cursor } } }',
        { token: small.tokens.read },
      );
      expect(named.body.errors).toBeUndefined();
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
