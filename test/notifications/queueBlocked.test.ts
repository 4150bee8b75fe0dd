// QUEUE_BLOCKED (docs/notifications.md, "What fires"), through the real gateway, its SQLite
// history, the demo's own event queue on the SQS emulator and a receiver on 127.0.0.1 verifying
// every delivery with the `standardwebhooks` package: the AWS Batch emulator publishes
// `Batch Job Queue Blocked` when the head of its spot queue cannot run; the gateway decodes it,
// confirms it by a read of the blocking job, and the rule whose filter matches notifies once — again
// published, still once; a rule whose filter does not match, never; a forged event, never.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { BATCH_JOB_IDS, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { demoEventQueueUrls } from '@jobgraph/emulators';
import { accountToken } from '../support/accountTokens.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { useReceiver, type Receiver } from '../support/webhookReceiver.ts';

const receiver = useReceiver();
const elsewhere = useReceiver();
const gw = useTestGateway({
  JOBGRAPH_EVENT_QUEUES: 'demo',
  JOBGRAPH_WATCH_POLL_MS: '600000',
  JOBGRAPH_WATCH_MAX_POLL_MS: '600000',
  JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
});

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id } } }`;
const CAPACITY =
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - There is no Spot capacity available that meets the job requirements.';
const JOB = BATCH_JOB_IDS.runnable;
const ID = `batch:us-east-1:${JOB}`;

async function rule(to: Receiver, filter: Record<string, unknown>): Promise<void> {
  const token = await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]);
  const res = await gql(gw, CREATE, {
    token,
    variables: {
      input: {
        name: 'blocked queues',
        filter,
        on: ['QUEUE_BLOCKED'],
        target: { kind: 'WEBHOOK', url: to.url },
      },
    },
  });
  expect(res.body.errors).toBeUndefined();
  to.secret = res.body.data!.createNotificationRule.secret as string;
}
beforeAll(async () => {
  await rule(receiver, { providers: ['AWS_BATCH'], regions: ['us-east-1'] });
  await rule(elsewhere, { providers: ['AWS_BATCH'], regions: ['eu-west-1'] });
});

/** Every delivery due attempted. */
const settle = () => gw.notifications!.outbox.runDue();
/** The DescribeJobs calls the Batch emulator answered: a blocked event's confirming read is one. */
const describesOf = () =>
  gw.emulators.batch.calls.filter((c) => c.operation.startsWith('DescribeJobs')).length;

describe('A blocked AWS Batch queue', () => {
  it('notifies once, confirmed by a read: the queue, the blocking job and the reason', async () => {
    const reads = describesOf();
    gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: CAPACITY });
    await vi.waitFor(async () => {
      await settle();
      expect(receiver.received).toHaveLength(1);
    }, EVENTUALLY);
    expect(describesOf()).toBeGreaterThan(reads);
    const [got] = receiver.received;
    expect(got!.verified).toBe(true);
    const body = JSON.parse(got!.body) as {
      type: string;
      data: {
        job: { id: string; state: string };
        queue: object;
        reason: string;
        waiting?: { reasons: { code: string; evidence: string[] }[] };
      };
    };
    expect(body.type).toBe('job.queue_blocked');
    expect(body.data.job).toMatchObject({ id: ID, state: 'QUEUED' });
    expect(body.data.queue).toEqual({
      arn: SPOT_QUEUE.jobQueueArn,
      name: SPOT_QUEUE.jobQueueName,
    });
    expect(body.data.reason).toBe(CAPACITY);
    // Why it waits, as Job.waiting says it: its queue's only environment is INVALID, then the block.
    expect(body.data.waiting?.reasons.map((r) => r.code)).toEqual([
      'COMPUTE_ENVIRONMENT_INVALID',
      'QUEUE_BLOCKED',
    ]);
    expect(body.data.waiting?.reasons[1]!.evidence).toEqual([`statusReason: ${CAPACITY}`]);

    // Published again (the same job, queue and reason): read again, and still one delivery.
    const again = describesOf();
    gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: CAPACITY });
    await vi.waitFor(() => expect(describesOf()).toBeGreaterThan(again), EVENTUALLY);
    await gw.history!.settled();
    await settle();
    expect(receiver.received).toHaveLength(1);
    // The rule of another region: never.
    expect(elsewhere.received).toEqual([]);
  });

  it('notifies never for a forged event: the read shows another reason', async () => {
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: gw.emulators.sqs.url,
      credentials: { ...DEMO_AWS_CREDENTIALS },
    });
    // The real event (published again) read and judged first: the forged one alone after it.
    const published = describesOf();
    const job = gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', {
      statusReason: CAPACITY,
    })!;
    await vi.waitFor(() => expect(describesOf()).toBeGreaterThan(published), EVENTUALLY);
    const before = describesOf();
    const forged = { ...job, statusReason: 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - forged' };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: demoEventQueueUrls(gw.emulators.sqs.url).default,
        MessageBody: batchEvent(forged, { detailType: 'Batch Job Queue Blocked' }),
      }),
    );
    await vi.waitFor(() => expect(describesOf()).toBeGreaterThan(before), EVENTUALLY);
    await settle();
    expect(receiver.received).toHaveLength(1);
    sqs.destroy();
  });
});
