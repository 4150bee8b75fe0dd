import {
  BatchClient,
  DescribeJobsCommand,
  SubmitJobCommand,
  type SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../../src/datasources/batch/parse.ts';
import { BATCH_RERUN, submitBody } from '../../../src/datasources/batch/rerun.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import type { BatchKey } from '../../../src/model/keys.ts';
import { demoSdkConfig, useSdkClients } from '../../support/sdkClients.ts';
import { useStarted } from '../../support/useStarted.ts';

/**
 * AWS Batch's rerun on the wire (docs/actions.md, "Rerun"): the SubmitJob body rebuilt from a job
 * as jobgraph parses DescribeJobs, for each kind of demo job, taken by the emulator (held to
 * @aws-sdk/client-batch) as a job of the same definition, queue, parameters and container; the
 * parent of an array child or a node; a job told a rerun by its two tags.
 */
const set: EmulatorSet = useStarted(
  'the emulator set',
  () => startEmulators(),
  (s) => s.close(),
);
const keep = useSdkClients();
const key = (jobId: string): BatchKey => ({ provider: 'AWS_BATCH', region: 'us-east-1', jobId });
const SOURCE = 'batch:us-east-1:source';

async function rebuilt(jobId: string) {
  const batch = keep(new BatchClient(demoSdkConfig(set.batch.url)));
  const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
  const record = parseJob(key(jobId), jobs![0]);
  const body = submitBody(record, SOURCE, 'k'.repeat(64)) as unknown as SubmitJobCommandInput;
  const { jobId: made } = await batch.send(new SubmitJobCommand(body));
  const described = await batch.send(new DescribeJobsCommand({ jobs: [made!] }));
  return { was: jobs![0]!, body, made: described.jobs![0]! };
}

describe('AWS Batch rerun: SubmitJob rebuilt from the described job', () => {
  it.each([
    ['a failed container job', BATCH_JOB_IDS.failed],
    ['an out-of-memory one', BATCH_JOB_IDS.outOfMemory],
    ['a multi-node job', BATCH_JOB_IDS.multiNode],
    ['an array job', BATCH_JOB_IDS.arrayParent],
    ['an EKS job', BATCH_JOB_IDS.eks],
  ])(
    '%s: the same definition, queue, name and parameters, its tags and two of jobgraph',
    async (_, jobId) => {
      const { was, body, made } = await rebuilt(jobId);
      expect(made.jobDefinition).toBe(was.jobDefinition);
      expect(made.jobQueue).toBe(was.jobQueue);
      expect(made.jobName).toBe(was.jobName);
      expect(made.parameters ?? {}).toEqual(was.parameters ?? {});
      expect(made.tags).toMatchObject({
        ...Object.fromEntries(
          Object.entries(was.tags ?? {}).filter(([k]) => !k.startsWith('aws:')),
        ),
        'jobgraph:rerun-of': SOURCE,
        'jobgraph:rerun-key': 'k'.repeat(64),
      });
      expect(body.dependsOn).toBeUndefined();
      if (was.container) expect(made.container?.command).toEqual(was.container.command);
      if (was.nodeProperties)
        expect(body.nodeOverrides?.numNodes).toBe(was.nodeProperties.numNodes);
      if (was.eksProperties)
        expect(body.eksPropertiesOverride?.podProperties?.containers?.length).toBeGreaterThan(0);
      if (was.arrayProperties?.size)
        expect(body.arrayProperties).toEqual({ size: was.arrayProperties.size });
    },
  );

  it("reruns an array child's or a node's parent", () => {
    const parent = BATCH_JOB_IDS.arrayParent;
    expect(BATCH_RERUN.subject(key(`${parent}:3`))).toEqual(key(parent));
    expect(BATCH_RERUN.subject(key(`${BATCH_JOB_IDS.multiNode}#1`))).toEqual(
      key(BATCH_JOB_IDS.multiNode),
    );
    expect(BATCH_RERUN.subject(key(parent))).toEqual(key(parent));
  });
});
