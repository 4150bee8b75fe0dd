import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll } from 'vitest';
import { createEmulatorAccounts } from '@jobgraph/emulators/accounts';
import { startEmulator, type RecordedCall } from '@jobgraph/emulators/framework';
import { createSqsEmulator } from '@jobgraph/emulators/sqs/emulator';
import { demoSdkConfig } from './sdkClients.ts';
import { useStarted } from './useStarted.ts';

/**
 * An `@aws-sdk/client-sqs` client as a shell that sourced `jobgraph demo --print-env` makes it:
 * its region, SQS endpoint and keys all from `env`, none written in the test.
 */
export function sqsClientOfEnv(env: Record<string, string | undefined>): SQSClient {
  const v = (name: string) => env[name] as string;
  return new SQSClient({
    region: v('AWS_REGION'),
    endpoint: v('AWS_ENDPOINT_URL_SQS'),
    credentials: {
      accessKeyId: v('AWS_ACCESS_KEY_ID'),
      secretAccessKey: v('AWS_SECRET_ACCESS_KEY'),
    },
  });
}

/**
 * The SQS emulator a test file (or `describe` block) sends job events through: started before its
 * first test and closed after its last, with one `@aws-sdk/client-sqs` client on the demo keys
 * (`client`, made at first use and destroyed at the end) and `queue(name, attributes)`, which
 * creates a queue through that client and answers its URL. `emulator` is the emulator itself, for
 * its test switches (`deny`, …); `calls`, the calls it answered (ReceiveMessage counted there).
 */
export function useSqsEmulator() {
  const emulator = createSqsEmulator({ accounts: createEmulatorAccounts() });
  const started = useStarted(
    'the SQS emulator',
    () => startEmulator(emulator),
    (emu) => emu.close(),
  );
  let client: SQSClient | undefined;
  afterAll(() => client?.destroy());
  const sqs = {
    emulator,
    get url(): string {
      return started.url;
    },
    /** The calls the emulator answered (and those a client gave up on), oldest first. */
    get calls(): RecordedCall[] {
      return started.calls;
    },
    get client(): SQSClient {
      return (client ??= new SQSClient(demoSdkConfig(started.url)));
    },
    async queue(name: string, attributes?: Record<string, string>): Promise<string> {
      const out = await sqs.client.send(
        new CreateQueueCommand({
          QueueName: name,
          ...(attributes ? { Attributes: attributes } : {}),
        }),
      );
      return out.QueueUrl as string;
    },
  };
  return sqs;
}

/** Messages in the queue at `queueUrl`, visible or not (in flight), as SQS counts them. */
export async function messagesIn(client: SQSClient, queueUrl: string): Promise<number> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

/** Every message on the queue at `url` now (deleted as read), bodies parsed, in the order received. */
export async function drainQueue<T>(client: SQSClient, url: string): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const got = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) return out;
    out.push(...messages.map((m) => JSON.parse(m.Body as string) as T));
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}
