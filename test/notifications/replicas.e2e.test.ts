import { describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { OUTBOX_MAX_WAIT_MS } from '../../src/notifications/outbox.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchIdOf, gqlAt, readHistory, useNotifyingReplicas } from './notifyingReplicas.ts';

// Two compiled gateways (live mode) on one PostgreSQL read a Batch job fail at the same moment
// (both reads in flight together): each writes the transition and its outbox row in one transaction
// (one webhook-id: rule, job, trigger, the provider's stamp), so the outbox holds one row and the
// receiver gets the notification once, verified by the `standardwebhooks` package.

const postgres = historyStores()[1]!;

describe.skipIf(postgres.skip)('Two replicas on one PostgreSQL', () => {
  const set = useNotifyingReplicas(() => postgres.fresh());

  it('deliver once a failure both confirm at the same moment: one outbox row, one webhook-id', async () => {
    const [a, b] = [await set.start(), await set.start()];
    const ruleId = await set.failedRule(a);
    const id = batchIdOf(BATCH_JOB_IDS.running);
    const READ = `query($id: ID!) { job(id: $id) { state } }`;
    const states = async () =>
      (await Promise.all([a, b].map((r) => gqlAt(r, set.token, READ, { id })))).map(
        (res) => res.data?.job?.state as string,
      );
    expect(await states()).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
    set.emulators.batch.jobs!.changeState(BATCH_JOB_IDS.running, 'FAILED');
    // The race: both replicas read the failure together, each confirming the same transition.
    const describes = () =>
      set.emulators.batch.calls.filter((c) => c.operation.startsWith('DescribeJobs')).length;
    const before = describes();
    expect(await states()).toEqual(['FAILED', 'FAILED']);
    expect(describes() - before).toBe(2);
    // Both replicas' transitions written (a history read waits for its own process's writes).
    const HISTORY = `query($id: ID!) { job(id: $id) { transitions { to } } }`;
    await Promise.all([a, b].map((r) => gqlAt(r, set.token, HISTORY, { id })));
    const DELIVERIES = `query($id: ID!) { notificationRule(id: $id) { deliveries { nodes { id status } } } }`;
    // Delivered by the replica that wrote the row, at once; the bound is for a hang only, past the
    // outbox's own longest wait (a replica's pass the database failed is tried again sooner).
    await vi.waitFor(
      async () => {
        const page = await gqlAt(b, set.token, DELIVERIES, { id: ruleId });
        expect(page.data?.notificationRule.deliveries.nodes).toEqual([
          { id: expect.any(String), status: 'DELIVERED' },
        ]);
      },
      { timeout: OUTBOX_MAX_WAIT_MS * 3, interval: 100 },
    );
    expect(set.receiver.received).toHaveLength(1);
    expect(set.receiver.received[0]!.verified).toBe(true);
    const rows = await readHistory(set, (db) =>
      db
        .selectFrom('notification_deliveries')
        .select(['id', 'job_id'])
        .where('rule_id', '=', ruleId)
        .execute(),
    );
    expect(rows).toEqual([{ id: set.receiver.received[0]!.headers['webhook-id'], job_id: id }]);
  });
});
