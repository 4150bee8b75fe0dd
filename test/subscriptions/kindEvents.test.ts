import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { OMICS_DEMO_BATCH_RUNS } from '@jobgraph/emulators/omics/runBatchData';
import { useSqsEmulator } from '../support/sqsQueues.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_IDS, SERVICE_JOB_STEP_MS } from '@jobgraph/emulators/batch/serviceJobData';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { metricValue } from '../support/metrics.ts';
import { subscribe, type Event } from '../support/subscriptions.ts';
import { useSetClockGateway, useTestGateway } from '../support/useTestGateway.ts';

/**
 * Job events of the further kinds of job (issue 102) through a real gateway on the demo's own
 * event queues (the emulators' EventBridge → SQS), on jobgraph's default watch settings: an AWS
 * Batch service job's `Batch Service Job State Change`. Coverage is each kind's: a provider's
 * events of one kind say nothing of whether its other kinds' events are routed.
 */

/** Wait for `check` to hold, looking again on each turn of the real clock (the gateway works on it). */
async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  await vi.waitFor(async () => {
    if (!(await check())) throw new Error(`never: ${what}`);
  }, EVENTUALLY);
}

const SERVICE_JOB = `batchservice:us-east-1:${SERVICE_JOB_IDS.progressing}`;
const BATCH_JOB = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
const WATCH = `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state providerStatus liveBy } }`;

type Update = { state: string; providerStatus: string; liveBy: string };
const update = (e: Event | null) => e?.data?.jobUpdates as Update | undefined;

describe('Batch service jobs by their events (the demo queues, default watch settings)', () => {
  // Near the real time, so the emulators still accept the gateway's signatures (SigV4: 15 minutes).
  const { gw, at } = useSetClockGateway({ JOBGRAPH_EVENT_QUEUES: 'demo' });
  const sample = (line: string) => metricValue(gw, line);
  /** DescribeServiceJob calls the Batch emulator answered (the watched service job's: no other is read). */
  const describes = () =>
    gw.emulators.batch.calls.filter((c) => c.operation === 'POST /v1/describeservicejob').length;
  const liveBy = async (id: string) =>
    (
      await gql(gw, `query($id: ID!) { job(id: $id) { liveBy } }`, {
        variables: { id },
        token: gw.tokens.read,
      })
    ).body.data?.job?.liveBy as string;

  it("does not count a Batch job's event for service jobs: a rule that routes only Batch Job State Change leaves them polled", async () => {
    await until(
      'the demo queue is read',
      async () =>
        (await sample('jobgraph_event_queue_up{queue="default:us-east-1:jobgraph-events"}')) === 1,
    );
    gw.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.runnable, 'RUNNING');
    await until(
      "the Batch job's event is applied",
      async () =>
        (await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="applied"}')) >= 1,
    );
    expect(await liveBy(BATCH_JOB)).toBe('EVENTS');
    expect(await liveBy(SERVICE_JOB)).toBe('POLLING');
  });

  it('moves a watcher of the service job through SCHEDULED by its events, each state read once, by its event', async () => {
    const sub = subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.read,
      variables: { ids: [SERVICE_JOB] },
    });
    try {
      expect(update(await sub.next())).toMatchObject({
        providerStatus: 'SUBMITTED',
        liveBy: 'POLLING',
      });
      // Its first event (the clock at SCHEDULED): a hint, read once; the kind is live by events from then on.
      at(SERVICE_JOB_STEP_MS + 1);
      gw.emulators.publishDue();
      expect(update(await sub.next())).toMatchObject({
        state: 'QUEUED',
        providerStatus: 'SCHEDULED',
        liveBy: 'EVENTS',
      });
      // Live by events: its next poll is a reconciliation minutes away, so each read that follows
      // is one an event caused, and every state arrives.
      const read = describes();
      at(2 * SERVICE_JOB_STEP_MS + 1);
      gw.emulators.publishDue();
      expect(update(await sub.next())).toMatchObject({
        state: 'IN_PROGRESS',
        providerStatus: 'RUNNING',
        liveBy: 'EVENTS',
      });
      expect(describes()).toBe(read + 1);
      at(3 * SERVICE_JOB_STEP_MS + 1);
      gw.emulators.publishDue();
      expect(update(await sub.next())).toMatchObject({ providerStatus: 'SUCCEEDED' });
      // The read the event caused confirms the finish: the watch ends, with no other call.
      expect(await sub.next()).toBeNull();
      expect(describes()).toBe(read + 2);
      expect(
        await sample('jobgraph_events_total{provider="AWS_BATCH",outcome="hint"}'),
      ).toBeGreaterThanOrEqual(3);
    } finally {
      await sub.close();
    }
  });
});

/** The demo's running runs: one started alone (one task running), one of the cohort batch. */
const RUNNING = OMICS_DEMO_RUNS.find((r) => r.status === 'RUNNING')!;
const BATCH_RUNNING = OMICS_DEMO_BATCH_RUNS.find((r) => r.status === 'RUNNING')!;
const runId = (r: { uuid: string; id: string }) => `omicsrun:us-east-1:${r.uuid}:${r.id}`;

/** A HealthOmics event as EventBridge delivers it, of the demo account in us-east-1, now. */
const omicsEvent = (detailType: string, detail: Record<string, unknown>) =>
  JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.omics',
    account: '123456789012',
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: { omicsVersion: '1.0.0', ...detail },
  });

describe('HealthOmics workflow runs by their events (a queue of the test’s, default watch settings)', () => {
  // The test puts on the queue exactly the events it means: the emulators' own go to their queues.
  const sqs = useSqsEmulator();
  let queueUrl = '';
  beforeAll(async () => {
    queueUrl = await sqs.queue('run-events');
  });
  const gw = useTestGateway(() => ({
    JOBGRAPH_EVENT_QUEUES: queueUrl,
    AWS_ENDPOINT_URL_SQS: sqs.url,
  }));
  const send = (body: string) =>
    sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  /** GetRun calls of `run` the HealthOmics emulator answered. */
  const getRuns = (run: { id: string }) =>
    gw.emulators.omics.calls.filter((c) => c.operation === `GET /run/${run.id}`).length;
  const watch = (run: { uuid: string; id: string }) =>
    subscribe(gw.server.url, 'sse', WATCH, {
      token: gw.tokens.read,
      variables: { ids: [runId(run)] },
    });

  it("makes runs live by their kind's events: a Run Status Change of a run nobody watches", async () => {
    const done = OMICS_DEMO_RUNS.find((r) => r.status === 'COMPLETED')!;
    await send(omicsEvent('Run Status Change', { arn: done.arn, status: 'COMPLETED' }));
    await until('runs are live by events', async () => {
      const res = await gql(gw, `query($id: ID!) { job(id: $id) { liveBy } }`, {
        variables: { id: runId(RUNNING) },
        token: gw.tokens.read,
      });
      return res.body.data?.job?.liveBy === 'EVENTS';
    });
  });

  /**
   * A watcher of `run` (RUNNING, live by events) told `expected` after `change` (a state moved in
   * the emulator and its event sent): read once by it, then its watch ends.
   */
  async function watchedChange(
    run: typeof RUNNING,
    change: () => Promise<unknown>,
    expected: Record<string, string>,
  ) {
    const sub = watch(run);
    try {
      expect(update(await sub.next())).toMatchObject({
        providerStatus: 'RUNNING',
        liveBy: 'EVENTS',
      });
      const read = getRuns(run);
      await change();
      expect(update(await sub.next())).toMatchObject(expected);
      // That read is a provider's: the finish is confirmed, the watch ends.
      expect(await sub.next()).toBeNull();
      expect(getRuns(run)).toBe(read + 1);
    } finally {
      await sub.close();
    }
  }

  it('moves a watcher of the running run to COMPLETED by a Task Status Change alone, read once by it', async () => {
    const task = RUNNING.tasks[0]!;
    await watchedChange(
      RUNNING,
      () => {
        gw.emulators.omics.jobs?.changeState(RUNNING.id, 'COMPLETED');
        return send(
          omicsEvent('Task Status Change', {
            arn: `arn:aws:omics:us-east-1:123456789012:task/${task.taskId}`,
            status: 'COMPLETED',
          }),
        );
      },
      { state: 'SUCCEEDED', providerStatus: 'COMPLETED' },
    );
  });

  it("moves a watcher of the batch's running run to FAILED by its Run Status Change, read once by it", async () => {
    await watchedChange(
      BATCH_RUNNING,
      () => {
        gw.emulators.omics.jobs?.changeState(BATCH_RUNNING.id, 'FAILED');
        return send(omicsEvent('Run Status Change', { arn: BATCH_RUNNING.arn, status: 'FAILED' }));
      },
      { state: 'FAILED', providerStatus: 'FAILED' },
    );
  });
});
