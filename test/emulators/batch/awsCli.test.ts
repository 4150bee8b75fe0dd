import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_DEMO_REGION,
  BATCH_DEMO_SECRET_VALUE,
  BATCH_JOB_IDS,
  batchGlobalId,
} from '@jobgraph/emulators/batch/data';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { buildSchema } from '../../../src/schema.ts';
import { gql, startTestGateway, type TestGateway } from '../../support/gateway.ts';
import { realPart, requirePart } from '../../support/realParts.ts';
import { awsCliEnv } from '../awsCli.ts';

/**
 * The AWS CLI (`aws batch describe-jobs`, the machine's CLI v1 or Debian's awscli) against the
 * AWS Batch emulator a real gateway reads: the CLI's botocore agrees with @aws-sdk/client-batch
 * on every leaf of every demo job (and both leave an unknown ID out), and `BatchJob` carries every
 * leaf the CLI prints, at its camelCase name (times as ISO of the same instant, maps as key/value
 * lists, a few one-member wrappers flattened: `RENAMES`).
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
      env: awsCliEnv({ AWS_DEFAULT_REGION: BATCH_DEMO_REGION, AWS_REGION: BATCH_DEMO_REGION }),
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

/**
 * Every field of `type`, all the way down (the SDL has no cycles below BatchJob), but `logTail`:
 * the job's log lines are CloudWatch Logs', not DescribeJobs' (test/datasources/logs/); nor the
 * links to other jobs (`rerunOf`, `reruns`: the history's, not DescribeJobs').
 */
function selectAll(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields())
    .filter((field) => !['logTail', 'rerunOf', 'reruns'].includes(field.name))
    .map((field) => {
      const named = getNamedType(field.type);
      return isObjectType(named) ? `${field.name} { ${selectAll(named)} }` : field.name;
    });
  return fields.join(' ');
}
const { schema } = buildSchema();
const JOB = `query($id: ID!) { job(id: $id) { ... on BatchJob { ${selectAll(
  schema.getType('BatchJob') as GraphQLObjectType,
)} } } }`;

/**
 * Where a wire leaf's path (dot-separated, list positions as numbers) stands in `BatchJob`: the
 * same camelCase names, but for these wrappers of one or two members, flattened as the AWS SDK's
 * own shapes would be read, and the job's ID and status under their Job-interface names.
 */
const RENAMES: [RegExp, string][] = [
  [/^jobId$/, 'nativeId'],
  [/^timeout\.attemptDurationSeconds$/, 'attemptDurationSeconds'],
  [/\bfargatePlatformConfiguration\.platformVersion$/, 'fargatePlatformVersion'],
  [/\bnetworkConfiguration\.assignPublicIp$/, 'assignPublicIp'],
  [/\bephemeralStorage\.sizeInGiB$/, 'ephemeralStorageGiB'],
  [/\bruntimePlatform\.(\w+)$/, '$1'],
  [/\brepositoryCredentials\.credentialsParameter$/, 'repositoryCredentialsParameter'],
  [/\bhost\.sourcePath$/, 'hostSourcePath'],
  [/\befsVolumeConfiguration\.fileSystemId$/, 'efsFileSystemId'],
  [/\befsVolumeConfiguration\.rootDirectory$/, 'efsRootDirectory'],
  [/^ecsProperties\.taskProperties\./, 'ecsTasks.'],
  [/^eksProperties\.podProperties\./, 'eksPod.'],
  [/^eksPod\.metadata\./, 'eksPod.'],
  [/\bimagePullSecrets\.(\d+)\.name$/, 'imagePullSecrets.$1'],
  [/\.resources\.(limits|requests)\./, '.$1.'],
  [/\.containerID$/, '.containerId'],
];

/** Every leaf of a wire value: [path, value], the path dot-separated with list positions. */
function leaves(value: unknown, path = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [[path, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
}

/**
 * The value at `path` in a GraphQL answer; a map's key (a path part that is no position where
 * the answer holds a list) picks the `{ key, value }` (or `{ status, count }`) entry of that key.
 * `undefined`: the answer has no such place.
 */
function at(answer: unknown, path: string): unknown {
  let here: unknown = answer;
  for (const part of path.split('.')) {
    if (Array.isArray(here) && !/^\d+$/.test(part)) {
      const entry = (here as Record<string, unknown>[]).find(
        (e) => e.key === part || e.status === part,
      );
      here = entry ? (entry.value ?? entry.count) : undefined;
    } else if (here !== null && typeof here === 'object') here = (here as Wire)[part];
    else return undefined;
  }
  return here;
}

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

    it('carries every leaf the CLI prints of every job in BatchJob, linuxParameters included', async () => {
      const wire = byId(viaCli);
      const missing: string[] = [];
      const differing: unknown[] = [];
      let compared = 0;
      for (const jobId of IDS) {
        const res = await gql(gw, JOB, {
          variables: { id: batchGlobalId(jobId) },
          token: gw.tokens.secrets,
        });
        expect(res.body.errors, jobId).toBeUndefined();
        const job = res.body.data?.job as Wire;
        for (const [path, value] of leaves(wire[jobId])) {
          const where = RENAMES.reduce((p, [from, to]) => p.replace(from, to), path);
          const got = at(job, where);
          compared += 1;
          if (got === undefined) missing.push(`${jobId} ${path}`);
          // Times: epoch milliseconds on the wire, ISO-8601 of the same instant in the graph.
          else if (typeof value === 'number' && typeof got === 'string') {
            if (iso(value) !== got) differing.push({ jobId, path, value, got });
          } else if (got !== value) differing.push({ jobId, path, value, got });
        }
      }
      expect(missing).toEqual([]);
      expect(differing).toEqual([]);
      // The walk read the demo jobs' leaves, linuxParameters among them.
      expect(compared).toBeGreaterThan(IDS.length * 10);
      expect(JSON.stringify(viaCli)).toContain('"linuxParameters"');
    });
  },
);
