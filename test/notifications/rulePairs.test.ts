// What a notification rule covers (src/notifications/rulePairs.ts): (provider, account) pairs
// resolved from its creator's grant, held whole by whoever sees it, matched per job by the job's
// own pair; and the bound on the rules one transition is delivered to (ruleSet.ts).
import { describe, expect, it } from 'vitest';
import { AccountGrants, type DirectoryEntry } from '../../src/auth/accountGrant.ts';
import {
  grantHoldsAll,
  holdsPair,
  pairsFor,
  pairsOfBareAliases,
  PairRefusal,
} from '../../src/notifications/rulePairs.ts';
import {
  MOST_RULES_A_TRANSITION,
  RuleSet,
  type RuleFacts,
} from '../../src/notifications/ruleSet.ts';
import { fullPairs, ruleBoundRefusal } from '../../src/notifications/ruleBound.ts';
import { ruleRow } from '../support/ruleRows.ts';

/** AWS Batch and COS Batch, each with the default account and `staging`. */
const DIRECTORY: DirectoryEntry[] = [
  { provider: 'AWS_BATCH', alias: 'default', ids: ['123456789012'] },
  { provider: 'AWS_BATCH', alias: 'staging', ids: ['210987654321'] },
  { provider: 'TENCENT_COS_BATCH', alias: 'default', ids: ['100000000001'] },
  { provider: 'TENCENT_COS_BATCH', alias: 'staging', ids: ['100000000002'] },
];
const CONFIGURED = DIRECTORY.map(({ provider, alias }) => ({ provider, alias }));
const grants = new AccountGrants(
  { claim: 'accounts', groups: null, required: false },
  () => DIRECTORY,
);
const grantOf = (...accounts: string[]) => grants.of({ accounts });

describe('A rule’s (provider, account) pairs', () => {
  it('are the creator’s grant, per provider: a COS UIN covers staging on COS alone', () => {
    expect(pairsFor(grantOf('100000000002'), {}, CONFIGURED)).toEqual([
      'TENCENT_COS_BATCH/staging',
    ]);
    expect(pairsFor(grantOf('staging'), {}, CONFIGURED)).toEqual([
      'AWS_BATCH/staging',
      'TENCENT_COS_BATCH/staging',
    ]);
    expect(pairsFor(grantOf('*'), { accounts: ['staging'] }, CONFIGURED)).toEqual(['*']);
  });

  it('are narrowed by the filter’s providers and accounts', () => {
    expect(
      pairsFor(grantOf('staging', 'default'), { providers: ['AWS_BATCH'] }, CONFIGURED),
    ).toEqual(['AWS_BATCH/default', 'AWS_BATCH/staging']);
    expect(
      pairsFor(
        grantOf('100000000002'),
        { providers: ['TENCENT_COS_BATCH'], accounts: ['staging'] },
        CONFIGURED,
      ),
    ).toEqual(['TENCENT_COS_BATCH/staging']);
  });

  it('refuse a filter naming an account the creator lacks on a provider the filter names', () => {
    const cosOnly = grantOf('100000000002');
    expect(() => pairsFor(cosOnly, { accounts: ['staging'] }, CONFIGURED)).toThrow(
      /"staging on AWS_BATCH"/,
    );
    expect(() => pairsFor(cosOnly, { providers: ['AWS_BATCH'] }, CONFIGURED)).toThrow(PairRefusal);
    expect(() => pairsFor(cosOnly, { accounts: ['prod'] }, CONFIGURED)).toThrow(
      /no configured account/,
    );
    expect(() => pairsFor(grantOf(), {}, CONFIGURED)).toThrow(/reads no account/);
  });

  it('are held whole or not at all: a grant of staging on one cloud does not hold a rule of both', () => {
    const both = ['AWS_BATCH/staging', 'TENCENT_COS_BATCH/staging'];
    expect(grantHoldsAll(grantOf('staging'), both)).toBe(true);
    expect(grantHoldsAll(grantOf('210987654321'), both)).toBe(false);
    expect(grantHoldsAll(grantOf('staging'), ['*'])).toBe(false);
    expect(grantHoldsAll(grantOf('*'), ['*'])).toBe(true);
    // A bare alias (a row before pairs) is held by an every-account grant alone.
    expect(grantHoldsAll(grantOf('staging'), ['staging'])).toBe(false);
  });

  it('take a job by its own pair only', () => {
    expect(holdsPair(['TENCENT_COS_BATCH/staging'], 'AWS_BATCH', 'staging')).toBe(false);
    expect(holdsPair(['TENCENT_COS_BATCH/staging'], 'TENCENT_COS_BATCH', 'staging')).toBe(true);
    expect(holdsPair(['*'], 'AWS_BATCH', 'staging')).toBe(true);
    expect(holdsPair(['staging'], 'AWS_BATCH', 'staging')).toBe(false);
  });

  it('decide a filter’s account per pair: staging on AWS does not name staging on COS', () => {
    const awsOnly = grantOf('210987654321');
    expect(
      pairsFor(awsOnly, { providers: ['AWS_BATCH'], accounts: ['staging'] }, CONFIGURED),
    ).toEqual(['AWS_BATCH/staging']);
    for (const filter of [
      { providers: ['TENCENT_COS_BATCH'], accounts: ['staging'] },
      { providers: ['AWS_BATCH', 'TENCENT_COS_BATCH'], accounts: ['staging'] },
      { accounts: ['staging'] },
    ])
      expect(() => pairsFor(awsOnly, filter, CONFIGURED)).toThrow(/"staging on TENCENT_COS_BATCH"/);
  });

  it('come in the configuration’s order, whatever order the filter names them in', () => {
    expect(
      pairsFor(
        grantOf('staging', 'default'),
        { providers: ['TENCENT_COS_BATCH', 'AWS_BATCH'], accounts: ['staging', 'default'] },
        CONFIGURED,
      ),
    ).toEqual([
      'AWS_BATCH/default',
      'AWS_BATCH/staging',
      'TENCENT_COS_BATCH/default',
      'TENCENT_COS_BATCH/staging',
    ]);
  });

  it('of a row of bare aliases are the alias on every configured provider', () => {
    // Order: the row's `*` and pairs as stored, then the converted pairs in the configuration's
    // order (the providers' registry order, then each provider's accounts).
    expect(pairsOfBareAliases(['staging'], CONFIGURED)).toEqual([
      'AWS_BATCH/staging',
      'TENCENT_COS_BATCH/staging',
    ]);
    expect(pairsOfBareAliases(['staging', 'AWS_BATCH/default', 'default'], CONFIGURED)).toEqual([
      'AWS_BATCH/default',
      'AWS_BATCH/staging',
      'TENCENT_COS_BATCH/default',
      'TENCENT_COS_BATCH/staging',
    ]);
    expect(pairsOfBareAliases(['*'], CONFIGURED)).toBeNull();
    expect(pairsOfBareAliases(['AWS_BATCH/staging'], CONFIGURED)).toBeNull();
  });

  it('are what the rule bound counts: each pair, never an alias alone', () => {
    const stored = [
      { id: 'a', accounts: '["AWS_BATCH/staging"]' },
      { id: 'b', accounts: '["AWS_BATCH/staging"]' },
      { id: 'c', accounts: '["*"]' },
      // A bare alias not yet converted counts against the alias on every configured provider.
      { id: 'd', accounts: '["staging"]' },
    ];
    // AWS Batch's staging: 4 rules; COS Batch's staging: 2.
    const full = (pairs: string[], max: number, updating: string | null = null) =>
      fullPairs(stored, pairs, CONFIGURED, max, updating);
    expect(full(['TENCENT_COS_BATCH/staging'], 3)).toEqual([]);
    expect(full(['AWS_BATCH/staging', 'TENCENT_COS_BATCH/staging'], 3)).toEqual([
      'AWS_BATCH/staging',
    ]);
    expect(full(['*'], 2)).toEqual(['AWS_BATCH/staging', 'TENCENT_COS_BATCH/staging']);
    // AWS Batch's default: the rule of every account alone.
    expect(full(['AWS_BATCH/default'], 1)).toEqual(['AWS_BATCH/default']);
    expect(full(['AWS_BATCH/staging'], 4, 'a')).toEqual([]);
    expect(ruleBoundRefusal(['AWS_BATCH/staging'], 3).message).toBe(
      'AWS_BATCH account "staging" has 3 notification rules, the most it may have: delete one first.',
    );
    expect(ruleBoundRefusal(['AWS_BATCH/staging', 'TENCENT_COS_BATCH/staging'], 2).message).toBe(
      'AWS_BATCH account "staging", TENCENT_COS_BATCH account "staging" each have 2 notification rules, the most one may have: delete one first.',
    );
  });
});

describe('The rules one transition is delivered to', () => {
  const job: RuleFacts = {
    id: 'batch:us-east-1:j',
    provider: 'AWS_BATCH',
    account: 'default',
    region: 'us-east-1',
    state: 'FAILED',
    text: 'nightly etl',
  };

  it(`are the oldest ${MOST_RULES_A_TRANSITION}; the rest are told as skipped`, () => {
    const skipped: number[] = [];
    const rules = Array.from({ length: MOST_RULES_A_TRANSITION + 7 }, (_, i) =>
      ruleRow({ id: `nr_${String(i).padStart(3, '0')}` }),
    );
    const set = new RuleSet(rules, undefined, (n) => skipped.push(n));
    const taken = set.matching(job, 'FAILED');
    expect(taken.map((r) => r.id)).toEqual(
      rules.slice(0, MOST_RULES_A_TRANSITION).map((r) => r.id),
    );
    expect(skipped).toEqual([7]);
    // At the bound, nothing is skipped.
    const exact = new RuleSet(rules.slice(0, MOST_RULES_A_TRANSITION), undefined, (n) =>
      skipped.push(n),
    );
    expect(exact.matching(job, 'FAILED')).toHaveLength(MOST_RULES_A_TRANSITION);
    expect(skipped).toEqual([7]);
  });
});
