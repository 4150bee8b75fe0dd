import { describe, expect, it } from 'vitest';
import { batchLogPlace } from '../../../src/datasources/batch/logPlace.ts';
import { parse } from '../../../src/datasources/batch/parse.ts';
import { BATCH_JOB_IDS, batchDemoJobs } from '@jobgraph/emulators/batch/data';

/** The demo jobs as jobgraph reads them (DescribeJobs' records, parsed). */
const { listed, children } = batchDemoJobs(Date.parse('2026-11-27T12:00:00Z'));
const record = (jobId: string) => {
  const wire = [...listed, ...children].find((j) => j.jobId === jobId);
  return parse({ provider: 'AWS_BATCH', region: 'us-east-1', jobId }, { jobs: [wire] });
};
const streamOf = (jobId: string) =>
  ([...listed, ...children].find((j) => j.jobId === jobId)?.container as { logStreamName: string })
    .logStreamName;

describe('An AWS Batch job’s log place', () => {
  /** The place of `jobId`'s last attempt: its stream in the definition's group, in us-east-1. */
  const expectStreamPlace = (jobId: string, finished: boolean) =>
    expect(batchLogPlace(record(jobId), null)).toEqual({
      region: 'us-east-1',
      group: '/aws/batch/job',
      stream: streamOf(jobId),
      finished,
    });

  it('is a finished attempt’s stream in the group its definition names', () => {
    expectStreamPlace(BATCH_JOB_IDS.failed, true);
    expect(batchLogPlace(record(BATCH_JOB_IDS.failed), 1)).toMatchObject({ finished: true });
  });

  it('is the running attempt’s stream, not finished, for a running job', () => {
    expectStreamPlace(BATCH_JOB_IDS.running, false);
  });

  it('is each array child’s and each node’s own; a multi-node parent says to ask a node', () => {
    const child = batchLogPlace(record(`${BATCH_JOB_IDS.arrayParent}:2`), null);
    const node = batchLogPlace(record(`${BATCH_JOB_IDS.multiNode}#1`), null);
    expect(child).toMatchObject({ stream: streamOf(`${BATCH_JOB_IDS.arrayParent}:2`) });
    expect(node).toMatchObject({ stream: streamOf(`${BATCH_JOB_IDS.multiNode}#1`) });
    expect(batchLogPlace(record(BATCH_JOB_IDS.multiNode), null)).toEqual({
      unavailable: "a multi-node job's lines are in each node's own stream: ask a node",
    });
  });

  it('says why there is none: another log driver, not started, EKS', () => {
    expect(batchLogPlace(record(BATCH_JOB_IDS.terminated), null)).toEqual({
      unavailable: 'its log driver is splunk, not awslogs: its lines are not in CloudWatch Logs',
    });
    expect(batchLogPlace(record(BATCH_JOB_IDS.submitted), null)).toEqual({
      unavailable: 'not started: no log stream yet',
    });
    expect(batchLogPlace(record(BATCH_JOB_IDS.eks), null)).toMatchObject({
      unavailable: expect.stringMatching(/EKS/) as string,
    });
  });

  it('refuses an attempt the job has not made', () => {
    expect(() => batchLogPlace(record(BATCH_JOB_IDS.failed), 2)).toThrow(RangeError);
    expect(() => batchLogPlace(record(BATCH_JOB_IDS.failed), 0)).toThrow(RangeError);
  });
});
