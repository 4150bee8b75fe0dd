import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';
import {
  replicaEnv,
  SHARED_SECRET,
  startRedisServer,
  startReplicas,
  watcherToken,
  type RedisServer,
} from './clusterSupport.ts';
import {
  batchApplied as applied,
  closeCluster,
  batchPlace,
  COVERED,
  coveredCalls,
  coveredStatus,
  eventQueues,
  routeEvent,
} from './clusterEventSupport.ts';
import { countedOver, untilEvidence } from './coverageSupport.ts';

// Issue 88 item 6: two compiled gateways (live mode) sharing one redis-server and one PostgreSQL
// history store, each reading its own SQS queue of the emulator for the default account. Only the
// first replica's queue carries events: the second applies none, yet learns from the evidence the
// first writes to the store that AWS Batch is live by events (its events reach the second's
// watches through Redis), so its watched Batch job is read once while a HealthOmics job beside it
// is polled every interval; a change it reads before the first replica's event of it is announced
// by that event, heard through Redis; a change no event announced turns it back to polling there,
// and the first replica's next event makes it live again.

const LONG = 60_000;
const { batchJob: BATCH_JOB, batchId: BATCH_ID, omicsId: OMICS_ID, intervals: INTERVALS } = COVERED;
/** The grace period a change a read found waits for an event of it, s (JOBGRAPH_EVENT_MISS_GRACE_SECONDS). */
const GRACE_S = 2;
/** Polls of the control job (each at least 0.9 × the poll interval after the last) that outlast the grace period. */
const GRACE_POLLS = Math.ceil((GRACE_S * 1000) / (0.9 * COVERED.pollMs)) + 4;

const postgres = historyStores().find((s) => s.name.startsWith('PostgreSQL'))!;
const redisServer = realPart('redis-server');

describe.skipIf(postgres.skip || redisServer.skip)(
  'Replicas sharing Redis and a PostgreSQL history, one of them receiving the events',
  { timeout: 300_000 },
  () => {
    let store: HistoryStoreConfig;
    let redis: RedisServer | undefined;
    let emulators: EmulatorSet;
    let client: SQSClient;
    let operator: string;
    const queues: string[] = [];
    let replicas: LiveProcess[] = [];
    const subs: Subscription[] = [];
    /** DescribeJobs calls naming the watched Batch job; HealthOmics calls naming the control job. */
    let calls: { batch: number; omics: number };

    beforeAll(async () => {
      store = await postgres.fresh();
      redis = await startRedisServer();
      emulators = await startEmulators();
      const sqs = eventQueues(emulators);
      client = sqs.client;
      for (const name of ['held-events', 'idle-events']) queues.push(await sqs.create(name));
      const env = {
        ...replicaEnv(emulators, redis.url, COVERED.pollMs),
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_HISTORY_PRIVATE: '0',
        JOBGRAPH_EVENT_MISS_GRACE_SECONDS: String(GRACE_S),
      };
      operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
      calls = coveredCalls(emulators);
      for (const queue of queues)
        replicas.push(...(await startReplicas(1, { ...env, JOBGRAPH_EVENT_QUEUES: queue })));
    });

    afterAll(async () => {
      await closeCluster({ subs, replicas, redis, client, emulators });
      replicas = [];
    });

    const send = (n: number) =>
      client.send(
        new SendMessageCommand({ QueueUrl: queues[0]!, MessageBody: routeEvent('e0', n) }),
      );
    const place = (replica: LiveProcess) => batchPlace(replica, operator);

    it('makes AWS Batch live on the replica whose queue carries nothing: its watched job is read once, beside a job polled every interval', async () => {
      const [holder, other] = replicas as [LiveProcess, LiveProcess];
      await vi.waitFor(async () => expect((await place(other))?.reason).toBe('NO_EVENT'), {
        timeout: LONG,
        interval: 100,
      });
      for (const n of [1, 2]) await send(n);
      await vi.waitFor(async () => expect((await place(holder))?.live).toBe(true), {
        timeout: LONG,
        interval: 100,
      });
      await vi.waitFor(
        async () => expect(await place(other)).toMatchObject({ live: true, reason: null }),
        { timeout: LONG, interval: 100 },
      );
      // No event reached the other replica: it knows through the store what the holder applied.
      expect(await applied(other)).toBe(0);

      const sub = subscribe(other.url, 'sse', COVERED.watch, {
        token: await watcherToken('watcher'),
        variables: { ids: [BATCH_ID, OMICS_ID] },
      });
      subs.push(sub);
      // The HealthOmics job was polled every interval; the Batch job was read once, at its start.
      expect((await countedOver(calls, 'omics', INTERVALS)).batch).toBe(1);
    });

    it("stays live on both when a read there finds a change before the holder's event of it, which reaches it through Redis", async () => {
      const [holder, other] = replicas as [LiveProcess, LiveProcess];
      const held = await applied(holder);
      // Batch moves the job and publishes its event elsewhere (the emulator's own queue)…
      const detail = emulators.batch.jobs!.changeState(BATCH_JOB, 'STARTING');
      expect(detail).not.toBeNull();
      // …the replica watching it reads the change first (one DescribeJobs of the job)…
      const read = calls.batch;
      expect(await coveredStatus(other)).toBe('STARTING');
      expect(calls.batch - read).toBe(1);
      // …and only then does the event reach the holder's queue: applied there, it is told to the
      // watching replica through the job's channel, where it is no news to the store.
      await client.send(
        new SendMessageCommand({
          QueueUrl: queues[0]!,
          MessageBody: batchEvent(detail as unknown as Record<string, unknown>, {
            time: new Date().toISOString(),
          }),
        }),
      );
      await vi.waitFor(async () => expect(await applied(holder)).toBe(held + 1), {
        timeout: LONG,
        interval: 50,
      });
      // Past the grace period, counted in the control job's polls on the watching replica: it has
      // not read the Batch job again, and the place is live on both.
      expect((await countedOver(calls, 'omics', GRACE_POLLS)).batch).toBe(0);
      expect(await place(other)).toMatchObject({ live: true, reason: null });
      expect(await place(holder)).toMatchObject({ live: true, reason: null });
      expect(await applied(other)).toBe(0);
    });

    it('goes back to polling there when a read finds a change no event announced, and is live again at the next event the holder applies', async () => {
      const [holder, other] = replicas as [LiveProcess, LiveProcess];
      // Batch moves the job and publishes its event elsewhere (the emulator's own queue).
      expect(emulators.batch.jobs!.changeState(BATCH_JOB, 'RUNNING')).not.toBeNull();
      expect(await coveredStatus(other)).toBe('RUNNING');
      await vi.waitFor(
        async () => expect(await place(other)).toMatchObject({ live: false, reason: 'MISSED' }),
        { timeout: LONG, interval: 100 },
      );
      // Written to the store, and read back since by both: the holder's older event does not
      // bring it back, and the holder, live by its own events, stays so.
      await untilEvidence(store, { provider: 'AWS_BATCH', live: false, reason: 'MISSED' });
      await countedOver(calls, 'batch', INTERVALS);
      expect(await place(other)).toMatchObject({ live: false, reason: 'MISSED' });
      expect(await place(holder)).toMatchObject({ live: true, reason: null });

      await send(3);
      await vi.waitFor(
        async () => expect(await place(other)).toMatchObject({ live: true, reason: null }),
        { timeout: LONG, interval: 100 },
      );
      expect(await applied(other)).toBe(0);
    });
  },
);
