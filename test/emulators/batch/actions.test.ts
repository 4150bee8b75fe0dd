import {
  CancelJobCommand,
  ClientException,
  DescribeJobsCommand,
  ListJobsCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';
import type { EventBridgeEvent } from '@jobgraph/emulators';
import { useClockedEmulators } from '../../support/clockedEmulators.ts';
import { realPart } from '../../support/realParts.ts';
import { runAwsCli } from '../awsCli.ts';

/**
 * CancelJob and TerminateJob of the AWS Batch emulator through @aws-sdk/client-batch, the SDK
 * the oracle: what each moves (read back with DescribeJobs and ListJobs) and the
 * `Batch Job State Change` events it puts on the SQS emulator's queue (read with the SQS client).
 * Each test acts on jobs of its own, so the order of the tests does not matter.
 */

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const clock = EPOCH + 10_000;
const { set, batch, defaultEvents } = useClockedEmulators({ now: () => clock, epochMs: EPOCH });

/** The Batch events on the default account's queue now (deleted as read). */
async function batchEvents(): Promise<EventBridgeEvent[]> {
  const all = await defaultEvents();
  return all.filter((e) => e.source === 'aws.batch');
}

async function describeOne(jobId: string) {
  const out = await batch().send(new DescribeJobsCommand({ jobs: [jobId] }));
  return out.jobs![0]!;
}

describe('AWS Batch emulator: CancelJob and TerminateJob through @aws-sdk/client-batch', () => {
  it('cancels a RUNNABLE job: FAILED with the reason as statusReason, in DescribeJobs, ListJobs and an event', async () => {
    await batchEvents();
    const reason = 'Superseded by sweep 5';
    const out = await batch().send(new CancelJobCommand({ jobId: BATCH_JOB_IDS.runnable, reason }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const job = await describeOne(BATCH_JOB_IDS.runnable);
    expect(job).toMatchObject({ status: 'FAILED', statusReason: reason, isCancelled: true });
    expect(job.startedAt).toBeUndefined();
    const listed = await batch().send(
      new ListJobsCommand({ jobQueue: SPOT_QUEUE.jobQueueName, jobStatus: 'FAILED' }),
    );
    expect(listed.jobSummaryList?.find((j) => j.jobId === BATCH_JOB_IDS.runnable)).toMatchObject({
      status: 'FAILED',
      statusReason: reason,
    });
    const events = await batchEvents();
    expect(events.map((e) => [e['detail-type'], e.detail.jobId, e.detail.status])).toEqual([
      ['Batch Job State Change', BATCH_JOB_IDS.runnable, 'FAILED'],
    ]);
    expect(events[0]!.detail.statusReason).toBe(reason);
    // A finished job: the call succeeds and changes nothing, publishes nothing.
    await batch().send(new CancelJobCommand({ jobId: BATCH_JOB_IDS.runnable, reason: 'again' }));
    expect((await describeOne(BATCH_JOB_IDS.runnable)).statusReason).toBe(reason);
    expect(await batchEvents()).toEqual([]);
    expect(set.batch.calls.filter((c) => c.operation.startsWith('CancelJob'))).toEqual([
      expect.objectContaining({ operation: `CancelJob ${BATCH_JOB_IDS.runnable}`, status: 200 }),
      expect.objectContaining({ operation: `CancelJob ${BATCH_JOB_IDS.runnable}`, status: 200 }),
    ]);
  });

  it('CancelJob of a RUNNING job succeeds and changes nothing; TerminateJob ends it FAILED', async () => {
    await batchEvents();
    const before = await describeOne(BATCH_JOB_IDS.running);
    await batch().send(new CancelJobCommand({ jobId: BATCH_JOB_IDS.running, reason: 'stop' }));
    expect(await describeOne(BATCH_JOB_IDS.running)).toEqual(before);
    expect(await batchEvents()).toEqual([]);

    const reason = 'Terminated by the operator: over budget';
    await batch().send(new TerminateJobCommand({ jobId: BATCH_JOB_IDS.running, reason }));
    const job = await describeOne(BATCH_JOB_IDS.running);
    expect(job).toMatchObject({ status: 'FAILED', statusReason: reason, isTerminated: true });
    expect(job.stoppedAt).toBe(clock);
    expect(job.attempts?.at(-1)).toMatchObject({ statusReason: reason, stoppedAt: clock });
    const events = await batchEvents();
    expect(events.map((e) => [e.detail.jobId, e.detail.status])).toEqual([
      [BATCH_JOB_IDS.running, 'FAILED'],
    ]);
  });

  it('TerminateJob of a queued job cancels it', async () => {
    await batch().send(
      new TerminateJobCommand({ jobId: BATCH_JOB_IDS.submitted, reason: 'not needed' }),
    );
    expect(await describeOne(BATCH_JOB_IDS.submitted)).toMatchObject({
      status: 'FAILED',
      statusReason: 'not needed',
      isCancelled: true,
    });
    await batchEvents();
  });

  it('refuses a reason over 1,024 characters, a missing reason and an unknown job with ClientException', async () => {
    const long = batch().send(
      new CancelJobCommand({ jobId: BATCH_JOB_IDS.pending, reason: 'x'.repeat(1025) }),
    );
    await expect(long).rejects.toBeInstanceOf(ClientException);
    await expect(
      batch().send(new CancelJobCommand({ jobId: BATCH_JOB_IDS.pending, reason: '' })),
    ).rejects.toBeInstanceOf(ClientException);
    const unknown = await batch()
      .send(new TerminateJobCommand({ jobId: '0badc0de-0000-4000-8000-000000000000', reason: 'x' }))
      .catch((e: unknown) => e as ClientException);
    expect(unknown).toBeInstanceOf(ClientException);
    expect((unknown as ClientException).$metadata.httpStatusCode).toBe(400);
    // Nothing moved: the pending job is as it was, 1,024 characters are accepted.
    expect((await describeOne(BATCH_JOB_IDS.pending)).status).toBe('PENDING');
    await batch().send(
      new CancelJobCommand({ jobId: BATCH_JOB_IDS.pending, reason: 'y'.repeat(1024) }),
    );
    expect((await describeOne(BATCH_JOB_IDS.pending)).statusReason).toBe('y'.repeat(1024));
    await batchEvents();
  });

  it('cancelling an array parent cancels its queued children; the parent waits for its running child', async () => {
    await batchEvents();
    const parent = BATCH_JOB_IDS.arrayParent;
    await batch().send(new CancelJobCommand({ jobId: parent, reason: 'Wrong reference genome' }));
    const out = await batch().send(
      new DescribeJobsCommand({ jobs: [parent, ...[0, 1, 2, 3, 4].map((i) => `${parent}:${i}`)] }),
    );
    const status = Object.fromEntries(out.jobs!.map((j) => [j.jobId, j.status]));
    expect(status).toEqual({
      [parent]: 'PENDING',
      [`${parent}:0`]: 'SUCCEEDED',
      [`${parent}:1`]: 'SUCCEEDED',
      [`${parent}:2`]: 'FAILED',
      [`${parent}:3`]: 'RUNNING',
      [`${parent}:4`]: 'FAILED',
    });
    expect(out.jobs!.find((j) => j.jobId === `${parent}:4`)!.statusReason).toBe(
      'Wrong reference genome',
    );
    expect(out.jobs!.find((j) => j.jobId === parent)!.arrayProperties?.statusSummary).toMatchObject(
      { RUNNABLE: 0, RUNNING: 1, FAILED: 2, SUCCEEDED: 2 },
    );
    expect((await batchEvents()).map((e) => [e.detail.jobId, e.detail.status])).toEqual([
      [`${parent}:4`, 'FAILED'],
    ]);
    // TerminateJob stops the running child too, and then the parent ends.
    await batch().send(new TerminateJobCommand({ jobId: parent, reason: 'Stop all' }));
    expect((await describeOne(parent)).status).toBe('FAILED');
    expect((await describeOne(`${parent}:3`)).isTerminated).toBe(true);
    expect((await batchEvents()).map((e) => [e.detail.jobId, e.detail.status])).toEqual([
      [`${parent}:3`, 'FAILED'],
      [parent, 'FAILED'],
    ]);
  });

  describe.skipIf(realPart('aws-cli').skip)('through the AWS CLI (aws batch)', () => {
    /** `aws batch <args>` against the set's Batch emulator: its exit code and stderr. */
    const aws = async (...args: string[]) => {
      const { code, stderr } = await runAwsCli(['batch', ...args, '--endpoint-url', set.batch.url]);
      return { code, err: code === 0 ? '' : stderr };
    };

    it('cancel-job leaves a STARTING job as it is; terminate-job ends it; an unknown job is ClientException', async () => {
      const jobId = BATCH_JOB_IDS.starting;
      expect(await aws('cancel-job', '--job-id', jobId, '--reason', 'stop')).toEqual({
        code: 0,
        err: '',
      });
      expect((await describeOne(jobId)).status).toBe('STARTING');
      expect((await aws('terminate-job', '--job-id', jobId, '--reason', 'stop')).code).toBe(0);
      expect(await describeOne(jobId)).toMatchObject({ status: 'FAILED', statusReason: 'stop' });
      const unknown = await aws(
        'terminate-job',
        '--job-id',
        '0badc0de-0000-4000-8000-000000000000',
        '--reason',
        'stop',
      );
      expect(unknown.code).not.toBe(0);
      expect(unknown.err).toContain('(ClientException)');
      await batchEvents();
    });
  });
});
