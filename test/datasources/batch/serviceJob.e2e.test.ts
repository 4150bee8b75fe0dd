// AWS Batch service jobs through a compiled gateway in live mode on the emulators (issue 102,
// item 2): `batchServiceJob(jobId)` and `job(id)` agree leaf for leaf with DescribeServiceJob read
// by @aws-sdk/client-batch and by the AWS CLI; `serviceRequestPayload` is null with FORBIDDEN
// for a `jobs:read` token, and never reaches the gateway's log; SCHEDULED is QUEUED.
import { DescribeServiceJobCommand } from '@aws-sdk/client-batch';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_DEMO_ACCOUNT_ID } from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_IDS, SERVICE_JOB_STEP_MS } from '@jobgraph/emulators/batch/serviceJobData';
import { runAwsCli } from '../../emulators/awsCli.ts';
import {
  everyAccountToken,
  untilLogged,
  writerAndReader,
} from '../../subscriptions/clusterSupport.ts';
import { realPart } from '../../support/realParts.ts';
import { useServiceJobGateway } from './serviceJobGateway.ts';

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let clock = EPOCH;

/** Every leaf of BatchServiceJob beyond the Job header's. */
const FIELDS = `id nativeId name provider region state providerStatus statusMessage terminal
  createdAt updatedAt completedAt
  jobArn jobName jobQueue serviceJobType status statusReason scheduledAt startedAt stoppedAt
  isTerminated
  attempts { serviceResourceId { name value } startedAt stoppedAt statusReason }
  latestAttempt { serviceResourceId { name value } }
  retryStrategy { attempts evaluateOnExit { action onStatusReason } }
  schedulingPriority shareIdentifier quotaShareName
  preemptionConfiguration { preemptionRetriesBeforeTermination }
  preemptionSummary { preemptedAttemptCount recentPreemptedAttempts { serviceResourceId { name value } startedAt stoppedAt statusReason } }
  capacityUsage { capacityUnit quantity }
  timeoutConfig { attemptDurationSeconds }
  tags { key value }
  serviceRequestPayload`;

type Wire = Record<string, unknown>;
const iso = (v: unknown) =>
  v instanceof Date
    ? v.toISOString()
    : v === undefined
      ? null
      : new Date(v as number).toISOString();
/** An attempt as the graph shows it, from the SDK's or the CLI's answer. */
const attempt = (a: Wire) => ({
  serviceResourceId: (a.serviceResourceId as Wire | undefined) ?? null,
  startedAt: a.startedAt === undefined ? null : iso(a.startedAt),
  stoppedAt: a.stoppedAt === undefined ? null : iso(a.stoppedAt),
  statusReason: (a.statusReason as string | undefined) ?? null,
});
const or = <T>(v: T | undefined) => v ?? null;

/** What the graph must answer for a DescribeServiceJob answer (the SDK's output, or the CLI's JSON). */
function expected(d: Wire) {
  const time = (name: string) => (d[name] === undefined ? null : iso(d[name]));
  const terminal = d.status === 'SUCCEEDED' || d.status === 'FAILED';
  const preemption = d.preemptionSummary as Wire | undefined;
  const retry = d.retryStrategy as Wire | undefined;
  return {
    id: `batchservice:us-east-1:${d.jobId as string}`,
    nativeId: d.jobId,
    name: d.jobName,
    provider: 'AWS_BATCH',
    region: 'us-east-1',
    state:
      { SUBMITTED: 'QUEUED', SCHEDULED: 'QUEUED', RUNNING: 'IN_PROGRESS' }[d.status as string] ??
      d.status,
    providerStatus: d.status,
    statusMessage: or(d.statusReason),
    terminal,
    createdAt: time('createdAt'),
    updatedAt: d.status === 'RUNNING' ? time('startedAt') : terminal ? time('stoppedAt') : null,
    completedAt: terminal ? time('stoppedAt') : null,
    jobArn: d.jobArn,
    jobName: d.jobName,
    jobQueue: d.jobQueue,
    serviceJobType: d.serviceJobType,
    status: d.status,
    statusReason: or(d.statusReason),
    scheduledAt: time('scheduledAt'),
    startedAt: time('startedAt'),
    stoppedAt: time('stoppedAt'),
    isTerminated: or(d.isTerminated),
    attempts: ((d.attempts as Wire[] | undefined) ?? []).map(attempt),
    latestAttempt: or(d.latestAttempt),
    retryStrategy: retry
      ? { attempts: retry.attempts, evaluateOnExit: or(retry.evaluateOnExit) ?? [] }
      : null,
    schedulingPriority: or(d.schedulingPriority),
    shareIdentifier: or(d.shareIdentifier),
    quotaShareName: or(d.quotaShareName),
    preemptionConfiguration: or(d.preemptionConfiguration),
    preemptionSummary: preemption
      ? {
          preemptedAttemptCount: preemption.preemptedAttemptCount,
          recentPreemptedAttempts: (
            (preemption.recentPreemptedAttempts as Wire[] | undefined) ?? []
          ).map(attempt),
        }
      : null,
    capacityUsage: or(d.capacityUsage) ?? [],
    timeoutConfig: or(d.timeoutConfig),
    tags: Object.entries((d.tags as Record<string, string> | undefined) ?? {}).map(
      ([key, value]) => ({ key, value }),
    ),
    serviceRequestPayload: d.serviceRequestPayload,
  };
}

describe('AWS Batch service jobs through a live gateway on the emulators', () => {
  const live = useServiceJobGateway(
    { now: () => clock, epochMs: EPOCH },
    { LOG_LEVEL: 'debug', JOBGRAPH_ACTIONS: 'cancel,terminate' },
  );
  let reader = '';
  let secrets = '';
  let writer = '';
  beforeAll(async () => {
    ({ writer, reader } = await writerAndReader('reader'));
    secrets = await everyAccountToken('secrets-reader', ['jobs:read', 'jobs:secrets:read']);
  });

  const graph = (token: string, query: string) =>
    live.graph<{
      data?: Record<string, Wire | null>;
      errors?: { path?: string[]; extensions?: { code?: string } }[];
    }>(token, query);
  const bySdk = async (jobId: string) => {
    const { $metadata: _, ...out } = await live.sdk.send(new DescribeServiceJobCommand({ jobId }));
    return out as Wire;
  };
  const serviceCalls = () =>
    live.emulators.batch.calls.filter((c) => c.operation === 'POST /v1/describeservicejob').length;

  it('answers batchServiceJob and job(id) leaf for leaf as DescribeServiceJob by the SDK', async () => {
    for (const jobId of [SERVICE_JOB_IDS.failed, SERVICE_JOB_IDS.progressing]) {
      const before = serviceCalls();
      const answer = await graph(
        secrets,
        `{ root: batchServiceJob(jobId: "${jobId}") { ${FIELDS} }
           byId: job(id: "batchservice:us-east-1:${jobId}") { ... on BatchServiceJob { ${FIELDS} } } }`,
      );
      expect(answer.errors).toBeUndefined();
      // One DescribeServiceJob for the two fields (the request's loader), none more.
      expect(serviceCalls() - before).toBe(1);
      const want = expected(await bySdk(jobId));
      expect(answer.data!.root).toEqual(want);
      expect(answer.data!.byId).toEqual(want);
    }
  });

  it('reads a service job by its ARN wherever a global ID is taken', async () => {
    const arn = `arn:aws:batch:us-east-1:${BATCH_DEMO_ACCOUNT_ID}:service-job/${SERVICE_JOB_IDS.failed}`;
    const answer = await graph(reader, `{ job(id: "${arn}") { id __typename state } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.job).toEqual({
      id: `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`,
      __typename: 'BatchServiceJob',
      state: 'FAILED',
    });
  });

  it.skipIf(realPart('aws-cli').skip)(
    'agrees with `aws batch describe-service-job --endpoint-url` leaf for leaf',
    async () => {
      const { code, stdout, stderr } = await runAwsCli([
        'batch',
        'describe-service-job',
        '--job-id',
        SERVICE_JOB_IDS.failed,
        '--endpoint-url',
        live.emulators.batch.url,
        '--output',
        'json',
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const answer = await graph(
        secrets,
        `{ batchServiceJob(jobId: "${SERVICE_JOB_IDS.failed}") { ${FIELDS} } }`,
      );
      expect(answer.data!.batchServiceJob).toEqual(expected(JSON.parse(stdout) as Wire));
    },
  );

  it('answers serviceRequestPayload null with FORBIDDEN for a jobs:read token, and never logs it', async () => {
    const answer = await graph(
      reader,
      `{ batchServiceJob(jobId: "${SERVICE_JOB_IDS.failed}") { id jobName serviceRequestPayload } }`,
    );
    expect(answer.data!.batchServiceJob).toEqual({
      id: `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`,
      jobName: 'vision-pretrain-sweep-7',
      serviceRequestPayload: null,
    });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]!.path).toEqual(['batchServiceJob', 'serviceRequestPayload']);
    expect(answer.errors![0]!.extensions?.code).toBe('FORBIDDEN');
    // The payload was read (the secrets token's answers above and here) and never logged.
    const payload = (await bySdk(SERVICE_JOB_IDS.failed)).serviceRequestPayload as string;
    // The log holds the requests that read it (the refused one among them), LOG_LEVEL debug: the
    // refused one's line may reach this process after its answer did, so it is waited for.
    await untilLogged(live.gateway, /"errorCodes":\["FORBIDDEN"\]/, 60_000);
    for (const secret of [payload, 'demo-wandb-key-not-a-secret', 'WANDB_API_KEY']) {
      expect(live.gateway.output.stdout).not.toContain(secret);
      expect(live.gateway.output.stderr).not.toContain(secret);
    }
  });

  it('maps SCHEDULED to QUEUED and answers waiting null for it', async () => {
    clock = EPOCH + SERVICE_JOB_STEP_MS;
    const answer = await graph(
      reader,
      `{ batchServiceJob(jobId: "${SERVICE_JOB_IDS.progressing}") { state providerStatus status scheduledAt waiting { position } } }`,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.batchServiceJob).toEqual({
      state: 'QUEUED',
      providerStatus: 'SCHEDULED',
      status: 'SCHEDULED',
      scheduledAt: new Date(EPOCH + SERVICE_JOB_STEP_MS).toISOString(),
      waiting: null,
    });
  });

  it('cancels a SCHEDULED service job with one TerminateServiceJob, and a second cancel calls nothing', async () => {
    clock = EPOCH + SERVICE_JOB_STEP_MS;
    const id = `batchservice:us-east-1:${SERVICE_JOB_IDS.progressing}`;
    const terminations = () =>
      live.emulators.batch.calls.filter((c) => c.operation === 'POST /v1/terminateservicejob')
        .length;
    const cancel = `mutation { cancelJob(id: "${id}", reason: "wrong dataset") { outcome job { state ... on BatchServiceJob { isTerminated statusReason failure { category } } } } }`;
    const first = await graph(writer, cancel);
    expect(first.errors).toBeUndefined();
    expect(first.data!.cancelJob).toEqual({
      outcome: 'REQUESTED',
      job: {
        state: 'FAILED',
        isTerminated: true,
        statusReason: 'wrong dataset',
        failure: { category: 'CANCELLED' },
      },
    });
    expect(terminations()).toBe(1);
    const again = await graph(writer, cancel);
    expect((again.data!.cancelJob as Wire).outcome).toBe('ALREADY_FINISHED');
    expect(terminations()).toBe(1);
  });

  it('answers NOT_FOUND for a service job Batch does not have', async () => {
    const answer = await graph(
      reader,
      `{ batchServiceJob(jobId: "00000000-0000-4000-8000-000000000000") { id } }`,
    );
    expect(answer.data!.batchServiceJob).toBeNull();
    expect(answer.errors![0]!.extensions?.code).toBe('NOT_FOUND');
  });
});
