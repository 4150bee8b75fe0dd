import { once } from 'node:events';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_ACCOUNT_ID, DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { DEMO_AWS_CREDENTIALS, startEmulator } from '@jobgraph/emulators/framework';
import { createSqsEmulator, SQS_MAX_MESSAGE_BYTES } from '@jobgraph/emulators/sqs/emulator';
import type { EmulatedQueue } from '@jobgraph/emulators/sqs/queues';
import { createStsEmulator } from '@jobgraph/emulators/sts/emulator';
import { demoSdkConfig, stagingSession } from '../../support/sdkClients.ts';
import { signedAws } from '../listClient.ts';
import { sdkFailure } from '../sdkFailure.ts';
import { thrownBy, useSqsEmulator } from './sqsEmulator.ts';

const { accounts, emulator, sqs, keep, client, newQueue, pollWaiting } = useSqsEmulator();

describe('The SQS emulator, through @aws-sdk/client-sqs', () => {
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
