import { beforeEach, describe, expect, it } from 'vitest';
import {
  BATCH_DEMO_SECRET_VALUE,
  BATCH_ERROR_CASE_IDS,
  BATCH_JOB_IDS,
  batchGlobalId,
} from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { gql, startTestGateway, type GqlResult } from '../../support/gateway.ts';
import { useTestGateway } from '../../support/useTestGateway.ts';

/**
 * AWS Batch through the real gateway, its demo emulator and the real HTTP edge: the batch
 * describe (one DescribeJobs per 100 distinct IDs of a request), jobs the answer leaves out,
 * the fields and the secrets of a job. The job cache is off: these tests count upstream calls.
 */
const gw = useTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '0' });
beforeEach(() => {
  gw.emulators.batch.calls.length = 0;
});

const describeCalls = () =>
  gw.emulators.batch.calls.filter((c) => c.operation.startsWith('DescribeJobs'));

/** `n` distinct made-up job IDs (valid, unknown to the emulator). */
const madeUp = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `ab${String(from + i).padStart(6, '0')}-0000-4000-8000-000000000000`,
  );

const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { id state ... on BatchJob { jobName status } } }`;

describe('AWS Batch: one DescribeJobs per 100 distinct IDs of a request', () => {
  it('100 IDs make one call, 101 make two; a made-up ID among real ones is NOT_FOUND alone', async () => {
    const real = [BATCH_JOB_IDS.succeeded, BATCH_JOB_IDS.failed, BATCH_JOB_IDS.running];
    const hundred = [...real, ...madeUp(97)].map(batchGlobalId);
    const first = await gql(gw, JOBS, { variables: { ids: hundred }, token: gw.tokens.read });
    expect(describeCalls()).toHaveLength(1);
    const jobs = first.body.data?.jobs as ({ id: string; state: string } | null)[];
    expect(jobs.slice(0, 3).map((j) => j?.state)).toEqual(['SUCCEEDED', 'FAILED', 'IN_PROGRESS']);
    expect(jobs.slice(3).every((j) => j === null)).toBe(true);
    const errors = first.body.errors ?? [];
    expect(errors).toHaveLength(97);
    expect(new Set(errors.map((e) => e.extensions?.code))).toEqual(new Set(['NOT_FOUND']));
    expect(errors.map((e) => e.path?.[1]).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 97 }, (_, i) => i + 3),
    );
  });

  it('101 distinct IDs (the ID and job budgets raised) make two calls', async () => {
    const big = await startTestGateway({
      JOBGRAPH_CACHE_MAX_ENTRIES: '0',
      JOBGRAPH_MAX_JOBS_PER_REQUEST: '200',
      JOBGRAPH_MAX_JOB_IDS: '200',
    });
    try {
      const ids = [BATCH_JOB_IDS.succeeded, ...madeUp(100, 400)].map(batchGlobalId);
      const res = await gql(big, JOBS, { variables: { ids }, token: big.tokens.read });
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
      const calls = big.emulators.batch.calls.filter((c) => c.operation.startsWith('DescribeJobs'));
      expect(calls.map((c) => c.operation).sort()).toEqual(['DescribeJobs 1', 'DescribeJobs 100']);
      expect((res.body.data?.jobs as unknown[])[0]).toMatchObject({ state: 'SUCCEEDED' });
    } finally {
      await big.close();
    }
  });

  it('a throttled or failing call fails each of its jobs with the call’s error', async () => {
    const res = await gql(gw, JOBS, {
      variables: {
        ids: [BATCH_JOB_IDS.succeeded, BATCH_ERROR_CASE_IDS.serverError].map(batchGlobalId),
      },
      token: gw.tokens.read,
    });
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual([
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
    ]);
  });
});

describe('AWS Batch job fields and secrets', () => {
  /**
   * `query` read with the reader token, whose answer leaves the environment values out (FORBIDDEN
   * at exactly `forbidden`, the secret in no byte of it), then with the secrets token, whose
   * answer has no error: both answers.
   */
  async function readerThenSecrets(
    query: string,
    variables: Record<string, unknown>,
    forbidden: string[],
  ) {
    const read = await gql(gw, query, { variables, token: gw.tokens.read });
    expect(read.body.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual(
      forbidden.map((path) => ['FORBIDDEN', path]),
    );
    expect(read.text).not.toContain(BATCH_DEMO_SECRET_VALUE);
    const secrets = await gql(gw, query, { variables, token: gw.tokens.secrets });
    expect(secrets.body.errors).toBeUndefined();
    return { read, secrets };
  }

  const SELECTION = `id nativeId state providerStatus statusMessage terminal createdAt completedAt
    ... on BatchJob { jobName jobQueue status startedAt stoppedAt isCancelled isTerminated
      attempts { startedAt stoppedAt container { exitCode } }
      container { image vcpus environment { name value } secrets { name valueFrom } exitCode } } }`;

  it('environment values are FORBIDDEN to jobs:read and readable with jobs:secrets:read; secrets are references', async () => {
    const query = `query($id: ID!) { job(id: $id) { ${SELECTION} }`;
    const id = batchGlobalId(BATCH_JOB_IDS.succeeded);
    const { read, secrets } = await readerThenSecrets(query, { id }, [
      'job.container.environment.0.value',
      'job.container.environment.1.value',
    ]);
    const job = read.body.data?.job;
    expect(job).toMatchObject({
      id,
      state: 'SUCCEEDED',
      providerStatus: 'SUCCEEDED',
      terminal: true,
      jobName: 'align-NA12878',
      status: 'SUCCEEDED',
    });
    expect(job.completedAt).toBe(job.stoppedAt);
    expect(job.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(job.container.environment.map((e: { name: string }) => e.name)).toEqual([
      'PIPELINE_STAGE',
      'DB_PASSWORD',
    ]);
    expect(job.container.environment.map((e: { value: unknown }) => e.value)).toEqual([null, null]);
    expect(job.container.secrets[0].valueFrom).toMatch(/^arn:aws:secretsmanager:/);
    expect(secrets.body.data?.job.container.environment[1]).toEqual({
      name: 'DB_PASSWORD',
      value: BATCH_DEMO_SECRET_VALUE,
    });
    expect(gw.logs.text()).not.toContain(BATCH_DEMO_SECRET_VALUE);
  });

  it('ECS and EKS environment values are behind the same scope', async () => {
    const query = `query($ids: [ID!]!) { jobs(ids: $ids) { id ... on BatchJob {
      ecsTasks { containers { environment { name value } } }
      eksPod { containers { env { name value } } } } } }`;
    const ids = [BATCH_JOB_IDS.ecs, BATCH_JOB_IDS.eks].map(batchGlobalId);
    const { secrets } = await readerThenSecrets(query, { ids }, [
      'jobs.0.ecsTasks.0.containers.0.environment.0.value',
      'jobs.1.eksPod.containers.0.env.0.value',
    ]);
    expect(secrets.text).toContain(BATCH_DEMO_SECRET_VALUE);
  });

  it('answers an array job, its child (`parent:index`), a node (`parent#index`), a cancelled job; the root field too', async () => {
    const parent = BATCH_JOB_IDS.arrayParent;
    const query = `query($ids: [ID!]!, $job: String!) {
      jobs(ids: $ids) { id nativeId state ... on BatchJob { isCancelled startedAt
        arrayProperties { size index statusSummary { status count } }
        nodeDetails { nodeIndex isMainNode } nodeProperties { numNodes } } }
      batchJob(jobId: $job) { id state status }
    }`;
    const ids = [
      parent,
      `${parent}:2`,
      `${BATCH_JOB_IDS.multiNode}#1`,
      BATCH_JOB_IDS.cancelled,
    ].map(batchGlobalId);
    const res = await gql(gw, query, {
      variables: { ids, job: BATCH_JOB_IDS.submitted },
      token: gw.tokens.read,
    });
    expect(res.body.errors).toBeUndefined();
    const [array, child, node, cancelled] = res.body.data!.jobs;
    expect(array.state).toBe('QUEUED');
    expect(array.arrayProperties.size).toBe(5);
    expect(array.arrayProperties.statusSummary).toContainEqual({ status: 'SUCCEEDED', count: 2 });
    expect(child).toMatchObject({
      nativeId: `${parent}:2`,
      state: 'FAILED',
      arrayProperties: { index: 2 },
    });
    expect(node.nodeDetails).toEqual({ nodeIndex: 1, isMainNode: false });
    expect(cancelled).toMatchObject({ state: 'FAILED', isCancelled: true, startedAt: null });
    expect(res.body.data?.batchJob).toEqual({
      id: batchGlobalId(BATCH_JOB_IDS.submitted),
      state: 'QUEUED',
      status: 'SUBMITTED',
    });
  });
});

describe('AWS Batch in listJobs', () => {
  const LIST = `query($after: String) {
    listJobs(filter: { providers: [AWS_BATCH] }, first: 100, after: $after) {
      nodes { id state providerStatus createdAt account }
      pageInfo { hasNextPage endCursor }
      sources { provider account region state code }
    } }`;

  it('lists the demo’s Batch jobs of both accounts, newest first, in every state the demo has', async () => {
    const nodes: { id: string; state: string; createdAt: string; account: string | null }[] = [];
    let after: string | null = null;
    let sources: { account: string; state: string }[];
    do {
      const res: GqlResult = await gql(gw, LIST, { variables: { after }, token: gw.tokens.read });
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data?.listJobs as {
        nodes: typeof nodes;
        sources: typeof sources;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      nodes.push(...page.nodes);
      sources = page.sources;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const states = new Set(nodes.map((n) => n.state));
    expect([...states]).toEqual(
      expect.arrayContaining(['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED']),
    );
    expect(nodes.map((n) => n.id)).toContain(batchGlobalId(BATCH_JOB_IDS.succeeded));
    expect(nodes.map((n) => n.id)).toContain(`batch@staging:us-east-1:${BATCH_JOB_IDS.succeeded}`);
    // The demo's four container queues and staging's one: 21 + 4 jobs, the progressing one
    // included; and the default account's service-job queue: its two service jobs.
    expect(nodes).toHaveLength(25 + 2);
    expect(nodes.filter((n) => n.id.startsWith('batchservice:')).map((n) => n.id)).toEqual(
      expect.arrayContaining(
        Object.values(SERVICE_JOB_IDS).map((id) => `batchservice:us-east-1:${id}`),
      ),
    );
    const created = nodes.map((n) => n.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    expect(sources.filter((s) => s.account === 'default')).toHaveLength(4 + 1);
    expect(sources.every((s) => s.state === 'LISTED')).toBe(true);
    // A listed job's state is the describe's.
    const listedFailed = nodes.find((n) => n.id === batchGlobalId(BATCH_JOB_IDS.cancelled));
    expect(listedFailed?.state).toBe('FAILED');
  });

  it('narrows by state: FAILED lists the failed, cancelled, terminated and other failed jobs', async () => {
    const res = await gql(
      gw,
      `{ listJobs(filter: { providers: [AWS_BATCH], states: [FAILED], accounts: ["default"] }, first: 50) { nodes { id } } }`,
      { token: gw.tokens.read },
    );
    expect(res.body.errors).toBeUndefined();
    const ids = (res.body.data?.listJobs.nodes as { id: string }[]).map((n) => n.id);
    expect(ids.sort()).toEqual(
      [
        BATCH_JOB_IDS.failed,
        BATCH_JOB_IDS.cancelled,
        BATCH_JOB_IDS.terminated,
        BATCH_JOB_IDS.outOfMemory,
        BATCH_JOB_IDS.spotReclaimed,
        BATCH_JOB_IDS.imagePull,
      ]
        .map(batchGlobalId)
        // The demo's failed service job (issue 102).
        .concat(`batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`)
        .sort(),
    );
  });
});
