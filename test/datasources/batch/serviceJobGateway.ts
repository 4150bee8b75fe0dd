import { BatchClient } from '@aws-sdk/client-batch';
import { afterAll, beforeAll } from 'vitest';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { kill, replicaEnv } from '../../subscriptions/clusterSupport.ts';
import { startLiveProcess, type LiveProcess } from '../../support/liveProcess.ts';
import { demoSdkConfig } from '../../support/sdkClients.ts';

/** The emulators, the compiled gateway in front of them and a BatchClient, once `beforeAll` ran. */
export interface ServiceJobGateway {
  emulators: EmulatorSet;
  gateway: LiveProcess;
  /** @aws-sdk/client-batch on the emulators, signing at their clock. */
  sdk: BatchClient;
  /** A GraphQL `query` POSTed to the gateway as `token`: the answer's JSON body. */
  graph<T>(token: string, query: string): Promise<T>;
}

/**
 * Before all of a suite's tests, the emulators on `clock`, then (after `started`, which may move
 * the clock) one gateway in live mode (bin/jobgraph.mjs, the compiled dist/) on `replicaEnv` plus
 * `env`, and a BatchClient signing at the clock; after all, each closed.
 */
export function useServiceJobGateway(
  clock: { now: () => number; epochMs: number },
  env: Record<string, string>,
  started: () => void = () => {},
): ServiceJobGateway {
  const live = {
    graph: async (token: string, query: string) => {
      const res = await fetch(live.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return await res.json();
    },
  } as ServiceJobGateway;
  beforeAll(async () => {
    live.emulators = await startEmulators(clock);
    started();
    live.gateway = await startLiveProcess({ ...replicaEnv(live.emulators, null, 500), ...env });
    live.sdk = new BatchClient({
      ...demoSdkConfig(live.emulators.batch.url),
      systemClockOffset: clock.now() - Date.now(),
    });
  });
  afterAll(async () => {
    live.sdk?.destroy();
    if (live.gateway) await kill(live.gateway.child);
    await live.emulators?.close();
  });
  return live;
}
