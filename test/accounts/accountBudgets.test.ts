import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT, SHARED_NATIVE_JOB_IDS } from '@jobgraph/emulators';
import { parseProm, sample, type Sample } from '../observability/promText.ts';
import { accountToken } from '../support/accountTokens.ts';
import { clearCalls, gql, type TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * The circuit breakers and the rate budget are per account × provider × region: one account
 * failing or bursting in a region leaves another account's jobs in that region answering.
 * Through the real server on the demo (the default AWS account and `staging`, a role assumed
 * with STS); the emulators fail or answer by the account a request is signed for.
 */
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
const { region, jobId } = SHARED_NATIVE_JOB_IDS.panorama;
const HOME = `panorama:${region}:${jobId}`;
const JOB = `query($id: ID!) { job(id: $id) { id } }`;

async function scrape(gw: TestGateway): Promise<Sample[]> {
  const res = await fetch(new URL('/metrics', gw.server.url));
  expect(res.status).toBe(200);
  return parseProm(await res.text());
}

const codeOf = (res: Awaited<ReturnType<typeof gql>>) =>
  res.body.errors?.[0]?.extensions?.code ?? null;

/**
 * `useTestGateway(env)` with no job cache (each job asks its provider), and `caller.token`: a
 * jobs:read token for every account, once the gateway has started.
 */
function useEveryAccountGateway(env: Record<string, string>) {
  const gw = useTestGateway({ ...env, JOBGRAPH_CACHE_MAX_ENTRIES: '0' });
  const caller = { token: '' };
  beforeAll(async () => {
    caller.token = await accountToken(gw, ['*']);
  });
  return { gw, caller };
}

describe('One account’s outage', () => {
  const { gw, caller } = useEveryAccountGateway({
    JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1',
    JOBGRAPH_BREAKER_FAILURES: '2',
  });

  it('opens that account’s circuit of the region only: the other account’s jobs there answer', async () => {
    const panorama = gw.emulators.panorama;
    panorama.setFaults({ errorRate: 1, account: DEMO_SECOND_AWS_ACCOUNT.accountId });
    try {
      for (const n of [0, 1]) {
        const id = `panorama@${STAGING}:${region}:pkgimport-outage${n}`;
        expect(codeOf(await gql(gw, JOB, { variables: { id }, token: caller.token }))).toBe(
          'UPSTREAM_UNAVAILABLE',
        );
      }
      // Open: the next staging job there is refused without a call.
      const before = panorama.calls.length;
      const refused = await gql(gw, JOB, {
        variables: { id: `panorama@${STAGING}:${region}:pkgimport-outage2` },
        token: caller.token,
      });
      expect(codeOf(refused)).toBe('UPSTREAM_UNAVAILABLE');
      expect(panorama.calls.length).toBe(before);
      // The default account's job in the same region is called and answers.
      const home = await gql(gw, JOB, { variables: { id: HOME }, token: caller.token });
      expect(home.body.errors).toBeUndefined();
      expect(home.body.data?.job).toEqual({ id: HOME });
      expect(panorama.calls.length).toBe(before + 1);
    } finally {
      panorama.resetFaults();
    }
    const m = await scrape(gw);
    const open = (account: string) =>
      sample(m, 'jobgraph_breaker_open', { provider: 'AWS_PANORAMA', account, region });
    expect(open(STAGING)).toBe(1);
    expect(open('default')).toBe(0);
  });
});

describe('One account’s burst', () => {
  // One Panorama call every 100 s per account and region (GCRA, no burst): a lane's first call
  // goes at once and its next turn is far past any request's budget, so every further call in
  // that lane is refused — nothing refills during the test, whatever the machine's pace. A call
  // that found its turn too late may first wait out most of its budget: a short one keeps it quick.
  const { gw, caller } = useEveryAccountGateway({
    JOBGRAPH_UPSTREAM_RATE_LIMITS: 'panorama=0.01',
    JOBGRAPH_UPSTREAM_BUDGET_MS: '2000',
  });

  /** Panorama describe calls of `account` (absent: the default one) since the test began. */
  const describes = (account?: string) =>
    gw.emulators.panorama.calls.filter(
      (c) => c.operation === 'DescribePackageImportJob' && c.account === account,
    );

  it('is refused by that account’s rate budget only: the other account’s job in the region answers, called once', async () => {
    clearCalls(gw);
    const staging = (n: number) =>
      gql(gw, JOB, {
        variables: { id: `panorama@${STAGING}:${region}:pkgimport-burst${n}` },
        token: caller.token,
      });
    // The burst and, amid it, the same caller's job of the default account in the same region.
    const [home, ...burst] = await Promise.all([
      gql(gw, JOB, { variables: { id: HOME }, token: caller.token }),
      ...Array.from({ length: 10 }, (_, n) => staging(n)),
    ]);
    const codes = burst.map(codeOf);
    // One staging call went (its job does not exist); the other nine were refused by the budget,
    // none of them called.
    expect(codes.filter((c) => c === 'UPSTREAM_THROTTLED')).toHaveLength(9);
    expect(codes.filter((c) => c !== 'UPSTREAM_THROTTLED')).toEqual(['NOT_FOUND']);
    expect(describes(DEMO_SECOND_AWS_ACCOUNT.accountId)).toHaveLength(1);
    // The default account's job answered from its own lane: no UPSTREAM_THROTTLED, one call.
    expect(home.body.errors).toBeUndefined();
    expect(home.body.data?.job).toEqual({ id: HOME });
    expect(describes(undefined)).toHaveLength(1);

    // Still spent for staging only: its next job is refused, with no call.
    expect(codeOf(await staging(10))).toBe('UPSTREAM_THROTTLED');
    expect(describes(DEMO_SECOND_AWS_ACCOUNT.accountId)).toHaveLength(1);
  });
});
