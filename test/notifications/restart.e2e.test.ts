import { describe, expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { kill } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchIdOf, gqlAt, useNotifyingReplicas } from './notifyingReplicas.ts';

// The compiled gateway (live mode, bin/jobgraph.mjs) against emulators and a receiver that outlive
// it: a Batch job's failure read, its delivery in the outbox with the transition, the first attempt
// answered 500, the process killed with SIGKILL before it tries again, and a new process on the same
// store delivers it — the same webhook-id, verified by the `standardwebhooks` package.

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Notifications across a SIGKILL on a ${name}`, () => {
    const set = useNotifyingReplicas(fresh);

    it('delivers a failure after a restart, with the webhook-id of the attempt before the kill', async () => {
      const first = await set.start();
      await set.failedRule(first);
      const { receiver } = set;
      const job = BATCH_JOB_IDS.running;
      const id = batchIdOf(job);
      const READ = `query($id: ID!) { job(id: $id) { state } }`;
      expect((await gqlAt(first, set.token, READ, { id })).data?.job?.state).toBe('IN_PROGRESS');
      set.emulators.batch.jobs!.changeState(job, 'FAILED');
      receiver.answers.push(500);
      expect((await gqlAt(first, set.token, READ, { id })).data?.job?.state).toBe('FAILED');
      // The first attempt (500) came: the delivery is in the outbox, RETRYING.
      await vi.waitFor(() => expect(receiver.received).toHaveLength(1), {
        timeout: 30_000,
        interval: 50,
      });
      await kill(first.child);
      expect(first.child.signalCode).toBe('SIGKILL');

      await set.start();
      // Due again 5 s after the first attempt (the schedule's first wait) — or, when the kill came
      // before that attempt was recorded, once its lease (75 s) lapses: the new process's outbox.
      await vi.waitFor(() => expect(receiver.received).toHaveLength(2), {
        timeout: 150_000,
        interval: 100,
      });
      const [before, after] = receiver.received;
      expect(after!.headers['webhook-id']).toBe(before!.headers['webhook-id']);
      expect(after!.verified).toBe(true);
      expect(JSON.parse(after!.body)).toMatchObject({ type: 'job.failed', data: { job: { id } } });
    }, 240_000);
  });
}
