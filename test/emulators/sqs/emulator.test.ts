import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { SQS_MAX_MESSAGE_BYTES } from '@jobgraph/emulators/sqs/emulator';
import { md5Hex } from '@jobgraph/emulators/sqs/queues';
import { sdkFailure } from '../sdkFailure.ts';
import { useSqsEmulator } from './sqsEmulator.ts';

const { sqs, client, newQueue, queuesMade, pollWaiting } = useSqsEmulator();

describe('The SQS emulator, through @aws-sdk/client-sqs', () => {
  it('creates a queue at a URL on its own address, finds it by name and lists it', async () => {
    const url = await newQueue();
    const queues = queuesMade();
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
});
