import {
  ClientException,
  DescribeServiceJobCommand,
  ListServiceJobsCommand,
  SubmitServiceJobCommand,
  TerminateServiceJobCommand,
  type ListServiceJobsCommandInput,
  type SubmitServiceJobCommandInput,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_DEMO_ACCOUNT_ID } from '@jobgraph/emulators/batch/data';
import {
  failedServiceJob,
  SERVICE_JOB_IDS,
  SERVICE_JOB_QUEUE_ARN,
  SERVICE_JOB_QUEUE_NAME,
  SERVICE_JOB_STEP_MS,
} from '@jobgraph/emulators/batch/serviceJobData';
import type { EventBridgeEvent } from '@jobgraph/emulators';
import { useClockedEmulators } from '../../support/clockedEmulators.ts';
import { realPart } from '../../support/realParts.ts';
import { awsCliJson } from '../awsCli.ts';

/**
 * AWS Batch service jobs in the Batch emulator, held to @aws-sdk/client-batch: DescribeServiceJob
 * answers every field of the model; the demo job moves SUBMITTED → SCHEDULED → RUNNING →
 * SUCCEEDED as the clock moves; SubmitServiceJob honours `clientToken`; ListServiceJobs filters
 * and pages; TerminateServiceJob fails a job that has not finished.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let clock = EPOCH;
const { set, batch, defaultEvents } = useClockedEmulators({ now: () => clock, epochMs: EPOCH });
/** The service-job events on the default account's queue now (deleted as read). */
async function serviceJobEvents(): Promise<EventBridgeEvent[]> {
  const all = await defaultEvents();
  return all.filter((e) => e['detail-type'] === 'Batch Service Job State Change');
}
const describeJob = async (jobId: string) => {
  const { $metadata: _, ...job } = await batch().send(new DescribeServiceJobCommand({ jobId }));
  return job;
};

describe('AWS Batch emulator: service jobs through @aws-sdk/client-batch', () => {
  it('DescribeServiceJob answers the failed job with every field the model has', async () => {
    const job = await describeJob(SERVICE_JOB_IDS.failed);
    const anchor = job.createdAt! + 90 * 60_000;
    expect(job).toEqual(failedServiceJob(BATCH_DEMO_ACCOUNT_ID, anchor));
    expect(job.serviceJobType).toBe('SAGEMAKER_TRAINING');
    expect(job.attempts!.map((a) => a.serviceResourceId!.name)).toEqual([
      'TrainingJobArn',
      'TrainingJobArn',
    ]);
    expect(job.preemptionSummary!.preemptedAttemptCount).toBe(1);
    expect(job.quotaShareName).toBe('vision-gpu');
    expect(JSON.parse(job.serviceRequestPayload!).TrainingJobName).toBe(job.jobName);
  });

  it('moves the demo job SUBMITTED → SCHEDULED → RUNNING → SUCCEEDED as time passes', async () => {
    const seen: string[] = [];
    const published: unknown[][] = [];
    const start = (await describeJob(SERVICE_JOB_IDS.progressing)).createdAt!;
    await serviceJobEvents();
    for (let step = 0; step < 4; step++) {
      clock = start + step * SERVICE_JOB_STEP_MS;
      set.publishDue();
      const job = await describeJob(SERVICE_JOB_IDS.progressing);
      for (const e of await serviceJobEvents()) {
        published.push([e.detail.jobId, e.detail.status, e.resources]);
        expect(e.detail).not.toHaveProperty('serviceRequestPayload');
        const { serviceRequestPayload: _p, ...described } = job;
        expect(e.detail).toEqual(described);
      }
      seen.push(job.status!);
      if (job.status === 'SCHEDULED') expect(job.scheduledAt).toBe(start + SERVICE_JOB_STEP_MS);
      if (job.status === 'RUNNING')
        expect(job.latestAttempt!.serviceResourceId!.value).toMatch(/:training-job\//);
    }
    expect(seen).toEqual(['SUBMITTED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED']);
    const arn = [
      `arn:aws:batch:us-east-1:${BATCH_DEMO_ACCOUNT_ID}:service-job/${SERVICE_JOB_IDS.progressing}`,
    ];
    expect(published).toEqual(
      ['SCHEDULED', 'RUNNING', 'SUCCEEDED'].map((s) => [SERVICE_JOB_IDS.progressing, s, arn]),
    );
    clock = EPOCH;
  });

  it('SubmitServiceJob: the same clientToken and request answer the same job; another request is refused', async () => {
    const input: SubmitServiceJobCommandInput = {
      jobName: 'finetune-rerun',
      jobQueue: SERVICE_JOB_QUEUE_NAME,
      serviceJobType: 'SAGEMAKER_TRAINING',
      serviceRequestPayload: '{"TrainingJobName":"finetune-rerun"}',
      schedulingPriority: 70,
      shareIdentifier: 'research',
      tags: { team: 'ml' },
      clientToken: 'rerun-token-1',
    };
    const first = await batch().send(new SubmitServiceJobCommand(input));
    const second = await batch().send(new SubmitServiceJobCommand(input));
    expect(second.jobId).toBe(first.jobId);
    const job = await describeJob(first.jobId!);
    expect(job).toMatchObject({
      jobName: 'finetune-rerun',
      jobQueue: SERVICE_JOB_QUEUE_ARN,
      status: 'SUBMITTED',
      schedulingPriority: 70,
      shareIdentifier: 'research',
      tags: { team: 'ml' },
      serviceRequestPayload: input.serviceRequestPayload,
    });
    const other = batch().send(new SubmitServiceJobCommand({ ...input, schedulingPriority: 1 }));
    await expect(other).rejects.toBeInstanceOf(ClientException);
    const fresh = await batch().send(
      new SubmitServiceJobCommand({ ...input, clientToken: undefined }),
    );
    expect(fresh.jobId).not.toBe(first.jobId);
  });

  it('ListServiceJobs lists by queue and status, filters by name, and pages', async () => {
    const failed = await batch().send(
      new ListServiceJobsCommand({ jobQueue: SERVICE_JOB_QUEUE_NAME, jobStatus: 'FAILED' }),
    );
    expect(failed.jobSummaryList!.map((j) => j.jobId)).toContain(SERVICE_JOB_IDS.failed);
    expect(failed.jobSummaryList!.every((j) => j.status === 'FAILED')).toBe(true);
    const named = await batch().send(
      new ListServiceJobsCommand({ filters: [{ name: 'JOB_NAME', values: ['vision-*'] }] }),
    );
    expect(named.jobSummaryList!.map((j) => j.jobId)).toEqual([SERVICE_JOB_IDS.failed]);
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await batch().send(
        new ListServiceJobsCommand({
          filters: [{ name: 'JOB_NAME', values: ['*'] }],
          maxResults: 1,
          nextToken,
        }),
      );
      expect(page.jobSummaryList!.length).toBeLessThanOrEqual(1);
      ids.push(...page.jobSummaryList!.map((j) => j.jobId!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(ids).toContain(SERVICE_JOB_IDS.failed);
    expect(ids).toContain(SERVICE_JOB_IDS.progressing);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ListServiceJobs lists RUNNING jobs without a status, every status newest first by AFTER_CREATED_AT, and one filter at a time', async () => {
    const start = (await describeJob(SERVICE_JOB_IDS.progressing)).createdAt!;
    clock = start + 2 * SERVICE_JOB_STEP_MS;
    const demo = new Set<string>(Object.values(SERVICE_JOB_IDS));
    const list = async (input: ListServiceJobsCommandInput) =>
      (await batch().send(new ListServiceJobsCommand(input))).jobSummaryList!;
    /** The demo jobs a list holds (the jobs submitted by the tests above aside), in its order. */
    const ids = async (input: ListServiceJobsCommandInput) =>
      (await list(input)).filter((j) => demo.has(j.jobId!)).map((j) => [j.jobId, j.status]);
    // Documented: "If you don't specify a status, only RUNNING jobs are returned."
    const running = await list({ jobQueue: SERVICE_JOB_QUEUE_NAME });
    expect(running.map((j) => [j.jobId, j.status])).toEqual([
      [SERVICE_JOB_IDS.progressing, 'RUNNING'],
    ]);
    const every = [
      [SERVICE_JOB_IDS.progressing, 'RUNNING'],
      [SERVICE_JOB_IDS.failed, 'FAILED'],
    ];
    const after = (ms: number) => [{ name: 'AFTER_CREATED_AT', values: [String(ms)] }];
    // With a filter, jobStatus is ignored: every status, the newest first.
    const all = await list({
      jobQueue: SERVICE_JOB_QUEUE_ARN,
      jobStatus: 'SUCCEEDED',
      filters: after(0),
    });
    const created = all.map((j) => j.createdAt!);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(new Set(all.map((j) => j.status)).size).toBeGreaterThan(1);
    expect(all.filter((j) => demo.has(j.jobId!)).map((j) => [j.jobId, j.status])).toEqual(every);
    expect(await ids({ jobQueue: SERVICE_JOB_QUEUE_NAME, filters: after(start - 1) })).toEqual([
      every[0],
    ]);
    expect(
      await ids({
        jobQueue: SERVICE_JOB_QUEUE_NAME,
        filters: [{ name: 'BEFORE_CREATED_AT', values: [String(start)] }],
      }),
    ).toEqual([every[1]]);
    // A share's filter goes with jobStatus.
    expect(
      await ids({
        jobStatus: 'FAILED',
        filters: [{ name: 'QUOTA_SHARE_NAME', values: ['vision-gpu'] }],
      }),
    ).toEqual([every[1]]);
    const two = batch().send(
      new ListServiceJobsCommand({ filters: [...after(0), { name: 'JOB_NAME', values: ['*'] }] }),
    );
    await expect(two).rejects.toBeInstanceOf(ClientException);
  });

  it('TerminateServiceJob fails an unfinished job with the reason; an unknown ID is a ClientException', async () => {
    const { jobId } = await batch().send(
      new SubmitServiceJobCommand({
        jobName: 'to-stop',
        jobQueue: SERVICE_JOB_QUEUE_NAME,
        serviceJobType: 'SAGEMAKER_TRAINING',
        serviceRequestPayload: '{}',
      }),
    );
    await batch().send(new TerminateServiceJobCommand({ jobId, reason: 'stopped by a test' }));
    const events = await serviceJobEvents();
    expect(events.map((e) => [e.detail.jobId, e.detail.status, e.detail.isTerminated])).toEqual([
      [jobId, 'FAILED', true],
    ]);
    expect(await describeJob(jobId!)).toMatchObject({
      status: 'FAILED',
      statusReason: 'stopped by a test',
      isTerminated: true,
    });
    const unknown = batch().send(new TerminateServiceJobCommand({ jobId: 'nope', reason: 'x' }));
    await expect(unknown).rejects.toBeInstanceOf(ClientException);
  });

  describe.skipIf(realPart('aws-cli').skip)('through the AWS CLI', () => {
    it('describe-service-job and list-service-jobs answer the CLI field for field as the SDK reads them', async () => {
      const cli = (args: string[]) => awsCliJson(set.batch.url, ['batch', ...args]);
      for (const jobId of [SERVICE_JOB_IDS.failed, SERVICE_JOB_IDS.progressing])
        expect(await cli(['describe-service-job', '--job-id', jobId])).toEqual(
          await describeJob(jobId),
        );
      const listed = await cli([
        'list-service-jobs',
        '--job-queue',
        SERVICE_JOB_QUEUE_NAME,
        '--job-status',
        'FAILED',
      ]);
      const { $metadata: _, ...bySdk } = await batch().send(
        new ListServiceJobsCommand({ jobQueue: SERVICE_JOB_QUEUE_NAME, jobStatus: 'FAILED' }),
      );
      // The CLI's (botocore's) model has no `isTerminated` on a summary yet: it drops the field.
      const withoutTerminated = bySdk.jobSummaryList!.map(({ isTerminated: _t, ...rest }) => rest);
      expect(listed).toEqual({ jobSummaryList: withoutTerminated });
    });

    it('submit-service-job with a --client-token: asked twice, and by the SDK with the same request, one job; another request with it is refused', async () => {
      const input = {
        jobName: 'cli-rerun',
        jobQueue: SERVICE_JOB_QUEUE_NAME,
        serviceJobType: 'SAGEMAKER_TRAINING',
        serviceRequestPayload: '{"TrainingJobName":"cli-rerun"}',
        schedulingPriority: 5,
        tags: { team: 'ml' },
        clientToken: 'cli-token-1',
      } as const;
      const args = ['submit-service-job', '--cli-input-json', JSON.stringify(input)];
      const first = await awsCliJson<{ jobId: string }>(set.batch.url, ['batch', ...args]);
      const second = await awsCliJson<{ jobId: string }>(set.batch.url, ['batch', ...args]);
      expect(second.jobId).toBe(first.jobId);
      // The SDK writes the request's members in its own order: the same request all the same.
      const bySdk = await batch().send(new SubmitServiceJobCommand({ ...input }));
      expect(bySdk.jobId).toBe(first.jobId);
      expect(await describeJob(first.jobId)).toMatchObject({
        jobName: 'cli-rerun',
        schedulingPriority: 5,
        serviceRequestPayload: input.serviceRequestPayload,
      });
      const listed = await batch().send(
        new ListServiceJobsCommand({
          jobQueue: SERVICE_JOB_QUEUE_NAME,
          filters: [{ name: 'JOB_NAME', values: ['cli-rerun'] }],
        }),
      );
      expect(listed.jobSummaryList?.map((j) => j.jobId)).toEqual([first.jobId]);
      const other = batch().send(new SubmitServiceJobCommand({ ...input, schedulingPriority: 6 }));
      await expect(other).rejects.toBeInstanceOf(ClientException);
    });
  });
});
