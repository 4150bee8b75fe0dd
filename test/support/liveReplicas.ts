import { afterAll, beforeAll } from 'vitest';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { kill, replicaEnv } from '../subscriptions/clusterSupport.ts';
import { historyUrlOf } from './historyStores.ts';
import { startLiveProcess, type LiveProcess } from './liveProcess.ts';

/** Two compiled gateways in live mode sharing one history store and one set of emulators. */
export interface LiveReplicas {
  /** The emulators both read. */
  emulators: EmulatorSet;
  /** The history store both write. */
  store: HistoryStoreConfig;
  /** Their environment: a gateway started with it (a restart) is one of them. */
  env: Record<string, string>;
  /** The two, in the order they started. */
  replicas: LiveProcess[];
}

/** The emulators and one compiled gateway in live mode in front of them, once `beforeAll` ran. */
export interface LiveGateway {
  emulators: EmulatorSet;
  gateway: LiveProcess;
}

/**
 * Before all of a suite's tests, the emulators and one gateway (bin/jobgraph.mjs, the compiled
 * dist/) on `replicaEnv` plus `env`; after all, the gateway killed and the emulators closed.
 */
export function useLiveGateway(env: Record<string, string>): LiveGateway {
  const live = {} as LiveGateway;
  beforeAll(async () => {
    live.emulators = await startEmulators();
    live.gateway = await startLiveProcess({ ...replicaEnv(live.emulators, null, 500), ...env });
  });
  afterAll(async () => {
    if (live.gateway) await kill(live.gateway.child);
    await live.emulators?.close();
  });
  return live;
}

/**
 * `query` with `variables` POSTed to `replica` as `token`, with an `idempotency-key` header when
 * `key` is given: the answer's JSON body.
 */
export async function askReplica<T>(
  replica: LiveProcess,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  key?: string,
): Promise<T> {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as T;
}

/**
 * Before all of a suite's tests, a fresh history store (`fresh`), the emulators, and two gateways
 * (bin/jobgraph.mjs, the compiled dist/) on `replicaEnv` plus the store's URL and `env`; after all,
 * the gateways killed and the emulators closed. Its fields are set once the suite's `beforeAll` ran.
 */
export function useLiveReplicas(
  fresh: () => Promise<HistoryStoreConfig>,
  env: Record<string, string>,
): LiveReplicas {
  const live = { env: {}, replicas: [] as LiveProcess[] } as unknown as LiveReplicas;
  beforeAll(async () => {
    live.store = await fresh();
    live.emulators = await startEmulators();
    live.env = {
      ...replicaEnv(live.emulators, null, 500),
      JOBGRAPH_HISTORY_URL: historyUrlOf(live.store),
      ...env,
    };
    live.replicas.push(await startLiveProcess(live.env), await startLiveProcess(live.env));
  });
  afterAll(async () => {
    for (const r of live.replicas) await kill(r.child);
    await live.emulators?.close();
  });
  return live;
}
