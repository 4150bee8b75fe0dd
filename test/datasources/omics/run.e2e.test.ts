// HealthOmics workflow runs (issue 102, item 1): a compiled gateway in live mode on the demo
// emulators answers `omicsRun(...)` and `job(id)` with what @aws-sdk/client-omics and the AWS CLI
// read of the same runs (running, failed, finished), field for field; a run whose ID now names
// another run (a different uuid) is NOT_FOUND.
import { GetRunCommand, OmicsClient, type GetRunResponse } from '@aws-sdk/client-omics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { runAwsCli } from '../../emulators/awsCli.ts';
import { everyAccountToken } from '../../subscriptions/clusterSupport.ts';
import { useLiveGateway } from '../../support/liveReplicas.ts';
import { isoOrNull as iso } from '../../support/sdkOracle.ts';

const REGION = 'us-east-1';
const FIELDS = `id nativeId name region state providerStatus statusMessage terminal createdAt
  updatedAt completedAt ... on OmicsRun { arn uuid status failureReason workflowId workflowType
  workflowVersionName workflowUuid runGroupId batchId runId roleArn priority storageType
  storageCapacity outputUri runOutputUri logLevel logLocation { engineLogStream runLogStream }
  creationTime startTime stopTime startedBy tags { key value } accelerators retentionMode }`;

type Graph = Record<string, unknown>;

/** What the graph must say of a run, from GetRun's answer as a client reads it. */
function expected(out: GetRunResponse): Graph {
  const globalId = `omicsrun:${REGION}:${out.uuid}:${out.id}`;
  const state = { COMPLETED: 'SUCCEEDED', FAILED: 'FAILED', RUNNING: 'IN_PROGRESS' }[
    out.status as string
  ];
  return {
    id: globalId,
    nativeId: out.id,
    name: out.name ?? null,
    region: REGION,
    state,
    providerStatus: out.status,
    statusMessage: out.statusMessage ?? null,
    terminal: state !== 'IN_PROGRESS',
    createdAt: iso(out.creationTime),
    updatedAt: iso(out.stopTime),
    completedAt: iso(out.stopTime),
    arn: out.arn,
    uuid: out.uuid,
    status: out.status,
    failureReason: out.failureReason ?? null,
    workflowId: out.workflowId,
    workflowType: out.workflowType,
    workflowVersionName: out.workflowVersionName,
    workflowUuid: out.workflowUuid,
    runGroupId: out.runGroupId,
    batchId: null,
    runId: out.runId ?? null,
    roleArn: out.roleArn,
    priority: out.priority,
    storageType: out.storageType,
    storageCapacity: out.storageCapacity,
    outputUri: out.outputUri,
    runOutputUri: out.runOutputUri,
    logLevel: out.logLevel,
    logLocation: out.logLocation,
    creationTime: iso(out.creationTime),
    startTime: iso(out.startTime),
    stopTime: iso(out.stopTime),
    startedBy: out.startedBy,
    tags: Object.entries(out.tags ?? {}).map(([key, value]) => ({ key, value })),
    accelerators: out.accelerators ?? null,
    retentionMode: out.retentionMode,
  };
}

describe('omicsRun and job(id) of HealthOmics workflow runs through a live gateway', () => {
  const live = useLiveGateway({ JOBGRAPH_ACTIONS: 'cancel' });
  let token = '';
  let sdk: OmicsClient;
  beforeAll(async () => {
    token = await everyAccountToken('oncall-ann', ['jobs:read', 'jobs:write', 'jobs:logs:read']);
    sdk = new OmicsClient({
      region: REGION,
      endpoint: live.emulators.omics.url,
      credentials: { ...DEMO_AWS_CREDENTIALS },
      disableHostPrefix: true,
    });
  });
  afterAll(() => sdk?.destroy());

  const ask = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(live.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, Graph | null>;
      errors?: { extensions?: { code?: string } }[];
    };
  };

  it.each(OMICS_DEMO_RUNS.map((r) => [r.status, r] as const))(
    'agrees with the SDK and the AWS CLI on the %s run, field for field',
    async (_status, run) => {
      const out = await sdk.send(new GetRunCommand({ id: run.id }));
      const cli = await runAwsCli(
        [
          '--endpoint-url',
          live.emulators.omics.url,
          '--region',
          REGION,
          'omics',
          'get-run',
          '--id',
          run.id,
        ],
        { AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' },
      );
      expect(cli.code, cli.stderr).toBe(0);
      const fromCli = JSON.parse(cli.stdout) as Record<string, unknown>;
      const want = expected(out);
      // The CLI's answer, field for field, is the SDK's (times as instants; parameters are no field of the graph).
      const { parameters: _p, ...cliFields } = fromCli;
      for (const [field, value] of Object.entries(cliFields)) {
        const sdkValue = out[field as keyof GetRunResponse];
        if (sdkValue instanceof Date) expect(iso(value as string), field).toBe(iso(sdkValue));
        else expect(value, field).toEqual(sdkValue);
        // The run's `id` is the graph's nativeId (its `id` the global ID); tags are a map there.
        const graphField = field === 'id' ? 'nativeId' : field;
        if (graphField in want && field !== 'tags' && !(sdkValue instanceof Date))
          expect(want[graphField], field).toEqual(value);
      }
      expect(Object.keys(cliFields).sort()).toEqual(
        Object.keys(out)
          .filter((k) => k !== '$metadata' && k !== 'parameters')
          .sort(),
      );

      const byRoot = await ask(
        `query($runId: String!, $uuid: String!) { omicsRun(runId: $runId, uuid: $uuid) { ${FIELDS} } }`,
        { runId: run.id, uuid: run.uuid },
      );
      expect(byRoot.errors).toBeUndefined();
      expect(byRoot.data!.omicsRun).toEqual(want);
      const byId = await ask(`query($id: ID!) { job(id: $id) { ${FIELDS} } }`, { id: want.id });
      expect(byId.errors).toBeUndefined();
      expect(byId.data!.job).toEqual(want);
    },
  );

  it('reads a failed run’s failure from HealthOmics’ failure-reason table, and none of the others', async () => {
    const failures: Record<string, unknown> = {};
    for (const run of OMICS_DEMO_RUNS) {
      const answer = await ask(
        `query($runId: String!, $uuid: String!) { omicsRun(runId: $runId, uuid: $uuid) {
          failure { category retryable summary evidence rulesVersion } } }`,
        { runId: run.id, uuid: run.uuid },
      );
      expect(answer.errors).toBeUndefined();
      failures[run.status] = answer.data!.omicsRun!.failure;
    }
    const failed = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
    expect(failures).toEqual({
      COMPLETED: null,
      RUNNING: null,
      FAILED: {
        category: 'CAPACITY',
        retryable: false,
        summary:
          "The run's file system filled up: run it again with more storageCapacity or DYNAMIC storage.",
        evidence: [
          'failureReason: FILE_SYSTEM_OUT_OF_SPACE',
          `statusMessage: ${failed.statusMessage}`,
        ],
        rulesVersion: expect.stringMatching(/^omics-/) as unknown,
      },
    });
  });

  it('tails a finished run’s engine log from /aws/omics/WorkflowLog', async () => {
    const run = OMICS_DEMO_RUNS.find((r) => r.status === 'COMPLETED')!;
    const logReads = () =>
      live.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
    const before = logReads();
    const answer = await ask(
      `query($id: ID!) { job(id: $id) { logTail(last: 5) { group stream lines { message } } } }`,
      { id: `omicsrun:${REGION}:${run.uuid}:${run.id}` },
    );
    expect(answer.errors).toBeUndefined();
    const tail = answer.data!.job!.logTail as {
      group: string;
      stream: string;
      lines: { message: string }[];
    };
    expect(tail).toMatchObject({ group: '/aws/omics/WorkflowLog', stream: `run/${run.id}/engine` });
    expect(tail.lines.length).toBeGreaterThan(0);
    expect(logReads()).toBeGreaterThan(before);
  });

  it('answers NOT_FOUND for a run ID that now names another run (another uuid)', async () => {
    const run = OMICS_DEMO_RUNS[0]!;
    const other = 'ffffffff-1111-4222-8333-444444444444';
    const gets = () =>
      live.emulators.omics.calls.filter((c) => c.operation === `GET /run/${run.id}`).length;
    const before = gets();
    const answer = await ask(
      `query($runId: String!, $uuid: String!) { omicsRun(runId: $runId, uuid: $uuid) { id } }`,
      { runId: run.id, uuid: other },
    );
    expect(answer.data?.omicsRun).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(gets()).toBe(before + 1);
  });

  it('cancels a running run with one CancelRun, and a finished one with none', async () => {
    // Last: it changes the demo's running run.
    const running = OMICS_DEMO_RUNS.find((r) => r.status === 'RUNNING')!;
    const done = OMICS_DEMO_RUNS.find((r) => r.status === 'COMPLETED')!;
    const cancels = () =>
      live.emulators.omics.calls
        .filter((c) => c.operation.startsWith('POST /run/'))
        .map((c) => c.operation);
    const cancel = (run: (typeof OMICS_DEMO_RUNS)[number]) =>
      ask(
        `mutation($id: ID!) { cancelJob(id: $id, reason: "wrong sample sheet") { outcome job { state ... on OmicsRun { status } } } }`,
        { id: `omicsrun:${REGION}:${run.uuid}:${run.id}` },
      );
    const finished = await cancel(done);
    expect(finished.errors).toBeUndefined();
    expect(finished.data!.cancelJob).toMatchObject({ outcome: 'ALREADY_FINISHED' });
    expect(cancels()).toEqual([]);
    const answer = await cancel(running);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.cancelJob).toMatchObject({ outcome: 'REQUESTED' });
    expect(cancels()).toEqual([`POST /run/${running.id}/cancel`]);
    const out = await sdk.send(new GetRunCommand({ id: running.id }));
    expect(out.status).toBe('CANCELLED');
  });
});
