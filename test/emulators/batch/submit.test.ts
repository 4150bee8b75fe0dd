import {
  ClientException,
  DescribeJobsCommand,
  ListJobsCommand,
  SubmitJobCommand,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS, ETL_QUEUE, HIGH_PRIORITY_QUEUE } from '@jobgraph/emulators/batch/data';
import { useClockedEmulators } from '../../support/clockedEmulators.ts';
import { realPart } from '../../support/realParts.ts';
import { awsCliJson } from '../awsCli.ts';

/**
 * SubmitJob of the AWS Batch emulator, held to @aws-sdk/client-batch (and the AWS CLI's
 * `submit-job`): the job it makes, read back with DescribeJobs and ListJobs, carries the
 * definition, queue, parameters, overrides and tags submitted; the same body twice makes two jobs
 * (SubmitJob has no client token); what the API refuses is a ClientException.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const clock = EPOCH + 10_000;
const { set, batch } = useClockedEmulators({ now: () => clock, epochMs: EPOCH });
const describeOne = async (jobId: string) =>
  (await batch().send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs![0]!;

describe('AWS Batch emulator: SubmitJob through @aws-sdk/client-batch', () => {
  it('makes a SUBMITTED job of the definition, queue, parameters, overrides and tags submitted', async () => {
    const failed = await describeOne(BATCH_JOB_IDS.failed);
    const input: SubmitJobCommandInput = {
      jobName: `${failed.jobName}-rerun`,
      jobQueue: ETL_QUEUE.jobQueueName,
      jobDefinition: failed.jobDefinition!,
      parameters: { sample: 'NA24385' },
      containerOverrides: {
        command: ['python', '-m', 'pipeline.run', '--retry'],
        environment: [{ name: 'PIPELINE_STAGE', value: 'realign' }],
        resourceRequirements: [{ type: 'MEMORY', value: '16384' }],
      },
      retryStrategy: { attempts: 3 },
      timeout: { attemptDurationSeconds: 7200 },
      tags: { 'jobgraph:rerun-of': failed.jobId!, team: 'genomics' },
      schedulingPriorityOverride: 40,
    };
    const out = await batch().send(new SubmitJobCommand(input));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.jobName).toBe(input.jobName);
    expect(out.jobArn).toBe(`${failed.jobArn!.replace(/job\/[^/]+$/, '')}job/${out.jobId}`);
    const job = await describeOne(out.jobId!);
    expect(job).toMatchObject({
      jobId: out.jobId,
      jobName: input.jobName,
      jobQueue: ETL_QUEUE.jobQueueArn,
      status: 'SUBMITTED',
      jobDefinition: failed.jobDefinition,
      parameters: { ...failed.parameters, sample: 'NA24385' },
      retryStrategy: { attempts: 3 },
      timeout: { attemptDurationSeconds: 7200 },
      tags: input.tags,
      schedulingPriority: 40,
      attempts: [],
    });
    expect(job.container?.command).toEqual(input.containerOverrides!.command);
    expect(job.container?.image).toBe(failed.container?.image);
    expect(job.container?.environment).toContainEqual({ name: 'PIPELINE_STAGE', value: 'realign' });
    expect(job.container?.resourceRequirements).toContainEqual({ type: 'MEMORY', value: '16384' });
    expect(job.container?.resourceRequirements).toContainEqual({ type: 'VCPU', value: '4' });
    // Nothing of the failed run's container comes along.
    expect(job.container?.exitCode).toBeUndefined();
    expect(job.container?.logStreamName).toBeUndefined();
    // ListJobs finds it by its name in its queue, newest first.
    const listed = await batch().send(
      new ListJobsCommand({
        jobQueue: ETL_QUEUE.jobQueueArn,
        filters: [{ name: 'JOB_NAME', values: [input.jobName!] }],
      }),
    );
    expect(listed.jobSummaryList?.map((j) => [j.jobId, j.status])).toEqual([
      [out.jobId, 'SUBMITTED'],
    ]);
  });

  it('makes a second job for the same body: SubmitJob has no client token', async () => {
    const input: SubmitJobCommandInput = {
      jobName: 'twice-submitted',
      jobQueue: HIGH_PRIORITY_QUEUE.jobQueueArn,
      jobDefinition: 'align',
    };
    const first = await batch().send(new SubmitJobCommand(input));
    const second = await batch().send(new SubmitJobCommand(input));
    expect(second.jobId).not.toBe(first.jobId);
    const listed = await batch().send(
      new ListJobsCommand({
        jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName,
        filters: [{ name: 'JOB_NAME', values: ['twice-submitted'] }],
      }),
    );
    expect(new Set(listed.jobSummaryList?.map((j) => j.jobId))).toEqual(
      new Set([first.jobId, second.jobId]),
    );
    // `align` alone names the definition's newest revision.
    expect((await describeOne(first.jobId!)).jobDefinition).toMatch(/job-definition\/align:7$/);
  });

  it.each([
    ['a name that starts with a hyphen', { jobName: '-bad' }, /jobName/],
    ['an unknown queue', { jobQueue: 'no-such-queue' }, /JobQueue no-such-queue not found/],
    ['an unknown definition', { jobDefinition: 'nope:1' }, /Job definition nope:1 not found/],
    ['a tag key starting aws:', { tags: { 'aws:x': 'y' } }, /aws:/],
    ['an array of one child', { arrayProperties: { size: 1 } }, /arrayProperties.size/],
  ])('refuses %s with ClientException', async (_what, change, message) => {
    const input = {
      jobName: 'refused',
      jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName,
      jobDefinition: 'align',
      ...change,
    } as SubmitJobCommandInput;
    const err = await batch()
      .send(new SubmitJobCommand(input))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientException);
    expect((err as Error).message).toMatch(message);
  });

  describe.skipIf(realPart('aws-cli').skip)('through the AWS CLI (aws batch submit-job)', () => {
    it('answers the CLI with the job it made, which the SDK reads back', async () => {
      const answer = await awsCliJson<{ jobArn: string; jobName: string; jobId: string }>(
        set.batch.url,
        [
          'batch',
          'submit-job',
          '--job-name',
          'from-the-cli',
          '--job-queue',
          HIGH_PRIORITY_QUEUE.jobQueueName,
          '--job-definition',
          'align:7',
          '--parameters',
          'sample=NA12891',
          '--tags',
          'jobgraph:rerun-of=abc',
        ],
      );
      expect(Object.keys(answer).sort()).toEqual(['jobArn', 'jobId', 'jobName']);
      expect(await describeOne(answer.jobId)).toMatchObject({
        jobArn: answer.jobArn,
        jobName: 'from-the-cli',
        parameters: { sample: 'NA12891' },
        tags: { 'jobgraph:rerun-of': 'abc' },
      });
    });
  });
});
