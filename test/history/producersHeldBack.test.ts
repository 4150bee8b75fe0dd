// Nothing lost under overload, within a memory bound (issue 88, item 2): while the history writer
// is over its bound (MAX_QUEUE, narrowed here to one job), the producers of changes slow down instead of
// memory growing. The job event queue receives nothing (its messages stay in SQS) and resumes once
// the store catches up; a watch's background poll waits while a caller's query is answered. Every
// job's latest state and every finish is written afterwards. Through the real server on a real
// PostgreSQL whose `jobs` table another client holds locked against writes, the real SQS emulator
// (counted ReceiveMessage calls), events sent with the AWS SDK.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { callsOf, gql } from '../support/gateway.ts';
import { historyStores, historyUrlOf, lockJobs } from '../support/historyStores.ts';
import { metricValue } from '../support/metrics.ts';
import { subscribe } from '../support/subscriptions.ts';
import { messagesIn, useSqsEmulator } from '../support/sqsQueues.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const postgres = historyStores()[1]!;
const sqs = useSqsEmulator();
let url = '';
let queueUrl = '';
beforeAll(async () => {
  if (postgres.skip) return;
  url = historyUrlOf(await postgres.fresh());
  queueUrl = await sqs.queue('jobgraph-events');
});

/** Four Batch jobs of the demo that have not started: each runs, then succeeds, by its events. */
const JOBS = [
  BATCH_JOB_IDS.submitted,
  BATCH_JOB_IDS.pending,
  BATCH_JOB_IDS.runnable,
  BATCH_JOB_IDS.starting,
];
const globalId = (job: string) => `batch:us-east-1:${job}`;
/** An Import/Export job in progress: it publishes no events, so a watch polls it. */
const WATCHED = 'importexport:INPG1';
const QUEUE = 'default:us-east-1:jobgraph-events';

describe.skipIf(postgres.skip)('Producers while the history writer is over its bound', () => {
  // A bound of one job (a lane of PostgreSQL's two each holds one), polls every 100 ms.
  const gw = useTestGateway(
    () => ({
      JOBGRAPH_HISTORY_URL: url,
      JOBGRAPH_EVENT_QUEUES: queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      JOBGRAPH_WATCH_POLL_MS: '100',
      JOBGRAPH_WATCH_MAX_POLL_MS: '100',
    }),
    { bounds: { historyMaxQueue: 1 } },
  );
  const receives = () => sqs.calls.filter((c) => c.operation === 'ReceiveMessage').length;
  const deferred = () => metricValue(gw, 'jobgraph_history_deferred_reads_total');
  const pauses = () => metricValue(gw, `jobgraph_event_queue_pauses_total{queue="${QUEUE}"}`);
  const applied = () =>
    metricValue(gw, 'jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}');

  /** Each job moved to `status` at Batch, and its event sent (one SendMessageBatch). */
  async function moved(status: string): Promise<void> {
    const bodies = JOBS.map((job) => {
      const detail = gw.emulators.batch.jobs?.changeState(job, status);
      const event = JSON.parse(batchEvent(detail as unknown as Record<string, unknown>)) as {
        id: string;
      };
      event.id = `evt-${job}-${status}`;
      return JSON.stringify(event);
    });
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
      }),
    );
  }

  const messagesLeft = () => messagesIn(sqs.client, queueUrl);

  it("stops receiving events and defers the watch's polls until the store catches up, answers a caller meanwhile, and loses no job's latest state or finish", async () => {
    await vi.waitFor(
      async () =>
        expect(await metricValue(gw, `jobgraph_event_queue_up{queue="${QUEUE}"}`)).toBe(1),
      EVENTUALLY,
    );
    // A read shows each job first (an event of a job no read has shown is not written).
    const first = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
      variables: { ids: JOBS.map(globalId) },
      token: gw.tokens.read,
    });
    expect(first.body.errors).toBeUndefined();
    await gw.history!.writer.flush();
    const watch = subscribe(
      gw.server.url,
      'sse',
      `subscription { jobUpdates(ids: ["${WATCHED}"]) { id } }`,
      { token: gw.tokens.read },
    );
    const locker = (await openHistoryDatabase({ kind: 'postgres', url }))!;
    /** ReceiveMessage calls when the finishes were sent (the queue paused). */
    const paused = { receives: 0 };
    try {
      await watch.next();
      const lock = await lockJobs(locker);
      try {
        // The jobs start: their events are received and applied, and what they changed waits.
        await moved('RUNNING');
        await vi.waitFor(async () => expect(await pauses()).toBe(1), EVENTUALLY);
        paused.receives = receives();
        // Each message received was applied (and deleted); any other is still in the queue.
        const appliedAtPause = await applied();
        const leftAtPause = await messagesLeft();
        expect(appliedAtPause + leftAtPause).toBe(JOBS.length);
        // They finish while the writer is over its bound: their events stay in the queue.
        await moved('SUCCEEDED');
        // The watch's poll came due and waited, twice over: no call of its own meanwhile.
        await vi.waitFor(async () => expect(await deferred()).toBeGreaterThan(0), EVENTUALLY);
        const polled = callsOf(gw).importexport;
        const deferredThen = await deferred();
        await vi.waitFor(
          async () => expect(await deferred()).toBeGreaterThanOrEqual(deferredThen + 2),
          EVENTUALLY,
        );
        expect(callsOf(gw).importexport).toBe(polled);
        // A caller's query is answered, with its own call.
        const asked = await gql(gw, `{ job(id: "${WATCHED}") { id state } }`, {
          token: gw.tokens.read,
        });
        expect(asked.body.data?.job).toMatchObject({ id: WATCHED, state: 'IN_PROGRESS' });
        expect(callsOf(gw).importexport).toBe(polled + 1);
        // Said in /readyz: the queue paused, the writer over its bound.
        const ready = await readyz(gw.server.url, await operatorToken(gw));
        expect(ready.body.eventQueues).toEqual([
          { queue: QUEUE, state: 'UP', code: null, paused: true, pauses: 1 },
        ]);
        expect(ready.body.history).toMatchObject({ overBound: true });
        // No ReceiveMessage since the pause; the finishes wait in SQS.
        expect(receives()).toBe(paused.receives);
        expect(await messagesLeft()).toBe(leftAtPause + JOBS.length);
        expect(await applied()).toBe(appliedAtPause);
      } finally {
        await lock.release();
      }
      // The store catches up: the queue is read again (each message applied, then deleted), the
      // watch polls again.
      await vi.waitFor(async () => expect(await messagesLeft()).toBe(0), EVENTUALLY);
      expect(receives()).toBeGreaterThan(paused.receives);
      const polledAfter = callsOf(gw).importexport;
      await vi.waitFor(
        () => expect(callsOf(gw).importexport).toBeGreaterThan(polledAfter),
        EVENTUALLY,
      );
      await gw.history!.writer.flush();
      // Every job in its latest state, each finish written once.
      const ids = JOBS.map(globalId);
      const rows = await locker.db
        .selectFrom('jobs')
        .select(['id', 'state'])
        .where('id', 'in', ids)
        .execute();
      expect(rows.map((r) => r.state)).toEqual(JOBS.map(() => 'SUCCEEDED'));
      const finishes = await locker.db
        .selectFrom('transitions')
        .select('job_id')
        .where('to_state', '=', 'SUCCEEDED')
        .where('job_id', 'in', ids)
        .execute();
      expect(finishes).toHaveLength(JOBS.length);
      expect(await metricValue(gw, 'jobgraph_history_writes_total{outcome="dropped"}')).toBe(0);
      expect(await metricValue(gw, 'jobgraph_history_writes_total{outcome="failed"}')).toBe(0);
    } finally {
      await watch.close();
      await locker.close();
    }
  });
});
