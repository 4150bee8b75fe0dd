// Confirmed means read from the provider (issue 100, item 6): for a job the history retains (its
// provider forgot it), a forged FAILED event is written to the history as an EVENT transition,
// and the confirming read must not take the history's own copy — which the forged event just made
// FAILED — for the provider's word. Through the real gateway on each history store, events sent
// with the AWS SDK to the SQS emulator, a receiver on 127.0.0.1; the confirming read made at once
// and, for a row left awaiting, the outbox's later confirmation.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { openHistoryDatabase } from '../../src/history/database.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { forgedFailureEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { callsOf, gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { metricValue } from '../support/metrics.ts';
import { useSqsEmulator } from '../support/sqsQueues.ts';
import { failedBatchRule } from './notifyingGateway.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

const sqs = useSqsEmulator();
const READ = `query($id: ID!) { job(id: $id) { state retained } }`;

describe.each(historyStores())('A forged FAILED event for a retained job, on a $name', (kind) => {
  let gw: TestGateway;
  let receiver: Receiver;
  let store: HistoryStoreConfig;
  let queueUrl = '';
  beforeAll(async () => {
    if (kind.skip) return;
    store = await kind.fresh();
    queueUrl = await sqs.queue(`jobgraph-events-${kind.name.split(' ')[0]}`, {
      VisibilityTimeout: '1',
    });
    receiver = await startReceiver();
    gw = await startTestGateway({
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_EVENT_QUEUES: queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      JOBGRAPH_WATCH_POLL_MS: '60000',
      JOBGRAPH_WATCH_MAX_POLL_MS: '120000',
      JOBGRAPH_NOTIFY_ALLOW_HOSTS: new URL(receiver.url).host,
      JOBGRAPH_CACHE_MAX_ENTRIES: '0',
    });
    await failedBatchRule(gw, receiver);
  });
  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
  });

  it.skipIf(kind.skip)(
    'notifies never: neither the read it makes nor the outbox confirms it',
    async () => {
      const job = BATCH_JOB_IDS.pending;
      const id = `batch:us-east-1:${job}`;
      const running = gw.emulators.batch.jobs?.changeState(job, 'RUNNING') as unknown as Record<
        string,
        unknown
      >;
      const read = async () =>
        (await gql(gw, READ, { variables: { id }, token: gw.tokens.read })).body.data?.job as {
          state: string;
          retained: boolean | null;
        };
      expect((await read()).state).toBe('IN_PROGRESS');
      await gw.history!.settled();
      // The provider forgets the job: the history answers for it now, retained.
      gw.emulators.batch.jobs?.forget(job);
      expect(await read()).toMatchObject({ retained: true });
      const applied = () =>
        metricValue(gw, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}');
      const before = await applied();
      const calls = callsOf(gw).batch;
      await sqs.client.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: forgedFailureEvent(running) }),
      );
      await vi.waitFor(async () => expect(await applied()).toBe(before + 1), EVENTUALLY);
      // Its confirming read is made, and the provider knows no such job.
      await vi.waitFor(() => expect(callsOf(gw).batch).toBeGreaterThan(calls), EVENTUALLY);
      await gw.history!.settled();
      await gw.notifications!.outbox.runDue();
      // A row left awaiting (the event's, in the history's batch) goes to the outbox's confirmation:
      // made due now, its confirmation must drop it too.
      const db = (await openHistoryDatabase(store))!;
      try {
        await db.db
          .updateTable('notification_deliveries')
          .set({ next_attempt_at: new Date(0).toISOString() })
          .where('job_id', '=', id)
          .execute();
        await gw.notifications!.outbox.runDue();
        const rows = await db.db
          .selectFrom('notification_deliveries')
          .select(['status'])
          .where('job_id', '=', id)
          .execute();
        expect(rows.filter((r) => r.status !== 'AWAITING')).toEqual([]);
      } finally {
        await db.close();
      }
      expect(receiver.received.filter((r) => r.body.includes(job))).toEqual([]);
    },
  );
});
