import { once } from 'node:events';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  type QueueAttributeName,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  createEmulatorAccounts,
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
} from '@jobgraph/emulators/accounts';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import {
  createSqsEmulator,
  SQS_MAX_MESSAGE_BYTES,
  type SqsEmulator,
} from '@jobgraph/emulators/sqs/emulator';
import { md5Hex, type EmulatedQueue } from '@jobgraph/emulators/sqs/queues';
import { createStsEmulator } from '@jobgraph/emulators/sts/emulator';
import { useStarted } from '../../support/useStarted.ts';
import { demoSdkConfig, stagingSession, useSdkClients } from '../../support/sdkClients.ts';
import { signedAws } from '../listClient.ts';
import { sdkFailure } from '../sdkFailure.ts';

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

/** What a call threw (the SDK's exception itself, for its class). */
async function thrownBy(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('The SQS emulator, through @aws-sdk/client-sqs', () => {
  it('creates a queue at a URL on its own address, finds it by name and lists it', async () => {
    const url = await newQueue();
    expect(url).toBe(`${sqs.url}/${DEMO_AWS_ACCOUNT_ID}/test-${queues}`);
    // The same name and attributes again is the same queue; other attributes are QueueNameExists.
    const again = await client().send(new CreateQueueCommand({ QueueName: `test-${queues}` }));
    expect(again.QueueUrl).toBe(url);
    const clash = await sdkFailure(
      client().send(
        new CreateQueueCommand({
          QueueName: `test-${queues}`,
          Attributes: { VisibilityTimeout: '5' },
        }),
      ),
    );
    expect(clash).toMatchObject({ code: 'QueueNameExists', status: 400 });
    const byName = await client().send(new GetQueueUrlCommand({ QueueName: `test-${queues}` }));
    expect(byName.QueueUrl).toBe(url);
    const listed = await client().send(new ListQueuesCommand({ QueueNamePrefix: 'test-' }));
    expect(listed.QueueUrls).toContain(url);
    // Paged: one a page, then the next from the token, in name order.
    await newQueue();
    const first = await client().send(
      new ListQueuesCommand({ QueueNamePrefix: 'test-', MaxResults: 1 }),
    );
    expect(first.QueueUrls).toHaveLength(1);
    const second = await client().send(
      new ListQueuesCommand({
        QueueNamePrefix: 'test-',
        MaxResults: 1,
        NextToken: first.NextToken,
      }),
    );
    expect(second.QueueUrls).toHaveLength(1);
    expect(second.QueueUrls?.[0]).not.toBe(first.QueueUrls?.[0]);
  });

  it('answers queue attributes with SQS’s defaults and its message counts', async () => {
    const url = await newQueue();
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    const out = await client().send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(out.Attributes).toMatchObject({
      VisibilityTimeout: '30',
      MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES),
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      QueueArn: `arn:aws:sqs:us-east-1:${DEMO_AWS_ACCOUNT_ID}:${url.split('/').pop()}`,
    });
    const unknown = await sdkFailure(
      client().send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['Nope' as QueueAttributeName],
        }),
      ),
    );
    expect(unknown).toMatchObject({ code: 'InvalidAttributeName', status: 400 });
  });

  it('sends and receives with MD5s the SDK checks, system attributes and a new receipt handle per receive', async () => {
    const url = await newQueue();
    const body = JSON.stringify({ 'detail-type': 'Batch Job State Change', note: 'ünïcödé ✓' });
    const sent = await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    expect(sent.MD5OfMessageBody).toBe(md5Hex(body));
    const got = await client().send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: [
          'ApproximateReceiveCount',
          'SentTimestamp',
          'ApproximateFirstReceiveTimestamp',
        ],
      }),
    );
    const [message] = got.Messages ?? [];
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: body,
      MD5OfBody: md5Hex(body),
    });
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    const again = await client().send(
      new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(again.Messages?.[0]?.MessageId).toBe(sent.MessageId);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(message?.ReceiptHandle);
  });

  it('wakes a long poll as soon as a message is sent', async () => {
    const url = await newQueue();
    const waiting = pollWaiting(url);
    const poll = client().send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }),
    );
    await waiting;
    const sent = await client().send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }),
    );
    const got = await poll;
    expect(got.Messages?.map((m) => m.MessageId)).toEqual([sent.MessageId]);
  });

  it('answers an empty long poll with no Messages key once its wait is over', async () => {
    const url = await newQueue();
    const got = await client().send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }),
    );
    expect(got.Messages).toBeUndefined();
  });

  it('gives an undeleted message back after its visibility timeout; only the newest receipt handle deletes it', async () => {
    const url = await newQueue();
    const sent = await client().send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }),
    );
    const first = await client().send(
      new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 1 }),
    );
    const firstHandle = first.Messages?.[0]?.ReceiptHandle as string;
    // Invisible now; a long poll sees it come back when the timeout passes.
    const back = await client().send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 20,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(back.Messages?.[0]?.MessageId).toBe(sent.MessageId);
    expect(back.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    // The first receiver's handle is stale: the call succeeds, the message stays.
    await client().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: firstHandle }));
    const counts = await client().send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(counts.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
    await client().send(
      new DeleteMessageCommand({
        QueueUrl: url,
        ReceiptHandle: back.Messages?.[0]?.ReceiptHandle,
      }),
    );
    const after = await client().send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(after.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('changes a message’s visibility by its newest handle; an old handle or a visible message is refused', async () => {
    const url = await newQueue();
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'vis' }));
    const first = await client().send(new ReceiveMessageCommand({ QueueUrl: url }));
    const handle = first.Messages?.[0]?.ReceiptHandle as string;
    await client().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: handle,
        VisibilityTimeout: 0,
      }),
    );
    const notInFlight = await sdkFailure(
      client().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: handle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(notInFlight).toMatchObject({ code: 'MessageNotInflight', status: 400 });
    await client().send(new ReceiveMessageCommand({ QueueUrl: url }));
    const stale = await sdkFailure(
      client().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: handle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(stale).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect(stale.message).toMatch(/receipt handle has expired/);
  });

  it('sends a batch and deletes a batch entry by entry, a bad handle failing alone', async () => {
    const url = await newQueue();
    const sent = await client().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'second' },
          { Id: 'c', MessageBody: 'a \u0000 is no message character' },
        ],
      }),
    );
    expect(sent.Successful?.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'c', SenderFault: true, Code: 'InvalidMessageContents' }),
    ]);
    const got = await client().send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
    );
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(['first', 'second']);
    const [one] = got.Messages ?? [];
    const deleted = await client().send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok', ReceiptHandle: one?.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'not-a-receipt-handle' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'ok' }]);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
    ]);
    const duplicateIds = await sdkFailure(
      client().send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', ReceiptHandle: 'h1' },
            { Id: 'x', ReceiptHandle: 'h2' },
          ],
        }),
      ),
    );
    expect(duplicateIds).toMatchObject({ code: 'BatchEntryIdsNotDistinct', status: 400 });
    const tooMany = await sdkFailure(
      client().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'm' })),
        }),
      ),
    );
    expect(tooMany).toMatchObject({ code: 'TooManyEntriesInBatchRequest', status: 400 });
    const tooLong = await sdkFailure(
      client().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'half', MessageBody: 'x'.repeat(SQS_MAX_MESSAGE_BYTES / 2) },
            { Id: 'more', MessageBody: 'x'.repeat(SQS_MAX_MESSAGE_BYTES / 2 + 1) },
          ],
        }),
      ),
    );
    expect(tooLong).toMatchObject({ code: 'BatchRequestTooLong', status: 400 });
  });

  it('purges a queue', async () => {
    const url = await newQueue();
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone' }));
    await client().send(new PurgeQueueCommand({ QueueUrl: url }));
    const got = await client().send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(got.Messages).toBeUndefined();
  });

  it('refuses what SQS refuses, as the SDK’s exception classes', async () => {
    const url = await newQueue();
    const missing = `${sqs.url}/${DEMO_AWS_ACCOUNT_ID}/no-such-queue`;
    const thrown = await thrownBy(client().send(new ReceiveMessageCommand({ QueueUrl: missing })));
    expect(thrown).toBeInstanceOf(QueueDoesNotExist);
    expect((thrown as QueueDoesNotExist).$metadata.httpStatusCode).toBe(400);
    // The queue lives in its region: another region's endpoint does not have it.
    const elsewhere = await sdkFailure(
      client({ region: 'eu-west-1' }).send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }),
      ),
    );
    expect(elsewhere.code).toBe('QueueDoesNotExist');
    // Thunks, each sent when its turn comes: a call sent early whose refusal arrives before it is
    // awaited would be an unhandled rejection.
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => client().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
        'InvalidParameterValue',
      ],
      [
        () => client().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })),
        'InvalidParameterValue',
      ],
      [
        () =>
          client().send(
            new SendMessageCommand({
              QueueUrl: url,
              MessageBody: 'x'.repeat(SQS_MAX_MESSAGE_BYTES + 1),
            }),
          ),
        'InvalidParameterValue',
      ],
      [
        () =>
          client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0001 char' })),
        'InvalidMessageContents',
      ],
      [
        () => client().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
        'ReceiptHandleIsInvalid',
      ],
      [
        () => client().send(new CreateQueueCommand({ QueueName: 'no spaces allowed' })),
        'InvalidParameterValue',
      ],
    ];
    for (const [call, code] of cases) expect((await sdkFailure(call())).code).toBe(code);
  });

  it('answers QueueDoesNotExist on the wire as SQS does: __type and the query-compatible header', async () => {
    const answer = await signedAws(sqs, {
      service: 'sqs',
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueUrl',
      },
      body: JSON.stringify({ QueueName: 'never-made' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(answer.headers['x-amzn-query-error']).toBe(
      'AWS.SimpleQueueService.NonExistentQueue;Sender',
    );
    expect(JSON.parse(answer.body)).toMatchObject({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
    });
  });

  it('refuses a queue switched to denied with AccessDenied 403 (in process and over HTTP), then lets it in again', async () => {
    const url = await newQueue();
    expect(emulator.deny(url)).toBe(true);
    const thrown = await thrownBy(client().send(new ReceiveMessageCommand({ QueueUrl: url })));
    expect(thrown).toBeInstanceOf(SQSServiceException);
    expect(thrown).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const allow = await fetch(`${sqs.url}/__emulator/queues/denied`, {
      method: 'POST',
      body: JSON.stringify({ queueUrl: url, denied: false }),
    });
    expect(allow.status).toBe(200);
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'in again' }));
    const deny = await fetch(`${sqs.url}/__emulator/queues/denied`, {
      method: 'POST',
      body: JSON.stringify({ queueUrl: url }),
    });
    expect(deny.status).toBe(200);
    expect(
      (await sdkFailure(client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }))))
        .code,
    ).toBe('AccessDenied');
    emulator.deny(url, false);
  });

  it('damages the MD5 of the next messages received when asked (in process and over HTTP), which the SDK’s body check refuses', async () => {
    const url = await newQueue();
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'damaged once' }));
    expect(emulator.corrupt(url, 1)).toBe(true);
    const damaged = await thrownBy(
      client().send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 })),
    );
    expect(String((damaged as Error).message)).toMatch(/checksum|md5/i);
    // Only the next one: received again, its MD5 is its body's.
    const whole = await client().send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(whole.Messages?.[0]?.Body).toBe('damaged once');
    const overHttp = await fetch(`${sqs.url}/__emulator/queues/corrupt`, {
      method: 'POST',
      body: JSON.stringify({ queueUrl: url, count: 2 }),
    });
    expect(overHttp.status).toBe(200);
    expect(
      emulator.store.get('us-east-1', DEMO_AWS_ACCOUNT_ID, url.split('/').pop()!)?.corruptNext,
    ).toBe(2);
    emulator.corrupt(url, 0);
  });

  it('lets an account read its own queue and refuses another account’s caller with AccessDenied', async () => {
    const sts = await startEmulator(createStsEmulator({ accounts }));
    try {
      const stsClient = keep(new STSClient(demoSdkConfig(sts.url)));
      const staging = client({ credentials: await stagingSession(stsClient, 'sqs-test') });
      const own = await staging.send(new CreateQueueCommand({ QueueName: 'staging-own' }));
      expect(own.QueueUrl).toBe(`${sqs.url}/${DEMO_SECOND_AWS_ACCOUNT.accountId}/staging-own`);
      await staging.send(new SendMessageCommand({ QueueUrl: own.QueueUrl, MessageBody: 'mine' }));
      const defaultQueue = await newQueue();
      const refused = await sdkFailure(
        staging.send(new ReceiveMessageCommand({ QueueUrl: defaultQueue })),
      );
      expect(refused).toMatchObject({ code: 'AccessDenied', status: 403 });
      const other = await sdkFailure(
        client().send(new ReceiveMessageCommand({ QueueUrl: own.QueueUrl })),
      );
      expect(other).toMatchObject({ code: 'AccessDenied', status: 403 });
    } finally {
      await sts.close();
    }
  });

  it('refuses a request signed with the wrong secret or for another service', async () => {
    const wrongSecret = await sdkFailure(
      client({
        credentials: { accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
      }).send(new ListQueuesCommand({})),
    );
    expect(wrongSecret).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    const unsigned = await fetch(sqs.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.ListQueues',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
    const otherService = await signedAws(sqs, {
      service: 'sns',
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.ListQueues',
      },
      body: '{}',
    });
    expect(otherService.status).toBe(403);
  });

  it('drops messages older than the queue’s retention period, by the queues’ own clock', async () => {
    let queueNow = Date.now();
    const own = await startEmulator(createSqsEmulator({ accounts, queueClock: () => queueNow }));
    try {
      const c = client({ endpoint: own.url });
      const url = await newQueue({ MessageRetentionPeriod: '60' }, c);
      await c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
      queueNow += 61_000;
      await c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'new' }));
      const got = await c.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
      );
      expect(got.Messages?.map((m) => m.Body)).toEqual(['new']);
    } finally {
      await own.close();
    }
  });

  it('ends a waiting long poll when the emulator closes, leaving no socket open', async () => {
    const own = createSqsEmulator({ accounts });
    const running = await startEmulator(own);
    const c = client({ endpoint: running.url });
    const url = (await c.send(new CreateQueueCommand({ QueueName: 'closing' }))).QueueUrl as string;
    const waiting = once(own.store.events, 'waiting');
    const poll = sdkFailure(
      c.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 })),
    );
    await waiting;
    await running.close();
    // close() resolved, so the server holds no connection; the client's was cut, and its call
    // fails instead of hanging for its 20 s.
    expect((await poll).code).not.toBe('');
  });

  it('drops a long poll whose client went away, so a later message is not handed to it', async () => {
    const url = await newQueue();
    const name = url.split('/').pop();
    const waiting = pollWaiting(url);
    const ended = new Promise<unknown[]>((resolve) => {
      const onEnd = (queue: EmulatedQueue, got: unknown[]) => {
        if (queue.name !== name) return;
        emulator.store.events.off('received', onEnd);
        resolve(got);
      };
      emulator.store.events.on('received', onEnd);
    });
    const abort = new AbortController();
    const poll = sdkFailure(
      client().send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
        abortSignal: abort.signal,
      }),
    );
    await waiting;
    abort.abort();
    await poll;
    expect(await ended).toEqual([]);
    await client().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later' }));
    const got = await client().send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });
});
