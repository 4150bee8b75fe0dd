// A history read waits for what this process recorded before it (src/history/index.ts `settled`):
// the writer commits in batches up to a second apart, but a caller who was just answered a job
// finds it in the history at once — its first transition in the same answer, and in jobHistory
// the next moment — through the real server on its default history (a SQLite file). The wait is
// bounded: on a PostgreSQL whose writes are held, the read is answered without them.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { freshCopies, gql, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf, lockJobs } from '../support/historyStores.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway();
const postgres = historyStores()[1]!;

const HISTORY = `{ jobHistory(first: 100) { edges { node { id } } } }`;
async function historyIds(gateway: TestGateway): Promise<string[]> {
  const page = await gql(gateway, HISTORY, { token: gateway.tokens.read });
  expect(page.body.errors).toBeUndefined();
  return (page.body.data?.jobHistory.edges as { node: { id: string } }[]).map((e) => e.node.id);
}

describe('A history read after the answers it follows', () => {
  it('shows a job read for the first time with its first transition in the same answer', async () => {
    const [id] = freshCopies(gw, [exampleGlobalIds().batch]);
    const res = await gql(
      gw,
      `query($id: ID!) { job(id: $id) { id state transitions { from to source } } }`,
      { variables: { id }, token: gw.tokens.read },
    );
    expect(res.body.errors).toBeUndefined();
    const job = res.body.data?.job as { state: string; transitions: unknown[] };
    expect(job.transitions).toEqual([{ from: null, to: job.state, source: 'READ' }]);
  });

  it("finds the jobs just answered in jobHistory without waiting for the group commit's second", async () => {
    const examples = exampleGlobalIds();
    const ids = freshCopies(gw, [examples.batch, examples.omics, examples.cosbatch]);
    const read = await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(read.body.errors).toBeUndefined();
    expect(await historyIds(gw)).toEqual(expect.arrayContaining(ids));
  });
});

describe.skipIf(postgres.skip)('A history read while PostgreSQL holds the writes', () => {
  let url = '';
  beforeAll(async () => {
    url = historyUrlOf(await postgres.fresh());
  });
  const pg = useTestGateway(() => ({ JOBGRAPH_HISTORY_URL: url }));

  it('is answered without the queued change, which it finds once the writes go', async () => {
    const locker = (await openHistoryDatabase({ kind: 'postgres', url }))!;
    try {
      // Another client locks the jobs table against writes (reads go on) until released.
      const lock = await lockJobs(locker);
      const [id] = freshCopies(pg, [exampleGlobalIds().batch]);
      try {
        const read = await gql(pg, `query($id: ID!) { job(id: $id) { id state } }`, {
          variables: { id },
          token: pg.tokens.read,
        });
        expect(read.body.errors).toBeUndefined();
        // Answered while the lock is held (it is released only below): the read waited for the
        // writer a bounded time, not until its write could go.
        expect(await historyIds(pg)).not.toContain(id);
      } finally {
        await lock.release();
      }
      await vi.waitFor(async () => expect(await historyIds(pg)).toContain(id), EVENTUALLY);
    } finally {
      await locker.close();
    }
  });
});
