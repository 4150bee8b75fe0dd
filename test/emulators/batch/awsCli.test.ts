import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_DEMO_REGION,
  BATCH_DEMO_SECRET_VALUE,
  BATCH_JOB_IDS,
  batchGlobalId,
} from '../../../src/emulators/batch/data.ts';
import { DEMO_AWS_CREDENTIALS } from '../../../src/emulators/framework.ts';
import { gql, startTestGateway, type TestGateway } from '../../support/gateway.ts';
import { realPart, requirePart } from '../../support/realParts.ts';

/**
 * The AWS CLI (`aws batch describe-jobs`, the machine's CLI v1 or Debian's awscli) against the
 * AWS Batch emulator a real gateway reads: the CLI's botocore agrees with @aws-sdk/client-batch
 * on every leaf of every demo job (and both leave an unknown ID out), and with jobgraph on every
 * leaf jobgraph carries as it came (times as ISO of the same instant, maps as key/value lists).
 * The CLI signs with SigV4 from the environment: no profile, no instance metadata, loopback only.
 */
const cli = realPart('aws-cli');
const run = promisify(execFile);
const UNKNOWN = '0badc0de-0000-4000-8000-000000000000';
const IDS = [
  BATCH_JOB_IDS.succeeded,
  BATCH_JOB_IDS.failed,
  BATCH_JOB_IDS.cancelled,
  BATCH_JOB_IDS.terminated,
  BATCH_JOB_IDS.running,
  BATCH_JOB_IDS.runnable,
  BATCH_JOB_IDS.arrayParent,
  `${BATCH_JOB_IDS.arrayParent}:1`,
  BATCH_JOB_IDS.multiNode,
  BATCH_JOB_IDS.ecs,
  BATCH_JOB_IDS.eks,
];

type Wire = Record<string, unknown>;

async function describeWithCli(endpoint: string, ids: string[]): Promise<Wire[]> {
  const aws = requirePart('aws-cli');
  const { stdout } = await run(
    aws,
    ['batch', 'describe-jobs', '--jobs', ...ids, '--endpoint-url', endpoint, '--output', 'json'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: DEMO_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DEMO_AWS_CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: BATCH_DEMO_REGION,
        AWS_REGION: BATCH_DEMO_REGION,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      },
    },
  );
  return (JSON.parse(stdout) as { jobs: Wire[] }).jobs;
}

async function describeWithSdk(endpoint: string, ids: string[]): Promise<Wire[]> {
  const client = new BatchClient({
    endpoint,
    region: BATCH_DEMO_REGION,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
  });
  try {
    const out = await client.send(new DescribeJobsCommand({ jobs: ids }));
    // The SDK's own plain-object copy: what its deserialiser read, without $metadata.
    return JSON.parse(JSON.stringify(out.jobs ?? [])) as Wire[];
  } finally {
    client.destroy();
  }
}

const byId = (jobs: Wire[]) =>
  Object.fromEntries(jobs.map((j) => [j.jobId as string, j])) as Record<string, Wire>;
const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
const pairs = (map: unknown) =>
  Object.entries((map ?? {}) as Record<string, string>).map(([key, value]) => ({ key, value }));

const JOB = `query($id: ID!) { job(id: $id) { ... on BatchJob {
  nativeId jobArn jobName jobQueue providerStatus statusReason shareIdentifier schedulingPriority
  createdAt startedAt stoppedAt jobDefinition propagateTags platformCapabilities isCancelled isTerminated
  attemptDurationSeconds parameters { key value } tags { key value }
  container { image vcpus memory command exitCode environment { name value } secrets { name valueFrom } }
} } }`;

describe.skipIf(cli.skip)(
  'aws batch describe-jobs (AWS CLI) against the AWS Batch emulator',
  () => {
    let gw: TestGateway;
    let endpoint = '';
    let viaCli: Wire[] = [];
    beforeAll(async () => {
      gw = await startTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '0' });
      endpoint = gw.emulators.batch.url;
      viaCli = await describeWithCli(endpoint, [...IDS, UNKNOWN]);
    });
    afterAll(async () => gw?.close());

    it('agrees with @aws-sdk/client-batch on every leaf of every job, and leaves an unknown ID out', async () => {
      expect(viaCli.map((j) => j.jobId)).toEqual(IDS);
      const viaSdk = await describeWithSdk(endpoint, [...IDS, UNKNOWN]);
      expect(viaCli).toEqual(viaSdk);
      // Both read the secret-bearing environment value the emulator sends.
      expect(JSON.stringify(viaCli)).toContain(BATCH_DEMO_SECRET_VALUE);
    });

    it('agrees with jobgraph on every leaf jobgraph carries as Batch sent it', async () => {
      const wire = byId(viaCli);
      for (const jobId of IDS) {
        const res = await gql(gw, JOB, {
          variables: { id: batchGlobalId(jobId) },
          token: gw.tokens.secrets,
        });
        expect(res.body.errors, jobId).toBeUndefined();
        const job = res.body.data?.job as Record<string, unknown>;
        const w = wire[jobId]!;
        const container = w.container as Wire | undefined;
        expect(job, jobId).toEqual({
          nativeId: w.jobId,
          jobArn: w.jobArn ?? null,
          jobName: w.jobName ?? null,
          jobQueue: w.jobQueue ?? null,
          providerStatus: w.status ?? null,
          statusReason: w.statusReason ?? null,
          shareIdentifier: w.shareIdentifier ?? null,
          schedulingPriority: w.schedulingPriority ?? null,
          createdAt: iso(w.createdAt),
          startedAt: iso(w.startedAt),
          stoppedAt: iso(w.stoppedAt),
          jobDefinition: w.jobDefinition ?? null,
          propagateTags: w.propagateTags ?? null,
          platformCapabilities: w.platformCapabilities ?? [],
          isCancelled: w.isCancelled ?? null,
          isTerminated: w.isTerminated ?? null,
          attemptDurationSeconds:
            (w.timeout as { attemptDurationSeconds?: number } | undefined)
              ?.attemptDurationSeconds ?? null,
          parameters: pairs(w.parameters),
          tags: pairs(w.tags),
          container: container
            ? {
                image: container.image ?? null,
                vcpus: container.vcpus ?? null,
                memory: container.memory ?? null,
                command: container.command ?? [],
                exitCode: container.exitCode ?? null,
                environment: container.environment ?? [],
                secrets: container.secrets ?? [],
              }
            : null,
        });
      }
    });
  },
);
