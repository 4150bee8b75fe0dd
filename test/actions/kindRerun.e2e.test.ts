// Rerunning a HealthOmics workflow run and an AWS Batch service job (issue 102): through compiled
// gateways in live mode on the emulators, two replicas sharing one SQLite history store. A failed
// run's rerunJob makes one StartRun (the run duplicated by its ID, the rerun's key its requestId),
// whose new run @aws-sdk/client-omics reads with the same workflow, role, output URI and
// parameters; a failed service job's makes one SubmitServiceJob (the rerun's key its
// clientToken), whose job @aws-sdk/client-batch reads with the same request. Replayed, no second
// call; after a SIGKILL between the call and its answer, a restarted gateway asks again with the
// same token and the service answers what it made: one run, one job. A jobs:read token is
// refused with no call, and neither the training request nor the run's parameters reach a log.
import {
  BatchClient,
  DescribeServiceJobCommand,
  ListServiceJobsCommand,
} from '@aws-sdk/client-batch';
import { GetRunCommand, ListRunsCommand, OmicsClient } from '@aws-sdk/client-omics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { BATCH_DEMO_ACCOUNT_ID } from '@jobgraph/emulators/batch/data';
import { failedServiceJob, SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { kill, replicaEnv, writerAndReader } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { askReplica } from '../support/liveReplicas.ts';

const REGION = 'us-east-1';
const RERUN = `mutation($id: ID!, $reason: String!) { rerunJob(id: $id, reason: $reason) {
  id action outcome message providerCode
  rerun { id state nativeId ... on OmicsRun { uuid } ... on BatchServiceJob { jobName } } } }`;

const failedRun = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const completedRun = OMICS_DEMO_RUNS.find((r) => r.status === 'COMPLETED')!;
const runId = (r: { uuid: string; id: string }) => `omicsrun:${REGION}:${r.uuid}:${r.id}`;
const serviceId = `batchservice:${REGION}:${SERVICE_JOB_IDS.failed}`;
const failedService = failedServiceJob(BATCH_DEMO_ACCOUNT_ID, 0);
/** The failed service job's training request, and a secret-looking value inside it. */
const PAYLOAD = failedService.serviceRequestPayload;
const PAYLOAD_SECRET = 'demo-wandb-key-not-a-secret';
/** The failed run's parameter value. */
const PARAMETER = String(failedRun.parameters.sample);

interface Result {
  outcome: string;
  message: string;
  providerCode: string | null;
  rerun: { id: string; state: string; nativeId: string; uuid?: string; jobName?: string } | null;
}
interface Answer {
  data?: { rerunJob: Result | null } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const ask = (replica: LiveProcess, token: string, id: string, key: string) =>
  askReplica<Answer>(replica, token, RERUN, { id, reason: 'the reference is back' }, key);

async function rerun(replica: LiveProcess, token: string, id: string, key: string) {
  const answer = await ask(replica, token, id, key);
  expect(answer.errors).toBeUndefined();
  return answer.data!.rerunJob!;
}

const sqlite = historyStores()[0]!;

describe('rerunJob of HealthOmics runs and Batch service jobs through two gateways sharing a SQLite history', () => {
  let emulators: EmulatorSet;
  const tokens = { writer: '', reader: '' };
  const replicas: LiveProcess[] = [];
  /** Every gateway started, for the log check (the SIGKILLed one too). */
  const started: LiveProcess[] = [];
  let env: Record<string, string> = {};
  let omics: OmicsClient;
  let batch: BatchClient;
  beforeAll(async () => {
    const store = await sqlite.fresh();
    emulators = await startEmulators();
    Object.assign(tokens, await writerAndReader());
    env = {
      ...replicaEnv(emulators, null, 500),
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_ACTIONS: 'cancel,terminate,rerun',
    };
    replicas.push(await startLiveProcess(env), await startLiveProcess(env));
    started.push(...replicas);
    const sdk = { region: REGION, credentials: { ...DEMO_AWS_CREDENTIALS }, maxAttempts: 1 };
    omics = new OmicsClient({ ...sdk, endpoint: emulators.omics.url, disableHostPrefix: true });
    batch = new BatchClient({ ...sdk, endpoint: emulators.batch.url });
  });
  afterAll(async () => {
    omics?.destroy();
    batch?.destroy();
    for (const r of replicas) await kill(r.child);
    await emulators?.close();
  });

  const startRuns = () => emulators.omics.calls.filter((c) => c.operation.startsWith('StartRun'));
  const submits = () =>
    emulators.batch.calls.filter((c) => c.operation.startsWith('SubmitServiceJob'));
  /** The runs named as the failed run (its reruns keep its name). */
  const runsNamed = async () =>
    (await omics.send(new ListRunsCommand({ name: failedRun.name }))).items?.length ?? 0;
  const serviceJobsNamed = async () =>
    (
      await batch.send(
        new ListServiceJobsCommand({
          jobQueue: failedService.jobQueue,
          filters: [{ name: 'JOB_NAME', values: [failedService.jobName] }],
        }),
      )
    ).jobSummaryList?.length ?? 0;

  it('refuses a jobs:read token FORBIDDEN for either kind, with no call', async () => {
    for (const id of [runId(failedRun), serviceId]) {
      const answer = await ask(replicas[0]!, tokens.reader, id, 'reader-key');
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect([...startRuns(), ...submits()]).toEqual([]);
  });

  it('offers RERUN in availableActions for the failed run and service job to a writer only, not for a COMPLETED run', async () => {
    const query = `query($ids: [ID!]!) { jobs(ids: $ids) { id availableActions } }`;
    const ids = [runId(failedRun), serviceId, runId(completedRun)];
    const actionsFor = async (token: string) => {
      const res = await fetch(replicas[0]!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { ids } }),
      });
      const body = (await res.json()) as {
        data: { jobs: { id: string; availableActions: string[] }[] };
      };
      return body.data.jobs.map((j) => j.availableActions);
    };
    expect(await actionsFor(tokens.writer)).toEqual([['RERUN'], ['RERUN'], []]);
    expect(await actionsFor(tokens.reader)).toEqual([[], [], []]);
  });

  it('answers a COMPLETED run NOT_APPLIED with no StartRun', async () => {
    const answer = await rerun(replicas[0]!, tokens.writer, runId(completedRun), 'done-key');
    expect(answer).toMatchObject({ outcome: 'NOT_APPLIED', rerun: null });
    expect(answer.message).toContain('FAILED or was CANCELLED');
    expect(startRuns()).toEqual([]);
  });

  it('reruns a failed run once: one StartRun duplicating it under the rerun key, its new run read by the SDK with the same workflow, role, output URI and parameters; replayed on either replica, the same run', async () => {
    const before = await runsNamed();
    const first = await rerun(replicas[0]!, tokens.writer, runId(failedRun), 'run-key-1');
    expect(first).toMatchObject({ outcome: 'REQUESTED', providerCode: null });
    expect(first.message).toContain('requestId');
    expect(startRuns()).toHaveLength(1);
    const made = first.rerun!;
    expect(made.id).toBe(`omicsrun:${REGION}:${made.uuid}:${made.nativeId}`);
    expect(made.uuid).not.toBe(failedRun.uuid);
    // The rerun's key (a digest, never the Idempotency-Key itself) is StartRun's requestId.
    expect(startRuns()[0]!.operation).toMatch(/^StartRun [0-9a-f]{64}$/);

    const [was, now] = await Promise.all([
      omics.send(new GetRunCommand({ id: failedRun.id })),
      omics.send(new GetRunCommand({ id: made.nativeId })),
    ]);
    expect(now.uuid).toBe(made.uuid);
    for (const field of [
      'workflowId',
      'workflowType',
      'workflowVersionName',
      'roleArn',
      'outputUri',
      'name',
      'runGroupId',
      'priority',
      'storageType',
      'logLevel',
      'retentionMode',
      'parameters',
      'tags',
    ] as const)
      expect(now[field], field).toEqual(was[field]);
    expect(await runsNamed()).toBe(before + 1);

    const again = await rerun(replicas[0]!, tokens.writer, runId(failedRun), 'run-key-1');
    const other = await rerun(replicas[1]!, tokens.writer, runId(failedRun), 'run-key-1');
    expect([again.rerun?.id, other.rerun?.id]).toEqual([made.id, made.id]);
    // Answered from the history's row: no second StartRun.
    expect(startRuns()).toHaveLength(1);
  });

  it('reruns a failed service job once: one SubmitServiceJob of its request under the rerun key, read by the SDK; replayed, the same job', async () => {
    const before = await serviceJobsNamed();
    const first = await rerun(replicas[0]!, tokens.writer, serviceId, 'service-key-1');
    expect(first).toMatchObject({ outcome: 'REQUESTED', providerCode: null });
    expect(first.message).toContain('clientToken');
    expect(submits()).toHaveLength(1);
    expect(submits()[0]!.operation).toMatch(/^SubmitServiceJob [0-9a-f]{64}$/);
    const newJobId = first.rerun!.id.slice(first.rerun!.id.lastIndexOf(':') + 1);
    expect(first.rerun!.id).toBe(`batchservice:${REGION}:${newJobId}`);

    const [was, now] = await Promise.all([
      batch.send(new DescribeServiceJobCommand({ jobId: SERVICE_JOB_IDS.failed })),
      batch.send(new DescribeServiceJobCommand({ jobId: newJobId })),
    ]);
    for (const field of [
      'jobName',
      'jobQueue',
      'serviceJobType',
      'serviceRequestPayload',
      'retryStrategy',
      'schedulingPriority',
      'shareIdentifier',
      'quotaShareName',
      'preemptionConfiguration',
      'timeoutConfig',
    ] as const)
      expect(now[field], field).toEqual(was[field]);
    expect(now.status).toBe('SUBMITTED');
    expect(now.tags).toMatchObject({
      ...was.tags,
      'jobgraph:rerun-of': serviceId,
      'jobgraph:rerun-key': submits()[0]!.operation.split(' ')[1],
    });
    expect(await serviceJobsNamed()).toBe(before + 1);

    const other = await rerun(replicas[1]!, tokens.writer, serviceId, 'service-key-1');
    expect(other.rerun?.id).toBe(first.rerun!.id);
    expect(submits()).toHaveLength(1);
  });

  it.each([
    ['a failed run', 'omics', runId(failedRun), startRuns, runsNamed],
    ['a failed service job', 'batch', serviceId, submits, serviceJobsNamed],
  ] as const)(
    'after a SIGKILL between the submit and its answer for %s, a restarted gateway asks again with the same token: one made',
    async (_what, emulator, id, calls, count) => {
      const before = calls().length;
      const made = await count();
      // The service makes it, then holds its answer: the gateway dies before it hears it.
      emulators[emulator].setFaults({ holdAnswer: true, jobPrefix: `${REGION}/new` });
      const doomed = await startLiveProcess(env);
      started.push(doomed);
      const asked = ask(doomed, tokens.writer, id, `crash-key-${emulator}`).catch(() => null);
      await expect.poll(() => calls().length).toBe(before + 1);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      await asked;
      emulators[emulator].resetFaults();
      expect(await count()).toBe(made + 1);

      const restarted = await startLiveProcess(env);
      started.push(restarted);
      try {
        const answer = await rerun(restarted, tokens.writer, id, `crash-key-${emulator}`);
        expect(answer).toMatchObject({ outcome: 'REQUESTED' });
        // Asked once more under the same token: the service answered what it had made.
        const sent = calls().slice(before);
        expect(sent).toHaveLength(2);
        expect(sent[1]!.operation).toBe(sent[0]!.operation);
        expect(await count()).toBe(made + 1);
        // From now on answered from the row.
        const again = await rerun(replicas[1]!, tokens.writer, id, `crash-key-${emulator}`);
        expect(again.rerun?.id).toBe(answer.rerun!.id);
        expect(calls().slice(before)).toHaveLength(2);
      } finally {
        await kill(restarted.child);
      }
    },
  );

  it('logs neither the training request nor the run’s parameters, in any gateway', () => {
    expect(submits().length).toBeGreaterThan(0);
    expect(PAYLOAD).toContain(PAYLOAD_SECRET);
    // The audit lines are there: the reruns were logged, without what they sent.
    expect(replicas[0]!.output.stdout).toContain('"audit":"job-action"');
    for (const gateway of started) {
      const logs = gateway.output.stdout + gateway.output.stderr;
      for (const secret of [PAYLOAD_SECRET, 'TrainingJobName', PARAMETER])
        expect(logs).not.toContain(secret);
    }
  });
});
