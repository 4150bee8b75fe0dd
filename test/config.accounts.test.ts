import { describe, expect, it } from 'vitest';
import { accountGroupsNameAccounts, unknownVariableWarnings } from '../src/config/index.ts';
import { liveConfig } from './support/liveConfig.ts';
import { liveStartupSummary } from './support/startupSummary.ts';

describe('Account grants (JOBGRAPH_ACCOUNTS_CLAIM, JOBGRAPH_ACCOUNT_GROUPS)', () => {
  it('read the `accounts` claim and no group mapping by default', () => {
    const { auth } = liveConfig({});
    expect(auth.accountsClaim).toBe('accounts');
    expect(auth.accountGroups).toBeNull();
    // Nothing configured: a token without the claim reads the default accounts, as before.
    expect(auth.accountsClaimRequired).toBe(false);
  });

  it('require the claim once a claim name or a mapping is configured, unless turned off', () => {
    const required = (env: Record<string, string>) => liveConfig(env).auth.accountsClaimRequired;
    expect(required({ JOBGRAPH_ACCOUNTS_CLAIM: 'groups' })).toBe(true);
    expect(required({ JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": ["default"]}' })).toBe(true);
    expect(
      required({ JOBGRAPH_ACCOUNTS_CLAIM: 'groups', JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED: 'false' }),
    ).toBe(false);
    expect(required({ JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED: 'true' })).toBe(true);
  });

  it('are said in the start-up summary: the claim, whether it is required, the mapping', () => {
    const grants = (env: Record<string, string>) =>
      liveStartupSummary(env).find((l) => l.includes('account grants'));
    expect(grants({})).toContain('a token without it reads the default accounts only');
    expect(grants({ JOBGRAPH_ACCOUNT_GROUPS: '{"a": "default", "b": "*"}' })).toMatch(
      /a token without it reads no account .*2 groups mapped to accounts, the only entries that grant/,
    );
  });

  it('stop the start for a mapped alias no account has, naming the configured ones', () => {
    const config = liveConfig({
      JOBGRAPH_AWS_ACCOUNTS: 'staging=arn:aws:iam::210987654321:role/jobgraph-read',
      JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": ["staging", "210987654321"], "team-b": "prod"}',
    });
    expect(() => accountGroupsNameAccounts(config)).toThrow(
      'JOBGRAPH_ACCOUNT_GROUPS: the group "team-b" maps to the alias prod, which no account has (configured: default, staging)',
    );
    const fine = liveConfig({
      JOBGRAPH_ACCOUNT_GROUPS: '{"team-a": ["default", "*", "123456789012"]}',
    });
    expect(() => accountGroupsNameAccounts(fine)).not.toThrow();
  });

  it('read a renamed claim and groups mapped to arrays or space-separated strings', () => {
    const { auth } = liveConfig({
      JOBGRAPH_ACCOUNTS_CLAIM: 'groups',
      JOBGRAPH_ACCOUNT_GROUPS: '{"Team A": ["staging", "prod"], "/platform": "*", "x": " a  b "}',
    });
    expect(auth.accountsClaim).toBe('groups');
    expect(auth.accountGroups).toEqual({
      'Team A': ['staging', 'prod'],
      '/platform': ['*'],
      x: ['a', 'b'],
    });
  });
});

describe('Accounts (JOBGRAPH_AWS_ACCOUNTS, JOBGRAPH_TENCENT_ACCOUNTS)', () => {
  it('reads each alias’s role, its account ID from the ARN, and its external ID', () => {
    const c = liveConfig({
      JOBGRAPH_AWS_ACCOUNTS:
        'prod=arn:aws:iam::111122223333:role/jobgraph-read, dev-eu=arn:aws:iam::444455556666:role/team/jobgraph-read',
      JOBGRAPH_AWS_EXTERNAL_ID_DEV_EU: 'ext-id,with=commas',
    });
    expect(c.awsAccounts).toEqual([
      {
        alias: 'prod',
        roleArn: 'arn:aws:iam::111122223333:role/jobgraph-read',
        accountId: '111122223333',
        externalId: null,
      },
      {
        alias: 'dev-eu',
        roleArn: 'arn:aws:iam::444455556666:role/team/jobgraph-read',
        accountId: '444455556666',
        externalId: 'ext-id,with=commas',
      },
    ]);
    expect(unknownVariableWarnings({ JOBGRAPH_AWS_EXTERNAL_ID_DEV_EU: 'x' })).toEqual([]);
  });

  it.each([
    ['prod', /expected alias=value/],
    ['Prod=arn:aws:iam::111122223333:role/r', /not an account alias/],
    ['default=arn:aws:iam::111122223333:role/r', /not an account alias/],
    ['prod=arn:aws:iam::1111:role/r', /IAM role ARN/],
    ['a=arn:aws:iam::111122223333:role/r,a=arn:aws:iam::111122223333:role/s', /named twice/],
  ])('refuses JOBGRAPH_AWS_ACCOUNTS=%s, naming the variable', (value, why) => {
    expect(() => liveConfig({ JOBGRAPH_AWS_ACCOUNTS: value })).toThrow(why);
    expect(() => liveConfig({ JOBGRAPH_AWS_ACCOUNTS: value })).toThrow(/^JOBGRAPH_AWS_ACCOUNTS: /);
  });

  it('reads each COS account from the variables its prefix names, and needs every one', () => {
    const env = {
      JOBGRAPH_TENCENT_ACCOUNTS: 'prod=COS_PROD',
      COS_PROD_SECRET_ID: 'AKIDprod',
      COS_PROD_SECRET_KEY: 'prod-key',
      COS_PROD_UIN: '100000000009',
      COS_PROD_APPID: '1250000009',
    };
    expect(liveConfig(env).tencent.accounts).toEqual([
      {
        alias: 'prod',
        uin: '100000000009',
        appId: '1250000009',
        credentials: { secretId: 'AKIDprod', secretKey: 'prod-key' },
      },
    ]);
    expect(unknownVariableWarnings({ ...env, COS_PROD_SESSION_TOKEN: 't' })).toEqual([]);
    const { COS_PROD_SECRET_KEY: _key, ...without } = env;
    expect(() => liveConfig(without)).toThrow(
      /^COS_PROD_SECRET_KEY: is required for the COS account prod/,
    );
  });
});
