// HealthOmics run batches (issue 102, item 1 of the run batches): `OmicsRunBatch` through a compiled
// gateway in live mode on the demo emulators, held field for field to GetBatch as
// @aws-sdk/client-omics and the AWS CLI read it at the same emulator.
import {
  GetBatchCommand,
  ListRunsInBatchCommand,
  OmicsClient,
  type GetBatchResponse,
} from '@aws-sdk/client-omics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/auth/mintToken.ts';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { OMICS_DEMO_BATCH_ID, OMICS_FAILED_BATCH_ID } from '@jobgraph/emulators/omics/runBatchData';
import {
  kill,
  replicaEnv,
  SHARED_SECRET,
  everyAccountToken,
} from '../../subscriptions/clusterSupport.ts';
import { startLiveProcess, type LiveProcess } from '../../support/liveProcess.ts';
import { runAwsCli } from '../../emulators/awsCli.ts';
import { subscribe } from '../../support/subscriptions.ts';
import { isoOrNull as iso } from '../../support/sdkOracle.ts';

const REGION = 'us-east-1';
const FIELDS = `id nativeId name provider region state providerStatus statusMessage terminal createdAt updatedAt completedAt
  failure { category retryable summary evidence }
  ... on OmicsRunBatch {
    batchId arn uuid status totalRuns failureReason creationTime submittedTime processedTime failedTime
    tags { key value }
    submissionSummary { successfulStartSubmissionCount failedStartSubmissionCount pendingStartSubmissionCount successfulCancelSubmissionCount failedCancelSubmissionCount successfulDeleteSubmissionCount failedDeleteSubmissionCount }
    runSummary { pendingRunCount startingRunCount runningRunCount stoppingRunCount completedRunCount deletedRunCount failedRunCount cancelledRunCount }
    defaultRunSetting { workflowId workflowType roleArn name cacheId cacheBehavior runGroupId priority storageCapacity outputUri logLevel runTags { key value } retentionMode storageType workflowOwnerId outputBucketOwnerId workflowVersionName networkingMode configurationName }
  }`;

type Graph = Record<string, unknown>;

async function ask(gateway: LiveProcess, token: string, query: string, variables = {}) {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const pairs = (m: Record<string, string> | undefined) =>
  Object.entries(m ?? {}).map(([key, value]) => ({ key, value }));

/** What the graph must say of a batch, from GetBatch's answer (the SDK's or the CLI's JSON). */
function expected(out: GetBatchResponse): Graph {
  const { parameters: _notRead, runTags, ...setting } = out.defaultRunSetting!;
  return {
    nativeId: out.id,
    batchId: out.id,
    name: out.name ?? null,
    arn: out.arn,
    uuid: out.uuid,
    provider: 'AWS_OMICS',
    region: REGION,
    providerStatus: out.status,
    status: out.status,
    statusMessage: out.failureReason ?? null,
    failureReason: out.failureReason ?? null,
    totalRuns: out.totalRuns,
    creationTime: iso(out.creationTime),
    createdAt: iso(out.creationTime),
    submittedTime: iso(out.submittedTime),
    processedTime: iso(out.processedTime),
    failedTime: iso(out.failedTime),
    completedAt: iso(out.processedTime ?? out.failedTime),
    tags: pairs(out.tags),
    submissionSummary: out.submissionSummary,
    runSummary: out.runSummary,
    defaultRunSetting: { ...setting, runTags: pairs(runTags) },
  };
}

describe('OmicsRunBatch through a live gateway on the demo emulators', () => {
  let emulators: EmulatorSet;
  let gateway: LiveProcess;
  let reader = '';
  let writer = '';
  let sdk: OmicsClient;
  beforeAll(async () => {
    emulators = await startEmulators();
    reader = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    writer = await everyAccountToken('oncall-ann', ['jobs:read', 'jobs:write']);
    gateway = await startLiveProcess({
      ...replicaEnv(emulators, null, 500),
      JOBGRAPH_ACTIONS: 'cancel',
      JOBGRAPH_HISTORY_URL: 'off',
    });
    sdk = new OmicsClient({
      endpoint: emulators.omics.url,
      region: REGION,
      credentials: { ...DEMO_AWS_CREDENTIALS },
      disableHostPrefix: true,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sdk?.destroy();
    if (gateway) await kill(gateway.child);
    await emulators?.close();
  });

  it('answers job(id) and omicsRunBatch(batchId) as GetBatch reads, by the SDK and the AWS CLI', async () => {
    for (const batchId of [OMICS_DEMO_BATCH_ID, OMICS_FAILED_BATCH_ID]) {
      const out = await sdk.send(new GetBatchCommand({ batchId }));
      const cli = await runAwsCli(
        ['omics', 'get-batch', '--batch-id', batchId, '--endpoint-url', emulators.omics.url],
        { AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' },
      );
      expect(cli.stderr).toBe('');
      const fromCli = JSON.parse(cli.stdout) as GetBatchResponse;
      const byId = await ask(gateway, reader, `query($id: ID!) { job(id: $id) { ${FIELDS} } }`, {
        id: `omicsbatch:${REGION}:${batchId}`,
      });
      const byRoot = await ask(
        gateway,
        reader,
        `query($b: String!) { omicsRunBatch(batchId: $b) { ${FIELDS} } }`,
        { b: batchId },
      );
      expect(byId.errors).toBeUndefined();
      expect(byRoot.errors).toBeUndefined();
      const graph = byId.data!.job as Graph;
      expect(byRoot.data!.omicsRunBatch).toEqual(graph);
      expect(graph).toMatchObject(expected(out));
      expect(graph).toMatchObject(expected(fromCli));
      expect(graph.id).toBe(`omicsbatch:${REGION}:${batchId}`);
    }
  });

  it('reads a batch by its ARN, and says what a batch in progress and a failed one are', async () => {
    const out = await sdk.send(new GetBatchCommand({ batchId: OMICS_DEMO_BATCH_ID }));
    const byArn = await ask(gateway, reader, `query($id: ID!) { job(id: $id) { ${FIELDS} } }`, {
      id: out.arn,
    });
    expect(byArn.errors).toBeUndefined();
    const running = byArn.data!.job as Graph;
    expect(running).toMatchObject({
      id: `omicsbatch:${REGION}:${OMICS_DEMO_BATCH_ID}`,
      state: 'IN_PROGRESS',
      terminal: false,
      failure: null,
    });
    const failed = await ask(
      gateway,
      reader,
      `query($b: String!) { omicsRunBatch(batchId: $b) { ${FIELDS} } }`,
      {
        b: OMICS_FAILED_BATCH_ID,
      },
    );
    expect(failed.data!.omicsRunBatch).toMatchObject({
      state: 'FAILED',
      terminal: true,
      failure: { category: 'PERMISSION', retryable: false },
    });
  });

  it('pages its runs as ListRunsInBatch lists them, each started run by its omicsrun global ID', async () => {
    const RUNS = `query($b: String!, $after: String) { omicsRunBatch(batchId: $b) {
      runs(first: 4, after: $after) { endCursor hasNextPage items { jobId runSettingId runId runInternalUuid runArn submissionStatus submissionFailureReason submissionFailureMessage } } } }`;
    const first = await ask(gateway, reader, RUNS, { b: OMICS_DEMO_BATCH_ID });
    expect(first.errors).toBeUndefined();
    type Page = { endCursor: string | null; hasNextPage: boolean; items: Graph[] };
    const one = (first.data!.omicsRunBatch as { runs: Page }).runs;
    expect(one.hasNextPage).toBe(true);
    const second = await ask(gateway, reader, RUNS, {
      b: OMICS_DEMO_BATCH_ID,
      after: one.endCursor,
    });
    const two = (second.data!.omicsRunBatch as { runs: Page }).runs;
    expect(two).toMatchObject({ endCursor: null, hasNextPage: false });
    const sdkRuns = [];
    let token: string | undefined;
    do {
      const page = await sdk.send(
        new ListRunsInBatchCommand({
          batchId: OMICS_DEMO_BATCH_ID,
          maxItems: 4,
          startingToken: token,
        }),
      );
      sdkRuns.push(...(page.runs ?? []));
      token = page.nextToken;
    } while (token);
    const graphRuns = [...one.items, ...two.items];
    expect(graphRuns).toEqual(
      sdkRuns.map((r) => ({
        jobId:
          r.runId && r.runInternalUuid
            ? `omicsrun:${REGION}:${r.runInternalUuid}:${r.runId}`
            : null,
        runSettingId: r.runSettingId ?? null,
        runId: r.runId ?? null,
        runInternalUuid: r.runInternalUuid ?? null,
        runArn: r.runArn ?? null,
        submissionStatus: r.submissionStatus ?? null,
        submissionFailureReason: r.submissionFailureReason ?? null,
        submissionFailureMessage: r.submissionFailureMessage ?? null,
      })),
    );
    expect(graphRuns).toHaveLength(6);
    expect(graphRuns.filter((r) => r.jobId === null)).toHaveLength(1);
  });

  // Last: it cancels the demo's batch in progress.
  it('cancels a batch by one CancelRunBatch call, and a finished one by none', async () => {
    const CANCEL = `mutation($id: ID!) { cancelJob(id: $id, reason: "cohort c1 is obsolete") {
      outcome providerCode job { state providerStatus ... on OmicsRunBatch { runSummary { cancelledRunCount runningRunCount } submissionSummary { successfulCancelSubmissionCount } } } } }`;
    const cancels = () => emulators.omics.calls.filter((c) => c.path === '/runBatch/cancel');
    // A watcher of the batch in progress: its counts now, then as the cancel moves them.
    const watcher = subscribe(
      gateway.url,
      'sse',
      `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state ... on OmicsRunBatch { runSummary { runningRunCount cancelledRunCount } } } }`,
      { token: reader, variables: { ids: [`omicsbatch:${REGION}:${OMICS_DEMO_BATCH_ID}`] } },
    );
    const before = await watcher.next();
    expect(before?.data?.jobUpdates).toMatchObject({
      state: 'IN_PROGRESS',
      runSummary: { runningRunCount: 1, cancelledRunCount: 0 },
    });
    const finished = await ask(gateway, writer, CANCEL, {
      id: `omicsbatch:${REGION}:${OMICS_FAILED_BATCH_ID}`,
    });
    expect(finished.errors).toBeUndefined();
    expect(finished.data!.cancelJob).toMatchObject({ outcome: 'ALREADY_FINISHED' });
    expect(cancels()).toHaveLength(0);
    const done = await ask(gateway, writer, CANCEL, {
      id: `omicsbatch:${REGION}:${OMICS_DEMO_BATCH_ID}`,
    });
    expect(done.errors).toBeUndefined();
    expect(cancels()).toHaveLength(1);
    const out = await sdk.send(new GetBatchCommand({ batchId: OMICS_DEMO_BATCH_ID }));
    expect(out.status).toBe('CANCELLED');
    expect(done.data!.cancelJob).toEqual({
      outcome: 'REQUESTED',
      providerCode: null,
      job: {
        state: 'CANCELLED',
        providerStatus: 'CANCELLED',
        runSummary: {
          cancelledRunCount: out.runSummary!.cancelledRunCount,
          runningRunCount: 0,
        },
        submissionSummary: { successfulCancelSubmissionCount: 1 },
      },
    });
    // The watcher sees the batch CANCELLED and its counts moved, then the stream completes.
    const rest = await watcher.rest();
    expect(rest.at(-1)?.data?.jobUpdates).toMatchObject({
      state: 'CANCELLED',
      runSummary: { runningRunCount: 0, cancelledRunCount: out.runSummary!.cancelledRunCount },
    });
  });
});
