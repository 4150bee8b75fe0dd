import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOB_PREFIX } from '../../src/cache/jobCache.ts';
import { RATE_KEY_PREFIX } from '../../src/cache/redisRateBucket.ts';
import { createSealer } from '../../src/cache/sealed.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/importexport/secondAccount';
import { TEST_CLUSTER_SECRET, testSealer } from '../support/clusterSecret.ts';
import { cacheableOf } from '../support/cacheable.ts';
import {
  clearCalls,
  gql,
  startTestGateway,
  type TestGateway,
  upstreamCallCount,
} from '../support/gateway.ts';
import { realPart } from '../support/realParts.ts';
import { useRedis } from '../support/useRedis.ts';
import { queuedImportExportRecord } from '../support/records.ts';

// An attacker who can write to the cluster's Redis, against a replica with a real redis-server
// (issue #58): whatever they write under jobgraph's keys is a miss — the replica answers from the
// provider, counts the value in jobgraph_cache_rejected_total, arms no timer past Node's maximum,
// and keeps using Redis for the next job (a rejected value is never a failure of the store).

const redisServer = realPart('redis-server');

/** An attacker's best guess at the secret: anything but the cluster's. */
const attacker = createSealer('an-attacker-does-not-know-the-cluster-secret');

const FORGED_KEY_ID = 'FORGEDKEYIDFORGEDKEY';

describe.skipIf(redisServer.skip)('A replica reading what an attacker wrote to its Redis', () => {
  const redis = useRedis();
  let gw: TestGateway;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => void warnings.push(w);

  beforeAll(async () => {
    process.on('warning', onWarning);
    gw = await startTestGateway({
      JOBGRAPH_CACHE_URL: redis.url,
      JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      // Far more than the 250 ms default: a busy machine must not turn a slow call into a pause.
      JOBGRAPH_CACHE_OP_TIMEOUT_MS: '10000',
      JOBGRAPH_UPSTREAM_RATE_LIMITS: 'importexport=50,codepipeline=50',
    });
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await gw?.close();
  });
  afterEach(() => {
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    // Never a failure of the store: a rejected value does not pause the cache.
    expect(gw.logs.lines.filter((l) => l.includes('job cache read failed'))).toEqual([]);
  });

  /** jobgraph_cache_rejected_total, as `kind reason` → count. */
  const rejected = async (): Promise<Record<string, number>> => {
    const metric = gw.observability!.metrics!.registry.getSingleMetric(
      'jobgraph_cache_rejected_total',
    );
    const { values } = await metric!.get();
    return Object.fromEntries(values.map((v) => [`${v.labels.kind} ${v.labels.reason}`, v.value]));
  };

  /** Finished jobs without secrets (the cache keeps them), of every provider's demo data. */
  const cacheable = async () =>
    [
      ...(await cacheableOf(
        gw,
        Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS.slice(0, 20)),
      )),
    ].filter((id) => !id.startsWith('codepipeline:'));

  /** One job's fields through GraphQL, and how many upstream calls answering it took. */
  const ask = async (id: string, fields: string, token = gw.tokens.read) => {
    clearCalls(gw);
    const res = await gql(gw, `query($id: ID!) { job(id: $id) { id ${fields} } }`, {
      variables: { id },
      token,
    });
    expect(res.body.errors).toBeUndefined();
    return { job: res.body.data?.job as Record<string, unknown>, calls: upstreamCallCount(gw) };
  };

  it("never serves a forged job record, CodePipeline's artifact credentials included, and reads the provider instead", async () => {
    const id = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;
    const forged = JSON.stringify({
      id,
      provider: 'AWS_CODEPIPELINE',
      nativeId: id.split(':').at(-1),
      region: 'us-east-1',
      state: 'SUCCEEDED',
      providerStatus: 'Succeeded',
      statusMessage: 'forged',
      terminal: true,
      createdAt: null,
      updatedAt: null,
      completedAt: null,
      artifactCredentials: {
        accessKeyId: FORGED_KEY_ID,
        secretAccessKey: 'forged-secret',
        sessionToken: 'forged-token',
      },
    });
    const before = await rejected();
    const fields = '... on CodePipelineJob { statusMessage artifactCredentials { accessKeyId } }';
    // As the attacker wrote it, and sealed under their guess at the secret.
    for (const value of [forged, attacker.seal('job', JOB_PREFIX + id, forged)]) {
      await redis.client.set(JOB_PREFIX + id, value);
      const { job, calls } = await ask(id, fields, gw.tokens.secrets);
      expect(JSON.stringify(job)).not.toContain('FORGED');
      expect(job.statusMessage).not.toBe('forged');
      expect(calls).toBeGreaterThan(0);
    }
    const after = await rejected();
    expect(after['job malformed']).toBe((before['job malformed'] ?? 0) + 1);
    expect(after['job mac']).toBe((before['job mac'] ?? 0) + 1);
  });

  it("rejects a genuine record moved under another job's key, and caches that job's own record next", async () => {
    const [a, b] = await cacheable();
    expect(a && b).toBeTruthy();
    await ask(a!, 'state');
    const genuine = await redis.client.get(JOB_PREFIX + a!);
    expect(genuine).toBeTruthy();
    await redis.client.set(JOB_PREFIX + b!, genuine!);
    const before = await rejected();
    const first = await ask(b!, 'state');
    expect(first.job.id).toBe(b);
    expect(first.calls).toBeGreaterThan(0);
    expect((await rejected())['job mac']).toBe((before['job mac'] ?? 0) + 1);
    // The cache is still in use: b's own record was stored, and is served without a call.
    expect(await ask(b!, 'state')).toEqual({ job: first.job, calls: 0 });
  });

  it('never serves a default-account record under a staging key to a staging-only token, even sealed for that key', async () => {
    const shared = IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS.shared;
    const stagingId = `importexport@staging:${shared}`;
    const key = JOB_PREFIX + stagingId;
    // What a replica would hold for the default account's job, sealed (as only a replica could)
    // for the staging key: the MAC holds, the record names another account than its key.
    const defaultRecord = JSON.stringify(
      queuedImportExportRecord(shared, { state: 'SUCCEEDED', terminal: true }),
    );
    const before = await rejected();
    await redis.client.set(key, testSealer().seal('job', key, defaultRecord));
    const { job, calls } = await ask(stagingId, 'state', gw.tokens.secondAccount);
    expect(job).toEqual({ id: stagingId, state: 'IN_PROGRESS' });
    expect(calls).toBeGreaterThan(0);
    expect((await rejected())['job binding']).toBe((before['job binding'] ?? 0) + 1);
  });

  it('treats a malformed value, a key of another type and an oversized value as misses, never a pause of the cache', async () => {
    const ids = await cacheable();
    expect(ids.length).toBeGreaterThanOrEqual(5);
    // Fresh keys: whatever earlier reads stored under them goes first.
    const [malformed, wrongType, oversized] = ids.slice(-3) as [string, string, string];
    await redis.client.del([malformed, wrongType, oversized].map((id) => JOB_PREFIX + id));
    await redis.client.set(JOB_PREFIX + malformed, '{"id":');
    await redis.client.rPush(JOB_PREFIX + wrongType, 'not a string');
    await redis.client.set(JOB_PREFIX + oversized, `2.${'x'.repeat(2 * 1024 * 1024)}`);
    const before = await rejected();
    for (const id of [malformed, wrongType, oversized]) {
      const { job, calls } = await ask(id, 'state');
      expect(job.id).toBe(id);
      expect(calls).toBeGreaterThan(0);
    }
    const after = await rejected();
    expect(after['job malformed']).toBe((before['job malformed'] ?? 0) + 2);
    expect(after['job oversized']).toBe((before['job oversized'] ?? 0) + 1);
    // Each answer was stored over what the attacker wrote, and is served from Redis next.
    for (const id of [malformed, wrongType, oversized])
      expect((await ask(id, 'state')).calls).toBe(0);
  });

  it('overwrites a rate-budget key set far into the future, counts it, and throttles nobody', async () => {
    // The first call makes the key (`<provider>:<region>`); the attacker then moves it a century on.
    const ids = DEMO_DATA.codepipeline.DEMO_GLOBAL_IDS;
    await ask(ids[0]!, 'state');
    const keys = await redis.client.keys(`${RATE_KEY_PREFIX}AWS_CODEPIPELINE:*`);
    expect(keys.length).toBeGreaterThan(0);
    const before = await rejected();
    for (const key of keys) await redis.client.set(key, '4102444800000000000');
    const { job, calls } = await ask(ids[1]!, 'state');
    expect(job.id).toBe(ids[1]);
    expect(calls).toBeGreaterThan(0);
    expect((await rejected())['rate clamped']).toBeGreaterThanOrEqual(
      (before['rate clamped'] ?? 0) + 1,
    );
    // A value that is not a number, or not a string, is no state either.
    await redis.client.set(keys[0]!, 'forever');
    expect((await ask(ids[2]!, 'state')).calls).toBeGreaterThan(0);
    await redis.client.del(keys[0]!);
    await redis.client.hSet(keys[0]!, 'tat', '1');
    expect((await ask(ids[3]!, 'state')).calls).toBeGreaterThan(0);
  });
});
