import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import type { JobEvent } from '../../../src/datasources/events/envelope.ts';
import { EventQueues } from '../../../src/datasources/events/eventQueues.ts';
import { AwsAccounts } from '../../../src/datasources/shared/accounts.ts';
import { createEmulatorAccounts, DEMO_AWS_ACCOUNT_ID } from '../../../src/emulators/accounts.ts';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '../../../src/emulators/framework.ts';
import { createSqsEmulator } from '../../../src/emulators/sqs/emulator.ts';
import { batchDetail, batchEvent } from '../../support/batchEvents.ts';
import { useStarted } from '../../support/useStarted.ts';

const emulator = createSqsEmulator({ accounts: createEmulatorAccounts() });
const sqs = useStarted(
  'the SQS emulator',
  () => startEmulator(emulator),
  (emu) => emu.close(),
);
let client: SQSClient;
beforeAll(() => {
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
  });
});
afterAll(() => client.destroy());

/** A new queue whose messages come back 1 s after a receive that does not delete them. */
async function queue(name: string): Promise<string> {
  const out = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1' } }),
  );
  return out.QueueUrl as string;
}

/** Event queues reading `url` (an item of JOBGRAPH_EVENT_QUEUES) with the demo account's keys, long polls of 1 s. */
function consumer(url: string, env: Record<string, string> = {}): EventQueues {
  const base = loadConfig(
    { mode: 'live' },
    { JOBGRAPH_EVENT_QUEUES: url, AWS_ENDPOINT_URL_SQS: sqs.url, ...env },
  );
  const config = {
    ...base,
    awsCredentials: { ...DEMO_AWS_CREDENTIALS, accountId: DEMO_AWS_ACCOUNT_ID },
  };
  return new EventQueues({
    config,
    queues: config.events.queues ?? [],
    accounts: new AwsAccounts(config),
    waitSeconds: 1,
  });
}

async function messagesLeft(url: string): Promise<number> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('The job event queues', () => {
  it('lose no event when a consumer stops between receive and delete: another gets it after the visibility timeout', async () => {
    const url = await queue('killed-consumer');
    await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: batchEvent(batchDetail()) }),
    );
    // The first consumer receives the message and stops before its apply ends.
    const first = consumer(url);
    const received = new Promise<void>((resolve) =>
      first.attach(() => {
        resolve();
        return new Promise(() => undefined);
      }),
    );
    first.start();
    await received;
    await first.close();
    expect(await messagesLeft(url)).toBe(1);
    // Another consumer gets it once it is visible again, applies it, and deletes it.
    const second = consumer(url);
    const applied: JobEvent[] = [];
    const got = new Promise<void>((resolve) =>
      second.attach((event) => {
        applied.push(event);
        resolve();
        return Promise.resolve('applied');
      }),
    );
    second.start();
    try {
      await got;
      expect(applied[0]?.meaning.kind).toBe('record');
      for (let i = 0; i < 200 && (await messagesLeft(url)) > 0; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(await messagesLeft(url)).toBe(0);
      expect(second.states()).toEqual([
        { queue: 'default:us-east-1:killed-consumer', state: 'UP', code: null },
      ]);
    } finally {
      await second.close();
    }
  });

  it('says a queue that does not exist is down, and covers no job with it', async () => {
    const gone = consumer(`${sqs.url}/${DEMO_AWS_ACCOUNT_ID}/no-such-queue`);
    const down = new Promise<void>((resolve) => gone.onCoverage(resolve));
    gone.start();
    try {
      await down;
      expect(gone.states()[0]).toMatchObject({ state: 'DOWN' });
      expect(gone.states()[0]?.code).toMatch(/NonExistentQueue|QueueDoesNotExist/);
      expect(gone.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(false);
    } finally {
      await gone.close();
    }
  });

  it('covers the jobs of its account and region, for providers that publish events only, while it is up', async () => {
    const url = await queue('coverage');
    const q = consumer(url);
    const up = new Promise<void>((resolve) => q.onCoverage(resolve));
    q.start();
    try {
      await up;
      expect(q.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(true);
      expect(q.covers('AWS_OMICS', 'default', 'us-east-1')).toBe(true);
      expect(q.covers('AWS_BATCH', 'default', 'eu-west-1')).toBe(false);
      expect(q.covers('AWS_BATCH', 'staging', 'us-east-1')).toBe(false);
      expect(q.covers('AWS_PANORAMA', 'default', 'us-east-1')).toBe(false);
    } finally {
      await q.close();
    }
  });

  it("covers a collector queue's declared accounts in its region, and no other", async () => {
    const url = await queue('collector');
    const q = consumer(`default+staging=${url}`, {
      JOBGRAPH_AWS_ACCOUNTS:
        'staging=arn:aws:iam::210987654321:role/r,prod=arn:aws:iam::111122223333:role/r',
    });
    const up = new Promise<void>((resolve) => q.onCoverage(resolve));
    q.start();
    try {
      await up;
      expect(q.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(true);
      expect(q.covers('AWS_BATCH', 'staging', 'us-east-1')).toBe(true);
      expect(q.covers('AWS_BATCH', 'prod', 'us-east-1')).toBe(false);
      expect(q.covers('AWS_BATCH', 'staging', 'eu-west-1')).toBe(false);
    } finally {
      await q.close();
    }
  });
});
