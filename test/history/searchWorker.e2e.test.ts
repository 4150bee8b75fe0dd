// The compiled gateway (bin/jobgraph.mjs on dist/) runs a SQLite history search on its worker
// thread: the worker's script is found beside the compiled module (sqliteSearchWorker.js), where
// the unit tests run it from src/ (sqliteSearchWorker.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { kill, replicaEnv, SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { storeManyJobs } from '../support/manyJobs.ts';

const SEARCH = `query($filter: JobHistoryFilter) { jobHistory(filter: $filter, first: 5) { edges { node { id } } } }`;

const sqlite = historyStores()[0]!;

describe('The compiled gateway on a SQLite history', () => {
  let store: HistoryStoreConfig;
  let emulators: EmulatorSet;
  let token: string;
  const gateways: LiveProcess[] = [];
  beforeAll(async () => {
    store = await sqlite.fresh();
    await storeManyJobs(store, 20_000);
    emulators = await startEmulators();
    token = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
  });
  afterAll(async () => {
    for (const g of gateways) await kill(g.child);
    await emulators?.close();
  });
  const ask = async (gateway: LiveProcess, filter: Record<string, unknown>) => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: SEARCH, variables: { filter } }),
    });
    return (await res.json()) as {
      data?: { jobHistory: { edges: { node: { id: string } }[] } };
      errors?: { message: string; extensions: Record<string, unknown> }[];
    };
  };

  it('answers a text search from its worker thread, and stops one past its time limit', async () => {
    const gateway = await startLiveProcess({
      ...replicaEnv(emulators, null, 500),
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
    });
    gateways.push(gateway);
    const found = await ask(gateway, { text: 'NIGHTLY-ETL-1999' });
    expect(found.errors).toBeUndefined();
    expect(found.data?.jobHistory.edges.map((e) => e.node.id)).toEqual([
      'batch:us-east-1:many-19999',
      'batch:us-east-1:many-19998',
      'batch:us-east-1:many-19997',
      'batch:us-east-1:many-19996',
      'batch:us-east-1:many-19995',
    ]);

    const tight = await startLiveProcess({
      ...replicaEnv(emulators, null, 500),
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS: '1',
    });
    gateways.push(tight);
    const stopped = await ask(tight, { states: ['FAILED'] });
    expect(stopped.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'filter',
      timeoutMs: 1,
    });
  });
});
