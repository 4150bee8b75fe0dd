// Job queue descriptions shared by the replicas (docs/queues.md, "Across replicas"; issue 103):
// two real jobgraph processes (live mode, the compiled CLI) on one real redis-server and one set
// of emulators. 50 callers split across them make one DescribeJobQueues and one
// DescribeComputeEnvironments per account and region, counted at the AWS Batch emulator; an entry
// in Redis that is oversized, forged or malformed is refused (counted in
// jobgraph_cache_rejected_total{kind="queues"}) and the replica reads upstream; with Redis stopped,
// each replica reads for itself, once.
import { createClient as createRedisClient } from '@keyv/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { createSealer } from '../../src/cache/sealed.ts';
import { MAX_DESCRIPTIONS_CHARS } from '../../src/queues/shared.ts';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { ETL_QUEUE } from '@jobgraph/emulators/batch/data';
import { BATCH_SECOND_ACCOUNT_QUEUES } from '@jobgraph/emulators/batch/secondAccount';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { testSealer } from '../support/clusterSecret.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import {
  kill,
  metricsOf,
  replicaEnv,
  sample,
  SHARED_SECRET,
  startRedisServer,
  startReplicas,
  type RedisServer,
} from '../subscriptions/clusterSupport.ts';
import { describeOnRedis } from '../support/describeOnRedis.ts';

const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
const ONE = `query($id: ID!) { jobQueue(id: $id) { id name arn state computeEnvironments { name maxvCpus } } }`;
const LIST = `query($regions: [String!]) { jobQueues(filter: { regions: $regions }) { id accountAlias } }`;
const rejected = (text: string, reason: string) =>
  sample(text, `jobgraph_cache_rejected_total{kind="queues",reason="${reason}"}`);

describeOnRedis('job queue descriptions shared by the replicas', () => {
  let redis: RedisServer | undefined;
  let emulators: EmulatorSet | undefined;
  let replicas: LiveProcess[] = [];
  let token = '';

  beforeAll(async () => {
    redis = await startRedisServer();
    emulators = await startEmulators();
    token = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    replicas = await startReplicas(2, replicaEnv(emulators, redis.url, 500));
  });
  afterAll(async () => {
    for (const p of replicas) await kill(p.child);
    if (redis) await kill(redis.child);
    await emulators?.close();
  });

  const ask = async <T>(p: LiveProcess, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  };
  /** The description calls the Batch emulator received from `from` on, by account, operation only. */
  const described = (from: number) => {
    const by: Record<string, string[]> = {};
    for (const c of emulators!.batch.calls.slice(from)) {
      const operation = c.operation.split(' ')[0]!;
      if (!/^Describe(JobQueues|ComputeEnvironments)$/.test(operation)) continue;
      (by[c.account ?? 'default'] ??= []).push(operation);
    }
    return by;
  };

  it('50 callers split across two replicas over a minute: one description per account and region', async () => {
    const from = emulators!.batch.calls.length;
    const ids = [
      `batchqueue:us-east-1:${ETL_QUEUE.jobQueueName}`,
      `batchqueue@${STAGING}:us-east-1:${BATCH_SECOND_ACCOUNT_QUEUES[0]!.jobQueueName}`,
    ];
    // Five waves of ten callers (the minute's callers, each wave after the last answered), each
    // caller on one replica or the other, asking for one account's queue or the other's.
    const answers: { jobQueue: { id: string; computeEnvironments: unknown[] } }[] = [];
    for (let wave = 0; wave < 5; wave++)
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            ask<{ jobQueue: { id: string; computeEnvironments: unknown[] } }>(
              replicas[(wave + i) % 2]!,
              ONE,
              { id: ids[i % 2] },
            ),
          ),
        )),
      );
    expect(answers).toHaveLength(50);
    for (const [i, a] of answers.entries()) {
      expect(a.jobQueue.id).toBe(ids[(i % 10) % 2]);
      expect(a.jobQueue.computeEnvironments.length).toBeGreaterThan(0);
    }
    expect(described(from)).toEqual({
      default: ['DescribeJobQueues', 'DescribeComputeEnvironments'],
      [DEMO_SECOND_AWS_ACCOUNT.accountId]: ['DescribeJobQueues', 'DescribeComputeEnvironments'],
    });
  });

  it('refuses an oversized, a forged and a malformed entry in Redis (counted) and reads upstream', async () => {
    const region = 'us-west-2';
    const client = createRedisClient({ url: redis!.url });
    await client.connect();
    const key = (alias: string) => `jobgraph:queues:v1:AWS_BATCH|${alias}|${region}`;
    const sealer = testSealer();
    // A queue whose priority is not a number, sealed as a replica would (a replica's bug, or an old version).
    const malformed = JSON.stringify({
      readAt: Date.now(),
      queues: [
        { name: 'forged', arn: 'arn:aws:batch:us-west-2:1:job-queue/forged', priority: 'high' },
      ],
      environments: [],
    });
    try {
      await client.set(key('default'), 'x'.repeat(MAX_DESCRIPTIONS_CHARS + 100));
      await client.set(key(STAGING), sealer.seal('queues', key(STAGING), malformed));
    } finally {
      await client.close();
    }
    const [a, b] = replicas as [LiveProcess, LiveProcess];
    const before = await metricsOf(a.url);
    const from = emulators!.batch.calls.length;
    const first = await ask<{ jobQueues: { id: string }[] }>(a, LIST, { regions: [region] });
    expect(first.jobQueues.map((q) => q.id)).not.toContain(`batchqueue:${region}:forged`);
    const after = await metricsOf(a.url);
    expect(rejected(after, 'oversized') - rejected(before, 'oversized')).toBe(1);
    expect(rejected(after, 'malformed') - rejected(before, 'malformed')).toBe(1);
    // Refused: read upstream, once per account, and kept for the other replica, which reads none.
    expect(described(from)).toEqual({
      default: ['DescribeJobQueues'],
      [DEMO_SECOND_AWS_ACCOUNT.accountId]: ['DescribeJobQueues'],
    });
    const second = await ask<{ jobQueues: { id: string }[] }>(b, LIST, { regions: [region] });
    expect(second.jobQueues).toEqual(first.jobQueues);
    expect(described(from)).toEqual({
      default: ['DescribeJobQueues'],
      [DEMO_SECOND_AWS_ACCOUNT.accountId]: ['DescribeJobQueues'],
    });

    // Sealed under another secret (a forger, or a replica of another cluster): refused the same way.
    const forgedRegion = 'eu-central-1';
    const forgedKey = `jobgraph:queues:v1:AWS_BATCH|default|${forgedRegion}`;
    const writer = createRedisClient({ url: redis!.url });
    await writer.connect();
    try {
      const other = createSealer('another-cluster-secret-of-at-least-thirty-two-chars');
      const forged = JSON.stringify({ readAt: Date.now(), queues: [], environments: [] });
      await writer.set(forgedKey, other.seal('queues', forgedKey, forged));
    } finally {
      await writer.close();
    }
    const macBefore = rejected(await metricsOf(b.url), 'mac');
    const fromForged = emulators!.batch.calls.length;
    await ask(b, LIST, { regions: [forgedRegion] });
    expect(rejected(await metricsOf(b.url), 'mac') - macBefore).toBe(1);
    expect(described(fromForged).default).toEqual(['DescribeJobQueues']);
  });

  it('with Redis stopped, each replica reads the descriptions for itself, once', async () => {
    await kill(redis!.child);
    const region = 'eu-west-1';
    const from = emulators!.batch.calls.length;
    for (let round = 0; round < 3; round++)
      for (const p of replicas) await ask<{ jobQueues: unknown[] }>(p, LIST, { regions: [region] });
    // One read per replica and account: neither waits for Redis, nor reads more than once.
    expect(described(from)).toEqual({
      default: ['DescribeJobQueues', 'DescribeJobQueues'],
      [DEMO_SECOND_AWS_ACCOUNT.accountId]: ['DescribeJobQueues', 'DescribeJobQueues'],
    });
  });
});
