// Job queues in the graph and why a job waits (issue 103): through a compiled gateway in live mode
// (bin/jobgraph.mjs) on the emulators, its default configuration but the emulators' endpoints.
// `jobQueues` agrees with DescribeJobQueues and DescribeComputeEnvironments read by
// @aws-sdk/client-batch; 50 callers at once make one description of the region; a waiting job's
// first reason is read from its queue's environments; a caller's grant decides which queues exist.
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  GetJobQueueSnapshotCommand,
} from '@aws-sdk/client-batch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { demoSdkConfig, useSdkClients } from '../support/sdkClients.ts';

const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
const batchId = (name: keyof typeof BATCH_JOB_IDS) =>
  example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];

const QUEUES = `query($filter: JobQueueFilter) { jobQueues(filter: $filter) { id provider name arn accountAlias region state status statusReason priority computeEnvironments { name arn type state status statusReason minvCpus desiredvCpus maxvCpus instanceTypes } counts { state jobs } waitSeconds { samples p50 p90 } } }`;
const WAITING = `query($id: ID!) { job(id: $id) { id state waiting { position since reasons { code message evidence } } } }`;

interface Answer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const keep = useSdkClients();
/** How a test labels the calls of the default account (RecordedCall.account is absent for them). */
const DEFAULT_ACCOUNT_LABEL = 'default';

describe('job queues through a gateway on the emulators', () => {
  let emulators: EmulatorSet;
  let gateway: LiveProcess;
  const tokens = { all: '', none: '' };
  beforeAll(async () => {
    emulators = await startEmulators();
    tokens.all = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    tokens.none = await mintToken({
      secret: SHARED_SECRET,
      scopes: ['jobs:read'],
      accounts: ['nobody'],
    });
    gateway = await startLiveProcess(replicaEnv(emulators, null, 500));
  });
  afterAll(async () => {
    await kill(gateway?.child);
    await emulators?.close();
  });

  const ask = async <T>(token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer<T>;
  };
  const described = () =>
    emulators.batch.calls.filter((c) =>
      /^Describe(JobQueues|ComputeEnvironments)/.test(c.operation),
    );

  it('answers every queue of the region as DescribeJobQueues and DescribeComputeEnvironments say, once for 50 callers at once', async () => {
    const before = described().length;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => ask<{ jobQueues: Queue[] }>(tokens.all, QUEUES)),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    // One DescribeJobQueues and one DescribeComputeEnvironments for all 50, in each account.
    const calls = described().slice(before);
    const accounts = [DEFAULT_ACCOUNT_LABEL, DEMO_SECOND_AWS_ACCOUNT.accountId];
    for (const account of accounts)
      expect(
        calls
          .filter((c) => (c.account ?? DEFAULT_ACCOUNT_LABEL) === account)
          .map((c) => c.operation.split(' ')[0]),
      ).toEqual(['DescribeJobQueues', 'DescribeComputeEnvironments']);
    expect(calls).toHaveLength(4);
    // The default account's queues, then the second account's (JOBGRAPH_AWS_ACCOUNTS).
    const all = answers[0]!.data!.jobQueues;
    expect(new Set(all.map((q) => q.accountAlias))).toEqual(
      new Set(['default', DEMO_SECOND_AWS_ACCOUNT.alias]),
    );
    const queues = all.filter((q) => q.accountAlias === 'default');

    const batch = keep(new BatchClient(demoSdkConfig(emulators.batch.url)));
    const { jobQueues } = await batch.send(new DescribeJobQueuesCommand({}));
    expect(queues.map((q) => q.arn)).toEqual(jobQueues!.map((q) => q.jobQueueArn));
    for (const q of queues) {
      const sdk = jobQueues!.find((x) => x.jobQueueArn === q.arn)!;
      expect(q).toMatchObject({
        provider: 'AWS_BATCH',
        name: sdk.jobQueueName,
        accountAlias: 'default',
        state: sdk.state,
        status: sdk.status,
        statusReason: sdk.statusReason,
        priority: sdk.priority,
      });
      expect(q.id).toBe(`batchqueue:${q.region}:${q.name}`);
      // A service-job queue (SAGEMAKER_TRAINING) names no compute environment: asking for none
      // would answer every one, so none is asked.
      const named = sdk.computeEnvironmentOrder!.map((e) => e.computeEnvironment!);
      const { computeEnvironments } =
        named.length === 0
          ? { computeEnvironments: [] }
          : await batch.send(
              new DescribeComputeEnvironmentsCommand({ computeEnvironments: named }),
            );
      expect(q.computeEnvironments).toEqual(
        computeEnvironments!.map((e) => ({
          name: e.computeEnvironmentName,
          arn: e.computeEnvironmentArn,
          type: e.computeResources?.type ?? e.type,
          state: e.state ?? null,
          status: e.status ?? null,
          statusReason: e.statusReason ?? null,
          minvCpus: e.computeResources?.minvCpus ?? null,
          desiredvCpus: e.computeResources?.desiredvCpus ?? null,
          maxvCpus: e.computeResources?.maxvCpus ?? null,
          instanceTypes: e.computeResources?.instanceTypes ?? [],
        })),
      );
    }
    // History off in this gateway: no counts, no waits; never an error.
    expect(queues[0]!.counts).toEqual([]);
    expect(queues[0]!.waitSeconds).toEqual({ samples: 0, p50: null, p90: null });
  });

  it('says first why a RUNNABLE job waits: its queue’s only compute environment is INVALID, with the evidence', async () => {
    const answer = await ask<{ job: WaitingJob }>(tokens.all, WAITING, { id: batchId('runnable') });
    expect(answer.errors).toBeUndefined();
    const { waiting } = answer.data!.job;
    expect(waiting!.reasons.map((r) => r.code)).toEqual([
      'COMPUTE_ENVIRONMENT_INVALID',
      'QUEUE_BLOCKED',
    ]);
    expect(waiting!.reasons[0]!.evidence).toEqual([
      'computeEnvironment gpu-spot: state ENABLED, status INVALID (CLIENT_ERROR - The instance profile arn:aws:iam::role/ecsInstanceRole does not exist.)',
    ]);
    expect(waiting!.reasons[1]!.evidence[0]).toMatch(
      /^statusReason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/,
    );
  });

  it('says a job too large for every instance type its environments allow waits for that first, and a queued job behind others its place', async () => {
    const large = await ask<{ job: WaitingJob }>(tokens.all, WAITING, { id: batchId('tooLarge') });
    expect(large.errors).toBeUndefined();
    const reasons = large.data!.job.waiting!.reasons;
    expect(reasons[0]!.code).toBe('NO_INSTANCE_TYPE_FITS');
    expect(reasons[0]!.evidence).toEqual([
      'job resourceRequirements: 64 vCPUs, 262144 MiB',
      'computeEnvironment genomics-ondemand: instanceTypes m5.xlarge, m5.2xlarge',
    ]);
    const queued = await ask<{ job: WaitingJob }>(tokens.all, WAITING, {
      id: batchId('queuedNext'),
    });
    const waiting = queued.data!.job.waiting!;
    expect(waiting.position).toBeGreaterThan(1);
    expect(waiting.reasons.map((r) => r.code)).toEqual(['BEHIND_OTHERS']);
  });

  it('says a job that fits an instance type, in a queue whose one environment is at its maxvCpus, waits for that first', async () => {
    const capped = await ask<{ job: WaitingJob }>(tokens.all, WAITING, { id: batchId('capped') });
    expect(capped.errors).toBeUndefined();
    const waiting = capped.data!.job.waiting!;
    // The environment as the SDK reads it: at its maxvCpus, with an instance type the job fits.
    const batch = keep(new BatchClient(demoSdkConfig(emulators.batch.url)));
    const { computeEnvironments } = await batch.send(
      new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['analytics-ondemand'] }),
    );
    const { desiredvCpus, maxvCpus } = computeEnvironments![0]!.computeResources!;
    expect(desiredvCpus).toBe(maxvCpus);
    expect(waiting.position).toBe(1);
    expect(waiting.reasons.map((r) => r.code)).toEqual(['MAX_VCPUS_REACHED']);
    expect(waiting.reasons[0]!.evidence).toEqual([
      `computeEnvironment analytics-ondemand: desiredvCpus ${desiredvCpus}, maxvCpus ${maxvCpus}`,
    ]);
  });

  it('answers a queue’s front as GetJobQueueSnapshot orders it, each job read through the caller, with a handful of snapshots for 50 callers', async () => {
    const FRONT = `{ jobQueue(id: "batchqueue:us-east-1:genomics-high-priority") { front { position jobArn earliestTimeAtPosition job { id state } } capacityInUse { scope unit quantity } } }`;
    const snapshots = () =>
      emulators.batch.calls.filter((c) => c.operation.startsWith('GetJobQueueSnapshot'));
    const batch = keep(new BatchClient(demoSdkConfig(emulators.batch.url)));
    const snapshot = () =>
      batch.send(new GetJobQueueSnapshotCommand({ jobQueue: 'genomics-high-priority' }));
    // The demo's queue moves with its clock: the gateway's snapshot is one the SDK read before or
    // after the asks (the same one, unless the queue moved in between).
    const sdkBefore = await snapshot();
    const before = snapshots().length;
    const startedAt = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => ask<{ jobQueue: FrontQueue }>(tokens.all, FRONT)),
    );
    // Joined across callers, one snapshot a window (src/queues/book.ts SNAPSHOT_TTL_MS, 5 s): a
    // slow machine spreads the 50 asks over more windows, never more than one call a window.
    const windows = Math.ceil((Date.now() - startedAt) / 5_000) + 1;
    for (const a of answers) expect(a.errors).toBeUndefined();
    expect(snapshots().length - before).toBeLessThanOrEqual(Math.max(2, windows));
    const sdkAfter = await snapshot();
    const { front, capacityInUse } = answers[0]!.data!.jobQueue;
    const sdk = [sdkBefore, sdkAfter].find(
      (s) =>
        s.frontOfQueue!.jobs!.map((j) => j.jobArn).join() === front.map((j) => j.jobArn).join(),
    );
    expect(sdk, 'the front as the SDK read it before or after').toBeDefined();
    expect(front.map((j) => [j.position, j.jobArn])).toEqual(
      sdk!.frontOfQueue!.jobs!.map((j, i) => [i + 1, j.jobArn]),
    );
    expect(front.map((j) => j.earliestTimeAtPosition)).toEqual(
      sdk!.frontOfQueue!.jobs!.map((j) => new Date(j.earliestTimeAtPosition!).toISOString()),
    );
    for (const j of front) expect(j.job).toMatchObject({ state: 'QUEUED' });
    // A caller that shows a few asks (and loads) no more; out of bounds, refused.
    const two = await ask<{ jobQueue: FrontQueue }>(
      tokens.all,
      `{ jobQueue(id: "batchqueue:us-east-1:genomics-high-priority") { front(first: 2) { jobArn } } }`,
    );
    expect(two.data!.jobQueue.front.map((j) => j.jobArn)).toEqual(
      front.slice(0, 2).map((j) => j.jobArn),
    );
    const none = await ask(
      tokens.all,
      `{ jobQueue(id: "batchqueue:us-east-1:genomics-high-priority") { front(first: 0) { jobArn } } }`,
    );
    expect(none.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(capacityInUse).toEqual(
      sdk!.queueUtilization!.totalCapacityUsage!.map((u) => ({
        scope: 'QUEUE',
        unit: u.capacityUnit,
        quantity: u.quantity,
      })),
    );
  });

  it('says why a job waits in its jobUpdates events too, on both transports', async () => {
    for (const transport of TRANSPORTS) {
      const sub = subscribe(
        gateway.url,
        transport,
        'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id waiting { reasons { code } } } }',
        { token: tokens.all, variables: { ids: [batchId('runnable')] } },
      );
      try {
        const event = await sub.next();
        expect(event?.errors).toBeUndefined();
        const codes = (
          event!.data!.jobUpdates as { waiting: { reasons: { code: string }[] } }
        ).waiting.reasons.map((r) => r.code);
        expect(codes[0]).toBe('COMPUTE_ENVIRONMENT_INVALID');
      } finally {
        await sub.close();
      }
    }
  });

  it('says a queue whose head cannot run is blocked, by that job and AWS Batch’s reason; a queue running freely is not', async () => {
    const BLOCKED = `{ spot: jobQueue(id: "batchqueue:us-east-1:ml-training-spot") { blocked { since reason job { id } } } high: jobQueue(id: "batchqueue:us-east-1:genomics-high-priority") { blocked { reason } } }`;
    const answer = await ask<{
      spot: { blocked: { since: string | null; reason: string; job: { id: string } } | null };
      high: { blocked: unknown };
    }>(tokens.all, BLOCKED);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.spot.blocked).toMatchObject({ job: { id: batchId('runnable') } });
    expect(answer.data!.spot.blocked!.reason).toMatch(/^MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/);
    expect(answer.data!.high.blocked).toBeNull();
  });

  it('says a PENDING job waits for the job it depends on; a running job waits for nothing', async () => {
    const pending = await ask<{ job: WaitingJob }>(tokens.all, WAITING, { id: batchId('pending') });
    expect(pending.data!.job.waiting!.reasons.map((r) => r.code)).toEqual(['DEPENDENCY']);
    expect(pending.data!.job.waiting!.reasons[0]!.evidence).toEqual([
      `dependsOn: ${BATCH_JOB_IDS.starting}`,
    ]);
    const running = await ask<{ job: WaitingJob }>(tokens.all, WAITING, { id: batchId('running') });
    expect(running.data!.job).toMatchObject({ state: 'IN_PROGRESS', waiting: null });
  });

  it('answers a caller who reads no account no queue, and FORBIDDEN by ID, with no call; other providers have none', async () => {
    const before = emulators.batch.calls.length;
    const none = await ask<{ jobQueues: Queue[] }>(tokens.none, QUEUES);
    expect(none).toEqual({ data: { jobQueues: [] } });
    const one = await ask<{ jobQueue: Queue | null }>(
      tokens.none,
      `{ jobQueue(id: "batchqueue:us-east-1:nightly-etl") { name } }`,
    );
    expect(one.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(emulators.batch.calls.slice(before)).toEqual([]);
    const cos = await ask<{ jobQueues: Queue[] }>(tokens.all, QUEUES, {
      filter: { providers: ['TENCENT_COS_BATCH'] },
    });
    expect(cos).toEqual({ data: { jobQueues: [] } });
    const missing = await ask<{ jobQueue: Queue | null }>(
      tokens.all,
      `{ jobQueue(id: "batchqueue:us-east-1:no-such-queue") { name } }`,
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

interface Queue {
  id: string;
  accountAlias: string;
  arn: string;
  name: string;
  region: string;
  computeEnvironments: unknown[];
  counts: unknown[];
  waitSeconds: unknown;
}
interface FrontQueue {
  front: {
    position: number;
    jobArn: string;
    earliestTimeAtPosition: string | null;
    job: { id: string; state: string } | null;
  }[];
  capacityInUse: unknown[];
}
interface WaitingJob {
  state: string;
  waiting: {
    position: number | null;
    reasons: { code: string; message: string; evidence: string[] }[];
  } | null;
}
