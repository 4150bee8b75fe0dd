import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { DEMO_DATA, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader } from '../../src/history/reader.ts';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';

// The compiled gateway (live mode, bin/jobgraph.mjs) against emulators that outlive it (issue
// #72): a Batch job read once, the process killed with SIGKILL once the change is in the store,
// the job forgotten by Batch, and a new process on the same store answers it from the history.

const QUERY = `query($id: ID!) { job(id: $id) { id state retained lastConfirmedAt
  transitions { from to providerStatus source } } }`;

async function ask(replica: LiveProcess, token: string, id: string) {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { id } }),
  });
  return (await res.json()) as { data?: { job?: Record<string, any> | null }; errors?: unknown };
}

for (const { name, skip, fresh } of historyStores()) {
  describe.skipIf(skip)(`A gateway killed and started again on a ${name}`, () => {
    let store: HistoryStoreConfig;
    let emulators: EmulatorSet;
    let token: string;
    const replicas: LiveProcess[] = [];
    const start = async () => {
      const replica = await startLiveProcess({
        ...replicaEnv(emulators, null, 500),
        JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      });
      replicas.push(replica);
      return replica;
    };
    beforeAll(async () => {
      store = await fresh();
      emulators = await startEmulators();
      token = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    });
    afterAll(async () => {
      for (const r of replicas) await kill(r.child);
      await emulators?.close();
    });

    it('answers a job AWS Batch no longer knows with retained: true and its transitions', async () => {
      const id = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
      const first = await start();
      const live = await ask(first, token, id);
      expect(live.errors).toBeUndefined();
      expect(live.data?.job).toMatchObject({ id, state: 'SUCCEEDED', retained: false });
      // Written by the first process's group commit: read from the store itself, not waited for
      // by a clock.
      const db = (await openHistoryDatabase(store))!;
      try {
        await vi.waitFor(
          async () => expect(await new HistoryReader(db).retained(id, '*')).not.toBeNull(),
          { timeout: 10_000, interval: 50 },
        );
      } finally {
        await db.close();
      }
      await kill(first.child);
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(emulators.batch.jobs!.forget(id.slice(id.lastIndexOf(':') + 1))).toBe(true);

      const second = await start();
      const kept = await ask(second, token, id);
      expect(kept.errors).toBeUndefined();
      expect(kept.data?.job).toMatchObject({ id, state: 'SUCCEEDED', retained: true });
      expect(kept.data?.job?.lastConfirmedAt).toBeTypeOf('string');
      expect(kept.data?.job?.transitions).toEqual([
        { from: null, to: 'SUCCEEDED', providerStatus: 'SUCCEEDED', source: 'READ' },
      ]);
    });
  });
}
