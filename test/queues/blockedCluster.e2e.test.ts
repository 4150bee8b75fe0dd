// JobQueue.blocked on a replica that did not consume the Queue Blocked event (docs/queues.md,
// "Across replicas"; issue 103): two real jobgraph processes on one real redis-server and one set
// of emulators; only one of them reads the SQS queue the event is sent to. The replica that
// consumed it keeps the block in Redis (sealed); the other answers the event's since, job and
// reason — not the front head's time it would derive alone.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { BLOCKED, CAPACITY, ID, JOB, QUEUE, type Blocked } from './blockedQuery.ts';
import type { EmulatorSet } from '@jobgraph/emulators';
import { batchEvent } from '../support/batchEvents.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import {
  kill,
  replicaEnv,
  SHARED_SECRET,
  startReplicas,
  type RedisServer,
} from '../subscriptions/clusterSupport.ts';
import { startEventCluster } from '../subscriptions/clusterEventSupport.ts';
import { describeOnRedis } from '../support/describeOnRedis.ts';

/** The event's time: before the job reached the head, so the head's derivation cannot say it. */
const SINCE = '2026-11-25T12:00:03.000Z';

describeOnRedis('JobQueue.blocked across replicas', () => {
  let redis: RedisServer | undefined;
  let emulators: EmulatorSet | undefined;
  let client: SQSClient | undefined;
  let queueUrl = '';
  let consumer: LiveProcess | undefined;
  let other: LiveProcess | undefined;
  let token = '';

  beforeAll(async () => {
    ({ redis, emulators, client, queueUrl } = await startEventCluster('queue-blocked'));
    token = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    const env = replicaEnv(emulators, redis.url, 500);
    // One replica reads the event queue, the other none: only the first can hear the event.
    [consumer] = await startReplicas(1, { ...env, JOBGRAPH_EVENT_QUEUES: queueUrl });
    [other] = await startReplicas(1, env);
  });
  afterAll(async () => {
    for (const p of [consumer, other]) if (p) await kill(p.child);
    if (redis) await kill(redis.child);
    client?.destroy();
    await emulators?.close();
  });

  const blockedOn = async (p: LiveProcess) => {
    const res = await fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: BLOCKED, variables: { id: QUEUE } }),
    });
    const body = (await res.json()) as { data?: Blocked; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!.jobQueue;
  };

  it("answers the event's since, job and reason on the replica that did not consume it", async () => {
    const job = emulators!.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: CAPACITY })!;
    await client!.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: batchEvent(job, { detailType: 'Batch Job Queue Blocked', time: SINCE }),
      }),
    );
    const expected = { since: SINCE, reason: CAPACITY, job: { id: ID } };
    // The consumer answers it once it applied the event (each try a read, not a timer).
    await expect
      .poll(async () => (await blockedOn(consumer!)).blocked, { timeout: 60_000 })
      .toEqual(expected);
    const seen = await blockedOn(other!);
    expect(seen.front[0]!.job?.id).toBe(ID);
    // Not the head's own time (what a replica without the event derives), the event's.
    expect(seen.front[0]!.earliestTimeAtPosition).not.toBe(SINCE);
    expect(seen.blocked).toEqual(expected);
  });
});
