// A history read waits for what this process recorded before it (src/history/index.ts `settled`):
// the writer commits in batches up to a second apart, but a caller who was just answered a job
// finds it in the history at once — its first transition in the same answer, and in jobHistory
// the next moment — through the real server on its default history (a SQLite file).
import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '../../src/emulators/index.ts';
import { freshCopies, gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const gw = useTestGateway();

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
    const page = await gql(gw, `{ jobHistory(first: 100) { edges { node { id } } } }`, {
      token: gw.tokens.read,
    });
    expect(page.body.errors).toBeUndefined();
    const found = (page.body.data?.jobHistory.edges as { node: { id: string } }[]).map(
      (e) => e.node.id,
    );
    expect(found).toEqual(expect.arrayContaining(ids));
  });
});
