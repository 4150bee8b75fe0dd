import { afterAll, beforeAll, expect } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import {
  DEMO_DATA,
  emulatorEnvironment,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

type HistoryDb = NonNullable<Awaited<ReturnType<typeof openHistoryDatabase>>>['db'];

/** `read` of the replicas' history store, opened for it and closed after. */
export async function readHistory<T>(
  set: NotifyingReplicas,
  read: (db: HistoryDb) => Promise<T>,
): Promise<T> {
  const db = (await openHistoryDatabase(set.store))!;
  try {
    return await read(db.db);
  } finally {
    await db.close();
  }
}

/** The global ID of the demo's AWS Batch job `native`. */
export function batchIdOf(native: string): string {
  const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
  return example.slice(0, example.lastIndexOf(':') + 1) + native;
}

/** POST a GraphQL operation to a compiled gateway process with a bearer token. */
export async function gqlAt(
  replica: LiveProcess,
  token: string,
  query: string,
  variables: object,
): Promise<{ data?: Record<string, any> | null; errors?: unknown }> {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any> | null; errors?: unknown };
}

/** What a file of compiled gateways (live mode) sharing one history store and a receiver holds. */
export interface NotifyingReplicas {
  readonly store: HistoryStoreConfig;
  readonly emulators: EmulatorSet;
  readonly receiver: Receiver;
  /** A `jobs:read notifications:write` token of every account. */
  readonly token: string;
  /** Start one more compiled gateway on the store (killed after the file); `events`: it reads the demo's event queues. */
  start(options?: { events?: boolean }): Promise<LiveProcess>;
  /** Make a WEBHOOK rule on `replica` firing on AWS Batch jobs' FAILED, its secret given to the receiver; its ID. */
  failedRule(replica: LiveProcess): Promise<string>;
}

/**
 * Compiled gateways (bin/jobgraph.mjs, live mode) against the emulators, on the store `fresh` makes,
 * delivering to a receiver on 127.0.0.1 that verifies with the `standardwebhooks` package; all of
 * it started before the file's tests and stopped after (each gateway with SIGKILL).
 */
export function useNotifyingReplicas(fresh: () => Promise<HistoryStoreConfig>): NotifyingReplicas {
  const replicas: LiveProcess[] = [];
  const held = {} as { store: HistoryStoreConfig; emulators: EmulatorSet; receiver: Receiver };
  let token = '';
  beforeAll(async () => {
    held.store = await fresh();
    held.emulators = await startEmulators();
    held.receiver = await startReceiver();
    token = await mintToken({
      secret: SHARED_SECRET,
      scopes: ['jobs:read', 'notifications:write'],
      accounts: ['*'],
    });
  });
  afterAll(async () => {
    for (const r of replicas) await kill(r.child);
    await held.emulators?.close();
    await held.receiver?.close();
  });
  return {
    get store() {
      return held.store;
    },
    get emulators() {
      return held.emulators;
    },
    get receiver() {
      return held.receiver;
    },
    get token() {
      return token;
    },
    async start(options = {}) {
      const all = emulatorEnvironment(held.emulators);
      const replica = await startLiveProcess({
        ...replicaEnv(held.emulators, null, 500),
        ...(options.events ? { JOBGRAPH_EVENT_QUEUES: all.JOBGRAPH_EVENT_QUEUES! } : {}),
        JOBGRAPH_HISTORY_URL: historyUrlOf(held.store),
        JOBGRAPH_NOTIFY_SECRET: 'a notification sealing key shared by every replica',
        JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
        JOBGRAPH_CACHE_MAX_ENTRIES: '0',
        // An upstream attempt's timeout and budget as bounds for a hang only: on busy cores an
        // emulator's answer can take past the 5 s default, and a retried DescribeJobs is a call
        // the tests that count them did not make.
        JOBGRAPH_UPSTREAM_TIMEOUT_MS: '60000',
        JOBGRAPH_UPSTREAM_BUDGET_MS: '120000',
      });
      replicas.push(replica);
      return replica;
    },
    async failedRule(replica) {
      const created = await gqlAt(
        replica,
        token,
        `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { secret rule { id } } }`,
        {
          input: {
            name: 'failed',
            filter: { providers: ['AWS_BATCH'] },
            on: ['FAILED'],
            target: { kind: 'WEBHOOK', url: held.receiver.url },
          },
        },
      );
      expect(created.errors).toBeUndefined();
      held.receiver.secret = created.data!.createNotificationRule.secret as string;
      return created.data!.createNotificationRule.rule.id as string;
    },
  };
}
