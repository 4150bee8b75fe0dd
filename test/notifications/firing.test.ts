// What fires a notification (docs/notifications.md, "What fires"), through the real gateway, its
// SQLite history, events sent with the AWS SDK to the SQS emulator, and a receiver on 127.0.0.1
// verifying every delivery with the `standardwebhooks` package: a failed Batch job notifies once,
// whether a read or an event (confirmed by the read it makes at once) tells it; a forged FAILED
// event for a running job notifies never; finishes told within the confirming window are read in
// one DescribeJobs (the window's timer held by the test, so its end is an event, not a duration).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { CONFIRM_WINDOW_MS } from '../../src/notifications/notifier.ts';
import { batchEvent, forgedFailureEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { callsOf, gql } from '../support/gateway.ts';
import { failedBatchRule } from './notifyingGateway.ts';
import { useEventGateway } from '../support/eventGateway.ts';
import { HeldTimers } from '../support/heldTimers.ts';
import { useReceiver } from '../support/webhookReceiver.ts';

const receiver = useReceiver();
/** The notifier's confirming window: real timers, held by the test that decides when it ends. */
const confirmWindow = new HeldTimers();
const { gw, applied, send } = useEventGateway(
  () => ({
    JOBGRAPH_WATCH_POLL_MS: '60000',
    JOBGRAPH_WATCH_MAX_POLL_MS: '120000',
    JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  }),
  { confirmWindow: confirmWindow.schedule },
);

const READ = `query($id: ID!) { job(id: $id) { state } }`;
const idOf = (job: string) => `batch:us-east-1:${job}`;

beforeAll(async () => {
  await failedBatchRule(gw, receiver);
});

const read = async (id: string) =>
  (
    (await gql(gw, READ, { variables: { id }, token: gw.tokens.read })).body.data?.job as {
      state: string;
    }
  ).state;
const deliveriesOf = (id: string) =>
  receiver.received.filter(
    (r) => (JSON.parse(r.body) as { data: { job: { id: string } | null } }).data.job?.id === id,
  );

/** Everything recorded is written, and every delivery due attempted. */
async function settle(): Promise<void> {
  await gw.history!.settled();
  await gw.notifications!.outbox.runDue();
}

describe('A failed job', () => {
  it('notifies once when a read shows it failed, the outbox row written with the transition', async () => {
    const job = BATCH_JOB_IDS.running;
    const id = idOf(job);
    expect(await read(id)).toBe('IN_PROGRESS');
    gw.emulators.batch.jobs?.changeState(job, 'FAILED', {
      statusReason: 'Essential container exited',
    });
    expect(await read(id)).toBe('FAILED');
    await vi.waitFor(async () => {
      await settle();
      expect(deliveriesOf(id)).toHaveLength(1);
    }, EVENTUALLY);
    const [got] = deliveriesOf(id);
    expect(got!.verified).toBe(true);
    const body = JSON.parse(got!.body) as {
      type: string;
      data: {
        job: { state: string };
        transitions: { to: string }[];
        consoleUrl: string;
        failure: { category: string; evidence: string[]; rulesVersion: string };
      };
    };
    expect(body.type).toBe('job.failed');
    // Its cause by Batch's rules, from the record the body carries: the emulator's failed
    // container exits non-zero.
    expect(body.data.failure).toMatchObject({
      category: 'USER_CODE',
      evidence: expect.arrayContaining(['statusReason: Essential container exited']),
      rulesVersion: 'batch-2026.11.1',
    });
    expect(body.data.job.state).toBe('FAILED');
    expect(body.data.transitions.map((t) => t.to)).toEqual(['IN_PROGRESS', 'FAILED']);
    expect(body.data.consoleUrl).toContain('/console/jobs/');
    // Read again, and the history settled: still once.
    expect(await read(id)).toBe('FAILED');
    await settle();
    expect(deliveriesOf(id)).toHaveLength(1);
  });

  it('notifies once when an event tells it first: the read it makes at once confirms it', async () => {
    const job = BATCH_JOB_IDS.starting;
    const id = idOf(job);
    gw.emulators.batch.jobs?.changeState(job, 'RUNNING');
    expect(await read(id)).toBe('IN_PROGRESS');
    const failed = gw.emulators.batch.jobs?.changeState(job, 'FAILED') as unknown as Record<
      string,
      unknown
    >;
    const calls = callsOf(gw).batch;
    const before = await applied();
    await send(batchEvent(failed));
    await vi.waitFor(async () => expect(await applied()).toBe(before + 1), EVENTUALLY);
    await vi.waitFor(async () => {
      await settle();
      expect(deliveriesOf(id)).toHaveLength(1);
    }, EVENTUALLY);
    // The confirming read was made (no request asked for the job).
    expect(callsOf(gw).batch).toBeGreaterThan(calls);
    expect(deliveriesOf(id)[0]!.verified).toBe(true);
    await settle();
    expect(deliveriesOf(id)).toHaveLength(1);
  });
});

describe('Finishes of one account and region told by events within the confirming window', () => {
  it('are confirmed by one DescribeJobs for all of them, each delivered once', async () => {
    const jobs = [BATCH_JOB_IDS.pending, BATCH_JOB_IDS.submitted, BATCH_JOB_IDS.multiNode];
    // Read before (one request, one call): the store knows each unfinished.
    const many = `query { ${jobs.map((j, i) => `j${i}: job(id: "${idOf(j)}") { state }`).join(' ')} }`;
    expect((await gql(gw, many, { token: gw.tokens.read })).body.errors).toBeUndefined();
    const failed = jobs.map(
      (j) =>
        gw.emulators.batch.jobs?.changeState(j, 'FAILED') as unknown as Record<string, unknown>,
    );
    const describes = () =>
      gw.emulators.batch.calls.filter((c) => c.operation.startsWith('DescribeJobs'));
    const before = describes().length;
    const appliedBefore = await applied();
    // The window held open while the events arrive: its end is the test's release, not a duration.
    confirmWindow.hold();
    // One message each, apart (each its own receive and turn: the next sent once this one is applied).
    for (const [i, event] of failed.entries()) {
      await send(batchEvent(event));
      await vi.waitFor(async () => expect(await applied()).toBe(appliedBefore + i + 1), EVENTUALLY);
    }
    // The first event opened one window of CONFIRM_WINDOW_MS; the others joined it, nothing read yet.
    expect(confirmWindow.armed).toEqual([CONFIRM_WINDOW_MS]);
    expect(describes()).toHaveLength(before);
    confirmWindow.release();
    await vi.waitFor(async () => {
      await settle();
      for (const j of jobs) expect(deliveriesOf(idOf(j))).toHaveLength(1);
    }, EVENTUALLY);
    const made = describes().slice(before);
    expect(made).toHaveLength(1);
    expect(new Set(made[0]!.job!.replace(/^[^/]*\//, '').split(','))).toEqual(new Set(jobs));
  });
});

describe('A forged FAILED event for a running job', () => {
  it('notifies never: the read it makes shows the job running', async () => {
    const job = BATCH_JOB_IDS.runnable;
    const id = idOf(job);
    const running = gw.emulators.batch.jobs?.changeState(job, 'RUNNING') as unknown as Record<
      string,
      unknown
    >;
    expect(await read(id)).toBe('IN_PROGRESS');
    const calls = callsOf(gw).batch;
    const before = await applied();
    await send(forgedFailureEvent(running));
    await vi.waitFor(async () => expect(await applied()).toBe(before + 1), EVENTUALLY);
    // The confirming read is made, and corrects the store.
    await vi.waitFor(() => expect(callsOf(gw).batch).toBeGreaterThan(calls), EVENTUALLY);
    await settle();
    expect(await read(id)).toBe('IN_PROGRESS');
    await settle();
    expect(deliveriesOf(id)).toEqual([]);
  });
});
