import { BatchClient } from '@aws-sdk/client-batch';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  demoEventQueueUrls,
  startEmulators,
  type EmulatorSet,
  type EventBridgeEvent,
} from '@jobgraph/emulators';
import { demoSdkConfig, useSdkClients } from './sdkClients.ts';
import { drainQueue } from './sqsQueues.ts';
import { useStarted } from './useStarted.ts';

/**
 * The whole emulator set a test file runs against, on the clock the file keeps (`clock.now`, its
 * epoch `clock.epochMs`; without one, the machine's): started before the file's first test and closed after its last. Its real SDK clients
 * are made through `keep` (destroyed after the last test, before the set closes): `batch()` signs
 * at the set's clock, `sqs()` on the demo keys; `defaultEvents()` answers the events on the
 * default account's queue now (deleted as read).
 */
export function useClockedEmulators(clock?: { now: () => number; epochMs: number }) {
  const now = clock?.now;
  const set: EmulatorSet = useStarted(
    'the emulator set',
    () => startEmulators(clock ?? {}),
    (s) => s.close(),
  );
  // Registered after the set's afterAll: destroyed first (after hooks run as a stack).
  const keep = useSdkClients();
  const sqs = () => keep(new SQSClient(demoSdkConfig(set.sqs.url)));
  return {
    set,
    keep,
    sqs,
    batch: () =>
      keep(
        new BatchClient({
          ...demoSdkConfig(set.batch.url),
          systemClockOffset: now ? now() - Date.now() : 0,
        }),
      ),
    defaultEvents: (): Promise<EventBridgeEvent[]> =>
      drainQueue<EventBridgeEvent>(sqs(), demoEventQueueUrls(set.sqs.url).default),
  };
}
