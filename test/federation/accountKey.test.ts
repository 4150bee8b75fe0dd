import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  SHARED_NATIVE_JOB_IDS,
} from '@jobgraph/emulators';
import { loadTypeDefs } from '../../src/schema.ts';
import { accountToken } from '../support/accountTokens.ts';
import { startApolloGateway } from '../support/apolloGateway.ts';
import { clearCalls, gql, startTestGateway, upstreamCallCount } from '../support/gateway.ts';
import { accountKeyReference, serveSubgraph } from '../support/deploymentsSubgraph.ts';

/**
 * Native keys that carry the account, through `@apollo/gateway`: another team's subgraph knows
 * its edge devices' Panorama import jobs by AWS account ID, region and job ID (as an ARN or an
 * EventBridge event gives them) and references `PanoramaPackageImportJob` by
 * `@key(fields: "account region nativeId")`. The demo holds a job of the same native ID in the
 * default account and in `staging`: each device must reach its own account's job, and only
 * within the caller's grant.
 */
const { region, jobId } = SHARED_NATIVE_JOB_IDS.panorama;
const STAGING = DEMO_SECOND_AWS_ACCOUNT;
const UNKNOWN_ACCOUNT = '999999999999';

const DEVICES_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  ${accountKeyReference('PanoramaPackageImportJob')}

  type Device @key(fields: "name") {
    name: String!
    importJob: PanoramaPackageImportJob
  }

  type Query {
    devices: [Device!]!
  }
`;

const DEVICES = [
  { name: 'line-1', account: DEMO_AWS_ACCOUNT_ID },
  { name: 'line-2', account: STAGING.accountId },
  { name: 'line-3', account: UNKNOWN_ACCOUNT },
];

const QUERY = `{ devices { name importJob { id account providerStatus } } }`;

let jobgraph: Awaited<ReturnType<typeof startTestGateway>>;
let devices: { url: string; stop(): Promise<void> };
let router: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  jobgraph = await startTestGateway();
  devices = await serveSubgraph(DEVICES_SDL, {
    Query: { devices: () => DEVICES },
    Device: {
      importJob: (d: (typeof DEVICES)[number]) => ({
        __typename: 'PanoramaPackageImportJob',
        account: d.account,
        region,
        nativeId: jobId,
      }),
    },
  });
  const composed = composeServices([
    { name: 'jobgraph', url: jobgraph.server.url, typeDefs: loadTypeDefs() },
    { name: 'devices', url: devices.url, typeDefs: parse(DEVICES_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  // @apollo/gateway refuses a supergraph linking a feature `for: SECURITY`; jobgraph enforces it itself.
  const supergraph = composed.supergraphSdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v[0-9.]+"), for: SECURITY\)/g,
    '$1)',
  );
  expect(supergraph).toContain('join__type(graph: JOBGRAPH, key: "account region nativeId")');
  router = await startApolloGateway(supergraph);
});
afterAll(async () => {
  await router?.stop();
  await devices?.stop();
  await jobgraph?.close();
});

interface Answer {
  data?: { devices: { name: string; importJob: Record<string, unknown> | null }[] } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

async function viaRouter(token: string): Promise<Answer> {
  const res = await gql({ server: { url: router.url } }, QUERY, { token });
  return res.body as Answer;
}

const jobOf = (answer: Answer, name: string) =>
  answer.data?.devices.find((d) => d.name === name)?.importJob ?? null;
const codesAt = (answer: Answer, index: number) =>
  (answer.errors ?? [])
    .filter((e) => e.path?.[0] === 'devices' && e.path[1] === index)
    .map((e) => e.extensions?.code);

describe('A native key with the account, through @apollo/gateway', () => {
  it('resolves each account’s job of the same native ID for a token of every account', async () => {
    const answer = await viaRouter(await accountToken(jobgraph, ['*']));
    expect(jobOf(answer, 'line-1')).toMatchObject({
      id: `panorama:${region}:${jobId}`,
      account: DEMO_AWS_ACCOUNT_ID,
    });
    expect(jobOf(answer, 'line-2')).toMatchObject({
      id: `panorama@${STAGING.alias}:${region}:${jobId}`,
      account: STAGING.accountId,
    });
    expect(jobOf(answer, 'line-1')!.providerStatus).not.toBe(
      jobOf(answer, 'line-2')!.providerStatus,
    );
    // An account ID of no configured account: the caller of every account is told so.
    expect(jobOf(answer, 'line-3')).toBeNull();
    expect(codesAt(answer, 2)).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves the granted account’s job and refuses the others alike, before any call for them', async () => {
    clearCalls(jobgraph);
    const answer = await viaRouter(await accountToken(jobgraph, [STAGING.alias]));
    expect(jobOf(answer, 'line-2')).toMatchObject({
      id: `panorama@${STAGING.alias}:${region}:${jobId}`,
    });
    expect(jobOf(answer, 'line-1')).toBeNull();
    expect(jobOf(answer, 'line-3')).toBeNull();
    expect(codesAt(answer, 0)).toEqual(['FORBIDDEN']);
    expect(codesAt(answer, 2)).toEqual(['FORBIDDEN']);
    // Each named by the account ID its representation named: a configured account's and an
    // unknown one's are refused alike (no alias tells the configured one).
    expect((answer.errors ?? []).map((e) => e.message).sort()).toEqual(
      [DEMO_AWS_ACCOUNT_ID, UNKNOWN_ACCOUNT].map(
        (id) => `The token's accounts do not include account "${id}".`,
      ),
    );
    // No call for the refused ones: only the staging job's describe, if it was not cached yet.
    expect(upstreamCallCount(jobgraph)).toBeLessThanOrEqual(1);
    for (const call of jobgraph.emulators.panorama.calls)
      expect(call.account).toBe(STAGING.accountId);
  });

  it('reads the default account only for a token without the claim', async () => {
    const answer = await viaRouter(await accountToken(jobgraph, undefined));
    expect(jobOf(answer, 'line-1')).toMatchObject({ id: `panorama:${region}:${jobId}` });
    expect(jobOf(answer, 'line-2')).toBeNull();
    expect(codesAt(answer, 1)).toEqual(['FORBIDDEN']);
  });
});
