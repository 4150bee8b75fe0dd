import { describe, expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  SHARED_NATIVE_JOB_IDS,
  exampleSecondAccountJobs,
  type NativeJobs,
} from '@jobgraph/emulators';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { secretValues } from '../../src/auth/secretValues.ts';
import { operatorToken, readyz } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Many accounts through the real server on the demo's configuration: the default AWS account (the
 * demo keys, account 123456789012) and `staging` (a role assumed with STS), the default
 * COS account and `staging`'s by its UIN.
 */
const gateway = useTestGateway();
const alias = DEMO_SECOND_AWS_ACCOUNT.alias;

/** The global IDs of `jobs` in the account aliased `account` (undefined: the default). */
function globalIds(jobs: NativeJobs, account?: string): string[] {
  const at = account ? `@${account}` : '';
  const o = jobs.omics;
  return [
    `panorama${at}:${jobs.panorama.region}:${jobs.panorama.jobId}`,
    `omics${at}:${o.region}:${o.referenceStoreId}:${o.jobId}`,
    `importexport${at}:${jobs.importexport.jobId}`,
    `codepipeline${at}:${jobs.codepipeline.region}:${jobs.codepipeline.jobId}`,
  ];
}

const JOBS = `query ($ids: [ID!]!) { jobs(ids: $ids) { id account accountAlias nativeId providerStatus } }`;
const assumeRoles = () => gateway.emulators.sts.calls.filter((c) => c.operation === 'AssumeRole');

describe('jobs of a second AWS account, by a role assumed with STS', () => {
  it('resolves each provider’s second-account job by ID, with its account ID', async () => {
    const ids = globalIds(exampleSecondAccountJobs(), alias);
    const res = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.jobs.map((j: { id: string }) => j.id)).toEqual(ids);
    for (const job of res.body.data?.jobs ?? []) {
      expect(job.account).toBe(DEMO_SECOND_AWS_ACCOUNT.accountId);
      expect(job.accountAlias).toBe(alias);
    }
  });

  it('keeps today’s IDs on the default account, with its account ID', async () => {
    const ids = globalIds(SHARED_NATIVE_JOB_IDS);
    const res = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
    expect(res.body.errors).toBeUndefined();
    for (const job of res.body.data?.jobs ?? []) {
      expect(job.account).toBe(DEMO_AWS_ACCOUNT_ID);
      expect(job.accountAlias).toBe('default');
    }
  });

  it('keeps the same native ID in two accounts two jobs', async () => {
    const ids = [...globalIds(SHARED_NATIVE_JOB_IDS), ...globalIds(SHARED_NATIVE_JOB_IDS, alias)];
    const res = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
    expect(res.body.errors).toBeUndefined();
    const jobs = res.body.data?.jobs as { id: string; nativeId: string; providerStatus: string }[];
    for (let i = 0; i < 4; i++) {
      const [home, second] = [jobs[i], jobs[i + 4]];
      expect(second?.nativeId).toBe(home?.nativeId);
      expect(second?.id).not.toBe(home?.id);
    }
    // Where the provider reports a status, the two accounts' jobs differ in it (the emulators' data).
    expect(jobs.slice(0, 3).map((j) => j.providerStatus)).not.toEqual(
      jobs.slice(4, 7).map((j) => j.providerStatus),
    );
    // And the cache keeps them apart too: asked again, each account answers its own.
    const again = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
    expect(again.body.data?.jobs).toEqual(jobs);
  });

  it('assumes each role at most once for 30 queries, and says so in /metrics', async () => {
    const before = assumeRoles().length;
    expect(before).toBeLessThanOrEqual(1);
    const ids = globalIds(exampleSecondAccountJobs(), alias);
    for (let i = 0; i < 30; i++) {
      const res = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
      expect(res.body.errors).toBeUndefined();
    }
    expect(assumeRoles()).toHaveLength(1);
    const metrics = await (await fetch(`${new URL(gateway.server.url).origin}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`^jobgraph_aws_assume_role_total\\{account="${alias}",outcome="ok"\\} 1$`, 'm'),
    );
  });

  it('answers an unknown alias BAD_USER_INPUT without an upstream call', async () => {
    const calls = () =>
      ['panorama', 'omics', 'importexport', 'codepipeline'].reduce(
        (n, name) => n + gateway.emulators[name as 'panorama'].calls.length,
        0,
      );
    const before = calls();
    const res = await gql(gateway, `{ job(id: "panorama@nosuch:us-east-1:pkgimport-1") { id } }`, {
      token: gateway.tokens.read,
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toContain(alias);
    expect(calls()).toBe(before);
  });

  it('refuses an alias on a COS Batch ID: its UIN names the account', async () => {
    const res = await gql(
      gateway,
      `{ job(id: "cos@staging:ap-guangzhou:100000000002:abcde") { id } }`,
      { token: gateway.tokens.read },
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reads a second COS account’s job with its own keys, its APPID as its account and its alias by its UIN', async () => {
    const t = DEMO_SECOND_TENCENT_ACCOUNT;
    const ids = [
      `cos:${t.region}:${t.uin}:${exampleSecondAccountJobs().cosbatch.jobId}`,
      `cos:${t.region}:${t.uin}:${SHARED_NATIVE_JOB_IDS.cosbatch.jobId}`,
      `cos:${t.region}:${DEMO_TENCENT_CREDENTIALS.uin}:${SHARED_NATIVE_JOB_IDS.cosbatch.jobId}`,
    ];
    const res = await gql(gateway, JOBS, { variables: { ids }, token: gateway.tokens.read });
    expect(res.body.errors).toBeUndefined();
    const jobs = res.body.data?.jobs as {
      account: string;
      accountAlias: string;
      providerStatus: string;
    }[];
    expect(jobs.map((j) => j.account)).toEqual([t.appId, t.appId, DEMO_TENCENT_CREDENTIALS.appId]);
    // Its ID names the account by UIN; the alias is the configured account's with that UIN.
    expect(jobs.map((j) => j.accountAlias)).toEqual([t.alias, t.alias, 'default']);
    expect(jobs[1]?.providerStatus).not.toBe(jobs[2]?.providerStatus);
  });

  it('reports the accounts in /readyz', async () => {
    await gateway.accounts.check(); // the role is assumed at start: wait for that try
    const { body } = await readyz(gateway.server.url, await operatorToken(gateway));
    expect(body).toMatchObject({
      status: 'ready',
      accounts: expect.arrayContaining([{ cloud: 'aws', alias, state: 'READY', code: 'OK' }]),
    });
  });

  it('resolves `_entities` of both accounts’ jobs with one native ID as two entities', async () => {
    const { region, jobId } = SHARED_NATIVE_JOB_IDS.panorama;
    const r = [
      { __typename: 'PanoramaPackageImportJob', id: `panorama:${region}:${jobId}` },
      { __typename: 'PanoramaPackageImportJob', id: `panorama@${alias}:${region}:${jobId}` },
      { __typename: 'Job', id: `panorama@${alias}:${region}:${jobId}` },
      // The native key names no account: the default one's job, as before.
      { __typename: 'PanoramaPackageImportJob', region, nativeId: jobId },
    ];
    const res = await gql(
      gateway,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id account accountAlias providerStatus } } }`,
      { variables: { r }, token: gateway.tokens.read },
    );
    expect(res.body.errors).toBeUndefined();
    const [home, second, viaJob, native] = res.body.data?._entities as {
      id: string;
      account: string;
      accountAlias: string;
      providerStatus: string;
    }[];
    expect(home?.account).toBe(DEMO_AWS_ACCOUNT_ID);
    expect(second).toMatchObject({
      id: r[1]?.id,
      account: DEMO_SECOND_AWS_ACCOUNT.accountId,
      accountAlias: alias,
    });
    expect(home?.accountAlias).toBe('default');
    expect(second?.providerStatus).not.toBe(home?.providerStatus);
    expect(viaJob).toEqual(second);
    expect(native).toEqual(home);
  });

  it('never logs or answers an assumed session’s keys, and scrubs them from messages', async () => {
    await gateway.accounts.check();
    const sessions = gateway.emulators.accounts.sessions();
    expect(sessions.length).toBeGreaterThan(0);
    const res = await gql(gateway, JOBS, {
      variables: { ids: globalIds(exampleSecondAccountJobs(), alias) },
      token: gateway.tokens.read,
    });
    for (const s of sessions) {
      for (const secret of [s.secretAccessKey, s.sessionToken]) {
        expect(res.text).not.toContain(secret);
        expect(gateway.logs.text()).not.toContain(secret);
        expect(secretValues.contains(`x ${secret} y`)).toBe(true);
      }
    }
  });
});
