import { composeServices } from '@apollo/composition';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA } from '@jobgraph/emulators';
import { writerToken } from '../support/accountTokens.ts';
import { loadTypeDefs } from '../../src/schema.ts';
import { parse, print } from 'graphql';
import { startApolloGateway } from '../support/apolloGateway.ts';
import { DEPLOYMENTS_SDL, WATCHERS_SDL } from '../support/deploymentsSubgraph.ts';
import { clearCalls, gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { CP, CP_NATIVE, IE, OMICS, secretValuesIn, startOtherTeam } from '../support/otherTeam.ts';
import { withoutDescriptions } from '../support/sdl.ts';

const CP2 = DEMO_DATA.codepipeline.DEMO_GLOBAL_IDS.find((id) => id !== CP) as string;

let jobgraph: TestGateway;
let other: Awaited<ReturnType<typeof startOtherTeam>>;
let router: { url: string; stop(): Promise<void> };
let supergraphSdl: string;
let secretValues: string[];

beforeAll(async () => {
  jobgraph = await startTestGateway();
  other = await startOtherTeam(
    [IE, OMICS, CP, IE],
    [
      {
        name: 'web-staging',
        environment: 'staging',
        pipelineJob: { region: 'us-east-1', nativeId: CP2.split(':')[2] as string },
        relatedJobIds: [OMICS],
      },
      {
        name: 'web-dev',
        environment: 'dev',
        pipelineJob: { region: 'us-east-1', nativeId: CP_NATIVE },
        relatedJobIds: [],
      },
    ],
  );
  const composed = composeServices([
    { name: 'jobgraph', url: jobgraph.server.url, typeDefs: loadTypeDefs() },
    { name: 'deployments', url: other.deployments.url, typeDefs: parse(DEPLOYMENTS_SDL) },
    { name: 'watchers', url: other.watching.url, typeDefs: parse(WATCHERS_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  // @apollo/gateway refuses supergraphs that link a feature `for: SECURITY` (@requiresScopes):
  // it cannot enforce it. Remove that purpose for this gateway; jobgraph enforces the directive itself.
  supergraphSdl = composed.supergraphSdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v[0-9.]+"), for: SECURITY\)/g,
    '$1)',
  );
  router = await startApolloGateway(supergraphSdl);

  const all = await gql(
    jobgraph,
    `{ job(id: "${CP}") { ... on CodePipelineJob { artifactCredentials { accessKeyId secretAccessKey sessionToken } continuationToken actionConfiguration { value } } } }`,
    {
      token: jobgraph.tokens.secrets,
    },
  );
  secretValues = secretValuesIn(all.body.data, 3);
});
afterAll(async () => {
  await router?.stop();
  await other?.stop();
  await jobgraph?.close();
});
beforeEach(() => clearCalls(jobgraph));

const viaRouter = (query: string, token?: string) =>
  gql({ server: { url: router.url } }, query, token ? { token } : {});

describe('jobgraph in a supergraph under @apollo/gateway', () => {
  it('composes with an independent subgraph that references CodePipelineJob by its native key and extends Job', () => {
    expect(supergraphSdl).toContain('join__type(graph: JOBGRAPH, key: "account region nativeId")');
    expect(supergraphSdl).toMatch(
      /interface Job[^{]*@join__type\(graph: WATCHERS, key: "id", isInterfaceObject: true\)/,
    );
    expect(print(loadTypeDefs())).toContain('federation/v2.7');
    // The subscription is part of the subgraph schema, so a gateway that serves federated subscriptions can route it to jobgraph.
    expect(withoutDescriptions(supergraphSdl)).toMatch(
      /type Subscription\s*@join__type\(graph: JOBGRAPH\)\s*\{[^}]*jobUpdates\(ids: \[ID!\]!\): Job!\s*\}/,
    );
  });

  it('composes the mutations with another subgraph with no hints', () => {
    const composed = composeServices([
      { name: 'jobgraph', url: jobgraph.server.url, typeDefs: loadTypeDefs() },
      { name: 'deployments', url: other.deployments.url, typeDefs: parse(DEPLOYMENTS_SDL) },
    ]);
    expect(composed.errors).toBeUndefined();
    // The one hint there is, CodePipelineJob's two descriptions, is the other team's copy of the type.
    const hints = (composed.hints ?? []).map((h) => h.toString());
    expect(
      hints.filter((h) => /Mutation|JobAction|cancelJob|terminateJob|Actions|actionsTaken/.test(h)),
    ).toEqual([]);
    expect(hints.filter((h) => !h.includes('"CodePipelineJob"'))).toEqual([]);
    expect(withoutDescriptions(supergraphSdl)).toMatch(
      /type Mutation\s*@join__type\(graph: JOBGRAPH\)\s*\{[^}]*cancelJobs\(/,
    );
  });

  it('refuses an action through @apollo/gateway on its own: the gateway enforces no scope, the subgraph does', async () => {
    const id = `${DEMO_DATA.batch.EXAMPLE_GLOBAL_ID.slice(0, DEMO_DATA.batch.EXAMPLE_GLOBAL_ID.lastIndexOf(':') + 1)}${BATCH_JOB_IDS.pending}`;
    const mutation = `mutation { cancelJob(id: "${id}", reason: "through the router") { outcome job { state } } }`;
    const refused = await viaRouter(mutation, jobgraph.tokens.read);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.body.errors?.[0]?.message).toContain('jobs:write');
    expect(
      jobgraph.emulators.batch.calls.filter((c) => c.operation.startsWith('CancelJob')),
    ).toEqual([]);
    const writer = await writerToken(jobgraph, ['*'], 'router-writer');
    const done = await viaRouter(mutation, writer);
    expect(done.body.data?.cancelJob).toEqual({ outcome: 'REQUESTED', job: { state: 'FAILED' } });
    expect(
      jobgraph.emulators.batch.calls.filter((c) => c.operation.startsWith('CancelJob')),
    ).toHaveLength(1);
  });

  it('joins deployments to their CodePipeline jobs and every Job to its watchers, one upstream call per distinct job', async () => {
    const res = await viaRouter(
      `{
        deployments {
          name
          pipelineJob { id nativeId region state accountId watchers }
          relatedJobIds
        }
      }`,
      jobgraph.tokens.read,
    );
    expect(res.body.errors).toBeUndefined();
    const [prod, staging, dev] = res.body.data?.deployments as any[];
    expect(prod.pipelineJob).toMatchObject({
      id: CP,
      nativeId: CP_NATIVE,
      region: 'us-east-1',
      state: 'UNKNOWN',
      watchers: ['alice', 'bob'],
    });
    expect(prod.relatedJobIds).toEqual([IE, OMICS, CP, IE]);
    expect(staging.pipelineJob.id).toBe(CP2);
    expect(dev.pipelineJob.id).toBe(CP);
    // Distinct jobs: CP (twice) and CP2 — one upstream call each, whatever the query plan's fetches.
    expect(jobgraph.emulators.codepipeline.calls).toHaveLength(2);
    expect(new Set(jobgraph.emulators.codepipeline.calls.map((c) => c.job)).size).toBe(2);
  });

  it('keeps secrets from a caller without jobs:secrets:read through the gateway', async () => {
    const query = `{ deployments { name pipelineJob { id accountId continuationToken artifactCredentials { secretAccessKey sessionToken } actionConfiguration { key value } } } }`;
    const res = await viaRouter(query, jobgraph.tokens.read);
    expect(res.body.data?.deployments[0].pipelineJob).toMatchObject({
      id: CP,
      accountId: expect.any(String),
      continuationToken: null,
      artifactCredentials: null,
      actionConfiguration: null,
    });
    expect(res.body.errors?.length).toBeGreaterThan(0);
    for (const e of res.body.errors ?? []) expect(e.extensions?.code).toBe('FORBIDDEN');
    for (const s of secretValues) expect(res.text).not.toContain(s);

    const anonymous = await viaRouter(query);
    expect(anonymous.body.data?.deployments[0].pipelineJob).toBeNull();
    expect(new Set(anonymous.body.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['UNAUTHENTICATED']),
    );
    for (const s of secretValues) expect(anonymous.text).not.toContain(s);

    const allowed = await viaRouter(query, jobgraph.tokens.secrets);
    expect(allowed.body.errors).toBeUndefined();
    expect(
      allowed.body.data?.deployments[0].pipelineJob.artifactCredentials.secretAccessKey,
    ).toMatch(/^DEMO-SECRET-ACCESS-KEY-/);
  });

  it('resolves jobs listed by the watchers subgraph through jobgraph, in order, one call per distinct job', async () => {
    const res = await viaRouter(
      `{ watchedJobs(user: "carol") { id provider state terminal watchers ... on ImportExportJob { progressCode } } }`,
      jobgraph.tokens.read,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.watchedJobs).toEqual([
      {
        id: IE,
        provider: 'AWS_IMPORT_EXPORT',
        state: expect.any(String),
        terminal: expect.any(Boolean),
        watchers: ['carol'],
        progressCode: expect.any(String),
      },
      {
        id: OMICS,
        provider: 'AWS_OMICS',
        state: expect.any(String),
        terminal: expect.any(Boolean),
        watchers: ['carol', 'dave'],
      },
    ]);
    expect(jobgraph.emulators.importexport.calls).toHaveLength(1);
    expect(jobgraph.emulators.omics.calls).toHaveLength(1);
  });

  it('resolves a job queried through jobgraph and extended by the other subgraph', async () => {
    const res = await viaRouter(
      `{ jobs(ids: ["${CP}", "${IE}", "${CP}"]) { id state watchers } }`,
      jobgraph.tokens.read,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.jobs).toEqual([
      { id: CP, state: 'UNKNOWN', watchers: ['alice', 'bob'] },
      { id: IE, state: expect.any(String), watchers: ['carol'] },
      { id: CP, state: 'UNKNOWN', watchers: ['alice', 'bob'] },
    ]);
    expect(jobgraph.emulators.codepipeline.calls).toHaveLength(1);
    expect(jobgraph.emulators.importexport.calls).toHaveLength(1);
  });
});
