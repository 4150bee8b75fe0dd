import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import { DEPLOYMENTS_SDL, WATCHERS_SDL } from '../support/deploymentsSubgraph.ts';
import {
  clearCalls,
  gql,
  startTestGateway,
  upstreamCallCount,
  type TestGateway,
} from '../support/gateway.ts';
import {
  composeWithJobgraph,
  maskErrorsExceptJobgraphs,
  startHiveGateway,
  type HiveGateway,
} from '../support/hiveGateway.ts';
import { CP, CP_NATIVE, IE, OMICS, secretValuesIn, startOtherTeam } from '../support/otherTeam.ts';

const SECRET_QUERY = `{ job(id: "${CP}") { id watchers ... on CodePipelineJob { artifactCredentials { accessKeyId secretAccessKey sessionToken } continuationToken } } }`;

let jobgraph: TestGateway;
let other: Awaited<ReturnType<typeof startOtherTeam>>;
let hive: HiveGateway;
let hiveWithoutNoStore: HiveGateway;
let secretValues: string[];

beforeAll(async () => {
  jobgraph = await startTestGateway();
  other = await startOtherTeam([IE]);
  const supergraph = composeWithJobgraph(jobgraph.server.url, [
    { name: 'deployments', url: other.deployments.url, sdl: DEPLOYMENTS_SDL },
    { name: 'watchers', url: other.watching.url, sdl: WATCHERS_SDL },
  ]);
  hive = await startHiveGateway({ supergraph, runtime: 'router' });
  hiveWithoutNoStore = await startHiveGateway({
    supergraph,
    runtime: 'router',
    passNoStore: false,
  });

  const direct = await gql(jobgraph, SECRET_QUERY.replace(' watchers', ''), {
    token: jobgraph.tokens.secrets,
  });
  expect(direct.headers.get('cache-control')).toBe('no-store');
  secretValues = secretValuesIn(direct.body.data, 2);
});
afterAll(async () => {
  await hive?.stop();
  await hiveWithoutNoStore?.stop();
  await other?.stop();
  await jobgraph?.close();
});
beforeEach(() => {
  clearCalls(jobgraph);
  other.watching.authorizations.length = 0;
  other.deployments.authorizations.length = 0;
});

const viaHive = (query: string, token?: string, gateway: HiveGateway = hive) =>
  gql({ server: { url: gateway.url } }, query, token ? { token } : {});

describe('jobgraph behind Hive Gateway (router runtime) with an @interfaceObject subgraph', () => {
  it('resolves job(id:) with the field the watchers subgraph adds to every Job', async () => {
    const res = await viaHive(
      `{ job(id: "${CP}") { id provider state watchers ... on CodePipelineJob { nativeId region } } }`,
      jobgraph.tokens.read,
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.job).toEqual({
      id: CP,
      provider: 'AWS_CODEPIPELINE',
      state: 'UNKNOWN',
      watchers: ['alice', 'bob'],
      nativeId: CP_NATIVE,
      region: 'us-east-1',
    });
    expect(jobgraph.emulators.codepipeline.calls).toHaveLength(1);
  });

  it('resolves jobs(ids:) in the order asked, the watchers of each, one upstream call per distinct job', async () => {
    const res = await viaHive(
      `{ jobs(ids: ["${CP}", "${IE}", "${OMICS}", "${CP}"]) { id state watchers } }`,
      jobgraph.tokens.read,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.jobs).toEqual([
      { id: CP, state: 'UNKNOWN', watchers: ['alice', 'bob'] },
      { id: IE, state: expect.any(String), watchers: ['carol'] },
      { id: OMICS, state: expect.any(String), watchers: ['carol', 'dave'] },
      { id: CP, state: 'UNKNOWN', watchers: ['alice', 'bob'] },
    ]);
    expect(upstreamCallCount(jobgraph)).toBe(3);
  });

  it('resolves jobs the watchers subgraph lists through jobgraph, and a CodePipelineJob referenced by its second key', async () => {
    const watched = await viaHive(
      `{ watchedJobs(user: "carol") { id provider watchers ... on ImportExportJob { progressCode } } }`,
      jobgraph.tokens.read,
    );
    expect(watched.body.errors).toBeUndefined();
    expect(watched.body.data?.watchedJobs).toEqual([
      {
        id: IE,
        provider: 'AWS_IMPORT_EXPORT',
        watchers: ['carol'],
        progressCode: expect.any(String),
      },
      { id: OMICS, provider: 'AWS_OMICS', watchers: ['carol', 'dave'] },
    ]);
    // deployments knows the job only by `account region nativeId`, jobgraph's second @key on CodePipelineJob.
    const deployments = await viaHive(
      `{ deployments { name pipelineJob { id state watchers } } }`,
      jobgraph.tokens.read,
    );
    expect(deployments.body.errors).toBeUndefined();
    expect(deployments.body.data?.deployments).toEqual([
      { name: 'web-prod', pipelineJob: { id: CP, state: 'UNKNOWN', watchers: ['alice', 'bob'] } },
    ]);
  });

  it('forwards the Authorization header to jobgraph only, so jobgraph decides each field', async () => {
    const anonymous = await viaHive(`{ job(id: "${CP}") { id watchers } }`);
    expect(anonymous.body.data?.job).toBeNull();
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(upstreamCallCount(jobgraph)).toBe(0);

    const reader = await viaHive(SECRET_QUERY, jobgraph.tokens.read);
    expect(reader.body.data?.job).toMatchObject({
      id: CP,
      watchers: ['alice', 'bob'],
      artifactCredentials: null,
      continuationToken: null,
    });
    expect(new Set(reader.body.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['FORBIDDEN']),
    );
    expect(reader.body.errors?.map((e) => e.path?.join('.')).sort()).toEqual([
      'job.artifactCredentials',
      'job.continuationToken',
    ]);
    for (const s of secretValues) expect(reader.text).not.toContain(s);

    const allowed = await viaHive(SECRET_QUERY, jobgraph.tokens.secrets);
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data?.job.artifactCredentials.secretAccessKey).toMatch(
      /^DEMO-SECRET-ACCESS-KEY-/,
    );

    // The watchers subgraph was asked for `watchers` each time, and never saw a token.
    expect(other.watching.authorizations.length).toBeGreaterThan(0);
    expect(other.watching.authorizations.every((a) => a === null)).toBe(true);
  });

  it("passes jobgraph's error codes through: BAD_USER_INPUT before any upstream call, NOT_FOUND per job", async () => {
    const malformed = await viaHive(
      `{ job(id: "codepipeline:nowhere-1:not-a-uuid") { id watchers } }`,
      jobgraph.tokens.read,
    );
    expect(malformed.body.data?.job).toBeNull();
    expect(malformed.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['job', 'BAD_USER_INPUT'],
    ]);
    expect(upstreamCallCount(jobgraph)).toBe(0);

    const missing = DEMO_DATA.importexport.ERROR_CASE_GLOBAL_IDS.notFound;
    const res = await viaHive(
      `{ jobs(ids: ["${CP}", "${missing}"]) { id watchers } }`,
      jobgraph.tokens.read,
    );
    expect(res.body.data?.jobs).toEqual([{ id: CP, watchers: ['alice', 'bob'] }, null]);
    expect(
      res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.provider]),
    ).toEqual([['jobs.1', 'NOT_FOUND', 'AWS_IMPORT_EXPORT']]);
  });
});

describe('Cache-Control through Hive Gateway', () => {
  it("drops jobgraph's no-store unless fromSubgraphsToClient passes it on", async () => {
    const dropped = await viaHive(SECRET_QUERY, jobgraph.tokens.secrets, hiveWithoutNoStore);
    expect(dropped.body.errors).toBeUndefined();
    expect(dropped.text).toContain(secretValues[0]);
    expect(dropped.headers.get('cache-control')).toBeNull();

    const passed = await viaHive(SECRET_QUERY, jobgraph.tokens.secrets);
    expect(passed.body.errors).toBeUndefined();
    expect(passed.headers.get('cache-control')).toBe('no-store');
  });

  it('passes no-store on once when jobgraph answered several fetches, the secret coming from an entity fetch', async () => {
    // One fetch to jobgraph for job(id:), one to deployments, then an _entities fetch to jobgraph by CodePipelineJob's second key.
    const query = `{ job(id: "${IE}") { id } deployments { name pipelineJob { id continuationToken } } }`;
    const dropped = await viaHive(query, jobgraph.tokens.secrets, hiveWithoutNoStore);
    expect(dropped.body.errors).toBeUndefined();
    expect(dropped.body.data?.deployments[0].pipelineJob.continuationToken).toMatch(
      /^DEMO-CONTINUATION-TOKEN-/,
    );
    expect(dropped.headers.get('cache-control')).toBeNull();

    const passed = await viaHive(query, jobgraph.tokens.secrets);
    expect(passed.body.errors).toBeUndefined();
    expect(passed.body.data?.deployments[0].pipelineJob.continuationToken).toMatch(
      /^DEMO-CONTINUATION-TOKEN-/,
    );
    expect(passed.headers.get('cache-control')).toBe('no-store');
  });
});

describe('maskErrorsExceptJobgraphs, the error masking docs/federation.md recommends for Hive Gateway', () => {
  const toJSON = (e: Error) => (e as Error & { toJSON(): unknown }).toJSON();
  it("keeps jobgraph's public errors, whether Hive hands them over as GraphQLErrors or as plain objects", () => {
    const plain = {
      message: 'ImportExportJob.signature needs jobs:secrets:read.',
      path: ['jobUpdates', 'signature'],
      extensions: { code: 'FORBIDDEN', serviceName: 'jobgraph' },
    };
    expect(toJSON(maskErrorsExceptJobgraphs(plain, 'Unexpected error.'))).toEqual(plain);
    const wrappedRefusal = Object.assign(new Error(''), {
      path: ['jobUpdates'],
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'jobgraph' },
      originalError: [
        { message: 'Subscriptions need a bearer token.', extensions: { code: 'UNAUTHENTICATED' } },
      ],
    });
    expect(toJSON(maskErrorsExceptJobgraphs(wrappedRefusal, 'Unexpected error.'))).toEqual({
      message: 'Subscriptions need a bearer token.',
      path: ['jobUpdates'],
      extensions: { code: 'UNAUTHENTICATED', serviceName: 'jobgraph' },
    });
  });

  it("masks everything else: jobgraph's INTERNAL_SERVER_ERROR, unknown codes, other subgraphs' and Hive's own errors", () => {
    for (const error of [
      {
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'jobgraph', correlationId: 'x' },
      },
      {
        message: 'connect ECONNREFUSED 127.0.0.1:1',
        extensions: { code: 'SOMETHING_ELSE', serviceName: 'jobgraph' },
      },
      { message: 'watchers exploded', extensions: { code: 'FORBIDDEN', serviceName: 'watchers' } },
      new Error('fetch failed'),
    ]) {
      expect(
        (toJSON(maskErrorsExceptJobgraphs(error, 'Unexpected error.')) as { message: string })
          .message,
      ).toBe('Unexpected error.');
    }
  });
});
