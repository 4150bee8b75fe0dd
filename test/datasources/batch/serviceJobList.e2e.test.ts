// AWS Batch service jobs in `listJobs` through a compiled gateway in live mode on the emulators
// (issue 102): `listJobs(filter: { providers: [AWS_BATCH] })` holds the container jobs and the
// service jobs, the latter as `BatchServiceJob` rows (`batchservice:` IDs) whose every field the
// summary gives agrees with ListServiceJobs read by @aws-sdk/client-batch, with no describe call;
// SCHEDULED is QUEUED; a field the summary lacks is read by DescribeServiceJob.
import {
  DescribeServiceJobCommand,
  ListServiceJobsCommand,
  type ServiceJobSummary,
} from '@aws-sdk/client-batch';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SERVICE_JOB_IDS,
  SERVICE_JOB_QUEUE_NAME,
  SERVICE_JOB_STEP_MS,
} from '@jobgraph/emulators/batch/serviceJobData';
import type { EmulatorRequest } from '@jobgraph/emulators/framework';
import { everyAccountToken } from '../../subscriptions/clusterSupport.ts';
import { useServiceJobGateway } from './serviceJobGateway.ts';
import { isoOrNull as iso } from '../../support/sdkOracle.ts';

const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let clock = EPOCH;

/** The BatchServiceJob fields a ListServiceJobs summary gives (serviceJob/listing.ts). */
const SUMMARY_FIELDS = `id nativeId name provider region state providerStatus statusMessage
  terminal createdAt updatedAt completedAt jobArn jobName serviceJobType status statusReason
  scheduledAt startedAt stoppedAt shareIdentifier quotaShareName
  latestAttempt { serviceResourceId { name value } } capacityUsage { capacityUnit quantity }`;

type Wire = Record<string, unknown>;
const QUEUED = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'SCHEDULED'];

/** What the graph must answer for one ServiceJobSummary of the SDK. */
function expected(s: ServiceJobSummary) {
  const terminal = s.status === 'SUCCEEDED' || s.status === 'FAILED';
  return {
    __typename: 'BatchServiceJob',
    id: `batchservice:us-east-1:${s.jobId!}`,
    nativeId: s.jobId,
    name: s.jobName,
    provider: 'AWS_BATCH',
    region: 'us-east-1',
    state: QUEUED.includes(s.status!)
      ? 'QUEUED'
      : s.status === 'RUNNING' || s.status === 'STARTING'
        ? 'IN_PROGRESS'
        : s.status,
    providerStatus: s.status,
    statusMessage: s.statusReason ?? null,
    terminal,
    createdAt: iso(s.createdAt),
    updatedAt: s.status === 'RUNNING' ? iso(s.startedAt) : terminal ? iso(s.stoppedAt) : null,
    completedAt: terminal ? iso(s.stoppedAt) : null,
    jobArn: s.jobArn,
    jobName: s.jobName,
    serviceJobType: s.serviceJobType,
    status: s.status,
    statusReason: s.statusReason ?? null,
    scheduledAt: iso(s.scheduledAt),
    startedAt: iso(s.startedAt),
    stoppedAt: iso(s.stoppedAt),
    shareIdentifier: s.shareIdentifier ?? null,
    quotaShareName: s.quotaShareName ?? null,
    latestAttempt: s.latestAttempt ?? null,
    capacityUsage: s.capacityUsage ?? [],
  };
}

describe('AWS Batch service jobs in listJobs through a live gateway on the emulators', () => {
  const live = useServiceJobGateway(
    { now: () => clock, epochMs: EPOCH },
    {
      // Each list its own source (the lead's decision, issue 102): 40 is the new default bound.
      JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '40',
      // Every read upstream: no page kept between the tests' lists.
      JOBGRAPH_LIST_SNAPSHOT_SECONDS: '0',
    },
    // One step after the anchor (the emulators' start): the progressing service job is SCHEDULED.
    () => (clock = EPOCH + SERVICE_JOB_STEP_MS),
  );
  let reader = '';
  beforeAll(async () => {
    reader = await everyAccountToken('reader', ['jobs:read']);
  });

  const graph = (query: string) =>
    live.graph<{ data?: Record<string, Wire>; errors?: unknown[] }>(reader, query);
  /** Every row of listJobs of AWS Batch in the default account with `states` (pages of 25), and its sources. */
  async function listBatch(selection: string, states?: string[]) {
    const filter = `{ providers: [AWS_BATCH], accounts: ["default"]${states ? `, states: [${states.join(', ')}]` : ''} }`;
    const nodes: Wire[] = [];
    let sources: Wire[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 40; pages++) {
      const answer = await graph(
        `{ listJobs(first: 25, after: ${JSON.stringify(after)}, filter: ${filter}) {
             nodes { __typename id ${selection} }
             pageInfo { hasNextPage endCursor }
             sources { jobQueue state code } } }`,
      );
      expect(answer.errors).toBeUndefined();
      const conn = answer.data!.listJobs as {
        nodes: Wire[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        sources: Wire[];
      };
      nodes.push(...conn.nodes);
      if (pages === 0) sources = conn.sources;
      if (!conn.pageInfo.hasNextPage) return { nodes, sources };
      after = conn.pageInfo.endCursor;
    }
    throw new Error('the walk never ended');
  }
  /** The service jobs of the demo's queue as the SDK lists them: every status, newest first. */
  const bySdk = async () =>
    (
      await live.sdk.send(
        new ListServiceJobsCommand({
          jobQueue: SERVICE_JOB_QUEUE_NAME,
          filters: [{ name: 'AFTER_CREATED_AT', values: ['0'] }],
        }),
      )
    ).jobSummaryList!;
  const callsOf = (operation: string) =>
    live.emulators.batch.calls.filter((c) => c.operation.startsWith(operation)).length;

  it('lists the container jobs and the service jobs, each service job as ListServiceJobs by the SDK says, without a describe call', async () => {
    const describes = callsOf('POST /v1/describeservicejob');
    const { nodes, sources } = await listBatch(`... on BatchServiceJob { ${SUMMARY_FIELDS} }`);
    const services = nodes.filter((n) => n.__typename === 'BatchServiceJob');
    const summaries = await bySdk();
    expect(summaries.map((s) => s.jobId).sort()).toEqual(Object.values(SERVICE_JOB_IDS).sort());
    // In the merged order (newest first), as the SDK lists them.
    expect(services).toEqual(summaries.map(expected));
    // The SCHEDULED one among them, QUEUED.
    expect(services.find((n) => n.nativeId === SERVICE_JOB_IDS.progressing)).toMatchObject({
      providerStatus: 'SCHEDULED',
      state: 'QUEUED',
    });
    // The container jobs are there too, and every row's ID names its type.
    expect(nodes.some((n) => n.__typename === 'BatchJob')).toBe(true);
    for (const n of nodes)
      expect(
        String(n.id).startsWith(n.__typename === 'BatchServiceJob' ? 'batchservice:' : 'batch:'),
      ).toBe(true);
    // The service-job queue is a source of its own, read.
    expect(sources).toContainEqual({
      jobQueue: SERVICE_JOB_QUEUE_NAME,
      state: 'LISTED',
      code: null,
    });
    // The summary answered every field asked: no DescribeServiceJob.
    expect(callsOf('POST /v1/describeservicejob')).toBe(describes);
  });

  it('includes the SCHEDULED service job in states: [QUEUED], and sends ListServiceJobs the one status FAILED asks', async () => {
    const bodies: Wire[] = [];
    const onRequest = (req: EmulatorRequest) => {
      if (req.path === '/v1/listservicejobs') bodies.push(JSON.parse(req.body) as Wire);
    };
    live.emulators.batch.events.on('request', onRequest);
    try {
      const queued = await listBatch('state providerStatus', ['QUEUED']);
      expect(queued.nodes.every((n) => n.state === 'QUEUED')).toBe(true);
      expect(queued.nodes).toContainEqual({
        __typename: 'BatchServiceJob',
        id: `batchservice:us-east-1:${SERVICE_JOB_IDS.progressing}`,
        state: 'QUEUED',
        providerStatus: 'SCHEDULED',
      });
      // Four statuses are QUEUED: every status read, newest first, filtered in the gateway.
      expect(bodies).toEqual([
        {
          jobQueue: SERVICE_JOB_QUEUE_NAME,
          filters: [{ name: 'AFTER_CREATED_AT', values: ['0'] }],
          maxResults: 100,
        },
      ]);
      bodies.length = 0;
      const failed = await listBatch('state', ['FAILED']);
      const services = failed.nodes.filter((n) => n.__typename === 'BatchServiceJob');
      expect(services.map((n) => n.id)).toEqual([
        `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`,
      ]);
      expect(bodies).toEqual([
        { jobQueue: SERVICE_JOB_QUEUE_NAME, jobStatus: 'FAILED', maxResults: 100 },
      ]);
    } finally {
      live.emulators.batch.events.off('request', onRequest);
    }
  });

  it('reads a field the summary lacks by DescribeServiceJob, as the SDK reads it', async () => {
    const before = callsOf('POST /v1/describeservicejob');
    const { nodes } = await listBatch(
      '... on BatchServiceJob { jobQueue retryStrategy { attempts } tags { key value } }',
    );
    const row = nodes.find((n) => n.id === `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`);
    const described = await live.sdk.send(
      new DescribeServiceJobCommand({ jobId: SERVICE_JOB_IDS.failed }),
    );
    expect(row).toEqual({
      __typename: 'BatchServiceJob',
      id: `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`,
      jobQueue: described.jobQueue,
      retryStrategy: { attempts: described.retryStrategy!.attempts },
      tags: Object.entries(described.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    // One describe a service job listed (the SDK's own call above aside).
    expect(callsOf('POST /v1/describeservicejob') - before).toBe(2 + 1);
  });
});
