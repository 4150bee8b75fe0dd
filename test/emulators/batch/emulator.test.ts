import {
  BatchClient,
  ClientException,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  ServerException,
  type JobSummary,
  type KeyValuesPair,
} from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import { createEmulatorAccounts, DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import {
  BATCH_SECOND_ACCOUNT_JOB_IDS,
  BATCH_SECOND_ACCOUNT_QUEUES,
} from '@jobgraph/emulators/batch/secondAccount';
import {
  BATCH_ERROR_CASE_IDS,
  BATCH_JOB_IDS,
  BATCH_DEMO_SECRET_VALUE,
  ETL_QUEUE,
  HIGH_PRIORITY_QUEUE,
} from '@jobgraph/emulators/batch/data';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import { DEMO_JOB_QUEUES } from '@jobgraph/emulators/batch/queueData';
import {
  BATCH_PROGRESS_PHASES,
  BATCH_PROGRESSING_RUNS,
} from '@jobgraph/emulators/batch/progressing';
import { LIST_START } from '../listHarness.ts';
import { useBatchHarness } from './batchHarness.ts';
import { sdkPages } from '../listWalk.ts';
import { signedAws } from '../listClient.ts';

const { harness, emulator, sdk } = useBatchHarness();
const UNKNOWN = '0badc0de-0000-4000-8000-000000000000';
/** The progressing job of the first cycle (the harness's clock starts it at LIST_START). */
const BATCH_PROGRESSING_JOB_ID = BATCH_PROGRESSING_RUNS.idAt(LIST_START);

/** Every page of a ListJobs walk through the SDK. */
async function walk(
  emu: RunningEmulator,
  input: {
    jobQueue?: string;
    arrayJobId?: string;
    multiNodeJobId?: string;
    filters?: KeyValuesPair[];
    jobStatus?: string;
  },
  maxResults?: number,
) {
  return sdkPages<JobSummary>(async (nextToken) => {
    const out = await sdk(emu).send(
      new ListJobsCommand({
        ...input,
        ...(maxResults ? { maxResults } : {}),
        ...(nextToken ? { nextToken } : {}),
      } as never),
    );
    return { items: out.jobSummaryList, next: out.nextToken };
  });
}

const EVERY_STATUS: KeyValuesPair[] = [{ name: 'AFTER_CREATED_AT', values: ['0'] }];

describe('AWS Batch emulator through @aws-sdk/client-batch', () => {
  it('DescribeJobs answers the known jobs and leaves unknown IDs out, times in epoch ms', async () => {
    const emu = await emulator();
    const out = await sdk(emu).send(
      new DescribeJobsCommand({
        jobs: [BATCH_JOB_IDS.succeeded, UNKNOWN, BATCH_JOB_IDS.submitted, BATCH_JOB_IDS.succeeded],
      }),
    );
    expect(out.jobs?.map((j) => j.jobId)).toEqual([
      BATCH_JOB_IDS.succeeded,
      BATCH_JOB_IDS.submitted,
    ]);
    const [done, submitted] = out.jobs!;
    expect(done!.status).toBe('SUCCEEDED');
    expect(typeof done!.createdAt).toBe('number');
    expect(done!.startedAt! > done!.createdAt!).toBe(true);
    expect(done!.stoppedAt! > done!.startedAt!).toBe(true);
    expect(done!.container?.environment).toContainEqual({
      name: 'DB_PASSWORD',
      value: BATCH_DEMO_SECRET_VALUE,
    });
    expect(done!.container?.secrets?.[0]?.valueFrom).toMatch(/^arn:aws:secretsmanager:/);
    expect(done!.attempts?.[0]?.container?.exitCode).toBe(0);
    expect(submitted!.status).toBe('SUBMITTED');
    expect(submitted!.startedAt).toBeUndefined();
    expect(submitted!.stoppedAt).toBeUndefined();
  });

  it('describes the array job with its status summary, its children and the multi-node job’s nodes', async () => {
    const emu = await emulator();
    const parent = BATCH_JOB_IDS.arrayParent;
    const out = await sdk(emu).send(
      new DescribeJobsCommand({
        jobs: [parent, `${parent}:2`, `${BATCH_JOB_IDS.multiNode}#1`, BATCH_JOB_IDS.multiNode],
      }),
    );
    const byId = new Map(out.jobs!.map((j) => [j.jobId, j]));
    expect(byId.get(parent)!.arrayProperties?.size).toBe(5);
    expect(byId.get(parent)!.arrayProperties?.statusSummary).toMatchObject({
      SUCCEEDED: 2,
      FAILED: 1,
      RUNNING: 1,
      RUNNABLE: 1,
    });
    expect(byId.get(`${parent}:2`)).toMatchObject({
      status: 'FAILED',
      arrayProperties: { index: 2 },
    });
    expect(byId.get(`${BATCH_JOB_IDS.multiNode}#1`)!.nodeDetails).toEqual({
      nodeIndex: 1,
      isMainNode: false,
    });
    expect(byId.get(BATCH_JOB_IDS.multiNode)!.nodeProperties).toMatchObject({
      numNodes: 3,
      mainNode: 0,
    });
    const cancelled = await sdk(emu).send(
      new DescribeJobsCommand({ jobs: [BATCH_JOB_IDS.cancelled, BATCH_JOB_IDS.terminated] }),
    );
    expect(cancelled.jobs!.map((j) => [j.status, j.isCancelled, j.isTerminated])).toEqual([
      ['FAILED', true, false],
      ['FAILED', false, true],
    ]);
  });

  it('refuses more than 100 IDs and answers the error-case IDs as the service does', async () => {
    const emu = await emulator();
    const ids = Array.from(
      { length: 101 },
      (_, i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
    );
    await expect(sdk(emu).send(new DescribeJobsCommand({ jobs: ids }))).rejects.toBeInstanceOf(
      ClientException,
    );
    const hundred = await sdk(emu).send(new DescribeJobsCommand({ jobs: ids.slice(0, 100) }));
    expect(hundred.jobs).toEqual([]);
    await expect(
      sdk(emu).send(new DescribeJobsCommand({ jobs: [BATCH_ERROR_CASE_IDS.serverError] })),
    ).rejects.toBeInstanceOf(ServerException);
    const throttled = await sdk(emu)
      .send(new DescribeJobsCommand({ jobs: [BATCH_ERROR_CASE_IDS.throttled] }))
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    expect(throttled).toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    const raw = await signedAws(emu, {
      service: 'batch',
      region: 'us-east-1',
      method: 'POST',
      path: '/v1/describejobs',
      query: {},
      body: JSON.stringify({ jobs: [BATCH_ERROR_CASE_IDS.clientError] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(raw.status).toBe(400);
    expect(raw.headers['x-amzn-errortype']).toBe('ClientException');
    expect(raw.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(raw.body)).toEqual({ message: expect.any(String) });
  });

  it('refuses a request signed for another service', async () => {
    const emu = await emulator();
    const raw = await signedAws(emu, {
      service: 'omics',
      region: 'us-east-1',
      method: 'POST',
      path: '/v1/describejobs',
      query: {},
      body: '{"jobs":[]}',
      headers: { 'content-type': 'application/json' },
    });
    expect(raw.status).toBe(403);
    expect(raw.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
  });

  it('ListJobs with a filter lists every status newest first, paged; without one only RUNNING', async () => {
    const emu = await emulator();
    const pages = await walk(
      emu,
      { jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName, filters: EVERY_STATUS },
      2,
    );
    expect(pages.length).toBeGreaterThan(1);
    const all = pages.flat();
    const created = all.map((j) => j.createdAt!);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(all.map((j) => j.status)).toEqual(
      expect.arrayContaining(['SUCCEEDED', 'FAILED', 'RUNNING', 'SUBMITTED', 'PENDING']),
    );
    expect(all.some((j) => j.jobId === BATCH_PROGRESSING_JOB_ID)).toBe(true);
    expect(all.some((j) => j.jobId?.includes(':'))).toBe(false);
    const parent = all.find((j) => j.jobId === BATCH_JOB_IDS.arrayParent)!;
    expect(parent.arrayProperties?.size).toBe(5);
    const running = (await walk(emu, { jobQueue: HIGH_PRIORITY_QUEUE.jobQueueArn })).flat();
    expect(running.map((j) => j.status)).toEqual(running.map(() => 'RUNNING'));
    expect(running.map((j) => j.jobId)).toContain(BATCH_JOB_IDS.running);
    const etl = (
      await walk(emu, {
        jobQueue: ETL_QUEUE.jobQueueName,
        filters: [{ name: 'JOB_NAME', values: ['ETL-REF*'] }],
      })
    ).flat();
    expect(etl.map((j) => j.jobId)).toEqual([BATCH_JOB_IDS.pending]);
  });

  it('ListJobs lists an array job’s children and a multi-node job’s nodes', async () => {
    const emu = await emulator();
    const children = (
      await walk(emu, { arrayJobId: BATCH_JOB_IDS.arrayParent, filters: EVERY_STATUS })
    ).flat();
    expect(children.map((j) => j.jobId).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${BATCH_JOB_IDS.arrayParent}:${i}`),
    );
    const nodes = (
      await walk(emu, { multiNodeJobId: BATCH_JOB_IDS.multiNode, jobStatus: 'RUNNING' })
    ).flat();
    expect(nodes.map((j) => j.nodeProperties?.nodeIndex).sort()).toEqual([0, 1, 2]);
  });

  it('DescribeJobQueues pages the demo region’s five queues (its service-job queue last); other regions have none', async () => {
    const emu = await emulator();
    const first = await sdk(emu).send(new DescribeJobQueuesCommand({ maxResults: 2 }));
    expect(first.jobQueues).toHaveLength(2);
    const second = await sdk(emu).send(
      new DescribeJobQueuesCommand({ maxResults: 2, nextToken: first.nextToken! }),
    );
    const third = await sdk(emu).send(
      new DescribeJobQueuesCommand({ maxResults: 2, nextToken: second.nextToken! }),
    );
    const pages = [first, second, third];
    expect(pages.flatMap((p) => p.jobQueues!.map((q) => q.jobQueueName))).toEqual(
      DEMO_JOB_QUEUES.map((q) => q.jobQueueName),
    );
    expect(third.jobQueues!.map((q) => q.jobQueueType)).toEqual(['SAGEMAKER_TRAINING']);
    expect(third.nextToken).toBeUndefined();
    expect(first.jobQueues![0]).toMatchObject({
      state: 'ENABLED',
      status: 'VALID',
      computeEnvironmentOrder: [{ order: 1 }],
    });
    const elsewhere = await sdk(emu, 'eu-west-1').send(new DescribeJobQueuesCommand({}));
    expect(elsewhere.jobQueues).toEqual([]);
  });

  it('the progressing job moves through every status on the clock', async () => {
    const emu = await emulator();
    const seen: string[] = [];
    for (const phase of BATCH_PROGRESS_PHASES) {
      harness.now = LIST_START + phase.fromMs;
      const out = await sdk(emu).send(
        new DescribeJobsCommand({ jobs: [BATCH_PROGRESSING_JOB_ID] }),
      );
      const job = out.jobs![0]!;
      seen.push(job.status!);
      if (job.status === 'SUCCEEDED') expect(job.stoppedAt).toBe(LIST_START + phase.fromMs);
      if (job.status === 'SUBMITTED') expect(job.startedAt).toBeUndefined();
    }
    expect(seen).toEqual(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
  });

  it('a big account holds jobsPerSource jobs in each queue', async () => {
    const emu = await harness.start(
      createBatchEmulator({ now: () => harness.now, epochMs: LIST_START, jobsPerSource: 250 }),
    );
    const all = (
      await walk(emu, { jobQueue: ETL_QUEUE.jobQueueName, filters: EVERY_STATUS })
    ).flat();
    expect(all).toHaveLength(250);
    expect(new Set(all.map((j) => j.jobId)).size).toBe(250);
    const described = await sdk(emu).send(
      new DescribeJobsCommand({ jobs: all.slice(0, 100).map((j) => j.jobId!) }),
    );
    expect(described.jobs).toHaveLength(100);
  });

  it('the second account’s session sees its own queue and jobs only', async () => {
    const accounts = createEmulatorAccounts();
    const emu = await harness.start(
      createBatchEmulator({ now: () => harness.now, epochMs: LIST_START, accounts }),
    );
    const session = accounts.issueSession(
      accounts.role(DEMO_SECOND_AWS_ACCOUNT.roleArn)!,
      'test',
      harness.now,
      3600,
    );
    const staging = harness.client(
      new BatchClient({
        ...harness.sdkOptions(emu),
        credentials: {
          accessKeyId: session.accessKeyId,
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
        },
      }),
    );
    const queues = await staging.send(new DescribeJobQueuesCommand({}));
    expect(queues.jobQueues?.map((q) => q.jobQueueName)).toEqual(
      BATCH_SECOND_ACCOUNT_QUEUES.map((q) => q.jobQueueName),
    );
    const shared = await staging.send(
      new DescribeJobsCommand({
        jobs: [BATCH_SECOND_ACCOUNT_JOB_IDS.shared, BATCH_JOB_IDS.failed],
      }),
    );
    expect(shared.jobs?.map((j) => [j.jobId, j.status])).toEqual([
      [BATCH_JOB_IDS.succeeded, 'FAILED'],
    ]);
    const listed = await staging.send(
      new ListJobsCommand({ jobQueue: 'staging-default', filters: EVERY_STATUS }),
    );
    expect(listed.jobSummaryList).toHaveLength(4);
  });
});
