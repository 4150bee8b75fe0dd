import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { createClient, type RedisClientType } from '@keyv/redis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTUALLY } from '../support/eventually.ts';
import { LIST_SNAPSHOT_PREFIX } from '../../src/cache/redisListSnapshots.ts';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators';
import { redisServerMissing } from '../subscriptions/clusterSupport.ts';
import { accountToken } from '../support/accountTokens.ts';
import {
  clearCalls,
  EMULATOR_NAMES,
  gql,
  type GqlResult,
  type TestGateway,
} from '../support/gateway.ts';
import { useRedis } from '../support/useRedis.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * An organization of 10 AWS accounts (the demo's two and 8 more whose roles the emulated STS
 * lets the default account assume; they hold no jobs) over 3 regions, on a bound of list sources
 * per request of 20 (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST; the default is 40): the bound counts only
 * the sources a request reads upstream (cold), never those a shared snapshot serves. Two jobs a
 * source (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE), so every source read is one list call. Snapshots
 * are dated by a clock that stands still: they stay fresh however slow the machine is.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;
const EXTRA = Array.from({ length: 8 }, (_, n) => ({
  alias: `team${n + 1}`,
  roleArn: `arn:aws:iam::30000000000${n + 1}:role/jobgraph-read`,
}));
const ACCOUNTS = ['default', STAGING, ...EXTRA.map((a) => a.alias)];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const BOUND = 20;
const SHARED_SECRET = 'a-token-key-the-two-replicas-share-at-least-32-chars';

const env = (extra: Record<string, string> = {}) => ({
  JOBGRAPH_AWS_ACCOUNTS: EXTRA.map((a) => `${a.alias}=${a.roleArn}`).join(','),
  JOBGRAPH_EMULATOR_JOBS_PER_SOURCE: '2',
  JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: String(BOUND),
  ...extra,
});
const options = {
  emulatorRoles: EXTRA.map((a) => a.roleArn),
  listClock: () => EPOCH,
};

const PAGE = `query ($filter: JobListFilter) {
  listJobs(first: 100, filter: $filter) {
    edges { node { id } }
    sources { provider account region referenceStoreId state code }
  }
}`;
const PANORAMA = { providers: ['AWS_PANORAMA'], regions: REGIONS };

interface Source {
  provider: string;
  account: string;
  region: string | null;
  state: string;
  code: string | null;
}

/** The list calls the emulators received since the last clearCalls (each source read is one). */
const listCalls = (gw: TestGateway) =>
  EMULATOR_NAMES.flatMap((name) =>
    gw.emulators[name].calls.filter((c) => c.operation.startsWith('List')),
  );

function list(gw: TestGateway, token: string, filter: Record<string, unknown> = {}) {
  clearCalls(gw);
  return gql(gw, PAGE, { variables: { filter }, token });
}

function expectRefused(res: GqlResult): void {
  expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
    ['BAD_USER_INPUT', ['listJobs']],
  ]);
  const message = res.body.errors![0]!.message;
  expect(message).toMatch(/more than 20 list sources read upstream/);
  expect(message).toMatch(/\(JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST\)/);
  expect(message).toMatch(/list again within that time/);
  expect(res.body.data ?? null).toBeNull();
}

function expectEveryAccountListed(res: GqlResult, providers: string[]): Source[] {
  expect(res.body.errors).toBeUndefined();
  const sources = (res.body.data!.listJobs as { sources: Source[] }).sources;
  for (const s of sources)
    expect(s.state, `${s.provider} ${s.account} ${s.region}`).toMatch(/^(LISTED|NOT_LISTABLE)$/);
  for (const provider of providers)
    expect(new Set(sources.filter((s) => s.provider === provider).map((s) => s.account))).toEqual(
      new Set(ACCOUNTS),
    );
  return sources;
}

describe('10 accounts × 3 regions on a list-source bound of 20', () => {
  const gw = useTestGateway(env(), options);
  const tokens = { all: '', staging: '' };
  beforeAll(async () => {
    tokens.all = await accountToken(gw, ['*']);
    tokens.staging = await accountToken(gw, [STAGING]);
  });

  it('reads at most the bound of 30 cold sources and refuses the page, then lists every account from what it kept', async () => {
    const cold = await list(gw, tokens.all, PANORAMA);
    expectRefused(cold);
    // Exactly the bound read, one call each, every one a different source.
    const first = listCalls(gw);
    expect(first).toHaveLength(BOUND);
    const where = (c: { account?: string; job: string | null }) =>
      `${c.account ?? 'default'} ${c.job}`;
    expect(new Set(first.map(where)).size).toBe(BOUND);

    // The 20 read were kept: listing again reads only the other 10, and answers.
    const again = await list(gw, tokens.all, PANORAMA);
    const sources = expectEveryAccountListed(again, ['AWS_PANORAMA']);
    expect(sources).toHaveLength(30);
    const second = listCalls(gw);
    expect(second).toHaveLength(30 - BOUND);
    expect(second.map(where).filter((w) => first.map(where).includes(w))).toEqual([]);

    // Warm: all 30 from snapshots, no call, for every tenant.
    const warm = await list(gw, tokens.all, PANORAMA);
    expect(warm.body.data).toEqual(again.body.data);
    expect(listCalls(gw)).toEqual([]);
    const staging = await list(gw, tokens.staging, PANORAMA);
    expect(staging.body.errors).toBeUndefined();
    expect(
      (staging.body.data!.listJobs.sources as Source[]).map((s) => [s.account, s.state]),
    ).toEqual(REGIONS.map(() => [STAGING, 'LISTED']));
    expect(listCalls(gw)).toEqual([]);
  });

  it('lists every permitted account with no filter at all once warm: nothing is cold, Import/Export’s pages kept as the snapshots are', async () => {
    const refused: number[] = [];
    let res = await list(gw, tokens.all);
    // Each refused request reads at most the bound and keeps what it read, so a few do it.
    while (res.body.errors && refused.length < 5) {
      expectRefused(res);
      refused.push(listCalls(gw).length);
      res = await list(gw, tokens.all);
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const calls of refused) expect(calls).toBeLessThanOrEqual(BOUND);
    expectEveryAccountListed(res, ['AWS_PANORAMA', 'AWS_IMPORT_EXPORT', 'AWS_OMICS']);
    // Warm: no call at all — Import/Export's first page of each account, read page by page, is
    // kept as long as the snapshots.
    const warm = await list(gw, tokens.all);
    expectEveryAccountListed(warm, ['AWS_PANORAMA', 'AWS_IMPORT_EXPORT', 'AWS_OMICS']);
    expect(listCalls(gw)).toEqual([]);
  });
});

describe('A bound smaller than the cold sources of one page', () => {
  const gw = useTestGateway(env({ JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST: '4' }), options);

  it('counts the cold sources of every listJobs field together, and keeps what it read for the next request', async () => {
    const token = await accountToken(gw, ['*']);
    const query = `query ($a: JobListFilter, $b: JobListFilter) {
      a: listJobs(filter: $a) { sources { account state } }
      b: listJobs(filter: $b) { sources { account state } }
    }`;
    const variables = {
      a: { ...PANORAMA, accounts: ['default'] },
      b: { ...PANORAMA, accounts: [STAGING] },
    };
    clearCalls(gw);
    const refused = await gql(gw, query, { token, variables });
    // 3 + 3 cold sources, 4 allowed: a field that meets the spent bound is refused (which one
    // depends on which reads start first); no more than 4 were read.
    const errors = refused.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.extensions?.code).toBe('BAD_USER_INPUT');
      expect(e.message).toMatch(/more than 4 list sources read upstream/);
    }
    expect(listCalls(gw).length).toBeLessThanOrEqual(4);
    // Listing again reads only the sources the first request did not: each source once in all.
    const again = await gql(gw, query, { token, variables });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data).toEqual({
      a: { sources: REGIONS.map(() => ({ account: 'default', state: 'LISTED' })) },
      b: { sources: REGIONS.map(() => ({ account: STAGING, state: 'LISTED' })) },
    });
    const calls = listCalls(gw).map((c) => `${c.account ?? 'default'} ${c.job}`);
    expect(calls).toHaveLength(6);
    expect(new Set(calls).size).toBe(6);
  });
});

const missing = redisServerMissing();

describe.skipIf(missing !== null)('Two replicas sharing snapshots through Redis', () => {
  const redis = useRedis();
  const shared = () =>
    env({
      JOBGRAPH_CACHE_URL: redis.url,
      JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      JOBGRAPH_JWT_SECRET: SHARED_SECRET,
    });
  const a = useTestGateway(shared, options);
  const b = useTestGateway(shared, options);

  /** Resolves once Redis holds every snapshot of `keys` (a replica writes them in the background). */
  const written = async (keys: string[]) => {
    const c = createClient({ url: redis.url }) as unknown as RedisClientType;
    await c.connect();
    try {
      await vi.waitFor(async () => {
        const held = await c.exists(keys.map((k) => LIST_SNAPSHOT_PREFIX + k));
        if (held !== keys.length) throw new Error(`${keys.join(', ')} were never all written`);
      }, EVENTUALLY);
    } finally {
      c.destroy();
    }
  };

  it('serves the second replica’s request warm: every account listed, no list call', async () => {
    const token = await accountToken(a, ['*']);
    expectRefused(await list(a, token, PANORAMA));
    expectEveryAccountListed(await list(a, token, PANORAMA), ['AWS_PANORAMA']);
    await written(
      ACCOUNTS.flatMap((alias) =>
        REGIONS.map((r) => `panorama${alias === 'default' ? '' : `@${alias}`}:${r}`),
      ),
    );
    const res = await list(b, token, PANORAMA);
    expect(expectEveryAccountListed(res, ['AWS_PANORAMA'])).toHaveLength(30);
    expect(listCalls(b)).toEqual([]);
  });
});
