import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSecretDetector } from '../../src/auth/secrets.ts';
import { createJobCache, inMemoryStore } from '../../src/cache/jobCache.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import {
  callsOf,
  clearCalls,
  describeCalls,
  EMULATOR_NAMES,
  gql,
  resetFaults,
  startTestGateway,
  type TestGateway,
  upstreamCallCount,
} from '../support/gateway.ts';
import { cacheableOf } from '../support/cacheable.ts';
import { freePort } from '../support/rawHttp.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { kill } from '../subscriptions/clusterSupport.ts';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';

const { schema, policy } = buildSchema();
const holdsSecret = createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES);
const silent = pino({ level: 'silent' });

const base = (over: Partial<JobRecord> & Record<string, unknown>): JobRecord => ({
  id: 'importexport:ABCDE',
  provider: 'AWS_IMPORT_EXPORT',
  nativeId: 'ABCDE',
  name: null,
  region: null,
  state: 'SUCCEEDED',
  providerStatus: 'Complete',
  statusMessage: null,
  terminal: true,
  createdAt: null,
  updatedAt: null,
  completedAt: null,
  ...over,
});

describe('The secret detector', () => {
  it('finds a secret at the top level, in a nested list and in a nested object, and ignores empty ones', () => {
    expect(
      holdsSecret(
        base({
          signature: null,
          signatureFileContents: null,
          currentManifest: null,
          artifactList: [],
        }),
      ),
    ).toBe(false);
    expect(holdsSecret(base({ signature: 'sig' }))).toBe(true);
    expect(holdsSecret(base({ artifactList: [{ description: 'label', url: null }] }))).toBe(false);
    expect(
      holdsSecret(
        base({ artifactList: [{ description: 'label', url: 'https://x/?X-Amz-Signature=1' }] }),
      ),
    ).toBe(true);
    const cp = {
      ...base({}),
      id: 'codepipeline:us-east-1:x',
      provider: 'AWS_CODEPIPELINE' as const,
    };
    expect(
      holdsSecret({
        ...cp,
        actionConfiguration: [],
        artifactCredentials: null,
        continuationToken: null,
      } as JobRecord),
    ).toBe(false);
    expect(
      holdsSecret({
        ...cp,
        artifactCredentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' },
      } as JobRecord),
    ).toBe(true);
    expect(
      holdsSecret({ ...cp, actionConfiguration: [{ key: 'k', value: 'v' }] } as JobRecord),
    ).toBe(true);
  });
});

describe('The job cache rules', () => {
  const cache = createJobCache({
    store: inMemoryStore(100),
    ttlSeconds: 60,
    holdsSecret,
    logger: silent,
  });
  it('caches a terminal job without secrets', async () => {
    const r = base({ id: 'importexport:OK001', signature: null, artifactList: [] });
    expect(await cache.admit(r)).toBe(true);
    expect(await cache.get('importexport:OK001')).toEqual(r);
  });
  it('parses a stored record once: the same frozen record for the same stored text, a new one when the text changes', async () => {
    const store = inMemoryStore(100);
    const shared = createJobCache({ store, ttlSeconds: 60, holdsSecret, logger: silent });
    const r = base({
      id: 'importexport:OK002',
      signature: null,
      artifactList: [{ description: 'label', url: null }],
    });
    await shared.admit(r);
    const first = await shared.get('importexport:OK002');
    expect(first).toEqual(r);
    expect(await shared.get('importexport:OK002')).toBe(first);
    expect(
      Object.isFrozen(first) &&
        Object.isFrozen((first as unknown as { artifactList: object[] }).artifactList[0]),
    ).toBe(true);
    // Another writer (a second replica through Redis) stores a different text under the same key.
    await store.set(
      'jobgraph:job:v2:importexport:OK002',
      JSON.stringify({ ...r, statusMessage: 'rewritten' }),
    );
    expect(await shared.get('importexport:OK002')).toEqual({ ...r, statusMessage: 'rewritten' });
  });
  it('never caches a job that can still change', async () => {
    expect(
      await cache.admit(base({ id: 'importexport:RUN01', terminal: false, state: 'IN_PROGRESS' })),
    ).toBe(false);
    expect(await cache.get('importexport:RUN01')).toBeUndefined();
  });
  it('never caches a record that holds a secret', async () => {
    expect(await cache.admit(base({ id: 'importexport:SEC01', signature: 'DEMO-SIGNATURE' }))).toBe(
      false,
    );
    expect(await cache.get('importexport:SEC01')).toBeUndefined();
  });
  it('treats a failing store as a miss and keeps answering', async () => {
    const broken = createJobCache({
      store: {
        get: () => Promise.reject(new Error('down')),
        set: () => Promise.reject(new Error('down')),
        delete: async () => false,
      },
      ttlSeconds: 60,
      holdsSecret,
      logger: silent,
    });
    expect(await broken.get('x')).toBeUndefined();
    expect(await broken.admit(base({}))).toBe(false);
  });

  it('says once that the store fails (one warn line per outage, whatever fails), and once that it answers again', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) =>
          void lines.push(JSON.parse(line) as { level: number; msg: string }),
      },
    );
    let down = true;
    const flaky = createJobCache({
      store: {
        get: () => (down ? Promise.reject(new Error('down')) : Promise.resolve(undefined)),
        set: () => (down ? Promise.reject(new Error('down')) : Promise.resolve()),
        delete: async () => false,
      },
      ttlSeconds: 60,
      holdsSecret,
      logger,
      pauseAfterFailureMs: 0,
    });
    for (let i = 0; i < 5; i++) {
      expect(await flaky.get('x')).toBeUndefined();
      expect(await flaky.admit(base({}))).toBe(false);
    }
    down = false;
    expect(await flaky.get('x')).toBeUndefined();
    expect(await flaky.admit(base({}))).toBe(true);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'job cache read failed; asking the provider'],
      [30, 'job cache: the store answers again'],
    ]);
  });
});

const allIds = Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS);

/** Which demo jobs the rules allow caching: terminal and holding no secret value. */
const expectedCacheable = (gw: TestGateway) => cacheableOf(gw, allIds.slice(0, 100));

describe('The cross-request cache in the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '1000' });
  });
  afterAll(async () => gw?.close());

  it('answers a repeated query of finished jobs with no upstream call, and asks again for the rest', async () => {
    const cacheable = await expectedCacheable(gw);
    expect(cacheable.size).toBeGreaterThan(10);
    const ids = allIds.slice(0, 100);
    clearCalls(gw);
    const first = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(first.body.errors).toBeUndefined();
    const secondRun = async () => {
      clearCalls(gw);
      const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
        variables: { ids },
        token: gw.tokens.read,
      });
      expect(res.body.data?.jobs).toEqual(first.body.data?.jobs);
      return callsOf(gw);
    };
    expect(await secondRun()).toEqual(describeCalls(ids.filter((id) => !cacheable.has(id))));
  });
});

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)(
  'The cache shared through Redis (needs redis-server on the PATH)',
  () => {
    // A redis-server of the block's own, killed after its last test.
    const redis = useRedis();

    it('lets a second replica answer finished jobs the first one fetched, without an upstream call', async () => {
      // Redis operations get far more than the 250 ms default: on a busy machine some took longer,
      // counted as misses, paused the store, and B asked the providers.
      const env = {
        JOBGRAPH_CACHE_URL: redis.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
      };
      const a = await startTestGateway(env);
      const b = await startTestGateway(env);
      try {
        const cacheable = [...(await expectedCacheable(a))].slice(0, 20);
        const q = `query($ids: [ID!]!) { jobs(ids: $ids) { id state providerStatus completedAt } }`;
        const fromA = await gql(a, q, { variables: { ids: cacheable }, token: a.tokens.read });
        clearCalls(b);
        const fromB = await gql(b, q, { variables: { ids: cacheable }, token: b.tokens.read });
        expect(fromB.body.data?.jobs).toEqual(fromA.body.data?.jobs);
        const cacheWarnings = [...a.logs.lines, ...b.logs.lines]
          .filter((l) => l.includes('job cache'))
          .slice(0, 5)
          .join('\n');
        expect(upstreamCallCount(b), cacheWarnings).toBe(0);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('makes one upstream call per job in all when two replicas ask for the same finished jobs at once (Redis leases)', async () => {
      const probe = await startTestGateway();
      const ids = [...(await expectedCacheable(probe))].slice(0, 20);
      await probe.close();
      // A database of its own, so no earlier test has cached these jobs.
      const env = {
        JOBGRAPH_CACHE_URL: `${redis.url}/3`,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
      };
      const a = await startTestGateway(env);
      const b = await startTestGateway(env);
      const received = (gw: TestGateway) =>
        EMULATOR_NAMES.reduce((n, name) => n + gw.emulators[name].received.length, 0);
      try {
        for (const gw of [a, b]) {
          clearCalls(gw);
          for (const name of EMULATOR_NAMES) gw.emulators[name].setFaults({ hold: true });
        }
        const q = `query($ids: [ID!]!) { jobs(ids: $ids) { id state providerStatus completedAt } }`;
        const fromA = gql(a, q, { variables: { ids }, token: a.tokens.read });
        const fromB = gql(b, q, { variables: { ids }, token: b.tokens.read });
        // Each job's lease holder has sent its call (held); the other replica waits for its word.
        await vi.waitFor(() => expect(received(a) + received(b)).toBe(ids.length), {
          timeout: 60_000,
          interval: 20,
        });
        resetFaults(a);
        resetFaults(b);
        const [ra, rb] = await Promise.all([fromA, fromB]);
        expect(ra.body.errors).toBeUndefined();
        expect(rb.body.data?.jobs).toEqual(ra.body.data?.jobs);
        const warnings = [...a.logs.lines, ...b.logs.lines]
          .filter((l) => l.includes('job cache'))
          .slice(0, 5)
          .join('\n');
        expect(upstreamCallCount(a) + upstreamCallCount(b), warnings).toBe(ids.length);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('keeps answering when Redis dies under a running gateway, each job asked once', async () => {
      const own = await redis.start();
      const gw = await startTestGateway({
        JOBGRAPH_CACHE_URL: own.url,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      });
      try {
        const ids = DEMO_DATA.importexport.DEMO_GLOBAL_IDS.slice(0, 5);
        await kill(own.child);
        clearCalls(gw);
        const res = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
          variables: { ids },
          token: gw.tokens.read,
        });
        expect(res.body.errors).toBeUndefined();
        expect((res.body.data?.jobs as { id: string }[]).map((j) => j.id)).toEqual(ids);
        expect(upstreamCallCount(gw)).toBe(ids.length);
      } finally {
        own.child.kill('SIGKILL');
        await gw.close();
      }
    });

    it('keeps answering from the providers when Redis goes away', async () => {
      const port = await freePort();
      const gw = await startTestGateway({
        JOBGRAPH_CACHE_URL: `redis://127.0.0.1:${port}`,
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      });
      try {
        const id = DEMO_DATA.omics.EXAMPLE_GLOBAL_ID;
        const res = await gql(gw, `{ job(id: "${id}") { id state } }`, { token: gw.tokens.read });
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.job.id).toBe(id);
      } finally {
        await gw.close();
      }
    });
  },
);
