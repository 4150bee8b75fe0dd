// The SQS emulator the SQS test files drive: started once per file, with the real SDK client
// against it, fresh queues, and a wait for a long poll to start.
import { CreateQueueCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { createEmulatorAccounts } from '@jobgraph/emulators/accounts';
import { startEmulator, type RunningEmulator } from '@jobgraph/emulators/framework';
import { createSqsEmulator, type SqsEmulator } from '@jobgraph/emulators/sqs/emulator';
import type { EmulatedQueue } from '@jobgraph/emulators/sqs/queues';
import { useStarted } from '../../support/useStarted.ts';
import { demoSdkConfig, useSdkClients } from '../../support/sdkClients.ts';

/** What a call threw (the SDK's exception itself, for its class). */
export async function thrownBy(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** Starts the SQS emulator for the calling file (closed after it) and the helpers over it. */
export function useSqsEmulator() {
  const accounts = createEmulatorAccounts();
  const emulator: SqsEmulator = createSqsEmulator({ accounts });
  const sqs: RunningEmulator = useStarted(
    'the SQS emulator',
    () => startEmulator(emulator),
    (emu) => emu.close(),
  );

  const keep = useSdkClients();

  /** The real SQS client of the AWS SDK v3 against the emulator, on its defaults (MD5 checks on). */
  function client(config: Partial<SQSClientConfig> = {}): SQSClient {
    return keep(new SQSClient({ ...demoSdkConfig(sqs.url), ...config }));
  }

  let queues = 0;
  /** A fresh queue of the demo account, by the SDK's CreateQueue (through `c`, default the file's emulator). */
  async function newQueue(attributes: Record<string, string> = {}, c = client()): Promise<string> {
    queues += 1;
    const out = await c.send(
      new CreateQueueCommand({ QueueName: `test-${queues}`, Attributes: attributes }),
    );
    return out.QueueUrl as string;
  }

  /** Resolves when a long poll on the queue of `url` starts to wait. */
  function pollWaiting(url: string): Promise<void> {
    const name = url.split('/').pop();
    return new Promise((resolve) => {
      const onWait = (queue: EmulatedQueue) => {
        if (queue.name !== name) return;
        emulator.store.events.off('waiting', onWait);
        resolve();
      };
      emulator.store.events.on('waiting', onWait);
    });
  }

  /** How many queues newQueue made: the last one is named `test-${queuesMade()}`. */
  const queuesMade = () => queues;

  return { accounts, emulator, sqs, keep, client, newQueue, queuesMade, pollWaiting };
}
