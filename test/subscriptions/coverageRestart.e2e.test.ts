import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { DEMO_AWS_CREDENTIALS } from '../../src/emulators/framework.ts';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '../../src/emulators/index.ts';
import { OMICS_DEMO_JOB_IDS } from '../../src/emulators/omics/data.ts';
import { loadCoverageEvidence } from '../../src/history/coverageEvidence.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { readyz } from '../support/accountTokens.ts';
import { batchDetail, batchEvent } from '../support/batchEvents.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';
import {
  kill,
  metricsOf,
  replicaEnv,
  sample,
  SHARED_SECRET,
  startReplicas,
  watcherToken,
} from './clusterSupport.ts';

// Issue 88 item 4: the compiled gateway (live mode) on a history store, its events read from a
// queue of the SQS emulator. The first replica learns that AWS Batch of the default account is
// live by events and writes that evidence; it is killed (SIGKILL: no shutdown write); a second
// replica on the same store keeps the place live before any event of its own, so its watched
// Batch job is read once (its first read) while a HealthOmics job (no event of HealthOmics ever)
// is polled at the poll interval beside it; then a change no event announced turns it back to
// polling, and the Batch job is polled at the poll interval too.

const POLL_MS = 200;
const LONG = 60_000;
/** HealthOmics polls of the control job the keeping is measured over: its poll intervals. */
const INTERVALS = 10;
const BATCH_JOB = BATCH_JOB_IDS.runnable;
const BATCH_ID = `batch:us-east-1:${BATCH_JOB}`;
const OMICS_JOB = OMICS_DEMO_JOB_IDS.inProgress;
const OMICS_ID = DEMO_DATA.omics.EXAMPLE_GLOBAL_ID.replace(/[^:]+$/, OMICS_JOB);
const WATCH = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id providerStatus } }';

/** An event of a Batch job nobody watches: it proves the route and moves no watcher. */
const routeEvent = (n: number) =>
  batchEvent(
    batchDetail({ jobId: `00000000-0000-4000-8000-00000000d0${String(n).padStart(2, '0')}` }),
    { time: new Date().toISOString() },
  );

type Place = { provider: string; account: string; region: string; live: boolean; reason: string };

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`A replica restarted on a ${name}`, { timeout: 300_000 }, () => {
    let store: HistoryStoreConfig;
    let emulators: EmulatorSet;
    let client: SQSClient;
    let env: Record<string, string>;
    let operator: string;
    const replicas: LiveProcess[] = [];
    const subs: Subscription[] = [];
    /** DescribeJobs calls naming the watched Batch job; HealthOmics calls naming the control job. */
    const calls = { batch: 0, omics: 0 };

    beforeAll(async () => {
      store = await fresh();
      emulators = await startEmulators();
      client = new SQSClient({
        region: 'us-east-1',
        endpoint: emulators.sqs.url,
        credentials: { ...DEMO_AWS_CREDENTIALS },
        maxAttempts: 1,
      });
      const queue = await client.send(new CreateQueueCommand({ QueueName: 'restart-events' }));
      env = {
        ...replicaEnv(emulators, null, POLL_MS),
        JOBGRAPH_EVENT_QUEUES: queue.QueueUrl!,
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_EVENT_MISS_GRACE_SECONDS: '1',
      };
      operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
      emulators.batch.events.on('request', (req: { path: string; body: string }) => {
        if (req.path === '/v1/describejobs' && req.body.includes(BATCH_JOB)) calls.batch += 1;
      });
      emulators.omics.events.on('request', (req: { path: string; body: string }) => {
        if (req.path.includes(OMICS_JOB) || req.body.includes(OMICS_JOB)) calls.omics += 1;
      });
      for (const n of [1, 2])
        await client.send(
          new SendMessageCommand({ QueueUrl: queue.QueueUrl!, MessageBody: routeEvent(n) }),
        );
    });

    afterAll(async () => {
      for (const s of subs) await s.close();
      for (const r of replicas) await kill(r.child);
      client?.destroy();
      await emulators?.close();
    });

    /** AWS Batch of the default account in us-east-1, as a replica's /readyz tells it. */
    const batchPlace = async (replica: LiveProcess) => {
      const { body } = await readyz(replica.url, operator);
      return (body.eventCoverage as Place[] | undefined)?.find(
        (p) => p.provider === 'AWS_BATCH' && p.account === 'default' && p.region === 'us-east-1',
      );
    };

    it('keeps AWS Batch live by events: its watched job is read once, beside a job polled every interval', async () => {
      const [first] = await startReplicas(1, env);
      replicas.push(first!);
      await vi.waitFor(async () => expect((await batchPlace(first!))?.live).toBe(true), {
        timeout: LONG,
        interval: 100,
      });
      // Written by the first replica's timer: read from the store itself, then the replica killed.
      const db = (await openHistoryDatabase(store))!;
      try {
        await vi.waitFor(
          async () =>
            expect(await loadCoverageEvidence(db.db)).toContainEqual(
              expect.objectContaining({ provider: 'AWS_BATCH', account: 'default', live: true }),
            ),
          { timeout: LONG, interval: 100 },
        );
      } finally {
        await db.close();
      }
      await kill(first!.child);

      const [second] = await startReplicas(1, env);
      replicas.push(second!);
      await vi.waitFor(
        async () =>
          expect(
            sample(
              await metricsOf(second!.url),
              'jobgraph_event_queue_up{queue="default:us-east-1:restart-events"}',
            ),
          ).toBe(1),
        { timeout: LONG, interval: 100 },
      );
      // No event has reached this replica: what it knows, it kept.
      expect(
        sample(
          await metricsOf(second!.url),
          'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}',
        ),
      ).toBe(0);
      expect(await batchPlace(second!)).toMatchObject({ live: true, reason: null });

      const sub = subscribe(second!.url, 'sse', WATCH, {
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

    it('goes back to polling when a read finds a change no event announced', async () => {
      const second = replicas[1]!;
      // Batch moves the job and publishes its event elsewhere (the emulator's own queue): this
      // replica's queue never carries it.
      expect(emulators.batch.jobs!.changeState(BATCH_JOB, 'RUNNING')).not.toBeNull();
      const res = await fetch(second.url, {
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
          expect(await batchPlace(second)).toMatchObject({ live: false, reason: 'MISSED' }),
        { timeout: LONG, interval: 100 },
      );
      const batchFrom = calls.batch;
      await vi.waitFor(() => expect(calls.batch - batchFrom).toBeGreaterThanOrEqual(INTERVALS), {
        timeout: LONG,
        interval: 50,
      });
      // Polled again: the store says so too, for the next restart.
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
    });
  });
}
