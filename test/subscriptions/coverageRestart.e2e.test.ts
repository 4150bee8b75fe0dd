import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE } from '../../src/auth/identity.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
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
import {
  batchApplied,
  batchPlace,
  COVERED,
  coveredCalls,
  coveredStatus,
  eventQueues,
  routeEvent,
} from './clusterEventSupport.ts';
import { countedOver, untilEvidence } from './coverageSupport.ts';

// Issue 88 item 4: the compiled gateway (live mode) on a history store, its events read from a
// queue of the SQS emulator. The first replica learns that AWS Batch of the default account is
// live by events and writes that evidence; it is killed (SIGKILL: no shutdown write); a second
// replica on the same store keeps the place live before any event of its own, so its watched
// Batch job is read once (its first read) while a HealthOmics job (no event of HealthOmics ever)
// is polled at the poll interval beside it; then a change no event announced turns it back to
// polling, and the Batch job is polled at the poll interval too.

const LONG = 60_000;
const { batchJob: BATCH_JOB, batchId: BATCH_ID, omicsId: OMICS_ID, intervals: INTERVALS } = COVERED;

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
    let calls: { batch: number; omics: number };

    beforeAll(async () => {
      store = await fresh();
      emulators = await startEmulators();
      const sqs = eventQueues(emulators);
      client = sqs.client;
      const queue = await sqs.create('restart-events');
      env = {
        ...replicaEnv(emulators, null, COVERED.pollMs),
        JOBGRAPH_EVENT_QUEUES: queue,
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_EVENT_MISS_GRACE_SECONDS: '1',
      };
      operator = await mintToken({ secret: SHARED_SECRET, scopes: [SCOPE_OPERATE] });
      calls = coveredCalls(emulators);
      for (const n of [1, 2])
        await client.send(
          new SendMessageCommand({ QueueUrl: queue, MessageBody: routeEvent('d0', n) }),
        );
    });

    afterAll(async () => {
      for (const s of subs) await s.close();
      for (const r of replicas) await kill(r.child);
      client?.destroy();
      await emulators?.close();
    });

    const place = (replica: LiveProcess) => batchPlace(replica, operator);

    it('keeps AWS Batch live by events: its watched job is read once, beside a job polled every interval', async () => {
      const [first] = await startReplicas(1, env);
      replicas.push(first!);
      await vi.waitFor(async () => expect((await place(first!))?.live).toBe(true), {
        timeout: LONG,
        interval: 100,
      });
      // Written by the first replica's timer: read from the store itself, then the replica killed.
      await untilEvidence(store, { provider: 'AWS_BATCH', account: 'default', live: true });
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
      expect(await batchApplied(second!)).toBe(0);
      expect(await place(second!)).toMatchObject({ live: true, reason: null });

      const sub = subscribe(second!.url, 'sse', COVERED.watch, {
        token: await watcherToken('watcher'),
        variables: { ids: [BATCH_ID, OMICS_ID] },
      });
      subs.push(sub);
      // The HealthOmics job was polled every interval; the Batch job was read once, at its start.
      expect((await countedOver(calls, 'omics', INTERVALS)).batch).toBe(1);
    });

    it('goes back to polling when a read finds a change no event announced', async () => {
      const second = replicas[1]!;
      // Batch moves the job and publishes its event elsewhere (the emulator's own queue): this
      // replica's queue never carries it.
      expect(emulators.batch.jobs!.changeState(BATCH_JOB, 'RUNNING')).not.toBeNull();
      expect(await coveredStatus(second)).toBe('RUNNING');
      await vi.waitFor(
        async () => expect(await place(second)).toMatchObject({ live: false, reason: 'MISSED' }),
        { timeout: LONG, interval: 100 },
      );
      await countedOver(calls, 'batch', INTERVALS);
      // Polled again: the store says so too, for the next restart.
      await untilEvidence(store, { provider: 'AWS_BATCH', live: false, reason: 'MISSED' });
    });
  });
}
