import {
  BatchClient,
  ClientException,
  DescribeJobsCommand,
  GetJobQueueSnapshotCommand,
  SubmitJobCommand,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BATCH_JOB_IDS,
  ETL_QUEUE,
  HIGH_PRIORITY_QUEUE,
  SPOT_QUEUE,
} from '@jobgraph/emulators/batch/data';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import { FRONT_MAX_JOBS } from '@jobgraph/emulators/batch/queueSnapshot';
import {
  BATCH_SECOND_ACCOUNT_JOB_IDS,
  BATCH_SECOND_ACCOUNT_QUEUES,
} from '@jobgraph/emulators/batch/secondAccount';
import {
  createEmulatorAccounts,
  DEMO_SECOND_AWS_ACCOUNT,
  type EmulatorAccounts,
} from '@jobgraph/emulators/accounts';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { useSdkClients } from '../../support/sdkClients.ts';

/**
 * GetJobQueueSnapshot of the AWS Batch emulator, held to @aws-sdk/client-batch: a queue's front
 * (its RUNNABLE jobs, oldest first, at most 100), each job's `earliestTimeAtPosition` (when it
 * reached its place: became RUNNABLE, or the last job ahead of it left or arrived), the vCPUs its
 * STARTING and RUNNING jobs hold; jobs moved with the emulator's switches move the front; an
 * unknown queue is a ClientException. Each test has its own emulator on a clock it moves; the
 * clock stays in the progressing job's SUBMITTED phase (0–4 s of its cycle) unless a test says so.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let clock = EPOCH + 1_000;
const running: RunningEmulator[] = [];
afterAll(async () => {
  await Promise.all(running.map((e) => e.close()));
});
// Registered after the emulators' afterAll: destroyed first (after hooks run as a stack).
const keep = useSdkClients();

async function fresh(accounts?: EmulatorAccounts): Promise<RunningEmulator> {
  clock = EPOCH + 1_000;
  const emu = await startEmulator(
    createBatchEmulator({ now: () => clock, epochMs: EPOCH, ...(accounts ? { accounts } : {}) }),
  );
  running.push(emu);
  return emu;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function batch(
  emu: RunningEmulator,
  credentials: Credentials = DEMO_AWS_CREDENTIALS,
  region = 'us-east-1',
) {
  return keep(
    new BatchClient({
      region,
      maxAttempts: 1,
      credentials: { ...credentials },
      endpoint: emu.url,
      systemClockOffset: clock - Date.now(),
    }),
  );
}

const snapshot = (emu: RunningEmulator, jobQueue: string) =>
  batch(emu).send(new GetJobQueueSnapshotCommand({ jobQueue }));

async function describeJobs(emu: RunningEmulator, ids: string[]): Promise<JobDetail[]> {
  const out = await batch(emu).send(new DescribeJobsCommand({ jobs: ids }));
  return ids.map((id) => out.jobs!.find((j) => j.jobId === id)!);
}

const J = BATCH_JOB_IDS;
const child4 = `${J.arrayParent}:4`;
const FRONT = [child4, J.queued, J.queuedNext, J.tooLarge];

describe('AWS Batch emulator GetJobQueueSnapshot through @aws-sdk/client-batch', () => {
  it('answers the high-priority queue’s front oldest first, each job since it reached its place, and the vCPUs its running jobs hold', async () => {
    const emu = await fresh();
    const out = await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueName);
    const front = await describeJobs(emu, FRONT);
    expect(front.map((j) => j.status)).toEqual(FRONT.map(() => 'RUNNABLE'));
    // The array child waited behind its siblings: it holds its place since the last of them started.
    const siblings = await describeJobs(
      emu,
      [0, 1, 2, 3].map((i) => `${J.arrayParent}:${i}`),
    );
    const lastStart = Math.max(...siblings.map((j) => j.startedAt!));
    expect(out.frontOfQueue).toEqual({
      jobs: [
        { jobArn: front[0]!.jobArn, earliestTimeAtPosition: lastStart },
        ...front.slice(1).map((j) => ({ jobArn: j.jobArn, earliestTimeAtPosition: j.createdAt })),
      ],
      lastUpdatedAt: clock,
    });
    // The running alignment and the running array child, 4 vCPUs each.
    const holding = await describeJobs(emu, [J.running, `${J.arrayParent}:3`]);
    expect(holding.map((j) => [j.status, j.container?.resourceRequirements])).toEqual(
      holding.map(() => [
        'RUNNING',
        [
          { type: 'VCPU', value: '4' },
          { type: 'MEMORY', value: '8192' },
        ],
      ]),
    );
    expect(out.queueUtilization).toEqual({
      totalCapacityUsage: [{ capacityUnit: 'VCPU', quantity: 8 }],
      lastUpdatedAt: clock,
    });
    expect(out.frontOfQuotaShares).toBeUndefined();
    // The queue's ARN names it too.
    const byArn = await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueArn);
    expect(byArn.frontOfQueue).toEqual(out.frontOfQueue);
  });

  it('moves the jobs behind up when the head starts, and back when an older job becomes RUNNABLE, each at that time', async () => {
    const emu = await fresh();
    clock = EPOCH + 2_000;
    emu.jobs!.changeState(child4, 'RUNNING');
    const [queued, queuedNext, tooLarge] = await describeJobs(emu, FRONT.slice(1));
    const moved = await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueName);
    expect(moved.frontOfQueue?.jobs).toEqual(
      [queued, queuedNext, tooLarge].map((j) => ({
        jobArn: j!.jobArn,
        earliestTimeAtPosition: EPOCH + 2_000,
      })),
    );
    expect(moved.queueUtilization?.totalCapacityUsage).toEqual([
      { capacityUnit: 'VCPU', quantity: 12 },
    ]);
    // The SUBMITTED alignment is older than all three: RUNNABLE, it goes ahead of them.
    clock = EPOCH + 3_000;
    emu.jobs!.changeState(J.submitted, 'RUNNABLE');
    const [submitted] = await describeJobs(emu, [J.submitted]);
    expect(submitted!.createdAt).toBeLessThan(queued!.createdAt!);
    const back = await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueName);
    expect(back.frontOfQueue?.jobs).toEqual(
      [submitted, queued, queuedNext, tooLarge].map((j) => ({
        jobArn: j!.jobArn,
        earliestTimeAtPosition: EPOCH + 3_000,
      })),
    );
  });

  it('puts the progressing job at the back of the front while it is RUNNABLE, since it became so', async () => {
    const emu = await fresh();
    clock = EPOCH + 10_000;
    const out = await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueName);
    const last = out.frontOfQueue!.jobs!.at(-1)!;
    const jobId = last.jobArn!.split('/').pop()!;
    const [progressing] = await describeJobs(emu, [jobId]);
    expect(progressing).toMatchObject({ status: 'RUNNABLE', createdAt: EPOCH });
    expect(out.frontOfQueue!.jobs).toHaveLength(FRONT.length + 1);
    // Its cycle: SUBMITTED 0–4 s, PENDING 4–8 s, RUNNABLE from 8 s.
    expect(last.earliestTimeAtPosition).toBe(EPOCH + 8_000);
  });

  it('answers the spot queue’s blocked job, and the vCPUs of the multi-node job’s nodes', async () => {
    const emu = await fresh();
    const [runnable] = await describeJobs(emu, [J.runnable]);
    const spot = await snapshot(emu, SPOT_QUEUE.jobQueueName);
    expect(spot.frontOfQueue?.jobs).toEqual([
      { jobArn: runnable!.jobArn, earliestTimeAtPosition: runnable!.createdAt },
    ]);
    // Three nodes, 4 vCPUs each (their parent asks none itself).
    expect(spot.queueUtilization?.totalCapacityUsage).toEqual([
      { capacityUnit: 'VCPU', quantity: 12 },
    ]);
    expect(spot.queueUtilization?.fairshareUtilization).toBeUndefined();
  });

  describe('the second account’s fair-share queue', () => {
    const queue = BATCH_SECOND_ACCOUNT_QUEUES[0]!;
    async function staging() {
      const accounts = createEmulatorAccounts();
      const emu = await fresh(accounts);
      const session = accounts.issueSession(
        accounts.role(DEMO_SECOND_AWS_ACCOUNT.roleArn)!,
        'test',
        clock,
        3600,
      );
      const client = batch(emu, session);
      const read = async () =>
        client.send(new GetJobQueueSnapshotCommand({ jobQueue: queue.jobQueueArn }));
      const described = async (id: string) =>
        (await client.send(new DescribeJobsCommand({ jobs: [id] }))).jobs![0]!;
      return { emu, client, read, described };
    }

    it('answers its waiting job, and the vCPUs each share holds', async () => {
      const { emu, read, described } = await staging();
      const out = await read();
      const waiting = await described(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable);
      expect(out.frontOfQueue?.jobs).toEqual([
        { jobArn: waiting.jobArn, earliestTimeAtPosition: waiting.createdAt },
      ]);
      const running = await described(BATCH_SECOND_ACCOUNT_JOB_IDS.running);
      expect([running.status, running.shareIdentifier]).toEqual(['RUNNING', 'etl']);
      expect(out.queueUtilization).toEqual({
        totalCapacityUsage: [{ capacityUnit: 'VCPU', quantity: 4 }],
        fairshareUtilization: {
          activeShareCount: 1,
          topCapacityUtilization: [
            { shareIdentifier: 'etl', capacityUsage: [{ capacityUnit: 'VCPU', quantity: 4 }] },
          ],
        },
        lastUpdatedAt: clock,
      });
      // The default account has no such queue.
      await expect(snapshot(emu, queue.jobQueueName)).rejects.toBeInstanceOf(ClientException);
    });

    it('places the next job from the share using the fewest vCPUs, not the oldest; an arrival re-ranks them all', async () => {
      const { emu, client, read, described } = await staging();
      const running = await described(BATCH_SECOND_ACCOUNT_JOB_IDS.running);
      const submit = async (name: string, shareIdentifier: string) => {
        clock += 1_000;
        const out = await client.send(
          new SubmitJobCommand({
            jobName: name,
            jobQueue: queue.jobQueueName,
            jobDefinition: running.jobDefinition,
            shareIdentifier,
          }),
        );
        emu.jobs!.changeState(out.jobId!, 'RUNNABLE', { account: 'staging' });
        return out.jobArn!;
      };
      const etlFirst = await submit('etl-first', 'etl');
      const etlSecond = await submit('etl-second', 'etl');
      const mlNewest = await submit('ml-newest', 'ml');
      const smoke = await described(BATCH_SECOND_ACCOUNT_JOB_IDS.runnable);
      expect(smoke.shareIdentifier).toBe('ml');
      const out = await read();
      // ml holds nothing: its oldest goes first; then etl (4 + 0) ties ml (0 + 4) and etl's next is
      // older; then ml (4) is below etl (8), so the newest job goes before the older etl one.
      expect(out.frontOfQueue?.jobs).toEqual(
        [smoke.jobArn, etlFirst, mlNewest, etlSecond].map((jobArn) => ({
          jobArn,
          earliestTimeAtPosition: clock,
        })),
      );
    });
  });

  it('refuses a queue the region does not have, and a body without one, with ClientException', async () => {
    const emu = await fresh();
    const unknown = await snapshot(emu, 'no-such-queue').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ClientException);
    expect((unknown as ClientException).message).toBe('JobQueue no-such-queue not found.');
    expect((unknown as ClientException).$metadata.httpStatusCode).toBe(400);
    const elsewhere = batch(emu, DEMO_AWS_CREDENTIALS, 'eu-west-1').send(
      new GetJobQueueSnapshotCommand({ jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName }),
    );
    await expect(elsewhere).rejects.toBeInstanceOf(ClientException);
    await expect(
      batch(emu).send(new GetJobQueueSnapshotCommand({ jobQueue: '' })),
    ).rejects.toBeInstanceOf(ClientException);
  });

  it('holds at most 100 jobs in the front: the oldest', async () => {
    const emu = await fresh();
    const [template] = await describeJobs(emu, [J.cancelled]);
    const made: string[] = [];
    for (let i = 0; i <= FRONT_MAX_JOBS; i++) {
      clock = EPOCH + 1_000 + i;
      const out = await batch(emu).send(
        new SubmitJobCommand({
          jobName: `etl-front-${i}`,
          jobQueue: ETL_QUEUE.jobQueueName,
          jobDefinition: template!.jobDefinition,
        }),
      );
      emu.jobs!.changeState(out.jobId!, 'RUNNABLE');
      made.push(out.jobArn!);
    }
    const out = await snapshot(emu, ETL_QUEUE.jobQueueArn);
    expect(out.frontOfQueue?.jobs?.map((j) => j.jobArn)).toEqual(made.slice(0, FRONT_MAX_JOBS));
  });

  it('answers nothing to a request not signed with a known key: 403, no front', async () => {
    const emu = await fresh();
    const forged = batch(emu, { ...DEMO_AWS_CREDENTIALS, secretAccessKey: 'not-the-secret' });
    const refused = await forged
      .send(new GetJobQueueSnapshotCommand({ jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName }))
      .catch(
        (e: unknown) => e as { $metadata?: { httpStatusCode?: number }; frontOfQueue?: unknown },
      );
    expect(refused.$metadata?.httpStatusCode).toBe(403);
    expect(refused.frontOfQueue).toBeUndefined();
    expect(emu.calls.map((c) => [c.operation, c.status])).toEqual([
      [`GetJobQueueSnapshot ${HIGH_PRIORITY_QUEUE.jobQueueName}`, 403],
    ]);
  });

  it('logs each call as GetJobQueueSnapshot and the queue asked for', async () => {
    const emu = await fresh();
    await snapshot(emu, HIGH_PRIORITY_QUEUE.jobQueueName);
    await snapshot(emu, SPOT_QUEUE.jobQueueArn);
    await snapshot(emu, 'no-such-queue').catch(() => undefined);
    expect(emu.calls.map((c) => [c.operation, c.status])).toEqual([
      [`GetJobQueueSnapshot ${HIGH_PRIORITY_QUEUE.jobQueueName}`, 200],
      [`GetJobQueueSnapshot ${SPOT_QUEUE.jobQueueArn}`, 200],
      ['GetJobQueueSnapshot no-such-queue', 400],
    ]);
  });
});
