// Chat that groups a storm (issue 101, item 3), through the real gateway on the emulators, its
// SQLite history and two receivers on 127.0.0.1: 30 AWS Batch jobs (submitted with
// @aws-sdk/client-batch) fail within seconds under a SLACK rule on jobgraph's default window and a
// WEBHOOK rule beside it. Slack gets one or two messages whose counts name all 30; the webhook gets
// 30 events, each verified with `standardwebhooks`.
import {
  BatchClient,
  DescribeJobsCommand,
  SubmitJobCommand,
  type JobDetail,
} from '@aws-sdk/client-batch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { BATCH_JOB_IDS, ETL_QUEUE } from '@jobgraph/emulators/batch/data';
import { demoSdkConfig } from '../support/sdkClients.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';
import { failedBatchInput, failedBatchRule } from './notifyingGateway.ts';

const STORM = 30;
let slack: Receiver;
let webhook: Receiver;
beforeAll(async () => {
  [slack, webhook] = await Promise.all([startReceiver(), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([slack?.close(), webhook?.close()]);
});
const gw = useTestGateway(() => ({ JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*' }));

let batch: BatchClient;
beforeAll(() => {
  batch = new BatchClient(demoSdkConfig(gw.emulators.batch.url));
});
afterAll(() => batch?.destroy());

const idOf = (job: string) => `batch:us-east-1:${job}`;

/** Reads `ids` through the graph (one request): what the job-state store, the history and the rules hear. */
async function read(ids: string[]): Promise<string[]> {
  const res = await gql(gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id state } }', {
    variables: { ids },
    token: gw.tokens.read,
  });
  expect(res.body.errors).toBeUndefined();
  return (res.body.data!.jobs as { state: string }[]).map((j) => j.state);
}

describe('A storm of failures under a SLACK rule', () => {
  it('goes to Slack as one or two messages naming all 30, and to a webhook as 30 events', async () => {
    const token = await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]);
    const made = await gql(
      gw,
      `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { rule { id groupWindowSeconds } } }`,
      {
        token,
        variables: { input: failedBatchInput(slack.url, 'SLACK', 'etl storm') },
      },
    );
    expect(made.body.errors).toBeUndefined();
    // jobgraph's default: a 30-second window.
    expect(made.body.data!.createNotificationRule.rule.groupWindowSeconds).toBe(30);
    await failedBatchRule(gw, webhook);

    const template = (await batch.send(new DescribeJobsCommand({ jobs: [BATCH_JOB_IDS.failed] })))
      .jobs![0] as JobDetail;
    const ids: string[] = [];
    for (let i = 0; i < STORM; i++) {
      const out = await batch.send(
        new SubmitJobCommand({
          jobName: `etl-shard-${i}`,
          jobQueue: ETL_QUEUE.jobQueueName,
          jobDefinition: template.jobDefinition!,
        }),
      );
      ids.push(idOf(out.jobId!));
    }
    expect(new Set(await read(ids))).toEqual(new Set(['QUEUED']));

    // All 30 fail at Batch within a moment, and a read shows it.
    for (const id of ids)
      gw.emulators.batch.jobs?.changeState(id.split(':').at(-1)!, 'FAILED', {
        statusReason: 'Essential container in task exited',
      });
    expect(new Set(await read(ids))).toEqual(new Set(['FAILED']));

    const mine = (r: { body: string }) => JSON.stringify(JSON.parse(r.body)).includes('etl');
    // The window's end comes on the real clock (at most 30 s): the outbox's own timer sends it.
    await vi.waitFor(
      () => {
        const events = webhook.received.filter(mine);
        expect(events).toHaveLength(STORM);
        const named = slack.received
          .filter(mine)
          .map((r) => JSON.parse(r.body) as { text: string })
          .map((m) => Number(/^(\d+) jobs? failed/.exec(m.text)?.[1] ?? 0));
        expect(named.reduce((a, b) => a + b, 0)).toBe(STORM);
      },
      { timeout: 75_000, interval: 250 },
    );
    const messages = slack.received.filter(mine);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(2);
    const first = JSON.parse(messages[0]!.body) as { text: string; blocks: unknown[] };
    expect(first.text).toMatch(/^\d+ jobs failed \(rule "etl storm"\)$/);
    expect(JSON.stringify(first.blocks)).toContain('*By queue:*');
    expect(JSON.stringify(first.blocks)).toContain('…and ');
    // A webhook stays one event a delivery, each verified.
    expect(webhook.received.filter(mine).every((r) => r.verified)).toBe(true);
  });
});
