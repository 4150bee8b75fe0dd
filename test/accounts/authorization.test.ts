import { createClient as createSseClient } from 'graphql-sse';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_READ, SCOPE_SECRETS } from '../../src/auth/identity.ts';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  exampleGlobalIds,
  exampleSecondAccountJobs,
} from '@jobgraph/emulators';
import { clearCalls, gql, upstreamCallCount, type GqlResult } from '../support/gateway.ts';
import { subscribe, TRANSPORTS, type Event } from '../support/subscriptions.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Per-account authorization through the real server on the demo (a default and a `staging`
 * account on each cloud): a token reads the accounts its `accounts` claim names, on every way in,
 * and nothing of any other — no data, no difference between an existing and a made-up job, and no
 * upstream call.
 */
const gateway = useTestGateway();
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
/** One message for every refusal, naming the account as the request named it (the ID's alias). */
const FORBIDDEN_MESSAGE = /^The token's accounts do not include account "[a-z0-9-]+"\.$/;

const home = exampleGlobalIds();
const second = exampleSecondAccountJobs();
const stagingIds = {
  panorama: `panorama@${STAGING}:${second.panorama.region}:${second.panorama.jobId}`,
  importexport: `importexport@${STAGING}:${second.importexport.jobId}`,
  codepipeline: `codepipeline@${STAGING}:${second.codepipeline.region}:${second.codepipeline.jobId}`,
  cosbatch: `cos:${second.cosbatch.region}:${second.cosbatch.uin}:${second.cosbatch.jobId}`,
};
/** A default-account ID that exists nowhere: refused exactly as an existing one. */
const madeUp = 'panorama:us-east-1:pkgimport-0000000000000000';

const tokens = {} as Record<
  'staging' | 'stagingSecrets' | 'none' | 'empty' | 'every' | 'awsId' | 'cosUin' | 'defaultId',
  string
>;
async function token(accounts: readonly string[] | undefined, scopes = [SCOPE_READ]) {
  const { auth } = gateway.config;
  return mintToken({
    secret: auth.jwtSecret as string,
    issuer: auth.issuer,
    audience: auth.audience,
    scopes,
    subject: `tenant-${accounts?.join('+') ?? 'none'}`,
    ...(accounts ? { accounts } : {}),
  });
}

beforeAll(async () => {
  tokens.staging = await token([STAGING]);
  tokens.stagingSecrets = await token([STAGING], [SCOPE_READ, SCOPE_SECRETS]);
  tokens.none = await token(undefined);
  tokens.empty = await token([]);
  tokens.every = await token(['*']);
  tokens.awsId = await token([DEMO_SECOND_AWS_ACCOUNT.accountId]);
  tokens.cosUin = await token([DEMO_SECOND_TENCENT_ACCOUNT.uin]);
  tokens.defaultId = await token([DEMO_AWS_ACCOUNT_ID]);
});

const JOB = `query ($id: ID!) { job(id: $id) { id account } }`;
const JOBS = `query ($ids: [ID!]!) { jobs(ids: $ids) { id } }`;

/** The one error of a refused job: FORBIDDEN with the one message, at `path`. */
function expectRefused(res: GqlResult, path: (string | number)[]) {
  const errors = res.body.errors ?? [];
  const at = errors.filter((e) => JSON.stringify(e.path) === JSON.stringify(path));
  expect(at).toHaveLength(1);
  expect(at[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(at[0]?.message).toMatch(FORBIDDEN_MESSAGE);
}

/** A job by ID with `name`'s token; asserts no upstream call when `calls` is 0. */
async function readJob(name: keyof typeof tokens, id: string) {
  clearCalls(gateway);
  const res = await gql(gateway, JOB, { variables: { id }, token: tokens[name] });
  return { res, calls: upstreamCallCount(gateway) };
}

describe('a token of one account', () => {
  it('reads its own account’s jobs', async () => {
    for (const id of Object.values(stagingIds)) {
      const { res } = await readJob('staging', id);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.job?.id).toBe(id);
    }
  });

  it('is refused another account’s job, existing or made up alike, with no upstream call', async () => {
    const answers: string[] = [];
    for (const id of [home.panorama, madeUp, home.cosbatch, home.codepipeline]) {
      const { res, calls } = await readJob('staging', id);
      expect(res.body.data?.job).toBeNull();
      expectRefused(res, ['job']);
      expect(calls).toBe(0);
      answers.push(JSON.stringify(res.body.errors?.map((e) => [e.message, e.extensions?.code])));
    }
    expect(new Set(answers).size).toBe(1);
  });

  it('cannot tell an unconfigured alias from a forbidden one', async () => {
    const { res, calls } = await readJob('staging', 'panorama@nowhere:us-east-1:pkgimport-1');
    expectRefused(res, ['job']);
    expect(calls).toBe(0);
    // A token for every account is told the alias is not configured.
    const every = await readJob('every', 'panorama@nowhere:us-east-1:pkgimport-1');
    expect(every.res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gets the permitted jobs of a mixed jobs(ids:) and FORBIDDEN at each other one’s path', async () => {
    const ids = [
      stagingIds.panorama,
      home.panorama,
      stagingIds.cosbatch,
      home.cosbatch,
      home.omics,
      stagingIds.importexport,
      madeUp,
    ];
    clearCalls(gateway);
    const res = await gql(gateway, JOBS, { variables: { ids }, token: tokens.staging });
    const jobs = res.body.data?.jobs as ({ id: string } | null)[];
    expect(jobs.map((j) => j?.id ?? null)).toEqual([
      ids[0],
      null,
      ids[2],
      null,
      null,
      ids[5],
      null,
    ]);
    for (const i of [1, 3, 4, 6]) expectRefused(res, ['jobs', i]);
    expect(res.body.errors).toHaveLength(4);
    // Only the staging jobs were asked upstream (some may come from the cache: never more).
    expect(upstreamCallCount(gateway)).toBeLessThanOrEqual(3);
  });

  it('is refused through a provider’s own root field', async () => {
    clearCalls(gateway);
    const [, region, jobId] = home.panorama.split(':');
    const res = await gql(
      gateway,
      `query ($jobId: String!, $region: String) { panoramaPackageImportJob(jobId: $jobId, region: $region) { id } }`,
      { variables: { jobId, region }, token: tokens.staging },
    );
    expectRefused(res, ['panoramaPackageImportJob']);
    expect(upstreamCallCount(gateway)).toBe(0);
  });

  it('is refused over GET as over POST', async () => {
    clearCalls(gateway);
    const url = new URL(gateway.server.url);
    url.searchParams.set('query', JOB);
    url.searchParams.set('variables', JSON.stringify({ id: home.importexport }));
    const res = await fetch(url, { headers: { authorization: `Bearer ${tokens.staging}` } });
    const body = (await res.json()) as GqlResult['body'];
    expectRefused({ body } as GqlResult, ['job']);
    expect(upstreamCallCount(gateway)).toBe(0);
  });

  it('is refused each forbidden _entities representation, the others resolve', async () => {
    clearCalls(gateway);
    const res = await gql(
      gateway,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { id } } }`,
      {
        variables: {
          reps: [
            { __typename: 'Job', id: home.importexport },
            { __typename: 'Job', id: stagingIds.importexport },
            { __typename: 'CodePipelineJob', id: home.codepipeline },
          ],
        },
        token: tokens.staging,
      },
    );
    expect(res.body.data?._entities).toEqual([null, { id: stagingIds.importexport }, null]);
    expectRefused(res, ['_entities', 0]);
    expectRefused(res, ['_entities', 2]);
  });

  it('reads no secret of another account even with jobs:secrets:read', async () => {
    const res = await gql(
      gateway,
      `query ($id: ID!) { job(id: $id) { id ... on CodePipelineJob { artifactCredentials { accessKeyId } } } }`,
      { variables: { id: home.codepipeline }, token: tokens.stagingSecrets },
    );
    expect(res.body.data?.job).toBeNull();
    expectRefused(res, ['job']);
  });

  it('is logged once per request and field with subject, field and account, and counted by reason', async () => {
    const before = gateway.logs.lines.length;
    await readJob('staging', home.omics);
    const lines = gateway.logs.lines.slice(before).filter((l) => l.includes('account refused'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 30,
      subject: `tenant-${STAGING}`,
      field: 'job',
      refused: 1,
      reasons: { not_granted: 1 },
      accounts: ['AWS_OMICS/default'],
    });
    expect(lines[0]).not.toContain(tokens.staging);
    const metrics = await (await fetch(new URL('/metrics', gateway.server.url))).text();
    expect(metrics).toMatch(/jobgraph_account_refusals_total\{reason="not_granted"\} [1-9]/);
  });
});

describe('what a token may read', () => {
  it('without the claim: the default accounts only', async () => {
    expect((await readJob('none', home.panorama)).res.body.errors).toBeUndefined();
    const refused = await readJob('none', stagingIds.panorama);
    expectRefused(refused.res, ['job']);
    expect(refused.calls).toBe(0);
    const metrics = await (await fetch(new URL('/metrics', gateway.server.url))).text();
    expect(metrics).toMatch(/jobgraph_account_refusals_total\{reason="no_claim"\} [1-9]/);
  });

  it('with an empty list: nothing', async () => {
    for (const id of [home.panorama, stagingIds.panorama, home.cosbatch]) {
      const { res, calls } = await readJob('empty', id);
      expectRefused(res, ['job']);
      expect(calls).toBe(0);
    }
  });

  it('with *: every account', async () => {
    for (const id of [home.panorama, stagingIds.panorama, home.cosbatch, stagingIds.cosbatch])
      expect((await readJob('every', id)).res.body.errors).toBeUndefined();
  });

  it('with an account ID: that account, on its own cloud', async () => {
    expect((await readJob('awsId', stagingIds.panorama)).res.body.errors).toBeUndefined();
    expectRefused((await readJob('awsId', stagingIds.cosbatch)).res, ['job']);
    expectRefused((await readJob('awsId', home.panorama)).res, ['job']);
    expect((await readJob('cosUin', stagingIds.cosbatch)).res.body.errors).toBeUndefined();
    expectRefused((await readJob('cosUin', stagingIds.panorama)).res, ['job']);
    expect((await readJob('defaultId', home.panorama)).res.body.errors).toBeUndefined();
  });
});

describe('jobAccess', () => {
  it('tells a caller the accounts its token reads', async () => {
    const QUERY = '{ jobAccess { subject scopes allAccounts accounts } }';
    const ask = async (name: keyof typeof tokens) =>
      (await gql(gateway, QUERY, { token: tokens[name] })).body.data?.jobAccess;
    expect(await ask('staging')).toEqual({
      subject: `tenant-${STAGING}`,
      scopes: [SCOPE_READ],
      allAccounts: false,
      accounts: [STAGING],
    });
    expect(await ask('none')).toMatchObject({ allAccounts: false, accounts: ['default'] });
    expect(await ask('empty')).toMatchObject({ allAccounts: false, accounts: [] });
    expect(await ask('every')).toMatchObject({ allAccounts: true, accounts: ['*'] });
  });
});

describe('jobUpdates refuses another account’s job before any event or poll', () => {
  const QUERY = `subscription ($ids: [ID!]!) { jobUpdates(ids: $ids) { id terminal } }`;

  it.each(TRANSPORTS)('over %s', async (transport) => {
    clearCalls(gateway);
    const sub = subscribe(gateway.server.url, transport, QUERY, {
      token: tokens.staging,
      variables: { ids: [home.importexport] },
    });
    const events = await sub.rest();
    await sub.close();
    expect(events).toHaveLength(1);
    expect(events[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(events[0]?.errors?.[0]?.message).toBe(
      'The token\'s accounts do not include account "default".',
    );
    expect(JSON.stringify(events)).not.toContain('"terminal"');
    expect(upstreamCallCount(gateway)).toBe(0);
  });

  it('over graphql-sse’s single connection mode, beside a permitted job', async () => {
    clearCalls(gateway);
    const client = createSseClient({
      url: gateway.server.url,
      singleConnection: true,
      retryAttempts: 0,
      headers: { Authorization: `Bearer ${tokens.staging}` },
    });
    try {
      const events: Event[] = [];
      for await (const event of client.iterate({
        query: QUERY,
        variables: { ids: [home.importexport, stagingIds.importexport] },
      }))
        events.push(event as Event);
      const refused = events.filter((e) => e.errors?.[0]?.extensions?.code === 'FORBIDDEN');
      expect(refused).toHaveLength(1);
      const told = events.flatMap((e) => (e.data?.jobUpdates ? [e.data.jobUpdates.id] : []));
      expect(new Set(told)).toEqual(new Set([stagingIds.importexport]));
      // Only the permitted job was polled.
      const polled = gateway.emulators.importexport.calls.map((c) => JSON.stringify(c));
      for (const call of polled) expect(call).not.toContain(home.importexport.split(':')[1]);
    } finally {
      client.dispose();
    }
  });
});

describe('identity-provider groups mapped to accounts (a Keycloak realm role, nested)', () => {
  const mapped = useTestGateway({
    JOBGRAPH_ACCOUNTS_CLAIM: 'realm_access.roles',
    JOBGRAPH_ACCOUNT_GROUPS: JSON.stringify({ 'jobs-staging': [STAGING] }),
  });

  it('reads the accounts its roles map to, and nothing its other roles do not', async () => {
    const { auth } = mapped.config;
    const { SignJWT } = await import('jose');
    const teamToken = await new SignJWT({
      scope: SCOPE_READ,
      realm_access: { roles: ['jobs-staging', 'offline_access'] },
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('keycloak-user')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(auth.jwtSecret as string));
    const read = (id: string) => gql(mapped, JOB, { variables: { id }, token: teamToken });
    expect((await read(stagingIds.panorama)).body.errors).toBeUndefined();
    expect((await read(stagingIds.cosbatch)).body.errors).toBeUndefined();
    expectRefused(await read(home.panorama), ['job']);
    const access = await gql(mapped, '{ jobAccess { accounts } }', { token: teamToken });
    expect(access.body.data?.jobAccess.accounts).toEqual([STAGING]);
  });
});
