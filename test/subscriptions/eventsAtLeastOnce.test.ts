import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSecretDetector, createSecretStripper } from '../../src/auth/secrets.ts';
import type { PollLeases } from '../../src/cache/pollLeases.ts';
import { redisPollLeases } from '../../src/cache/redisPollLeases.ts';
import { loadConfig } from '../../src/config/index.ts';
import { parseJob } from '../../src/datasources/batch/parse.ts';
import { JobStates } from '../../src/datasources/state/jobStates.ts';
import { EventQueues } from '../../src/datasources/events/eventQueues.ts';
import { AwsAccounts } from '../../src/datasources/shared/accounts.ts';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { EventApplier } from '../../src/subscriptions/eventApplier.ts';
import { WatchRegistry } from '../../src/subscriptions/watchRegistry.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { testSealer } from '../support/clusterSecret.ts';
import { realPart } from '../support/realParts.ts';
import { untilAvailability, useReplicaStores } from '../support/replicaStores.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { useRedis } from '../support/useRedis.ts';
import { kill } from './clusterSupport.ts';
import { messagesIn, useSqsEmulator } from '../support/sqsQueues.ts';

// At least once across replicas (docs/events.md): a message is deleted only once its event is
// applied here and announced to the other replicas; one whose announcement failed (Redis away)
// stays in the queue, comes back, and is applied by the replica that gets it.

const { schema, policy } = buildSchema();
const holdsSecret = createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES);
const withoutSecrets = createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES);
const JOB = String(batchDetail().jobId);
const KEY = parseGlobalId(`batch:us-east-1:${JOB}`);
const record = (status: string): JobRecord =>
  parseJob(KEY as never, batchDetail({ status, attempts: [], stoppedAt: undefined }), 'detail');

const sqs = useSqsEmulator();
let client: SQSClient;
beforeAll(() => {
  client = sqs.client;
});

/** Messages in the queue at `url`, visible or in flight. */
const messagesLeft = (url: string): Promise<number> => messagesIn(client, url);

/** One replica's event path: its pollers (a manual clock: no poll but the first), its applier, its queue consumer. */
function replica(url: string, leases: PollLeases) {
  const base = loadConfig(
    { mode: 'live' },
    {
      JOBGRAPH_EVENT_QUEUES: url,
      AWS_ENDPOINT_URL_SQS: sqs.url,
    },
  );
  const config = {
    ...base,
    awsCredentials: { ...DEMO_AWS_CREDENTIALS, accountId: DEMO_AWS_ACCOUNT_ID },
  };
  const calls: string[] = [];
  const states = new JobStates();
  const registry = new WatchRegistry({
    fetch: (key) => {
      calls.push(key.provider);
      return Promise.resolve(record('RUNNABLE'));
    },
    pollMs: 1000,
    maxPollMs: 4000,
    breakerPauseMs: 10_000,
    scheduler: new ManualScheduler(0),
    random: () => 0.5,
    leases,
    states,
  });
  const applier = new EventApplier(config, registry, leases, states);
  const outcomes: string[] = [];
  const waiters: { outcome: string; count: number; resolve: () => void }[] = [];
  const queues = new EventQueues({
    config,
    queues: config.events.queues ?? [],
    accounts: new AwsAccounts(config),
    waitSeconds: 1,
    maxReceives: 50,
    // Replicas share the queue: coverage holds only while their channel does.
    cluster: leases,
    observer: {
      outcome: (_provider, outcome) => {
        outcomes.push(outcome);
        for (const w of waiters)
          if (outcomes.filter((o) => o === w.outcome).length >= w.count) w.resolve();
      },
    },
  });
  queues.attach((event) => applier.apply(event));
  /** Resolves once this replica has counted `count` messages with `outcome`. */
  const until = (outcome: string, count = 1) =>
    new Promise<void>((resolve) => {
      waiters.push({ outcome, count, resolve });
      if (outcomes.filter((o) => o === outcome).length >= count) resolve();
    });
  return { registry, applier, queues, calls, outcomes, until };
}

const redisServer = realPart('redis-server');

describe.skipIf(redisServer.skip)('Job events at least once across replicas', () => {
  const redis = useRedis();
  const { store } = useReplicaStores(redis, (options) =>
    redisPollLeases({ ...options, holdsSecret, withoutSecrets, sealer: testSealer() }),
  );

  it('keeps a message whose announcement failed (Redis stopped): it comes back, and the replica watching the job applies it', async () => {
    const server = await redis.start();
    const a = await store('host:1:a', server.url);
    const b = await store('host:2:b', server.url);
    const QueueUrl = await sqs.queue('at-least-once', { VisibilityTimeout: '1' });
    const onA = replica(QueueUrl, a);
    const onB = replica(QueueUrl, b);
    try {
      // B watches the job; A, not watching it, is the one that consumes the event.
      const seen: string[] = [];
      let changed = () => {};
      onB.registry.watch(
        KEY,
        (e) => {
          seen.push(e.kind === 'record' ? String(e.record.providerStatus) : 'error');
          changed();
        },
        false,
      );
      const untilSeen = (status: string) =>
        new Promise<void>((resolve) => {
          changed = () => seen.includes(status) && resolve();
          changed();
        });
      await untilSeen('RUNNABLE');
      // Redis stops: announcements fail from now on.
      const down = Promise.all([untilAvailability(a, false), untilAvailability(b, false)]);
      await kill(server.child);
      await down;
      onA.queues.start();
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: batchEvent(batchDetail({ status: 'RUNNING', attempts: [] })),
        }),
      );
      await onA.until('applied');
      // Not deleted: it comes back to A, which knows it (a duplicate) and still owes its announcement.
      await onA.until('duplicate');
      expect(await messagesLeft(QueueUrl)).toBe(1);
      await onA.queues.close();
      // B gets it after its visibility timeout and applies it itself: no read of its own.
      onB.queues.start();
      await onB.until('applied');
      await untilSeen('RUNNING');
      expect(seen).toEqual(['RUNNABLE', 'RUNNING']);
      expect(onB.calls).toHaveLength(1);
      // B could not announce it either: it stays for whoever gets it next.
      expect(await messagesLeft(QueueUrl)).toBe(1);
    } finally {
      await onA.queues.close();
      await onB.queues.close();
      onA.registry.close();
      onB.registry.close();
    }
  });

  it("takes coverage away while Redis, the replicas' channel, is unavailable", async () => {
    const server = await redis.start();
    const a = await store('host:3:a', server.url);
    const QueueUrl = await sqs.queue('coverage-cluster', { VisibilityTimeout: '1' });
    const onA = replica(QueueUrl, a);
    const batch = () =>
      onA.queues.coverage().find((c) => c.provider === 'AWS_BATCH' && c.account === 'default');
    try {
      onA.queues.start();
      await client.send(
        new SendMessageCommand({ QueueUrl, MessageBody: batchEvent(batchDetail()) }),
      );
      await onA.until('applied');
      expect(batch()).toMatchObject({ live: true, reason: null });
      expect(onA.queues.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(true);
      // Redis stops: an event applied here could not reach a replica that watches its job.
      const down = untilAvailability(a, false);
      await kill(server.child);
      await down;
      expect(batch()).toMatchObject({ live: false, reason: 'CLUSTER_DOWN' });
      expect(onA.queues.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(false);
    } finally {
      await onA.queues.close();
      onA.registry.close();
    }
  });
});
