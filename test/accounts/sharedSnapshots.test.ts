import { testSealer, TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisListSnapshots, type RedisListSnapshots } from '../../src/cache/redisListSnapshots.ts';
import { Snapshot } from '../../src/datasources/listing/snapshot.ts';
import { ListSnapshots } from '../../src/datasources/listing/snapshots.ts';
import { listed } from '../../src/datasources/listing/summaries.ts';
import { PANORAMA_KEY } from '../../src/datasources/panorama/key.ts';
import { BATCH_DEMO_REGION } from '@jobgraph/emulators/batch/data';
import {
  DEMO_BATCH_QUEUE_NAMES,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  listedDemoJobs,
} from '@jobgraph/emulators';
import { redisServerMissing } from '../subscriptions/clusterSupport.ts';
import { accountToken } from '../support/accountTokens.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { clearCalls, gql, type TestGateway } from '../support/gateway.ts';
import { listSnapshotWritten } from '../support/listSnapshotWritten.ts';
import { useRedis } from '../support/useRedis.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Two replicas (two demo gateways, each on its own emulators with the same jobs) sharing one
 * redis-server: a list snapshot one replica made for one tenant is served by the other to
 * another tenant — one upstream read for both — and each tenant sees only its own accounts'
 * rows, decided row by row, whatever the snapshot holds.
 */
const missing = redisServerMissing();
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
const SHARED_SECRET = 'a-token-key-the-two-replicas-share-at-least-32-chars';

const PAGE = `query ($filter: JobListFilter, $after: String) {
  listJobs(first: 100, filter: $filter, after: $after) {
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Every page's IDs of the filter for `token`. */
async function ids(gw: TestGateway, token: string, filter: Record<string, unknown>) {
  const out: string[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await gql(gw, PAGE, { variables: { filter, after }, token });
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs;
    out.push(...(conn.edges as { node: { id: string } }[]).map((e) => e.node.id));
    if (!conn.pageInfo.hasNextPage) return out;
    after = conn.pageInfo.endCursor as string;
  }
}

const listCalls = (gw: TestGateway) =>
  (['panorama', 'cosbatch'] as const).flatMap((name) =>
    gw.emulators[name].calls.filter((c) => c.operation.startsWith('List')),
  );

describe.skipIf(missing !== null)('List snapshots shared by tenants across replicas', () => {
  const redis = useRedis();
  const env = () => ({
    JOBGRAPH_CACHE_URL: redis.url,
    JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
    JOBGRAPH_JWT_SECRET: SHARED_SECRET,
  });
  const clock = { emulatorClock: { now: () => EPOCH, epochMs: EPOCH } };
  const a = useTestGateway(env, clock);
  const b = useTestGateway(env, clock);
  const tokens = { all: '', staging: '' };
  const stores: RedisListSnapshots[] = [];
  beforeAll(async () => {
    tokens.all = await accountToken(a, ['*']);
    tokens.staging = await accountToken(a, [STAGING]);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  /** Resolves once Redis holds the snapshot of `key` (a replica writes it in the background). */
  const written = (key: string, write?: () => void) => listSnapshotWritten(redis.url, key, write);

  it('serves one replica’s snapshots to another tenant at the other, with that tenant’s rows only', async () => {
    const filter = { providers: ['AWS_PANORAMA', 'TENCENT_COS_BATCH'] };
    const all = await ids(a, tokens.all, filter);
    expect(all.some((id) => id.startsWith('panorama:'))).toBe(true);
    const region = listedDemoJobs(EPOCH, { account: 'staging' }).panorama[0]!.globalId.split(
      ':',
    )[1];
    await written(`panorama@${STAGING}:${region}`);
    await written(`cos:${DEMO_SECOND_TENCENT_ACCOUNT.region}:${DEMO_SECOND_TENCENT_ACCOUNT.uin}`);
    clearCalls(b);
    const staging = await ids(b, tokens.staging, filter);
    expect(listCalls(b)).toEqual([]);
    expect(staging.length).toBeGreaterThan(0);
    expect(staging).toEqual(
      all.filter(
        (id) =>
          id.startsWith(`panorama@${STAGING}:`) ||
          id.includes(`:${DEMO_SECOND_TENCENT_ACCOUNT.uin}:`),
      ),
    );
  });

  it('serves one replica’s kept pages of the sources read page by page to the other: no Import/Export or AWS Batch ListJobs there', async () => {
    const filter = { providers: ['AWS_IMPORT_EXPORT', 'AWS_BATCH'], accounts: ['default'] };
    const first = await ids(a, tokens.all, filter);
    expect(first.some((id) => id.startsWith('importexport:'))).toBe(true);
    expect(first.some((id) => id.startsWith('batch:'))).toBe(true);
    await written('importexport#page:top');
    for (const queue of DEMO_BATCH_QUEUE_NAMES)
      await written(`batch:${BATCH_DEMO_REGION}:${queue}#page:top`);
    clearCalls(b);
    expect(await ids(b, tokens.all, filter)).toEqual(first);
    expect(b.emulators.importexport.calls.map((c) => c.operation)).toEqual([]);
    // Its own DescribeJobQueues (a replica remembers the queues it found itself), no ListJobs.
    expect(b.emulators.batch.calls.map((c) => c.operation)).toEqual(['DescribeJobQueues']);
  });

  it('never serves a tenant a row of another account, even from a snapshot kept under its own source', async () => {
    // A snapshot that holds the default account's jobs under staging's source key, as no replica
    // would write it: the rows are decided by their own account, not by where they were kept.
    const region = 'ca-central-1';
    const takenAt = Date.now();
    const rows = Array.from({ length: 3 }, (_, n) => {
      const jobId = `pkgimport-${(0xfeed00 + n).toString(16).padStart(16, '0')}`;
      const createdAt = new Date(EPOCH - n * 60_000);
      return listed(
        PANORAMA_KEY,
        { provider: 'AWS_PANORAMA', region, jobId },
        { state: 'SUCCEEDED', createdAt, updatedAt: createdAt, completedAt: createdAt },
        { providerStatus: 'SUCCEEDED' },
      )!;
    });
    const log = capturedLog();
    const store = redisListSnapshots({
      url: redis.url,
      opTimeoutMs: 2000,
      logger: log.logger,
      sealer: testSealer(),
    });
    stores.push(store);
    const writer = new ListSnapshots({ ttlMs: 60_000, shared: store });
    const key = `panorama@${STAGING}:${region}`;
    await written(key, () => writer.keep(key, Snapshot.of(rows, takenAt, 1)));
    const filter = { providers: ['AWS_PANORAMA'], regions: [region] };
    clearCalls(b);
    expect(await ids(b, tokens.staging, filter)).toEqual([]);
    // The snapshot was served (no list call); a token of every account sees what it holds.
    expect(listCalls(b)).toEqual([]);
    expect(await ids(b, tokens.all, { ...filter, accounts: [STAGING] })).toEqual(
      rows.map((r) => r.id),
    );
  });
});
