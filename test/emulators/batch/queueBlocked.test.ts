import { DescribeJobsCommand } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';
import type { EventBridgeEvent } from '@jobgraph/emulators';
import { useClockedEmulators } from '../../support/clockedEmulators.ts';

/**
 * The AWS Batch emulator's `Batch Job Queue Blocked` event: a job moved to RUNNABLE with a cause
 * that it cannot run (MISCONFIGURATION:…, CAPACITY:…) at the head of its queue (its oldest RUNNABLE
 * job) publishes it after its state change, on the account's queue (read with the SQS client); the
 * same job, DescribeJobs read with the SDK, shows the same status reason.
 */

const { set, batch, defaultEvents } = useClockedEmulators();

/** The Batch events on the default account's queue now (deleted as read). */
async function batchEvents(): Promise<EventBridgeEvent[]> {
  const all = await defaultEvents();
  return all.filter((e) => e.source === 'aws.batch');
}

const CAPACITY =
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - There is no Spot capacity available that meets the job requirements.';
const kinds = (events: EventBridgeEvent[]) =>
  events.map((e) => [e['detail-type'], e.detail.jobId, e.detail.status]);

describe('AWS Batch emulator: Batch Job Queue Blocked', () => {
  it("publishes it when the head of a queue cannot run: the job's ARN and its queue's, its DescribeJobs record", async () => {
    await batchEvents();
    const job = BATCH_JOB_IDS.runnable;
    set.batch.jobs!.changeState(job, 'RUNNABLE', { statusReason: CAPACITY });
    const events = await batchEvents();
    expect(kinds(events)).toEqual([
      ['Batch Job State Change', job, 'RUNNABLE'],
      ['Batch Job Queue Blocked', job, 'RUNNABLE'],
    ]);
    const blocked = events[1]!;
    expect(blocked.resources).toEqual([blocked.detail.jobArn, SPOT_QUEUE.jobQueueArn]);
    expect(blocked.detail.jobQueue).toBe(SPOT_QUEUE.jobQueueArn);
    const described = await batch().send(new DescribeJobsCommand({ jobs: [job] }));
    expect(described.jobs![0]!.statusReason).toBe(CAPACITY);
    expect(blocked.detail.statusReason).toBe(CAPACITY);
  });

  it('publishes none for a RUNNABLE job that can run, nor for one behind the head of its queue', async () => {
    await batchEvents();
    // Older than the runnable job: the spot queue's head from now on, waiting for capacity.
    set.batch.jobs!.changeState(BATCH_JOB_IDS.eks, 'RUNNABLE', { statusReason: 'Waiting' });
    set.batch.jobs!.changeState(BATCH_JOB_IDS.runnable, 'RUNNABLE', { statusReason: CAPACITY });
    expect(kinds(await batchEvents())).toEqual([
      ['Batch Job State Change', BATCH_JOB_IDS.eks, 'RUNNABLE'],
      ['Batch Job State Change', BATCH_JOB_IDS.runnable, 'RUNNABLE'],
    ]);
  });
});
