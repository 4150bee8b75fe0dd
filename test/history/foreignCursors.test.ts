// A jobHistory cursor the store cannot read is BAD_USER_INPUT in words, never an empty page (issue
// 89, item 1): two real gateways with the same JOBGRAPH_CURSOR_SECRET, each on a store of its own
// (a replica on a private SQLite file, or another PostgreSQL database), on both kinds of store.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { gql, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { storeManyJobs } from '../support/manyJobs.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const PAGE = `query($after: String) {
  jobHistory(first: 5, after: $after) { edges { node { id } } pageInfo { endCursor } }
}`;
const SECRET = 'one-cursor-secret-every-replica-shares-0123456789';

interface Page {
  edges: { node: { id: string } }[];
  pageInfo: { endCursor: string | null };
}

async function page(gw: TestGateway, after: string | null) {
  const res = await gql(gw, PAGE, { variables: { after }, token: gw.tokens.read });
  return { errors: res.body.errors, page: res.body.data?.jobHistory as Page | null | undefined };
}

describe.each(historyStores())('a jobHistory cursor on a $name', ({ skip, fresh }) => {
  const stores: HistoryStoreConfig[] = [];
  beforeAll(async () => {
    if (skip) return;
    for (let i = 0; i < 2; i++) {
      const store = await fresh();
      await storeManyJobs(store, 12, 1000, 3);
      stores.push(store);
    }
  });
  const env = (i: number) => () =>
    stores[i]
      ? { JOBGRAPH_HISTORY_URL: historyUrlOf(stores[i]), JOBGRAPH_CURSOR_SECRET: SECRET }
      : {};
  const own = useTestGateway(env(0));
  const other = useTestGateway(env(1));

  it.skipIf(skip)('continues on its own store', async () => {
    const first = await page(own, null);
    const next = await page(own, first.page!.pageInfo.endCursor);
    expect(next.errors).toBeUndefined();
    expect(next.page!.edges).toHaveLength(5);
    const ids = [...first.page!.edges, ...next.page!.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(10);
  });

  it.skipIf(skip)(
    'is refused by another store, naming the setting, not an empty page',
    async () => {
      const first = await page(own, null);
      const there = await page(other, first.page!.pageInfo.endCursor);
      expect(there.page ?? null).toBeNull();
      expect(there.errors).toHaveLength(1);
      expect(there.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'after',
      });
      expect(there.errors![0]!.message).toMatch(
        /"after" is a cursor of another history store: .*\(JOBGRAPH_HISTORY_URL\); ask again without `after`/,
      );
    },
  );

  it.skipIf(skip)('is refused when altered', async () => {
    const cursor = (await page(own, null)).page!.pageInfo.endCursor!;
    const altered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'AB' : 'AA'}`;
    const res = await page(own, altered);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(res.errors![0]!.message).toMatch(/"after" is not a cursor of jobHistory; ask again/);
  });
});
