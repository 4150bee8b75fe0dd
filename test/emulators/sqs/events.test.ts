import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CodePipelineClient, GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { CODEPIPELINE_PROGRESSING_JOB_ID } from '@jobgraph/emulators/codepipeline/progressing';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  demoEventQueueUrls,
  startEmulators,
  type DeliveryOutcome,
  type EmulatorSet,
  type EventBridgeEvent,
} from '@jobgraph/emulators';
import { PROGRESS_CYCLE_MS, cyclePoint } from '@jobgraph/emulators/progress';
import { signedAws } from '../listClient.ts';
import { useStarted } from '../../support/useStarted.ts';
import { stagingSession, useSdkClients } from '../../support/sdkClients.ts';
import { drainQueue } from '../../support/sqsQueues.ts';

/**
 * The Batch, HealthOmics and CodePipeline emulators publish their jobs' state changes as
 * EventBridge events into the SQS emulator's queue of the job's account and region, read here
 * with the real SQS client. The set runs on a clock the tests move (so publishing is manual:
 * `publishDue()` after each move); nothing waits for time to pass.
 */

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let clock = EPOCH;
const set: EmulatorSet = useStarted(
  'the emulator set',
  () => startEmulators({ now: () => clock, epochMs: EPOCH }),
  (s) => s.close(),
);
afterEach(() => set.queues.bus.resetSwitches());

const keep = useSdkClients();
const signing = { region: 'us-east-1', maxAttempts: 1, systemClockOffset: 0 } as const;
const sqs = (credentials = { ...DEMO_AWS_CREDENTIALS }) =>
  keep(new SQSClient({ ...signing, endpoint: set.sqs.url, credentials }));
/** A client's options for one of the set's emulators, signing at the set's clock. */
const at = (emulator: { url: string }) => ({
  ...signing,
  endpoint: emulator.url,
  credentials: { ...DEMO_AWS_CREDENTIALS },
  systemClockOffset: clock - Date.now(),
});

/** Every message on a queue now (deleted as read), bodies parsed, in the order received. */
const drain = (url: string, client = sqs()): Promise<EventBridgeEvent[]> =>
  drainQueue<EventBridgeEvent>(client, url);

/** The outcomes the bus decides for the next `n` events published. */
function nextDeliveries(n: number): Promise<DeliveryOutcome[]> {
  const seen: DeliveryOutcome[] = [];
  return new Promise((resolve) => {
    const on = (_e: EventBridgeEvent, outcome: DeliveryOutcome) => {
      seen.push(outcome);
      if (seen.length < n) return;
      set.queues.bus.events.off('delivery', on);
      resolve(seen);
    };
    set.queues.bus.events.on('delivery', on);
  });
}

/** Raw DescribeJobs of the default account: the job records exactly as the emulator answers them. */
async function describeJobs(ids: string[]): Promise<Record<string, unknown>[]> {
  const answer = await signedAws(set.batch, {
    service: 'batch',
    method: 'POST',
    path: '/v1/describejobs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobs: ids }),
  });
  return (JSON.parse(answer.body) as { jobs: Record<string, unknown>[] }).jobs;
}

const queues = () => demoEventQueueUrls(set.sqs.url);

/** A set's progressing Batch job now, as Batch names it (each cycle is a new job). */
const progressingBatchJob = (emulators: EmulatorSet = set) =>
  emulators.progressingJobIds().batch.split(':').pop() as string;

describe('Emulators that publish job events into SQS', () => {
  it('publishes a Batch state change, its detail the DescribeJobs record at that moment, on the account’s queue', async () => {
    // (Batch also publishes `Batch Service Job State Change` as its demo service job moves.)
    await drain(queues().default);
    clock = EPOCH + 5_000; // SUBMITTED → PENDING
    set.publishDue();
    const events = (await drain(queues().default)).filter(
      (e) => e['detail-type'] === 'Batch Job State Change',
    );
    expect(events).toHaveLength(1);
    const [event] = events;
    const [record] = await describeJobs([progressingBatchJob()]);
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      account: DEMO_AWS_ACCOUNT_ID,
      time: new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: [record?.jobArn],
      detail: record,
    });
    expect(event?.detail.status).toBe('PENDING');
    // The same state again publishes nothing; the next cycle's submit publishes nothing either.
    set.publishDue();
    clock = EPOCH + 61_000;
    set.publishDue();
    expect(
      (await drain(queues().default)).filter((e) => e['detail-type'] === 'Batch Job State Change'),
    ).toEqual([]);
    clock = EPOCH + 65_000; // the new cycle's PENDING
    set.publishDue();
    const next = (await drain(queues().default)).filter(
      (e) => e['detail-type'] === 'Batch Job State Change',
    );
    expect(next.map((e) => e.detail.status)).toEqual(['PENDING']);
    expect(next[0]?.detail.createdAt).toBe(EPOCH + 60_000);
  });

  it('publishes HealthOmics’ Reference Import Job Status Change with its documented detail', async () => {
    clock = EPOCH + 120_000;
    set.publishDue();
    await drain(queues().default);
    clock = EPOCH + 127_000; // SUBMITTED → IN_PROGRESS
    set.publishDue();
    const events = (await drain(queues().default)).filter((e) => e.source === 'aws.omics');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'Reference Import Job Status Change',
      account: DEMO_AWS_ACCOUNT_ID,
      region: 'us-east-1',
    });
    expect(events[0]?.detail).toEqual({
      omicsVersion: '1.0.0',
      id: set.progressingJobIds().omics.split(':').pop(),
      referenceStoreId: '5038720581',
      status: 'IN_PROGRESS',
      statusMessage: '',
    });
  });

  it('publishes CodePipeline’s Action Execution State Change whose action-execution-id is the job’s', async () => {
    clock = EPOCH + 150_000;
    set.publishDue();
    await drain(queues().default);
    clock = EPOCH + 180_000; // a new cycle: the action starts again
    set.publishDue();
    const events = (await drain(queues().default)).filter((e) => e.source === 'aws.codepipeline');
    expect(events).toHaveLength(1);
    const codepipeline = keep(new CodePipelineClient(at(set.codepipeline)));
    const job = await codepipeline.send(
      new GetJobDetailsCommand({ jobId: CODEPIPELINE_PROGRESSING_JOB_ID }),
    );
    const context = job.jobDetails?.data?.pipelineContext;
    expect(events[0]).toMatchObject({
      'detail-type': 'CodePipeline Action Execution State Change',
      resources: [context?.pipelineArn],
      detail: {
        pipeline: context?.pipelineName,
        'execution-id': context?.pipelineExecutionId,
        'action-execution-id': context?.action?.actionExecutionId,
        stage: context?.stage?.name,
        action: context?.action?.name,
        state: 'STARTED',
        region: 'us-east-1',
        type: { owner: 'Custom', category: 'Build' },
      },
    });
    expect(context?.action?.actionExecutionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('moves a Batch job on demand: DescribeJobs answers the new record and its event carries it', async () => {
    await drain(queues().default);
    const changed = set.batch.jobs?.changeState(BATCH_JOB_IDS.running, 'SUCCEEDED');
    expect(changed).toMatchObject({ status: 'SUCCEEDED', stoppedAt: clock });
    const [record] = await describeJobs([BATCH_JOB_IDS.running]);
    expect(record).toEqual(changed);
    expect((record?.attempts as unknown[]).length).toBeGreaterThan(0);
    const events = (await drain(queues().default)).filter((e) => e.source === 'aws.batch');
    expect(events.map((e) => e.detail)).toEqual([record]);
    // Over HTTP too, for a process that does not hold the set.
    const answer = await fetch(`${set.batch.url}/__emulator/jobs/state`, {
      method: 'POST',
      body: JSON.stringify({ jobId: BATCH_JOB_IDS.runnable, status: 'STARTING' }),
    });
    expect(answer.status).toBe(200);
    expect((await describeJobs([BATCH_JOB_IDS.runnable]))[0]?.status).toBe('STARTING');
    expect((await drain(queues().default)).map((e) => e.detail.jobId)).toEqual([
      BATCH_JOB_IDS.runnable,
    ]);
    expect(() => set.batch.jobs?.changeState(BATCH_JOB_IDS.pending, 'DONE')).toThrow(RangeError);
    expect(
      set.batch.jobs?.changeState('f4e5b009-0000-4000-8000-000000000001', 'RUNNING'),
    ).toBeNull();
  });

  it('publishes a moved progressing job once: the clock no longer moves it, and its watch does not repeat the event', async () => {
    // A second into a run (SUBMITTED), the changes before it published and drained.
    clock = cyclePoint(clock, EPOCH).cycleStartMs + PROGRESS_CYCLE_MS + 1_000;
    set.publishDue();
    await drain(queues().default);
    const job = progressingBatchJob();
    const moved = set.batch.jobs?.changeState(job, 'FAILED', {
      statusReason: 'moved by a test',
    });
    set.publishDue();
    clock += 20_000; // still its run, which the clock would have moved to STARTING
    set.publishDue();
    const events = (await drain(queues().default)).filter((e) => e.source === 'aws.batch');
    expect(events.map((e) => e.detail)).toEqual([moved]);
    expect((await describeJobs([job]))[0]).toEqual(moved);
  });

  it('names each cycle’s Batch job in its events: the next run is a new job, the last one stays SUCCEEDED', async () => {
    // A run no test has moved (the next one), once it has SUCCEEDED.
    const cycleStartMs = cyclePoint(clock, EPOCH).cycleStartMs + PROGRESS_CYCLE_MS;
    clock = cycleStartMs + PROGRESS_CYCLE_MS - 1_000;
    set.publishDue();
    const before = progressingBatchJob();
    await drain(queues().default);
    clock = cycleStartMs + PROGRESS_CYCLE_MS + 5_000; // the next run: SUBMITTED → PENDING
    set.publishDue();
    const after = progressingBatchJob();
    expect(after).not.toBe(before);
    const events = (await drain(queues().default)).filter((e) => e.source === 'aws.batch');
    expect(events.map((e) => [e.detail.jobId, e.detail.status])).toEqual([[after, 'PENDING']]);
    expect(events[0]?.resources).toEqual([
      `arn:aws:batch:us-east-1:${DEMO_AWS_ACCOUNT_ID}:job/${after}`,
    ]);
    expect((await describeJobs([before, after])).map((j) => [j.jobId, j.status])).toEqual([
      [before, 'SUCCEEDED'],
      [after, 'PENDING'],
    ]);
  });

  it('puts the second account’s job events on that account’s own queue, read with its session', async () => {
    const sts = keep(
      new STSClient({
        ...signing,
        endpoint: set.sts.url,
        credentials: { ...DEMO_AWS_CREDENTIALS },
      }),
    );
    const staging = sqs((await stagingSession(sts, 'events')) as typeof DEMO_AWS_CREDENTIALS);
    await drain(queues().default);
    set.batch.jobs?.changeState(BATCH_SECOND_ACCOUNT_JOB_IDS.running, 'FAILED', {
      account: 'staging',
      statusReason: 'Host EC2 instance terminated',
    });
    const events = await drain(queues().staging, staging);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      account: DEMO_SECOND_AWS_ACCOUNT.accountId,
      detail: {
        jobId: BATCH_SECOND_ACCOUNT_JOB_IDS.running,
        status: 'FAILED',
        statusReason: 'Host EC2 instance terminated',
      },
    });
    expect(await drain(queues().default)).toEqual([]);
  });

  it('forgets a Batch job: DescribeJobs and ListJobs answer nothing for it', async () => {
    const batch = keep(new BatchClient(at(set.batch)));
    const id = BATCH_JOB_IDS.succeeded;
    expect((await batch.send(new DescribeJobsCommand({ jobs: [id] }))).jobs).toHaveLength(1);
    expect(set.batch.jobs?.forget(id)).toBe(true);
    expect((await batch.send(new DescribeJobsCommand({ jobs: [id] }))).jobs).toEqual([]);
    const listed = await signedAws(set.batch, {
      service: 'batch',
      method: 'POST',
      path: '/v1/listjobs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jobQueue: 'genomics-high-priority',
        filters: [{ name: 'JOB_NAME', values: ['*'] }],
      }),
    });
    expect(listed.status).toBe(200);
    expect(listed.body).not.toContain(id);
    const forget = await fetch(`${set.batch.url}/__emulator/jobs/forget`, {
      method: 'POST',
      body: JSON.stringify({
        jobIds: [BATCH_JOB_IDS.failed, 'f4e5b009-0000-4000-8000-000000000002'],
      }),
    });
    expect(await forget.json()).toEqual({ forgotten: [BATCH_JOB_IDS.failed] });
    expect(await describeJobs([BATCH_JOB_IDS.failed])).toEqual([]);
    // Another account's job of the same ID is another job: still there.
    expect(
      set.batch.jobs?.forget(BATCH_SECOND_ACCOUNT_JOB_IDS.shared, { account: 'staging' }),
    ).toBe(true);
  });

  it('puts every event twice with duplicateRate 1 (the same event id)', async () => {
    await drain(queues().default);
    set.queues.bus.setSwitches({ duplicateRate: 1 });
    set.batch.jobs?.changeState(BATCH_JOB_IDS.pending, 'RUNNABLE');
    const events = await drain(queues().default);
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual(events[1]);
  });

  it('drops every event with lossRate 1', async () => {
    await drain(queues().default);
    set.queues.bus.setSwitches({ lossRate: 1 });
    const outcome = nextDeliveries(1);
    set.batch.jobs?.changeState(BATCH_JOB_IDS.pending, 'STARTING');
    expect(await outcome).toEqual(['lost']);
    expect(await drain(queues().default)).toEqual([]);
  });

  it('swaps events with reorderRate 1: the first is held until the next has gone', async () => {
    await drain(queues().default);
    set.queues.bus.setSwitches({ reorderRate: 1 });
    const outcomes = nextDeliveries(3);
    set.batch.jobs?.changeState(BATCH_JOB_IDS.submitted, 'PENDING');
    set.batch.jobs?.changeState(BATCH_JOB_IDS.submitted, 'RUNNABLE');
    expect(await outcomes).toEqual(['held', 'delivered', 'delivered']);
    const events = await drain(queues().default);
    expect(events.map((e) => e.detail.status)).toEqual(['RUNNABLE', 'PENDING']);
  });

  it('delays events with delayMs: nothing is on the queue until the bus delivers it, delayMs after the change', async () => {
    await drain(queues().default);
    const delayMs = 200;
    set.queues.bus.setSwitches({ delayMs });
    let deliveredAt: number | undefined;
    const outcome = nextDeliveries(1).then((o) => ((deliveredAt = performance.now()), o));
    const changedAt = performance.now();
    set.batch.jobs?.changeState(BATCH_JOB_IDS.starting, 'RUNNING');
    // A receive right after the change: one that ended before the bus delivered found nothing,
    // however long a loaded machine made it take (a receive the delivery overtook may find it).
    const early = await drain(queues().default);
    if (deliveredAt === undefined) expect(early).toEqual([]);
    expect(await outcome).toEqual(['delivered']);
    // The bus put it on the queue no sooner than its delay (less a turn's worth: a timer counts
    // from the event loop's clock of the turn that set it).
    expect(deliveredAt! - changedAt).toBeGreaterThanOrEqual(delayMs - 50);
    const late = await drain(queues().default);
    expect([...early, ...late].map((e) => e.detail.status)).toEqual(['RUNNING']);
  });

  it('takes the switches over HTTP on the SQS emulator’s port and refuses values out of range', async () => {
    const url = `${set.sqs.url}/__emulator/events`;
    const set1 = await fetch(url, { method: 'POST', body: JSON.stringify({ lossRate: 0.25 }) });
    expect(await set1.json()).toEqual({
      delayMs: 0,
      duplicateRate: 0,
      reorderRate: 0,
      lossRate: 0.25,
    });
    const bad = await fetch(url, { method: 'POST', body: JSON.stringify({ duplicateRate: 2 }) });
    expect(bad.status).toBe(400);
    expect(set.queues.bus.switches.duplicateRate).toBe(0);
    await fetch(url, { method: 'DELETE' });
    expect(set.queues.bus.switches.lossRate).toBe(0);
  });
});

/** The first event of `source` the set's bus decides on, watched from before any could be published. */
function firstEvent(emulators: EmulatorSet, source: string): Promise<EventBridgeEvent> {
  return new Promise((resolve) => {
    const on = (e: EventBridgeEvent) => {
      if (e.source !== source) return;
      emulators.queues.bus.events.off('delivery', on);
      resolve(e);
    };
    emulators.queues.bus.events.on('delivery', on);
  });
}

describe('A set on the real clock', () => {
  let firstBatchEvent: Promise<EventBridgeEvent> | undefined;
  const live: EmulatorSet = useStarted(
    'an emulator set on the real clock',
    async () => {
      const started = await startEmulators();
      // Watched before any timer can fire: the set publishes on timers, after this resumes.
      firstBatchEvent = firstEvent(started, 'aws.batch');
      return started;
    },
    (s) => s.close(),
  );

  it('publishes the progressing Batch job’s first change by itself, at its phase boundary', async () => {
    const event = await (firstBatchEvent as Promise<EventBridgeEvent>);
    // Started at SUBMITTED (no event for the submit): the first event is PENDING.
    expect(event.detail).toMatchObject({ jobId: progressingBatchJob(live), status: 'PENDING' });
    const got = await keep(
      new SQSClient({
        ...signing,
        endpoint: live.sqs.url,
        credentials: { ...DEMO_AWS_CREDENTIALS },
      }),
    ).send(
      new ReceiveMessageCommand({
        QueueUrl: demoEventQueueUrls(live.sqs.url).default,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(
      got.Messages?.map((m) => (JSON.parse(m.Body as string) as EventBridgeEvent).id),
    ).toContain(event.id);
  });
});
