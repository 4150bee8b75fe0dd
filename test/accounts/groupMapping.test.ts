import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import {
  DEMO_SECOND_AWS_ACCOUNT,
  exampleGlobalIds,
  exampleSecondAccountJobs,
} from '@jobgraph/emulators';
import { clearCalls, gql, upstreamCallCount, type GqlResult } from '../support/gateway.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * With a group mapping (JOBGRAPH_ACCOUNT_GROUPS), only the groups it maps grant accounts, through
 * the real server on the demo (a default and a `staging` account on each cloud): a group named
 * `*` or `staging` that the mapping does not name grants nothing, and a token without the claim
 * (required by default once a claim or a mapping is configured) reads nothing — on every way in,
 * FORBIDDEN with no upstream call.
 */
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
const gateway = useTestGateway({
  JOBGRAPH_ACCOUNTS_CLAIM: 'groups',
  JOBGRAPH_ACCOUNT_GROUPS: JSON.stringify({ 'jobs-staging': [STAGING] }),
});

const home = exampleGlobalIds();
const second = exampleSecondAccountJobs();
const stagingPanorama = `panorama@${STAGING}:${second.panorama.region}:${second.panorama.jobId}`;
const stagingCos = `cos:${second.cosbatch.region}:${second.cosbatch.uin}:${second.cosbatch.jobId}`;

type Name = 'mapped' | 'star' | 'alias' | 'noClaim';
const tokens = {} as Record<Name, string>;
/** The tokens that must read nothing: unmapped groups named like grant entries, and no claim. */
const READ_NOTHING: Name[] = ['star', 'alias', 'noClaim'];

beforeAll(async () => {
  const { auth } = gateway.config;
  const token = (groups: string[] | undefined, subject: string) =>
    mintToken({
      secret: auth.jwtSecret as string,
      issuer: auth.issuer,
      audience: auth.audience,
      scopes: [SCOPE_READ],
      subject,
      ...(groups ? { accounts: groups, accountsClaim: 'groups' } : {}),
    });
  tokens.mapped = await token(['jobs-staging', 'Everyone'], 'mapped');
  tokens.star = await token(['*'], 'group-star');
  tokens.alias = await token([STAGING, 'default'], 'group-alias');
  tokens.noClaim = await token(undefined, 'service');
});

/** FORBIDDEN at `path`, and nothing else there. */
function expectRefused(res: GqlResult, path: (string | number)[]) {
  const at = (res.body.errors ?? []).filter((e) => JSON.stringify(e.path) === JSON.stringify(path));
  expect(at.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
}

/** `query` with `name`'s token, and the upstream calls it caused. */
async function ask(name: Name, query: string, variables: Record<string, unknown> = {}) {
  clearCalls(gateway);
  const res = await gql(gateway, query, { variables, token: tokens[name] });
  return { res, calls: upstreamCallCount(gateway) };
}

describe('a group mapping grants only what it maps', () => {
  it('reads the accounts of a mapped group, and nothing more', async () => {
    const JOB = `query ($id: ID!) { job(id: $id) { id } }`;
    expect((await ask('mapped', JOB, { id: stagingPanorama })).res.body.errors).toBeUndefined();
    expect((await ask('mapped', JOB, { id: stagingCos })).res.body.errors).toBeUndefined();
    expectRefused((await ask('mapped', JOB, { id: home.panorama })).res, ['job']);
    const access = await ask('mapped', '{ jobAccess { allAccounts accounts } }');
    expect(access.res.body.data?.jobAccess).toEqual({ allAccounts: false, accounts: [STAGING] });
  });

  it.each(READ_NOTHING)(
    '%s: job and a provider root field are FORBIDDEN, no call',
    async (name) => {
      for (const id of [home.panorama, stagingPanorama, home.cosbatch, stagingCos]) {
        const { res, calls } = await ask(name, `query ($id: ID!) { job(id: $id) { id } }`, { id });
        expect(res.body.data?.job).toBeNull();
        expectRefused(res, ['job']);
        expect(calls).toBe(0);
      }
      const [, region, jobId] = home.panorama.split(':');
      const root = await ask(
        name,
        `query ($jobId: String!, $region: String) { panoramaPackageImportJob(jobId: $jobId, region: $region) { id } }`,
        { jobId, region },
      );
      expectRefused(root.res, ['panoramaPackageImportJob']);
      expect(root.calls).toBe(0);
    },
  );

  it.each(READ_NOTHING)('%s: jobs(ids:) is FORBIDDEN at every item, no call', async (name) => {
    const ids = [home.panorama, stagingPanorama, home.importexport, stagingCos];
    const { res, calls } = await ask(name, `query ($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      ids,
    });
    expect(res.body.data?.jobs).toEqual([null, null, null, null]);
    for (const i of [0, 1, 2, 3]) expectRefused(res, ['jobs', i]);
    expect(calls).toBe(0);
  });

  it.each(READ_NOTHING)('%s: _entities is FORBIDDEN per representation, no call', async (name) => {
    const { res, calls } = await ask(
      name,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id } } }`,
      {
        reps: [
          { __typename: 'Job', id: home.importexport },
          { __typename: 'Job', id: stagingPanorama },
        ],
      },
    );
    expect(res.body.data?._entities).toEqual([null, null]);
    expectRefused(res, ['_entities', 0]);
    expectRefused(res, ['_entities', 1]);
    expect(calls).toBe(0);
  });

  it.each(READ_NOTHING)(
    '%s: listJobs lists nothing and refuses a filter, no call',
    async (name) => {
      const PAGE = `query ($filter: JobListFilter) { listJobs(first: 50, filter: $filter) { edges { node { id } } sources { account } } }`;
      const bare = await ask(name, PAGE, { filter: {} });
      expect(bare.res.body.errors).toBeUndefined();
      expect(bare.res.body.data?.listJobs).toEqual({ edges: [], sources: [] });
      expect(bare.calls).toBe(0);
      for (const accounts of [[STAGING], ['default']]) {
        const filtered = await ask(name, PAGE, { filter: { accounts } });
        expect(filtered.res.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        expect(filtered.calls).toBe(0);
      }
      const access = await ask(name, '{ jobAccess { allAccounts accounts } }');
      expect(access.res.body.data?.jobAccess).toEqual({ allAccounts: false, accounts: [] });
    },
  );

  describe.each(TRANSPORTS)('jobUpdates over %s', (transport) => {
    it.each(READ_NOTHING)('%s: FORBIDDEN before any event or poll', async (name) => {
      clearCalls(gateway);
      const sub = subscribe(
        gateway.server.url,
        transport,
        `subscription ($ids: [ID!]!) { jobUpdates(ids: $ids) { id terminal } }`,
        { token: tokens[name], variables: { ids: [stagingPanorama] } },
      );
      const events = await sub.rest();
      await sub.close();
      expect(events).toHaveLength(1);
      expect(events[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(events)).not.toContain('"terminal"');
      expect(upstreamCallCount(gateway)).toBe(0);
    });
  });

  it('prints demo tokens that name the mapped group, not an entry the mapping ignores', async () => {
    const read = (token: string) =>
      gql(gateway, `query ($id: ID!) { job(id: $id) { id } }`, {
        variables: { id: stagingPanorama },
        token,
      });
    expect((await read(gateway.tokens.secondAccount)).body.errors).toBeUndefined();
    // No group maps `*` here, so the every-account tokens carry no group and read nothing.
    expectRefused(await read(gateway.tokens.read), ['job']);
  });

  it('logs the claimless refusals as no_claim', () => {
    const lines = gateway.logs.lines.filter(
      (l) => l.includes('account refused') && l.includes('"subject":"service"'),
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const { refused, reasons } = JSON.parse(line) as { refused: number; reasons: object };
      expect(reasons).toEqual({ no_claim: refused });
    }
  });
});
