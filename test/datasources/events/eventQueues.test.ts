import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import type { JobEvent } from '../../../src/datasources/events/envelope.ts';
import { EventQueues, type EventObserver } from '../../../src/datasources/events/eventQueues.ts';
import { REJECTIONS_OFF } from '../../../src/datasources/events/coverage.ts';
import { AwsAccounts } from '../../../src/datasources/shared/accounts.ts';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { batchDetail, batchEvent } from '../../support/batchEvents.ts';
import { EVENTUALLY } from '../../support/eventually.ts';
import { messagesIn, useSqsEmulator } from '../../support/sqsQueues.ts';

const sqs = useSqsEmulator();
const emulator = sqs.emulator;
let client: SQSClient;
beforeAll(() => {
  client = sqs.client;
});

/** A new queue whose messages come back `visibility` s (default 1) after a receive that does not delete them. */
function queue(name: string, visibility = 1): Promise<string> {
  return sqs.queue(name, { VisibilityTimeout: String(visibility) });
}

/** Event queues reading `url` (an item of JOBGRAPH_EVENT_QUEUES) with the demo account's keys, long polls of 1 s. */
function consumer(
  url: string,
  env: Record<string, string> = {},
  observer?: EventObserver,
  maxReceives?: number,
): EventQueues {
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
    ...(observer ? { observer } : {}),
    ...(maxReceives === undefined ? {} : { maxReceives }),
  });
}

/** Wait for `check` to hold (the queues work on the real clock). */
const until = (check: () => boolean | Promise<boolean>) =>
  vi.waitFor(async () => expect(await check()).toBe(true), EVENTUALLY);

/** Messages in the queue at `url`, visible or in flight. */
const messagesLeft = (url: string): Promise<number> => messagesIn(client, url);

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
      await vi.waitFor(async () => expect(await messagesLeft(url)).toBe(0), EVENTUALLY);
      expect(second.states()).toEqual([
        { queue: 'default:us-east-1:killed-consumer', state: 'UP', code: null },
      ]);
    } finally {
      await second.close();
    }
  });

  it('refuses a message whose MD5 does not match alone: the others of its receive are applied at once, and it is applied whole when it comes back', async () => {
    const url = await queue('damaged-body');
    const bodies = ['first', 'second', 'third'].map((jobName) =>
      batchEvent(batchDetail({ jobName })),
    );
    for (const body of bodies)
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    // The first message the consumer receives arrives damaged.
    expect(emulator.corrupt(url, 1)).toBe(true);
    const rejected: string[] = [];
    const q = consumer(url, {}, { rejected: (_queue, reason) => rejected.push(reason) });
    const applied: string[] = [];
    const all = new Promise<void>((resolve) =>
      q.attach((event) => {
        if (event.meaning.kind === 'record')
          applied.push((event.meaning.record as { jobName?: string }).jobName ?? '');
        if (applied.length === 3) resolve();
        return Promise.resolve('applied');
      }),
    );
    q.start();
    try {
      await all;
      // Read in one receive, the two whole ones were applied before the damaged one came back.
      expect(rejected).toEqual(['body checksum mismatch']);
      expect(applied.slice(0, 2)).toEqual(['second', 'third']);
      expect(applied[2]).toBe('first');
      await vi.waitFor(async () => expect(await messagesLeft(url)).toBe(0), EVENTUALLY);
    } finally {
      await q.close();
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

  it('covers a provider of its account and region once an event of it is applied, until the queue goes down', async () => {
    const url = await queue('coverage');
    const q = consumer(url);
    q.attach(() => Promise.resolve('applied'));
    const up = new Promise<void>((resolve) => q.onCoverage(resolve));
    q.start();
    try {
      await up;
      // Readable, but no event of any provider applied yet: nothing is live by events.
      expect(q.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(false);
      expect(q.coverage()).toContainEqual({
        provider: 'AWS_BATCH',
        account: 'default',
        region: 'us-east-1',
        live: false,
        reason: 'NO_EVENT',
      });
      await client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: batchEvent(batchDetail()) }),
      );
      await until(() => q.covers('AWS_BATCH', 'default', 'us-east-1'));
      // Batch's event says nothing of HealthOmics, nor of another region, account or provider.
      expect(q.covers('AWS_OMICS', 'default', 'us-east-1')).toBe(false);
      expect(q.covers('AWS_BATCH', 'default', 'eu-west-1')).toBe(false);
      expect(q.covers('AWS_BATCH', 'staging', 'us-east-1')).toBe(false);
      expect(q.covers('AWS_PANORAMA', 'default', 'us-east-1')).toBe(false);
      expect(q.lastApplied()).toEqual([
        { queue: 'default:us-east-1:coverage', provider: 'AWS_BATCH', at: expect.any(Number) },
      ]);
      // Its message deleted first: a delete the denial refused would bring it back after the
      // visibility timeout (at least once), applied again once the queue is readable.
      await until(async () => (await messagesLeft(url)) === 0);
      emulator.deny(url, true);
      await until(() => q.states()[0]?.state === 'DOWN');
      expect(q.coverage()).toContainEqual(
        expect.objectContaining({ provider: 'AWS_BATCH', live: false, reason: 'QUEUE_DOWN' }),
      );
      // Readable again: not live until a new event of Batch is applied.
      emulator.deny(url, false);
      await until(() => q.states()[0]?.state === 'UP');
      expect(q.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(false);
      expect(q.coverage()).toContainEqual(
        expect.objectContaining({ provider: 'AWS_BATCH', live: false, reason: 'QUEUE_DOWN' }),
      );
      await client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: batchEvent(batchDetail()) }),
      );
      await until(() => q.covers('AWS_BATCH', 'default', 'us-east-1'));
    } finally {
      emulator.deny(url, false);
      await q.close();
    }
  });

  it("turns a provider's coverage off once REJECTIONS_OFF of its events in a row cannot be read", async () => {
    const url = await queue('coverage-rejected');
    const q = consumer(url);
    q.attach(() => Promise.resolve('applied'));
    q.start();
    try {
      await client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: batchEvent(batchDetail()) }),
      );
      await until(() => q.covers('AWS_BATCH', 'default', 'us-east-1'));
      // A Batch event whose detail names no job (an AWS field change, say): rejected by the decoder.
      const unreadable = batchEvent(batchDetail({ jobId: undefined, jobArn: undefined }));
      for (let i = 1; i < REJECTIONS_OFF; i++)
        await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: unreadable }));
      await until(async () => (await messagesLeft(url)) === 0);
      expect(q.covers('AWS_BATCH', 'default', 'us-east-1')).toBe(true);
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: unreadable }));
      await until(() => !q.covers('AWS_BATCH', 'default', 'us-east-1'));
      expect(q.coverage()).toContainEqual(
        expect.objectContaining({ provider: 'AWS_BATCH', live: false, reason: 'REJECTED' }),
      );
    } finally {
      await q.close();
    }
  });

  it('rejects and deletes a message whose apply keeps failing once SQS has handed it out more than maxReceives times, unread', async () => {
    // Visible again at once after each failed apply: the receive count is what ends it.
    const url = await queue('poison', 0);
    await client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: batchEvent(batchDetail()) }),
    );
    const rejections: string[] = [];
    const outcomes: (string | null)[] = [];
    let rejected!: () => void;
    const done = new Promise<void>((resolve) => (rejected = resolve));
    const q = consumer(
      url,
      {},
      {
        rejected: (_queue, reason) => {
          rejections.push(reason);
          rejected();
        },
        outcome: (provider, outcome) => outcomes.push(`${provider ?? 'none'}:${outcome}`),
      },
      3,
    );
    let applies = 0;
    q.attach(() => {
      applies += 1;
      return Promise.reject(new Error('the sink fails'));
    });
    q.start();
    try {
      await done;
      // Applied on its first three receives; the fourth rejects it without reading it.
      expect(applies).toBe(3);
      expect(rejections).toEqual(['received more than 3 times']);
      expect(outcomes).toEqual(['none:rejected']);
      await vi.waitFor(async () => expect(await messagesLeft(url)).toBe(0), EVENTUALLY);
      expect(applies).toBe(3);
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
      // What it may cover: each provider that publishes events, for each declared account, in its region.
      expect(
        q
          .coverage()
          .filter((c) => c.provider === 'AWS_BATCH' && c.kind === undefined)
          .map((c) => `${c.account}/${c.region}`),
      ).toEqual(['default/us-east-1', 'staging/us-east-1']);
      expect(q.covers('AWS_BATCH', 'prod', 'us-east-1')).toBe(false);
      expect(q.covers('AWS_BATCH', 'staging', 'eu-west-1')).toBe(false);
    } finally {
      await q.close();
    }
  });
});
