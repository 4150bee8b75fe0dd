import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  GetJobQueueSnapshotCommand,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_DEMO_ACCOUNT_ID, BATCH_QUEUES, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';
import { DEMO_JOB_QUEUES } from '@jobgraph/emulators/batch/queueData';
import { SERVICE_JOB_QUEUE_NAME } from '@jobgraph/emulators/batch/serviceJobData';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import { BATCH_SECOND_ACCOUNT_QUEUES } from '@jobgraph/emulators/batch/secondAccount';
import { createEmulatorAccounts, DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '@jobgraph/emulators/framework';
import { uuidFor } from '@jobgraph/emulators/listing';
import { realPart } from '../../support/realParts.ts';
import { useStarted } from '../../support/useStarted.ts';
import { awsCliJson, runAwsCli } from '../awsCli.ts';
import { useSdkClients } from '../../support/sdkClients.ts';

/**
 * DescribeJobQueues and DescribeComputeEnvironments of the AWS Batch emulator, every member held
 * to @aws-sdk/client-batch (its deserialiser keeps only the members its model has, so an answer
 * equal to the whole wire record is one the SDK reads member for member), and the three queue
 * reads (GetJobQueueSnapshot too) held to the AWS CLI's botocore, which must read the same.
 */
const clock = Math.floor(Date.now() / 1000) * 1000;
const accounts = createEmulatorAccounts();
const emu = useStarted(
  'the Batch emulator',
  () => startEmulator(createBatchEmulator({ now: () => clock, epochMs: clock, accounts })),
  (e) => e.close(),
);
const keep = useSdkClients();
function batch(
  credentials: { accessKeyId: string; secretAccessKey: string } = DEMO_AWS_CREDENTIALS,
) {
  return keep(
    new BatchClient({
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { ...credentials },
      endpoint: emu.url,
      systemClockOffset: clock - Date.now(),
    }),
  );
}
/** The SDK's own plain copy of an answer: what its deserialiser read, without $metadata. */
const plain = (out: object): Record<string, unknown> => {
  const { $metadata: _, ...rest } = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  return rest;
};

const ENV = (name: string, account = BATCH_DEMO_ACCOUNT_ID) =>
  `arn:aws:batch:us-east-1:${account}:compute-environment/${name}`;

describe('AWS Batch emulator DescribeJobQueues and DescribeComputeEnvironments', () => {
  it('answers every JobQueueDetail member the SDK has for the demo queues, the spot queue’s time limit action included', async () => {
    const out = await batch().send(new DescribeJobQueuesCommand({}));
    expect(out.jobQueues).toEqual(DEMO_JOB_QUEUES.map(({ createdMs: _, ...wire }) => wire));
    expect(Object.keys(out.jobQueues![0]!).sort()).toEqual(
      [
        'computeEnvironmentOrder',
        'jobQueueArn',
        'jobQueueName',
        'jobQueueType',
        'jobStateTimeLimitActions',
        'priority',
        'state',
        'status',
        'statusReason',
        'tags',
      ].sort(),
    );
    const spot = out.jobQueues!.find((q) => q.jobQueueName === SPOT_QUEUE.jobQueueName);
    expect(spot?.jobStateTimeLimitActions).toEqual([
      {
        reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
        state: 'RUNNABLE',
        maxTimeSeconds: 14400,
        action: 'CANCEL',
      },
    ]);
    const others = out.jobQueues!.filter((q) => q !== spot);
    expect(others.map((q) => q.jobStateTimeLimitActions)).toEqual(others.map(() => []));
    expect(others).toHaveLength(DEMO_JOB_QUEUES.length - 1);
    // The service-job queue (SAGEMAKER_TRAINING) orders service environments, no compute ones.
    const service = out.jobQueues!.find((q) => q.jobQueueType === 'SAGEMAKER_TRAINING');
    expect(service).toMatchObject({
      jobQueueName: SERVICE_JOB_QUEUE_NAME,
      computeEnvironmentOrder: [],
      serviceEnvironmentOrder: [
        { order: 1, serviceEnvironment: expect.stringContaining(':service-environment/') },
      ],
    });
  });

  it('answers every ComputeEnvironmentDetail member the SDK has: the INVALID spot environment as AWS words it', async () => {
    const out = await batch().send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['gpu-spot'] }),
    );
    expect(plain(out)).toEqual({
      computeEnvironments: [
        {
          computeEnvironmentName: 'gpu-spot',
          computeEnvironmentArn: ENV('gpu-spot'),
          ecsClusterArn: `arn:aws:ecs:us-east-1:${BATCH_DEMO_ACCOUNT_ID}:cluster/gpu-spot`,
          tags: {},
          type: 'MANAGED',
          state: 'ENABLED',
          status: 'INVALID',
          statusReason:
            'CLIENT_ERROR - The instance profile arn:aws:iam::role/ecsInstanceRole does not exist.',
          computeResources: {
            type: 'SPOT',
            allocationStrategy: 'SPOT_CAPACITY_OPTIMIZED',
            minvCpus: 0,
            maxvCpus: 32,
            desiredvCpus: 0,
            instanceTypes: ['g5.xlarge'],
            subnets: ['subnet-0a1b2c3d'],
            securityGroupIds: ['sg-0a1b2c3d'],
            instanceRole: `arn:aws:iam::${BATCH_DEMO_ACCOUNT_ID}:instance-profile/ecsInstanceRole`,
            bidPercentage: 100,
          },
          serviceRole: `arn:aws:iam::${BATCH_DEMO_ACCOUNT_ID}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`,
          updatePolicy: { terminateJobsOnUpdate: false, jobExecutionTimeoutMinutes: 30 },
          containerOrchestrationType: 'ECS',
          uuid: uuidFor(ENV('gpu-spot')),
        },
      ],
    });
    const all = await batch().send(new DescribeComputeEnvironmentsCommand({}));
    expect(
      all.computeEnvironments?.map((e) => [
        e.computeEnvironmentName,
        e.state,
        e.status,
        e.computeResources?.type,
        e.computeResources?.allocationStrategy,
      ]),
    ).toEqual([
      ['genomics-ondemand', 'ENABLED', 'VALID', 'EC2', 'BEST_FIT_PROGRESSIVE'],
      ['etl-fargate', 'ENABLED', 'VALID', 'FARGATE', undefined],
      ['gpu-spot', 'ENABLED', 'INVALID', 'SPOT', 'SPOT_CAPACITY_OPTIMIZED'],
      ['analytics-ondemand', 'ENABLED', 'VALID', 'EC2', 'BEST_FIT_PROGRESSIVE'],
    ]);
    // The capped queue's environment runs at its maxvCpus (its RUNNABLE job waits for capacity).
    const capped = all.computeEnvironments?.find(
      (e) => e.computeEnvironmentName === 'analytics-ondemand',
    )?.computeResources;
    expect([capped?.desiredvCpus, capped?.maxvCpus]).toEqual([16, 16]);
  });

  it('answers the second account’s fair-share queue with its one environment DISABLED', async () => {
    const session = accounts.issueSession(
      accounts.role(DEMO_SECOND_AWS_ACCOUNT.roleArn)!,
      'test',
      clock,
      3600,
    );
    const staging = batch(session);
    const queues = await staging.send(new DescribeJobQueuesCommand({}));
    expect(queues.jobQueues).toEqual(
      BATCH_SECOND_ACCOUNT_QUEUES.map(({ createdMs: _, ...wire }) => wire),
    );
    // Its fair-share policy: the one queue of the demo that is not first in, first out.
    expect(queues.jobQueues![0]!.schedulingPolicyArn).toBe(
      `arn:aws:batch:us-east-1:${DEMO_SECOND_AWS_ACCOUNT.accountId}:scheduling-policy/staging-fair-share`,
    );
    const envs = await staging.send(new DescribeComputeEnvironmentsCommand({}));
    expect(envs.computeEnvironments).toHaveLength(1);
    expect(envs.computeEnvironments![0]).toMatchObject({
      computeEnvironmentArn: ENV('staging-fargate', DEMO_SECOND_AWS_ACCOUNT.accountId),
      state: 'DISABLED',
      status: 'VALID',
      statusReason: 'ComputeEnvironment Healthy',
      computeResources: { type: 'FARGATE', maxvCpus: 32 },
    });
  });

  describe.skipIf(realPart('aws-cli').skip)('through the AWS CLI (aws batch)', () => {
    /** `aws batch <args> --output json` against the emulator, parsed. */
    const aws = (...args: string[]) => awsCliJson(emu.url, ['batch', ...args]);

    it('describe-job-queues, describe-compute-environments and get-job-queue-snapshot read what the SDK reads', async () => {
      expect(await aws('describe-job-queues')).toEqual(
        plain(await batch().send(new DescribeJobQueuesCommand({}))),
      );
      expect(await aws('describe-compute-environments')).toEqual(
        plain(await batch().send(new DescribeComputeEnvironmentsCommand({}))),
      );
      for (const queue of BATCH_QUEUES) {
        const cli = await aws('get-job-queue-snapshot', '--job-queue', queue.jobQueueName);
        expect(cli).toEqual(
          plain(
            await batch().send(new GetJobQueueSnapshotCommand({ jobQueue: queue.jobQueueName })),
          ),
        );
        expect(cli.frontOfQueue).toEqual(expect.objectContaining({ lastUpdatedAt: clock }));
      }
    });

    it('get-job-queue-snapshot of an unknown queue fails with ClientException', async () => {
      const { code, stderr } = await runAwsCli([
        'batch',
        'get-job-queue-snapshot',
        '--job-queue',
        'no-such-queue',
        '--endpoint-url',
        emu.url,
      ]);
      expect(code).not.toBe(0);
      expect(stderr).toContain('(ClientException)');
      expect(stderr).toContain('JobQueue no-such-queue not found.');
    });
  });
});
