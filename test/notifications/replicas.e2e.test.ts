import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '../../src/emulators/index.ts';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

// Two compiled gateways (live mode) on one PostgreSQL, each reading a Batch job fail: each writes
// the transition and its outbox row (one webhook-id: rule, job, trigger, the provider's stamp), and
// the receiver gets the notification once, verified by the `standardwebhooks` package.

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

const postgres = historyStores()[1]!;

describe.skipIf(postgres.skip)('Two replicas on one PostgreSQL', () => {
  let store: HistoryStoreConfig;
  let emulators: EmulatorSet;
  let receiver: Receiver;
  let token: string;
  const replicas: LiveProcess[] = [];
  const start = async () => {
    const replica = await startLiveProcess({
      ...replicaEnv(emulators, null, 500),
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_NOTIFY_SECRET: 'a notification sealing key shared by both replicas',
      JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1',
      JOBGRAPH_CACHE_MAX_ENTRIES: '0',
    });
    replicas.push(replica);
    return replica;
  };
  beforeAll(async () => {
    store = await postgres.fresh();
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

  it('deliver a failure both read once', async () => {
    const [a, b] = [await start(), await start()];
    const created = await gql(
      a,
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
    const ruleId = created.data!.createNotificationRule.rule.id as string;
    const job = BATCH_JOB_IDS.running;
    const id = idOf(job);
    const READ = `query($id: ID!) { job(id: $id) { state } }`;
    for (const r of [a, b])
      expect((await gql(r, token, READ, { id })).data?.job?.state).toBe('IN_PROGRESS');
    emulators.batch.jobs!.changeState(job, 'FAILED');
    for (const r of [a, b])
      expect((await gql(r, token, READ, { id })).data?.job?.state).toBe('FAILED');
    // Both replicas' transitions written (a history read waits for its own process's writes).
    const HISTORY = `query($id: ID!) { job(id: $id) { transitions { to } } }`;
    for (const r of [a, b]) await gql(r, token, HISTORY, { id });
    const DELIVERIES = `query($id: ID!) { notificationRule(id: $id) { deliveries { nodes { id status } } } }`;
    await vi.waitFor(
      async () => {
        const page = await gql(b, token, DELIVERIES, { id: ruleId });
        expect(page.data?.notificationRule.deliveries.nodes).toEqual([
          { id: expect.any(String), status: 'DELIVERED' },
        ]);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.verified).toBe(true);
  });
});
