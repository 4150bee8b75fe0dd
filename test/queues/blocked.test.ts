// JobQueue.blocked from the Queue Blocked event (docs/queues.md, issue 103), through the real
// gateway, the demo's own event queue on the SQS emulator and the AWS Batch emulator, which
// publishes `Batch Job Queue Blocked` when the head of its spot queue cannot run: the event reaches
// the job-state store with its record, the store tells its subscribers, and the queue answers
// since the event's time, the blocking job and the reason — until the job's news ends the block.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import { BLOCKED, CAPACITY, ID, JOB, QUEUE, type Blocked } from './blockedQuery.ts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { demoEventQueueUrls } from '@jobgraph/emulators';
import { accountToken } from '../support/accountTokens.ts';
import { batchEvent } from '../support/batchEvents.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway({
  JOBGRAPH_EVENT_QUEUES: 'demo',
  JOBGRAPH_WATCH_POLL_MS: '600000',
  JOBGRAPH_WATCH_MAX_POLL_MS: '600000',
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
});

async function blockedOf() {
  const token = await accountToken(gw, undefined);
  const res = await gql<Blocked>(gw, BLOCKED, { token, variables: { id: QUEUE } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.jobQueue;
}

/** The Queue Blocked events the gateway's store told its subscribers (its job-state store). */
function toldBlocked(): { time: number | undefined }[] {
  const told: { time: number | undefined }[] = [];
  gw.server.subscriptions.hub.states.subscribe((m) => {
    if (m.kind === 'blocked') told.push({ time: m.observation.time });
  });
  return told;
}

describe('JobQueue.blocked', () => {
  it('answers from the Queue Blocked event the store told: since its time, its job, its reason', async () => {
    const told = toldBlocked();
    const job = gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: CAPACITY })!;
    await vi.waitFor(() => expect(told.length).toBeGreaterThan(0), EVENTUALLY);
    const first = await blockedOf();
    expect(first.front[0]!.job?.id).toBe(ID);
    expect(first.blocked).toMatchObject({ reason: CAPACITY, job: { id: ID } });
    expect(first.blocked!.since).toBe(new Date(told[0]!.time!).toISOString());

    // Published again earlier (the same job and reason): blocked since the earliest event's time,
    // which is not when the job reached the head (the front's derivation would say that).
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: gw.emulators.sqs.url,
      credentials: { ...DEMO_AWS_CREDENTIALS },
    });
    const earlier = '2026-11-25T12:00:03.000Z';
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: demoEventQueueUrls(gw.emulators.sqs.url).default,
        MessageBody: batchEvent(job, { detailType: 'Batch Job Queue Blocked', time: earlier }),
      }),
    );
    sqs.destroy();
    await vi.waitFor(() => expect(told.length).toBeGreaterThan(1), EVENTUALLY);
    const again = await blockedOf();
    expect(again.blocked).toMatchObject({ since: earlier, reason: CAPACITY, job: { id: ID } });
    expect(again.front[0]!.earliestTimeAtPosition).not.toBe(earlier);
  });

  it('clears when its job no longer waits for that reason (the store told of the change)', async () => {
    const told = toldBlocked();
    gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: CAPACITY });
    await vi.waitFor(() => expect(told.length).toBeGreaterThan(0), EVENTUALLY);
    expect((await blockedOf()).blocked?.reason).toBe(CAPACITY);
    // Still the head, RUNNABLE, but for no blocking reason: the queue runs freely.
    const changed = gw.server.subscriptions.hub.states.get(ID)?.signature;
    gw.emulators.batch.jobs!.changeState(JOB, 'RUNNABLE', { statusReason: 'waiting' });
    // The change is read (Batch publishes no event for a reason alone): each try reads the job,
    // which the store is told of, so the wait ends on the read, not on a timer.
    const token = await accountToken(gw, undefined);
    await vi.waitFor(async () => {
      await gql(gw, `query($id: ID!) { job(id: $id) { state } }`, { token, variables: { id: ID } });
      expect(gw.server.subscriptions.hub.states.get(ID)?.signature).not.toBe(changed);
    }, EVENTUALLY);
    const after = await blockedOf();
    expect(after.front[0]!.job?.id).toBe(ID);
    expect(after.blocked).toBeNull();
  });
});
