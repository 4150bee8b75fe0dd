import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  isProgressingJobId,
  listedDemoJobs,
} from '@jobgraph/emulators';
import { accountToken } from '../support/accountTokens.ts';
import { clearCalls, gql, upstreamCallCount, type TestGateway } from '../support/gateway.ts';
import { newestFirst } from '../support/listOrder.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * `listJobs` under per-account grants, through the real server on the demo (the default account
 * and `staging` on each cloud): tokens whose `accounts` claim names one alias, an account ID, `*`,
 * nothing, or which carry no claim. The emulators' clock stands still at EPOCH, so the lists are
 * `listedDemoJobs(EPOCH)`'s.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
const STAGING = DEMO_SECOND_AWS_ACCOUNT.alias;

const PAGE = `query Page($after: String, $filter: JobListFilter, $first: Int = 100) {
  listJobs(first: $first, after: $after, filter: $filter) {
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
    sources { provider account region state }
  }
}`;

interface Source {
  provider: string;
  account: string;
  region: string | null;
  state: string;
}
interface Conn {
  edges: { node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  sources: Source[];
}

/** Every page of the filter for `token`: the listed IDs (the progressing jobs left out) and the sources. */
async function walk(gw: TestGateway, token: string, filter: Record<string, unknown> = {}) {
  const ids: string[] = [];
  let sources: Source[] | null = null;
  let after: string | null = null;
  for (;;) {
    const res = await gql(gw, PAGE, { variables: { after, filter }, token });
    expect(res.body.errors).toBeUndefined();
    const conn = res.body.data!.listJobs as Conn;
    sources ??= conn.sources;
    ids.push(...conn.edges.map((e) => e.node.id));
    if (!conn.pageInfo.hasNextPage)
      return { ids: ids.filter((id) => !isProgressingJobId(id)), sources };
    after = conn.pageInfo.endCursor;
  }
}

/** A listed demo job's global ID in the account aliased `alias` (AWS: `panorama@staging:…`). */
const inAccount = (globalId: string, alias: string | undefined) =>
  alias === undefined || globalId.startsWith('cos:')
    ? globalId
    : globalId.replace(/^([a-z]+):/, `$1@${alias}:`);

/** The demo's listed jobs of each (account, providers) asked, newest first, as global IDs. */
function expectedIds(
  accounts: ('default' | 'staging')[],
  only?: (id: string) => boolean,
): string[] {
  const jobs = accounts.flatMap((account) =>
    Object.values(listedDemoJobs(EPOCH, { account })).flatMap((list) =>
      list.map((j) => ({
        createdAt: j.createdAt,
        id: inAccount(j.globalId, account === 'staging' ? STAGING : undefined),
      })),
    ),
  );
  return jobs
    .filter((j) => !only || only(j.id))
    .sort(newestFirst)
    .map((j) => j.id);
}

const accountsOf = (sources: Source[]) => [...new Set(sources.map((s) => s.account))];
const isCos = (id: string) => id.startsWith('cos:');

describe('listJobs under per-account grants', () => {
  const gw = useTestGateway({}, { emulatorClock: { now: () => EPOCH, epochMs: EPOCH } });
  const tokens: Record<'staging' | 'noClaim' | 'empty' | 'all' | 'awsId' | 'cosUin', string> =
    {} as never;
  beforeAll(async () => {
    tokens.staging = await accountToken(gw, [STAGING]);
    tokens.noClaim = await accountToken(gw, undefined);
    tokens.empty = await accountToken(gw, []);
    tokens.all = await accountToken(gw, ['*']);
    tokens.awsId = await accountToken(gw, [DEMO_SECOND_AWS_ACCOUNT.accountId]);
    tokens.cosUin = await accountToken(gw, [DEMO_SECOND_TENCENT_ACCOUNT.uin]);
  });

  it('lists only the granted account, with and without an accounts filter', async () => {
    const staging = expectedIds(['staging']);
    const bare = await walk(gw, tokens.staging);
    expect(accountsOf(bare.sources)).toEqual([STAGING]);
    expect(bare.ids).toEqual(staging);
    const filtered = await walk(gw, tokens.staging, { accounts: [STAGING] });
    expect(accountsOf(filtered.sources)).toEqual([STAGING]);
    expect(filtered.ids).toEqual(staging);
  });

  it('refuses a filter naming another account, configured or not, alike and before any call', async () => {
    const answers = [];
    for (const accounts of [['default'], [STAGING, 'default'], ['nope'], [DEMO_AWS_ACCOUNT_ID]]) {
      clearCalls(gw);
      const res = await gql(gw, PAGE, {
        variables: { filter: { accounts } },
        token: tokens.staging,
      });
      expect(upstreamCallCount(gw)).toBe(0);
      expect(res.body.data?.listJobs ?? null).toBeNull();
      answers.push(res.body.errors?.map((e) => [e.extensions?.code, e.message]));
    }
    // One answer for every refusal, naming only the account the filter named: an unconfigured
    // alias cannot be told from a forbidden one.
    const refused = (account: string) => [
      ['FORBIDDEN', `The token's accounts do not include account "${account}".`],
    ];
    expect(answers).toEqual(['default', 'default', 'nope', DEMO_AWS_ACCOUNT_ID].map(refused));
    const lines = gw.logs.lines.filter((l) => l.includes('account refused'));
    expect(lines.some((l) => l.includes('"field":"listJobs"') && l.includes('"*/nope"'))).toBe(
      true,
    );
  });

  it('lists the default accounts only for a token without the claim', async () => {
    const { ids, sources } = await walk(gw, tokens.noClaim);
    expect(accountsOf(sources)).toEqual(['default']);
    expect(ids).toEqual(expectedIds(['default']));
    const res = await gql(gw, PAGE, {
      variables: { filter: { accounts: [STAGING] } },
      token: tokens.noClaim,
    });
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('lists nothing for an empty grant: an empty page without an upstream call', async () => {
    clearCalls(gw);
    const res = await gql(gw, PAGE, { variables: { filter: {} }, token: tokens.empty });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.listJobs).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
      sources: [],
    });
    expect(upstreamCallCount(gw)).toBe(0);
  });

  it('lists every account for `*`, and tells it which aliases are configured', async () => {
    const { ids, sources } = await walk(gw, tokens.all);
    expect(accountsOf(sources)).toEqual(['default', STAGING]);
    expect(ids).toEqual(expectedIds(['default', 'staging']));
    const res = await gql(gw, PAGE, {
      variables: { filter: { accounts: ['nope'] } },
      token: tokens.all,
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toContain(`default, ${STAGING}`);
  });

  it('lists an account named by its ID on that ID’s cloud only, as its alias does there', async () => {
    const aws = await walk(gw, tokens.awsId);
    expect(accountsOf(aws.sources)).toEqual([STAGING]);
    expect(aws.sources.some((s) => s.provider === 'TENCENT_COS_BATCH')).toBe(false);
    expect(aws.ids).toEqual(expectedIds(['staging'], (id) => !isCos(id)));
    // The alias the ID stands for is readable as a filter; on COS it names nothing readable.
    const filtered = await walk(gw, tokens.awsId, { accounts: [STAGING] });
    expect(filtered.ids).toEqual(aws.ids);
    const cos = await walk(gw, tokens.cosUin);
    expect(cos.sources.map((s) => [s.provider, s.account])).toEqual([
      ['TENCENT_COS_BATCH', STAGING],
    ]);
    expect(cos.ids).toEqual(expectedIds(['staging'], isCos));
  });

  it('keeps a cursor to the grant it was made for', async () => {
    const first = async (token: string) => {
      const res = await gql(gw, PAGE, { variables: { filter: {}, first: 2 }, token });
      return (res.body.data!.listJobs as Conn).pageInfo.endCursor!;
    };
    const all = await first(tokens.all);
    const aws = await first(tokens.awsId);
    for (const [after, token] of [
      [all, tokens.staging],
      [all, tokens.noClaim],
      [aws, tokens.staging],
    ] as const) {
      const res = await gql(gw, PAGE, { variables: { filter: {}, after }, token });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain('"after"');
    }
  });

  it('serves a second tenant from the snapshots the first filled, with only its own rows', async () => {
    // The `*` walk above filled every source's snapshot: the staging tenant's walk reads them
    // without a list call, and sees nothing of the default account's rows they sit beside.
    await walk(gw, tokens.all);
    clearCalls(gw);
    const { ids } = await walk(gw, tokens.staging, {
      providers: ['AWS_PANORAMA', 'AWS_OMICS', 'TENCENT_COS_BATCH'],
    });
    const listCalls = ['panorama', 'omics', 'cosbatch'].flatMap((name) =>
      gw.emulators[name as 'panorama'].calls.filter((c) => c.operation.startsWith('List')),
    );
    expect(listCalls).toEqual([]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids)
      expect(
        id.includes(`@${STAGING}:`) || id.includes(`:${DEMO_SECOND_TENCENT_ACCOUNT.uin}:`),
      ).toBe(true);
  });

  it('describes a listed job of its own account and refuses none of its page', async () => {
    const res = await gql(
      gw,
      `{ listJobs(first: 5, filter: { providers: [AWS_PANORAMA] }) { edges { node { id providerStatus } } } }`,
      { token: tokens.staging },
    );
    expect(res.body.errors).toBeUndefined();
    const nodes = res.body.data!.listJobs.edges as {
      node: { id: string; providerStatus: string };
    }[];
    expect(nodes.length).toBe(5);
    for (const { node } of nodes) {
      expect(node.id.startsWith(`panorama@${STAGING}:`)).toBe(true);
      expect(typeof node.providerStatus).toBe('string');
    }
  });
});
