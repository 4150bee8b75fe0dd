import { ClientException, DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BATCH_QUEUES, SPOT_QUEUE } from '@jobgraph/emulators/batch/data';
import { useBatchHarness } from './batchHarness.ts';

/**
 * DescribeComputeEnvironments read with @aws-sdk/client-batch: the environments the region's
 * queues name, with their types, instance types, vCPUs and (for the broken one) a status reason.
 */

const { emulator, sdk } = useBatchHarness();

describe('AWS Batch emulator DescribeComputeEnvironments', () => {
  it('answers the queues’ environments: EC2, FARGATE and an INVALID SPOT one', async () => {
    const emu = await emulator();
    const out = await sdk(emu).send(new DescribeComputeEnvironmentsCommand({}));
    const arns = BATCH_QUEUES.flatMap((q) =>
      q.computeEnvironmentOrder.map((o) => o.computeEnvironment),
    );
    expect(out.computeEnvironments?.map((e) => e.computeEnvironmentArn)).toEqual(arns);
    const byName = new Map(out.computeEnvironments!.map((e) => [e.computeEnvironmentName, e]));
    expect(byName.get('genomics-ondemand')).toMatchObject({
      status: 'VALID',
      computeResources: { type: 'EC2', instanceTypes: ['m5.xlarge', 'm5.2xlarge'], maxvCpus: 256 },
    });
    expect(byName.get('etl-fargate')?.computeResources?.type).toBe('FARGATE');
    expect(byName.get('gpu-spot')).toMatchObject({
      status: 'INVALID',
      statusReason: expect.stringContaining('CLIENT_ERROR'),
      computeResources: { type: 'SPOT' },
    });
  });

  it('filters by name or ARN; another region has none; a bad list is a ClientException', async () => {
    const emu = await emulator();
    const spotArn = SPOT_QUEUE.computeEnvironmentOrder[0]!.computeEnvironment;
    const one = await sdk(emu).send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: [spotArn, 'etl-fargate'] }),
    );
    expect(one.computeEnvironments?.map((e) => e.computeEnvironmentName)).toEqual([
      'etl-fargate',
      'gpu-spot',
    ]);
    const elsewhere = await sdk(emu, 'eu-west-1').send(new DescribeComputeEnvironmentsCommand({}));
    expect(elsewhere.computeEnvironments).toEqual([]);
    await expect(
      sdk(emu).send(
        new DescribeComputeEnvironmentsCommand({ computeEnvironments: 'x' as unknown as string[] }),
      ),
    ).rejects.toBeInstanceOf(ClientException);
  });
});
