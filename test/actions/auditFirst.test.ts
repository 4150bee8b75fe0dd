// No action without its audit row (issue #85, item 5): the row is written, durable, before the
// provider is called, and the action's outcome settles it; when the history store does not take
// it (its PostgreSQL server stopped), the action is refused with a clear answer and no write call
// is made. Through the real server, a real PostgreSQL server and the Batch emulator.
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { writerToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { usePostgres } from '../support/usePostgres.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// The file's own PostgreSQL server (its `postgres` database), which the second test stops.
const pg = usePostgres();
let url = '';
beforeAll(() => {
  if (!pg.skip) url = pg.server().url;
});
const gw = useTestGateway(() => ({
  ...(url ? { JOBGRAPH_HISTORY_URL: url } : {}),
  JOBGRAPH_CACHE_MAX_ENTRIES: '0',
}));

const CANCEL = `mutation ($id: ID!, $reason: String!) {
  cancelJob(id: $id, reason: $reason) { outcome message providerCode }
}`;
const writes = () =>
  gw.emulators.batch.calls.filter((c) => /^(CancelJob|TerminateJob)\b/.test(c.operation)).length;

describe.skipIf(pg.skip)('An action on a history store that does not take its audit row', () => {
  it('is audited once, settled with its outcome, while the store takes rows', async () => {
    const token = await writerToken(gw, undefined, 'oncall-ann');
    const id = `batch:us-east-1:${BATCH_JOB_IDS.runnable}`;
    const res = await gql(gw, CANCEL, { token, variables: { id, reason: 'not needed' } });
    expect(res.body.data?.cancelJob).toMatchObject({ outcome: 'REQUESTED' });
    const taken = await gql(gw, `query($id: ID!) { job(id: $id) { actionsTaken { outcome } } }`, {
      token,
      variables: { id },
    });
    expect(taken.body.data?.job.actionsTaken).toEqual([{ outcome: 'REQUESTED' }]);
  });

  it('is refused with a clear answer and makes no write call once the store is stopped', async () => {
    const token = await writerToken(gw, undefined, 'oncall-ann');
    const before = writes();
    pg.server().stop();
    const res = await gql(gw, CANCEL, {
      token,
      variables: { id: `batch:us-east-1:${BATCH_JOB_IDS.pending}`, reason: 'not needed' },
    });
    expect(res.body.data?.cancelJob).toMatchObject({
      outcome: 'FAILED',
      providerCode: 'AUDIT_UNAVAILABLE',
    });
    expect(res.body.data?.cancelJob.message).toMatch(/audit record could not be written/);
    expect(writes()).toBe(before);
  });
});
