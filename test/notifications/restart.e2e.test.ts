import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '../../src/emulators/index.ts';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

// The compiled gateway (live mode, bin/jobgraph.mjs) against emulators and a receiver that outlive
// it: a Batch job's failure read, its delivery in the outbox with the transition, the first attempt
// answered 500, the process killed with SIGKILL before it tries again, and a new process on the same
// store delivers it — the same webhook-id, verified by the `standardwebhooks` package.

const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
const idOf = (native: string) => example.slice(0, example.lastIndexOf(':') + 1) + native;

async function gql(replica: LiveProcess, token: string, query: string, variables: object) {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any> | null; errors?: unknown };
}

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`Notifications across a SIGKILL on a ${name}`, () => {
    let store: HistoryStoreConfig;
    let emulators: EmulatorSet;
    let receiver: Receiver;
    let token: string;
    const replicas: LiveProcess[] = [];
    const start = async () => {
      const replica = await startLiveProcess({
        ...replicaEnv(emulators, null, 500),
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
        JOBGRAPH_NOTIFY_SECRET: 'a notification sealing key shared by both processes',
        JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1',
        JOBGRAPH_CACHE_MAX_ENTRIES: '0',
      });
      replicas.push(replica);
      return replica;
    };
    beforeAll(async () => {
      store = await fresh();
      emulators = await startEmulators();
      receiver = await startReceiver();
      token = await mintToken({
        secret: SHARED_SECRET,
        scopes: ['jobs:read', 'notifications:write'],
        accounts: ['*'],
      });
    });
    afterAll(async () => {
      for (const r of replicas) await kill(r.child);
      await emulators?.close();
      await receiver?.close();
    });

    it('delivers a failure after a restart, with the webhook-id of the attempt before the kill', async () => {
      const first = await start();
      const created = await gql(
        first,
        token,
        `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { secret rule { id } } }`,
        {
          input: {
            name: 'failed',
            filter: { providers: ['AWS_BATCH'] },
            on: ['FAILED'],
            target: { kind: 'WEBHOOK', url: receiver.url },
          },
        },
      );
      expect(created.errors).toBeUndefined();
      receiver.secret = created.data!.createNotificationRule.secret as string;
      const job = BATCH_JOB_IDS.running;
      const id = idOf(job);
      const READ = `query($id: ID!) { job(id: $id) { state } }`;
      expect((await gql(first, token, READ, { id })).data?.job?.state).toBe('IN_PROGRESS');
      emulators.batch.jobs!.changeState(job, 'FAILED');
      receiver.answers.push(500);
      expect((await gql(first, token, READ, { id })).data?.job?.state).toBe('FAILED');
      // The first attempt (500) came: the delivery is in the outbox, RETRYING.
      await vi.waitFor(() => expect(receiver.received).toHaveLength(1), {
        timeout: 30_000,
        interval: 50,
      });
      await kill(first.child);
      expect(first.child.signalCode).toBe('SIGKILL');

      await start();
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
