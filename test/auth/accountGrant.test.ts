import { describe, expect, it } from 'vitest';
import {
  AccountGrants,
  DEFAULT_ACCOUNTS_ONLY,
  NO_ACCOUNTS,
  claimValue,
  type DirectoryEntry,
} from '../../src/auth/accountGrant.ts';
import type { JobProvider } from '../../src/model/job.ts';

/** Two AWS providers and COS, each with the default account and `staging` (and COS `prod`). */
const AWS: JobProvider[] = ['AWS_PANORAMA', 'AWS_CODEPIPELINE'];
const DIRECTORY: DirectoryEntry[] = [
  ...AWS.flatMap((provider): DirectoryEntry[] => [
    { provider, alias: 'default', ids: ['123456789012'] },
    { provider, alias: 'staging', ids: ['210987654321'] },
  ]),
  { provider: 'TENCENT_COS_BATCH', alias: 'default', ids: ['100000000001', '1250000000'] },
  { provider: 'TENCENT_COS_BATCH', alias: 'staging', ids: ['100000000002', '1250000002'] },
  { provider: 'TENCENT_COS_BATCH', alias: 'prod', ids: ['100000000003', '1250000003'] },
];

function grants(settings: Partial<ConstructorParameters<typeof AccountGrants>[0]> = {}) {
  const logged: Record<string, unknown>[] = [];
  const resolver = new AccountGrants(
    { claim: 'accounts', groups: null, required: false, ...settings },
    () => DIRECTORY,
    { info: (fields) => logged.push(fields) },
  );
  return { resolver, logged };
}

/** Which (provider, alias) pairs a grant permits, over the directory. */
function permitted(grant: ReturnType<AccountGrants['of']>): string[] {
  return DIRECTORY.filter((a) => grant.permits(a.provider, a.alias)).map(
    (a) => `${a.provider}/${a.alias}`,
  );
}

describe('AccountGrants', () => {
  it('gives a token without the claim the default accounts only', () => {
    const grant = grants().resolver.of({ scope: 'jobs:read' });
    expect(grant).toBe(DEFAULT_ACCOUNTS_ONLY);
    expect(permitted(grant)).toEqual([
      'AWS_PANORAMA/default',
      'AWS_CODEPIPELINE/default',
      'TENCENT_COS_BATCH/default',
    ]);
    expect(grant.permits('AWS_PANORAMA', 'nope')).toBe(false);
  });

  it('gives a token without the claim no account when the claim is required', () => {
    const grant = grants({ required: true }).resolver.of({ scope: 'jobs:read' });
    expect(grant).toBe(NO_ACCOUNTS);
    expect(permitted(grant)).toEqual([]);
    expect(grant.aliases).toEqual([]);
    expect(grant.basis).toBe('no-claim');
    // A token that carries the claim reads it as ever.
    expect(permitted(grants({ required: true }).resolver.of({ accounts: ['prod'] }))).toEqual([
      'TENCENT_COS_BATCH/prod',
    ]);
  });

  it('reads an alias on every cloud, as an array or a space-separated string', () => {
    const { resolver } = grants();
    for (const claim of [['staging'], 'staging', '  staging  ']) {
      const grant = resolver.of({ accounts: claim });
      expect(permitted(grant)).toEqual([
        'AWS_PANORAMA/staging',
        'AWS_CODEPIPELINE/staging',
        'TENCENT_COS_BATCH/staging',
      ]);
      expect(grant.aliases).toEqual(['staging']);
      expect(grant.basis).toBe('claim');
    }
  });

  it('reads an account ID on its own cloud only', () => {
    const { resolver } = grants();
    expect(permitted(resolver.of({ accounts: ['210987654321'] }))).toEqual([
      'AWS_PANORAMA/staging',
      'AWS_CODEPIPELINE/staging',
    ]);
    // A COS UIN and an APPID each name the COS account.
    for (const id of ['100000000003', '1250000003'])
      expect(permitted(resolver.of({ accounts: [id] }))).toEqual(['TENCENT_COS_BATCH/prod']);
  });

  it('reads every account with *, nothing with an empty list', () => {
    const { resolver } = grants();
    const all = resolver.of({ accounts: ['*'] });
    expect(all.all).toBe(true);
    expect(permitted(all)).toHaveLength(DIRECTORY.length);
    expect(all.permits('AWS_PANORAMA', 'not-configured')).toBe(true);
    for (const none of [[], '', '   '])
      expect(permitted(resolver.of({ accounts: none }))).toEqual([]);
  });

  it('orders aliases default first, then as configured', () => {
    const grant = grants().resolver.of({ accounts: 'prod staging default' });
    expect(grant.aliases).toEqual(['default', 'staging', 'prod']);
  });

  it('grants nothing for an entry naming no account, and logs it once', () => {
    const { resolver, logged } = grants();
    for (let i = 0; i < 3; i++)
      expect(permitted(resolver.of({ accounts: ['staging-typo'] }))).toEqual([]);
    expect(logged).toEqual([{ claim: 'accounts', entry: 'staging-typo' }]);
  });

  it('grants nothing for a claim that is neither a list nor a string, and logs it once', () => {
    const { resolver, logged } = grants();
    for (const claim of [42, { staging: true }, null, true]) {
      const grant = resolver.of({ accounts: claim });
      expect(permitted(grant)).toEqual([]);
      expect(grant.basis).toBe('claim');
    }
    // Non-strings inside a list are ignored, the strings still count.
    expect(permitted(resolver.of({ accounts: [7, 'prod'] }))).toEqual(['TENCENT_COS_BATCH/prod']);
    expect(logged.map((l) => l.claim)).toEqual(['accounts', 'accounts', 'accounts']);
  });

  it('reads a renamed, a namespaced and a nested claim', () => {
    expect(
      permitted(grants({ claim: 'groups' }).resolver.of({ groups: ['prod'], accounts: ['*'] })),
    ).toEqual(['TENCENT_COS_BATCH/prod']);
    const namespaced = 'https://jobs.example.com/accounts';
    expect(permitted(grants({ claim: namespaced }).resolver.of({ [namespaced]: 'prod' }))).toEqual([
      'TENCENT_COS_BATCH/prod',
    ]);
    const nested = grants({ claim: 'realm_access.roles' }).resolver.of({
      realm_access: { roles: ['prod'] },
    });
    expect(permitted(nested)).toEqual(['TENCENT_COS_BATCH/prod']);
  });

  it('maps identity-provider groups to the accounts they stand for', () => {
    const { resolver } = grants({
      claim: 'groups',
      groups: {
        'Team Storefront': ['staging'],
        '6f0c1e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b': ['prod', 'default'],
        '/platform': ['*'],
      },
    });
    expect(permitted(resolver.of({ groups: ['Team Storefront', 'Everyone'] }))).toEqual([
      'AWS_PANORAMA/staging',
      'AWS_CODEPIPELINE/staging',
      'TENCENT_COS_BATCH/staging',
    ]);
    expect(resolver.of({ groups: ['6f0c1e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b'] }).aliases).toEqual([
      'default',
      'prod',
    ]);
    expect(resolver.of({ groups: ['/platform'] }).all).toBe(true);
    // A group is not read as an account of the same name: only the mapping grants through it.
    expect(resolver.of({ groups: ['Team Storefront'] }).permits('TENCENT_COS_BATCH', 'prod')).toBe(
      false,
    );
  });

  it('grants nothing through an entry the mapping does not name, `*` and aliases included', () => {
    const { resolver, logged } = grants({ claim: 'groups', groups: { 'jobs-team': ['staging'] } });
    // Anyone who can create a group in the identity provider could name it `*` or `prod`.
    for (const claim of [['*'], ['prod'], ['default'], ['210987654321'], '* prod'])
      expect(permitted(resolver.of({ groups: claim }))).toEqual([]);
    expect(resolver.of({ groups: ['*'] }).all).toBe(false);
    expect(resolver.of({ groups: ['*', 'jobs-team'] }).aliases).toEqual(['staging']);
    // Unmapped groups are ordinary (a token lists all its user's groups): not logged.
    expect(logged).toEqual([]);
  });
});

describe('claimValue', () => {
  it('prefers the claim of that exact name over a path', () => {
    expect(claimValue({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(claimValue({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(claimValue({ a: [{ b: 2 }] }, 'a.0.b')).toBeUndefined();
    expect(claimValue({}, 'accounts')).toBeUndefined();
  });
});
