import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { DEMO_AWS_CREDENTIALS } from '../../src/emulators/framework.ts';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '../../src/emulators/index.ts';
import { OMICS_DEMO_JOB_IDS } from '../../src/emulators/omics/data.ts';
import { loadCoverageEvidence } from '../../src/history/coverageEvidence.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { readyz } from '../support/accountTokens.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { realPart } from '../support/realParts.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';
import {
  kill,
  metricsOf,
  replicaEnv,
  sample,
  SHARED_SECRET,
  startRedisServer,
  startReplicas,
  watcherToken,
  type RedisServer,
} from './clusterSupport.ts';

// Issue 88 item 6: two compiled gateways (live mode) sharing one redis-server and one PostgreSQL
// history store, each reading its own SQS queue of the emulator for the default account. Only the
// first replica's queue carries events: the second applies none, yet learns from the evidence the
// first writes to the store that AWS Batch is live by events (its events reach the second's
// watches through Redis), so its watched Batch job is read once while a HealthOmics job beside it
// is polled every interval; a change no event announced turns it back to polling there, and the
// first replica's next event makes it live again.

const POLL_MS = 200;
const LONG = 60_000;
/** HealthOmics polls of the control job the sharing is measured over: its poll intervals. */
const INTERVALS = 10;
const BATCH_JOB = BATCH_JOB_IDS.runnable;
const BATCH_ID = `batch:us-east-1:${BATCH_JOB}`;
const OMICS_JOB = OMICS_DEMO_JOB_IDS.inProgress;
const OMICS_ID = DEMO_DATA.omics.EXAMPLE_GLOBAL_ID.replace(/[^:]+$/, OMICS_JOB);
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }';

/** An event of a Batch job nobody watches: it proves the route and moves no watcher. */
const routeEvent = (n: number) =>
  batchEvent(
    batchDetail({ jobId: `00000000-0000-4000-8000-00000000e0${String(n).padStart(2, '0')}` }),
    { time: new Date().toISOString() },
  );

type Place = { provider: string; account: string; region: string; live: boolean; reason: string };

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
    const calls = { batch: 0, omics: 0 };

    beforeAll(async () => {
      store = await postgres.fresh();
      redis = await startRedisServer();
      emulators = await startEmulators();
      client = new SQSClient({
        region: 'us-east-1',
        endpoint: emulators.sqs.url,
        credentials: { ...DEMO_AWS_CREDENTIALS },
        maxAttempts: 1,
      });
      for (const name of ['held-events', 'idle-events'])
        queues.push((await client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!);
      const env = {
        ...replicaEnv(emulators, redis.url, POLL_MS),
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_HISTORY_PRIVATE: '0',
        JOBGRAPH_EVENT_MISS_GRACE_SECONDS: '1',
      };
      operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
      emulators.batch.events.on('request', (req: { path: string; body: string }) => {
        if (req.path === '/v1/describejobs' && req.body.includes(BATCH_JOB)) calls.batch += 1;
      });
      emulators.omics.events.on('request', (req: { path: string; body: string }) => {
        if (req.path.includes(OMICS_JOB) || req.body.includes(OMICS_JOB)) calls.omics += 1;
      });
      for (const queue of queues)
        replicas.push(...(await startReplicas(1, { ...env, JOBGRAPH_EVENT_QUEUES: queue })));
    });

    afterAll(async () => {
      for (const s of subs) await s.close();
      for (const r of replicas) await kill(r.child);
      if (redis) await kill(redis.child);
      client?.destroy();
      await emulators?.close();
      replicas = [];
    });

    /** AWS Batch of the default account in us-east-1, as a replica's /readyz tells it. */
    const batchPlace = async (replica: LiveProcess) => {
      const { body } = await readyz(replica.url, operator);
      return (body.eventCoverage as Place[] | undefined)?.find(
        (p) => p.provider === 'AWS_BATCH' && p.account === 'default' && p.region === 'us-east-1',
      );
    };
    const send = (n: number) =>
      client.send(new SendMessageCommand({ QueueUrl: queues[0]!, MessageBody: routeEvent(n) }));
    const applied = async (replica: LiveProcess) =>
      sample(
        await metricsOf(replica.url),
        'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}',
      );

    it('makes AWS Batch live on the replica whose queue carries nothing: its watched job is read once, beside a job polled every interval', async () => {
      const [holder, other] = replicas as [LiveProcess, LiveProcess];
      await vi.waitFor(async () => expect((await batchPlace(other))?.reason).toBe('NO_EVENT'), {
        timeout: LONG,
        interval: 100,
      });
      for (const n of [1, 2]) await send(n);
      await vi.waitFor(async () => expect((await batchPlace(holder))?.live).toBe(true), {
        timeout: LONG,
        interval: 100,
      });
      await vi.waitFor(
        async () => expect(await batchPlace(other)).toMatchObject({ live: true, reason: null }),
        { timeout: LONG, interval: 100 },
      );
      // No event reached the other replica: it knows through the store what the holder applied.
      expect(await applied(other)).toBe(0);

      const sub = subscribe(other.url, 'sse', WATCH, {
        token: await watcherToken('watcher'),
        variables: { ids: [BATCH_ID, OMICS_ID] },
      });
      subs.push(sub);
      const batchFrom = calls.batch;
      const omicsFrom = calls.omics;
      await vi.waitFor(() => expect(calls.omics - omicsFrom).toBeGreaterThanOrEqual(INTERVALS), {
        timeout: LONG,
        interval: 50,
      });
      // The HealthOmics job was polled every interval; the Batch job was read once, at its start.
      expect(calls.batch - batchFrom).toBe(1);
    });

    it('goes back to polling there when a read finds a change no event announced, and is live again at the next event the holder applies', async () => {
      const [holder, other] = replicas as [LiveProcess, LiveProcess];
      // Batch moves the job and publishes its event elsewhere (the emulator's own queue).
      expect(emulators.batch.jobs!.changeState(BATCH_JOB, 'RUNNING')).not.toBeNull();
      const res = await fetch(other.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await watcherToken('reader')}`,
        },
        body: JSON.stringify({ query: `{ job(id: "${BATCH_ID}") { providerStatus } }` }),
      });
      expect(((await res.json()) as { data: unknown }).data).toEqual({
        job: { providerStatus: 'RUNNING' },
      });
      await vi.waitFor(
        async () =>
          expect(await batchPlace(other)).toMatchObject({ live: false, reason: 'MISSED' }),
        { timeout: LONG, interval: 100 },
      );
      // Written to the store, and read back since by both: the holder's older event does not
      // bring it back, and the holder, live by its own events, stays so.
      const db = (await openHistoryDatabase(store))!;
      try {
        await vi.waitFor(
          async () =>
            expect(await loadCoverageEvidence(db.db)).toContainEqual(
              expect.objectContaining({ provider: 'AWS_BATCH', live: false, reason: 'MISSED' }),
            ),
          { timeout: LONG, interval: 100 },
        );
      } finally {
        await db.close();
      }
      const batchFrom = calls.batch;
      await vi.waitFor(() => expect(calls.batch - batchFrom).toBeGreaterThanOrEqual(INTERVALS), {
        timeout: LONG,
        interval: 50,
      });
      expect(await batchPlace(other)).toMatchObject({ live: false, reason: 'MISSED' });
      expect(await batchPlace(holder)).toMatchObject({ live: true, reason: null });

      await send(3);
      await vi.waitFor(
        async () => expect(await batchPlace(other)).toMatchObject({ live: true, reason: null }),
        { timeout: LONG, interval: 100 },
      );
      expect(await applied(other)).toBe(0);
    });
  },
);
